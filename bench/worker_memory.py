"""Memory of one instance under mixed load: each gunicorn worker's peak, the master, a db_worker.

Run: .venv/bin/python bench/worker_memory.py   (Linux only; how it measures: bench/README.md)
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.harness.report import Row, report  # noqa: E402
from testsupport.fakes import FakeGeminiServer  # noqa: E402
from testsupport.files import encode, photo  # noqa: E402
from testsupport.liveserver import LiveServer, manage, production_env  # noqa: E402

MIB = 1024 * 1024
CLIENTS = 16
DURATION_S = float(os.environ.get("BENCH_DURATION_S", "20"))
TARGET_WORKER_MIB = 150
EMAIL, PASSWORD = "bench@example.com", secrets.token_urlsafe(16)


def memory(pid: int) -> dict[str, float]:
    """Peak RSS, RSS and PSS of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = int(value.split()[0]) / 1024
    out["Private"] = 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        key, _, value = line.partition(":")
        if key == "Pss":
            out["Pss"] = int(value.split()[0]) / 1024
        elif key in ("Private_Clean", "Private_Dirty"):
            out["Private"] += int(value.split()[0]) / 1024
    return out


def database_connections(database_url: str) -> int:
    """Connections open to the bench's PostgreSQL database (0 on SQLite)."""
    if not database_url.startswith("postgres"):
        return 0
    import psycopg

    name = database_url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(database_url) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        ).fetchone()
    return count


def sample(pids: list[int], stop, peaks: dict, database_url: str = "") -> None:
    """Every 0.2 s: each process's PSS and private memory, and their sum, keeping the maxima;
    and the connections open to the database."""
    while not stop.wait(0.2):
        peaks["connections"] = max(peaks.get("connections", 0), database_connections(database_url))
        total = 0.0
        for pid in pids:
            try:
                now = memory(pid)
            except OSError:  # a recycled worker
                continue
            total += now["Pss"]
            for key in ("Pss", "Private"):
                peaks[(pid, key)] = max(peaks.get((pid, key), 0.0), now[key])
        peaks["instance"] = max(peaks.get("instance", 0.0), total)


def client_loop(base: str, token: str, staff: str, category: int, jpeg: bytes, stop, counts):
    http = requests  # a connection per request, spread over the workers as behind a proxy
    auth = {"Authorization": f"Bearer {token}"}
    staff_auth = {"Authorization": f"Bearer {staff}"}
    steps = [
        lambda: http.get(f"{base}/api/core/products/?page_size=50", timeout=60),
        lambda: http.post(
            f"{base}/api/auth/token/", json={"email": EMAIL, "password": PASSWORD}, timeout=60
        ),
        lambda: http.post(
            f"{base}/api/core/products/",
            data={"name": "rig", "price": "1.00", "stock": "1", "category": category},
            files={"image": ("photo.jpg", jpeg, "image/jpeg")},
            headers=staff_auth,
            timeout=120,
        ),
        lambda: http.post(
            f"{base}/api/ai-agent/generate-image",
            json={"prompt": "a rig"},
            headers=auth,
            timeout=60,
        ),
        lambda: http.post(
            f"{base}/api/ai-agent/generate-image",
            json={"prompt": "a rig", "async": True},
            headers=auth,
            timeout=60,
        ),
        lambda: http.get(f"{base}/api/health/", timeout=60),
    ]
    n = 0
    while not stop.is_set():
        response = steps[n % len(steps)]()
        n += 1
        with counts["lock"]:
            counts[response.status_code] = counts.get(response.status_code, 0) + 1


