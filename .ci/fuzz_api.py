"""Fuzz the live API with schemathesis and every one of its checks, as a user and as staff.

Run: .venv/bin/python .ci/fuzz_api.py [--max-examples N] [extra schemathesis args…]; docs/ci.md.
"""

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.liveserver import LiveServer, manage, production_env  # noqa: E402

CHECKS = "all"
CONFIG = ROOT / ".ci" / "schemathesis.toml"
# File fields get real images half of the time (tests/fuzz_hooks.py), so uploads reach their 201.
HOOKS_ENV = {
    **os.environ,
    "SCHEMATHESIS_HOOKS": "tests.fuzz_hooks",
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}
RUN_TIMEOUT_S = 300  # both identities, run at once (a loaded 2-core machine: 3 min at 20)
# The coverage phase (~5,000 deterministic requests: boundaries, missing and wrong-typed values,
# other methods) depends on the schema only, so it runs once, as staff, who reaches every
# operation's logic; the user's runs fuzz and follow links, where permissions make a difference.
PHASES = {"staff": "coverage,fuzzing,stateful", "user": "fuzzing,stateful"}
PASSWORD = secrets.token_urlsafe(16)
SEED = f"""
from decimal import Decimal
from django.core.files.base import ContentFile
from accounts.models import User
from core import services
from core.models import Category, Product
from testsupport.files import image_bytes

user = User.objects.create_user(email="fuzz-user@example.com", password={PASSWORD!r})
User.objects.create_user(email="fuzz-staff@example.com", password={PASSWORD!r}, is_staff=True)
category = Category.objects.create(name="Rigs", slug="rigs")
product = Product.objects.create(
    name="Rig", slug="rig", price=Decimal("250.00"), stock=100000, category=category,
    image=ContentFile(image_bytes(), name="rig.jpg"),
)
services.order_create(
    user=user, product=product, quantity=1, payment_method="cod", customer_name="Ann",
    phone="+15550100", email="ann@example.com", shipping_address="1 Mine Road",
)
services.deposit_create(
    user=user, amount=Decimal("10.00"), method="crypto", reference="tx",
    proof=ContentFile(image_bytes(), name="proof.jpg"),
)
"""


def token(server: LiveServer, email: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        body = json.dumps({"email": email, "password": PASSWORD})
        connection.request("POST", "/api/auth/token/", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = json.loads(response.read())
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"token for {email}: {response.status} {data}")
    return data["access"]


def fuzz_command(server: LiveServer, who: str, access: str, args, extra) -> list[str]:
    return [
        str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(CONFIG),
        "run", f"{server.url}/api/schema/",
        "--header", f"Authorization: Bearer {access}",
        "--checks", CHECKS,
        "--phases", PHASES[who],
        "--max-examples", str(args.max_examples),
        "--workers", "1",  # one request at a time per identity (SQLite: one writer at a time)
        "--request-timeout", "30",
        "--seed", str(args.seed),
        "--no-color",
        "--generation-database", "none",  # nothing left in the work tree
        "--output-truncate", "true",
        *extra,
    ]  # fmt: skip


def fuzz_all(server: LiveServer, identities: list[str], args, extra, folder: Path) -> bool:
    """Both identities at once (schemathesis is CPU-bound: two cores, half the time); each
    report is printed whole once its run ends. True when every run passed."""
    runs = {}
    started = time.monotonic()
    for who in identities:
        access = token(server, f"fuzz-{who}@example.com")
        report = (folder / f"schemathesis-{who}.txt").open("w")
        # Our own schemathesis, with arguments built above.
        process = subprocess.Popen(  # noqa: S603
            fuzz_command(server, who, access, args, extra),
            cwd=ROOT, env=HOOKS_ENV, stdout=report, stderr=subprocess.STDOUT,
        )  # fmt: skip
        runs[who] = (process, report)
    passed = True
    for who, (process, report) in runs.items():
        try:
            code = process.wait(timeout=max(1, RUN_TIMEOUT_S - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
        report.close()
        print(f"\n### schemathesis as {who} ({PHASES[who]}): max {args.max_examples} examples")
        print(Path(report.name).read_text(), flush=True)
        if code is None:
            print(f"schemathesis as {who} exceeded {RUN_TIMEOUT_S} s", flush=True)
        print(f"### {who}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        passed &= code == 0
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--as", dest="who", choices=["user", "staff", "both"], default="both")
    args, extra = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as tmp:
        folder = Path(tmp)
        # Throttling would answer most auth requests with 429 and hide what lies behind them.
        env = production_env(
            folder,
            AUTH_THROTTLE_RATE="100000/min",
            AUTH_ACCOUNT_THROTTLE_RATE="100000/hour",
            AI_DAILY_LIMIT="100000",
        )
        manage(env, "migrate", "--noinput")
        manage(env, "shell", "-c", SEED)
        server = LiveServer(env, log_path=folder / "gunicorn.log")
        with server:
            identities = ["user", "staff"] if args.who == "both" else [args.who]
            failed = not fuzz_all(server, identities, args, extra, folder)
        errors = [
            line for line in server.log_tail(10**7).splitlines() if '"level": "ERROR"' in line
        ]
        if errors:
            print(f"\n{len(errors)} ERROR lines in the server log; the last ones:")
            print("\n".join(errors[-5:]))
            failed = True
    print("\nfuzz: FAILED" if failed else "\nfuzz: clean (every check, as user and as staff)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
