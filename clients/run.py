"""The API's real clients against a live server: the TypeScript client and a headless browser.

Run: .venv/bin/python clients/run.py [--allow-type-errors] [--port N] [--origin-port N]; docs/ci.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw  # noqa: E402

from testsupport.liveserver import (  # noqa: E402
    LiveServer,
    free_port,
    manage,
    production_env,
    stop_process,
)

TYPESCRIPT = ROOT / "clients" / "typescript"
BROWSER = ROOT / "clients" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NPM_TIMEOUT_S = 300
STEP_TIMEOUT_S = 180
WORKER_STOP_TIMEOUT_S = 15
PASSWORD = secrets.token_urlsafe(16)
DEPOSIT_AMOUNT = "25.00"
# The flows generate twice and expect the third to be refused (429, Retry-After).
AI_DAILY_LIMIT = 2
AUTH_LIMIT = 6

SEED = f"""
import json
from decimal import Decimal
from django.core.files.base import ContentFile
from accounts.models import User
from core import services
from core.models import Category, Product
from testsupport.files import image_bytes

User.objects.create_user(email="client-user@example.com", password={PASSWORD!r})
User.objects.create_superuser(email="client-staff@example.com", password={PASSWORD!r})
depositor = User.objects.create_user(email="client-depositor@example.com", password={PASSWORD!r})
category = Category.objects.create(name="Rigs", slug="rigs")
for name, slug, colour in (
    ("Antminer S21", "antminer-s21", "#c0392b"), ("Cooling rack", "cooling-rack", "#2980b9")
):
    Product.objects.create(
        name=name, slug=slug, price=Decimal("250.00"), stock=100, category=category,
        image=ContentFile(image_bytes("JPEG", (320, 240), colour), name="rig.jpg"),
    )
deposit = services.deposit_create(
    user=depositor, amount=Decimal({DEPOSIT_AMOUNT!r}), method="crypto", reference="0xseed",
    proof=ContentFile(image_bytes("PNG", (200, 120), "#27ae60"), name="proof.png"),
)
print(json.dumps({{"deposit": deposit.id}}))
"""


class Failures:
    """Steps run in order; a failed step is recorded and the run goes on where it can."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.timings: list[tuple[str, float, bool]] = []

    def run(self, name: str, command: list[str], *, cwd: Path, timeout: float = STEP_TIMEOUT_S):
        print(f"\n### {name}", flush=True)
        started = time.monotonic()
        try:
            code = subprocess.run(command, cwd=cwd, timeout=timeout, check=False).returncode  # noqa: S603
        except subprocess.TimeoutExpired:
            print(f"{name}: exceeded {timeout} s", flush=True)
            code = -1
        elapsed = time.monotonic() - started
        self.timings.append((name, elapsed, code == 0))
        if code != 0:
            self.failed.append(name)
        print(f"### {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {elapsed:.1f} s")
        return code == 0