def main() -> None:
    database_url = os.environ.get("DATABASE_URL", "")
    engine = "postgresql" if database_url.startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory() as tmp, FakeGeminiServer() as gemini:
        folder = Path(tmp)
        env = production_env(
            folder,
            AI_IMAGE_PROVIDER="gemini",
            GEMINI_API_KEY=gemini.api_key,
            GEMINI_BASE_URL=gemini.url,
            AI_DAILY_LIMIT="1000000",
            AUTH_THROTTLE_RATE="1000000/min",
            AUTH_ACCOUNT_THROTTLE_RATE="1000000/min",
            DJANGO_SUPERUSER_EMAIL=EMAIL,
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
            **({"DATABASE_URL": database_url} if database_url else {}),
        )
        if database_url:
            manage(env, "flush", "--noinput")
        manage(env, "migrate", "--noinput")
        manage(env, "createsuperuser", "--noinput")
        jpeg = encode(photo((3400, 2550)), "JPEG", quality=95)  # ~5 MB, 8.7 MP
        worker_log = (folder / "db_worker.log").open("wb")
        db_worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker"],
            cwd=ROOT,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            with LiveServer(env, log_path=folder / "gunicorn.log") as server:
                base = server.url
                tokens = requests.post(
                    f"{base}/api/auth/token/",
                    json={"email": EMAIL, "password": PASSWORD},
                    timeout=60,
                ).json()
                staff = tokens["access"]
                category = requests.post(
                    f"{base}/api/core/categories/",
                    json={"name": "Rigs"},
                    headers={"Authorization": f"Bearer {staff}"},
                    timeout=60,
                ).json()["id"]
                workers = server.worker_pids()
                idle = {pid: memory(pid) for pid in workers}
                stop, counts = threading.Event(), {"lock": threading.Lock()}
                threads = [
                    threading.Thread(
                        target=client_loop,
                        args=(base, staff, staff, category, jpeg, stop, counts),
                        daemon=True,
                    )
                    for _ in range(CLIENTS)
                ]
                peaks: dict = {}
                sampler = threading.Thread(
                    target=sample,
                    args=([server.process.pid, *workers], stop, peaks, database_url),
                    daemon=True,
                )
                for thread in [*threads, sampler]:
                    thread.start()
                time.sleep(DURATION_S)
                stop.set()
                for thread in [*threads, sampler]:
                    thread.join(timeout=120)
                loaded = {pid: memory(pid) for pid in server.worker_pids()}
                master = memory(server.process.pid)
                worker = memory(db_worker.pid)
        finally:
            db_worker.terminate()
            db_worker.wait(30)
        counts.pop("lock")
    rss_peaks = [m["VmHWM"] for m in loaded.values()]
    pss_peak = max(peaks.get((pid, "Pss"), 0.0) for pid in loaded)
    private_peak = max(peaks.get((pid, "Private"), 0.0) for pid in loaded)
    print(json.dumps({"statuses": counts, "idle": idle, "loaded": loaded, "master": master}))
    rows = [
        Row(
            "worker memory",
            f"{engine}: gunicorn worker RSS idle (after start-up)",
            max(m["VmRSS"] for m in idle.values()),
            "MiB",
        ),
        Row(
            "worker memory",
            f"{engine}: gunicorn worker peak RSS under load (pages shared with the master count)",
            max(rss_peaks),
            "MiB",
        ),
        Row(
            "worker memory",
            f"{engine}: gunicorn worker peak PSS under load (its share of the instance)",
            pss_peak,
            "MiB",
            target=f"< {TARGET_WORKER_MIB} MiB",
        ),
        Row(
            "worker memory",
            f"{engine}: gunicorn worker peak private memory under load",
            private_peak,
            "MiB",
        ),
        Row("worker memory", f"{engine}: master RSS", master["VmRSS"], "MiB"),
        Row(
            "worker memory",
            f"{engine}: instance (master + workers) peak PSS under load",
            peaks["instance"],
            "MiB",
            target="< 512 MiB",
        ),
        Row("worker memory", f"{engine}: db_worker peak RSS", worker["VmHWM"], "MiB"),
        *(
            [
                Row(
                    "worker memory",
                    f"{engine}: database connections, most at once (instance + db_worker)",
                    peaks["connections"],
                    "conns",
                    note=f"DB_POOL_MAX_SIZE={os.environ.get('DB_POOL_MAX_SIZE', '0')}",
                )
            ]
            if database_url
            else []
        ),
        Row(
            "worker memory",
            f"{engine}: requests in {DURATION_S:.0f} s",
            sum(counts.values()),
            "req",
            note=", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
        ),
    ]
    report(rows)


if __name__ == "__main__":
    main()