def write_images(folder: Path) -> dict[str, str]:
    """A photo, a screenshot and a banner, drawn here: the repository carries no binaries."""
    files = {"photo": folder / "photo.jpg", "screenshot": folder / "proof.png"}
    files["banner"] = folder / "banner.jpg"
    photo = Image.new("RGB", (640, 480), "#34495e")
    ImageDraw.Draw(photo).ellipse((160, 80, 480, 400), fill="#f1c40f")
    photo.save(files["photo"], "JPEG", quality=85)
    screenshot = Image.new("RGBA", (390, 844), "#ffffff")
    ImageDraw.Draw(screenshot).rectangle((20, 300, 370, 360), fill="#2ecc71")
    screenshot.save(files["screenshot"], "PNG")
    Image.new("RGB", (1200, 300), "#8e44ad").save(files["banner"], "JPEG", quality=85)
    return {name: str(path) for name, path in files.items()}


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def main() -> int:
    # `timeout` (CI) sends SIGTERM: unwind, so the finally blocks stop gunicorn and the worker.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allow-type-errors", action="store_true", help="report tsc errors only")
    parser.add_argument("--port", type=int, default=0, help="the API's port (default: a free one)")
    parser.add_argument("--origin-port", type=int, default=0, help="the other origin's port")
    args = parser.parse_args()
    if not shutil.which("node") or not shutil.which("npm"):
        print("clients: node and npm are needed (Node.js 20 or later)", file=sys.stderr)
        return 1
    started = time.monotonic()
    steps = Failures()
    node = shutil.which("node")
    npm = shutil.which("npm")
    steps.run(
        "npm ci (clients/typescript)",
        [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
        cwd=TYPESCRIPT,
        timeout=NPM_TIMEOUT_S,
    )
    steps.run(
        "npm ci (clients/browser)",
        [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
        cwd=BROWSER,
        timeout=NPM_TIMEOUT_S,
    )
    if steps.failed:
        return report(steps, started)

    origin_port = args.origin_port or free_port()
    with tempfile.TemporaryDirectory(prefix="clients-") as tmp:
        folder = Path(tmp)
        env = production_env(
            folder,
            AI_DAILY_LIMIT=str(AI_DAILY_LIMIT),
            # Four sign-ins from this address precede the page that provokes a 429 (each attempt
            # hashes a password, about a second on a busy core): a low limit keeps that short.
            AUTH_THROTTLE_RATE=f"{AUTH_LIMIT}/min",
            CORS_ALLOWED_ORIGINS=f"http://127.0.0.1:{origin_port}",
            # Plain http on loopback: the admin's cookies cannot be HTTPS-only here.
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
        )
        print("\n### migrate, collectstatic, seed", flush=True)
        prepared = time.monotonic()
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        seeded = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
        steps.timings.append(("migrate, collectstatic, seed", time.monotonic() - prepared, True))
        server = LiveServer(env, log_path=folder / "gunicorn.log")
        if args.port:
            server.port = args.port
        worker = start_worker(env, folder / "worker.log")
        try:
            with server:
                config = {
                    "baseUrl": server.url,
                    "user": {"email": "client-user@example.com", "password": PASSWORD},
                    "staff": {"email": "client-staff@example.com", "password": PASSWORD},
                    "files": write_images(folder),
                    "browser": {
                        "chromium": CHROMIUM,
                        "otherOriginPort": origin_port,
                        "staff": {"email": "client-staff@example.com", "password": PASSWORD},
                        "depositor": {
                            "email": "client-depositor@example.com",
                            "password": PASSWORD,
                        },
                        "deposit": {"id": seeded["deposit"], "amount": DEPOSIT_AMOUNT},
                    },
                }
                config_path = folder / "config.json"
                config_path.write_text(json.dumps(config, indent=2))
                run_clients(steps, args, node, server.url, config_path)
            log = server.log_tail(10**7)
        finally:
            stop_process(worker, WORKER_STOP_TIMEOUT_S)
        errors = [line for line in log.splitlines() if '"level": "ERROR"' in line]
        if errors:
            print(f"\n{len(errors)} ERROR lines in the server log; the last ones:")
            print("\n".join(errors[-5:]))
            steps.failed.append("server log has errors")
    return report(steps, started)


def run_clients(steps: Failures, args, node: str, base_url: str, config_path: Path) -> None:
    tsc = str(TYPESCRIPT / "node_modules" / ".bin" / "tsc")
    steps.run(
        "types from the live /api/schema/",
        [node, "scripts/generate.mjs", base_url],
        cwd=TYPESCRIPT,
    )
    steps.run("no casts in the client (as, <T>, !)", [node, "scripts/no-casts.mjs"], cwd=TYPESCRIPT)
    name = "tsc --strict (flows, client, runner)"
    if not steps.run(name, [tsc, "-p", "."], cwd=TYPESCRIPT) and args.allow_type_errors:
        steps.failed.remove(name)
        elapsed = steps.timings[-1][1]
        steps.timings[-1] = (f"{name}: errors tolerated (--allow-type-errors)", elapsed, True)
        print("(type errors tolerated: --allow-type-errors)")
    # tsc emits JavaScript even with type errors, so the flows still run and report.
    steps.run(
        "TypeScript flows against the server",
        [node, "dist/run-flows.js", str(config_path)],
        cwd=TYPESCRIPT,
    )
    steps.run(
        "browser: admin, another origin, Swagger UI",
        [node, "check.mjs", str(config_path)],
        cwd=BROWSER,
    )


def report(steps: Failures, started: float) -> int:
    print("\n### clients: timings")
    for name, elapsed, passed in steps.timings:
        print(f"{'ok  ' if passed else 'FAIL'} {elapsed:6.1f} s  {name}")
    print(f"total {time.monotonic() - started:.0f} s")
    if steps.failed:
        print("clients: FAILED: " + "; ".join(steps.failed))
        return 1
    print("clients: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
