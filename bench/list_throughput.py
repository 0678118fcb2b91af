"""List throughput: the products and orders lists vs a ``values()`` + ``JsonResponse`` floor.

Run: .venv/bin/python bench/list_throughput.py   (how it measures: bench/README.md)
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

from bench.harness.loadgen import get, load, median  # noqa: E402
from bench.harness.report import Row, report  # noqa: E402
from bench.harness.seed import EMAIL, PASSWORD  # noqa: E402
from testsupport.liveserver import LiveServer, manage, production_env  # noqa: E402

PRODUCTS = ORDERS = 1000
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
DURATION_S = float(os.environ.get("BENCH_DURATION_S", "2"))
CONNECTIONS = 8
TARGET_RATIO = 0.5
# PostgreSQL as production runs it (a database of its own: it is flushed), and more than one
# instance behind a round-robin (each new connection goes to the next instance).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "1"))

ENDPOINTS = [
    # (label, API path, floor path, needs the user's token)
    ("products", "/api/core/products/", "/bench/floor/products", False),
    ("orders", "/api/core/orders/", "/bench/floor/orders", True),
    ("orders, public URLs only", "/api/core/orders/?payment_method=cod", None, True),
    ("orders, + signed proof URLs", "/api/core/orders/?payment_method=crypto", None, True),
]


def with_page_size(path: str, size: int) -> str:
    return f"{path}{'&' if '?' in path else '?'}page_size={size}"


def seeded_server(
    folder: Path, *, products: int = PRODUCTS, orders: int = ORDERS, **env_overrides: str
) -> "Instances":
    """Migrate and seed a database; gunicorn as production runs it (``INSTANCES`` of them on it).

    SQLite in ``folder``, or the PostgreSQL database ``DATABASE_URL`` names (flushed first).
    """
    env = production_env(
        folder,
        DJANGO_SETTINGS_MODULE="bench.harness.settings",
        AUTH_THROTTLE_RATE="100000/min",
        **({"DATABASE_URL": DATABASE_URL} if DATABASE_URL else {}),
        **env_overrides,
    )
    manage(env, "migrate", "--noinput")
    if DATABASE_URL:
        manage(env, "flush", "--noinput")
    subprocess.run(
        [sys.executable, "-m", "bench.harness.seed", str(products), str(orders)],
        cwd=ROOT, env=env, check=True, timeout=600,
    )  # fmt: skip
    # Workers and threads as gunicorn.conf.py sets them: what production runs is what is measured.
    return Instances(env, folder, INSTANCES)


class Instances:
    """``count`` gunicorn servers on one database, used as one (``port``: the first; ``ports``)."""

    def __init__(self, env: dict, folder: Path, count: int) -> None:
        self.servers = [LiveServer(env, log_path=folder / f"gunicorn{n}.log") for n in range(count)]

    @property
    def port(self) -> int:
        return self.servers[0].port

    @property
    def ports(self) -> list[int]:
        return [server.port for server in self.servers]

    @property
    def log_path(self) -> Path:
        return self.servers[0].log_path

    def log_tail(self) -> str:
        return "\n".join(server.log_tail() for server in self.servers)

    def __enter__(self) -> "Instances":
        for server in self.servers:
            server.start()
        return self

    def __exit__(self, *exc) -> None:
        for server in self.servers:
            server.stop()


def database_label() -> str:
    engine = "PostgreSQL" if DATABASE_URL.startswith("postgres") else "SQLite"
    return f"{engine}, {INSTANCES} instance{'s' if INSTANCES > 1 else ''}"


def token(port: int) -> str:
    body = json.dumps({"email": EMAIL, "password": PASSWORD})
    status, _, data = get(
        port, "/api/auth/token/", {"Content-Type": "application/json"}, "POST", body
    )
    assert status == 200, data
    return json.loads(data)["access"]


def queries(port: int, path: str, headers: dict) -> tuple[int, int]:
    counts = []
    for size in (10, 50):
        status, response_headers, body = get(port, with_page_size(path, size), headers)
        assert status == 200, (path, status, body[:300])
        counts.append(int(response_headers["X-Bench-Queries"]))
    return counts[0], counts[1]


def measure_mode(mode: str, server: Instances) -> list[Row]:
    port = server.port
    auth = {"Authorization": f"Bearer {token(port)}"}
    rows = []
    for label, api_path, floor_path, needs_auth in ENDPOINTS:
        headers = auth if needs_auth else {}
        api = with_page_size(api_path, 50)
        floor = with_page_size(floor_path, 50) if floor_path else None
        # Same bytes? The floor must answer what the API answers, or the ratio means nothing.
        if floor:
            _, _, api_body = get(port, api, headers)
            _, _, floor_body = get(port, floor, headers)
            assert json.loads(api_body)["count"] == json.loads(floor_body)["count"]
            assert set(json.loads(api_body)["results"][0]) == set(
                json.loads(floor_body)["results"][0]
            ), "the floor must answer the same fields"
        load(server.ports, api, headers=headers, duration_s=0.5)  # warm every worker
        api_runs, floor_runs = [], []
        for _ in range(RUNS):
            api_runs.append(load(server.ports, api, headers=headers, connections=CONNECTIONS,
                                 duration_s=DURATION_S))  # fmt: skip
            if floor:
                floor_runs.append(load(server.ports, floor, headers=headers,
                                       connections=CONNECTIONS, duration_s=DURATION_S))  # fmt: skip
        errors = sum(run.errors for run in api_runs + floor_runs)
        assert errors == 0, f"{label}: {errors} failed requests; see {server.log_path}"
        api_rps = median([run.rps for run in api_runs])
        small, large = queries(port, api_path, headers)
        name = f"list ({mode}; {database_label()})"
        latency = (
            f"p50 {median([r.percentile(50) for r in api_runs]):.0f} ms, "
            f"p95 {median([r.percentile(95) for r in api_runs]):.0f} ms"
        )
        if floor_runs:
            floor_rps = median([run.rps for run in floor_runs])
            floor_p95 = median([run.percentile(95) for run in floor_runs])
            rows.append(Row(name, f"{label}: floor", floor_rps, "req/s",
                            note=f"p95 {floor_p95:.0f} ms"))  # fmt: skip
            rows.append(Row(name, f"{label}: API", api_rps, "req/s", api_rps / floor_rps,
                            "floor", f">= {TARGET_RATIO}x", latency))  # fmt: skip
        else:
            rows.append(Row(name, f"{label}: API", api_rps, "req/s", note=latency))
        rows.append(Row(name, f"{label}: queries @10 / @50", large, "queries",
                        target="same", note=f"{small} / {large}"))  # fmt: skip
    return rows


def signing_ratio(rows: list[Row], mode: str) -> Row:
    by_what = {row.what: row.value for row in rows}
    public = by_what["orders, public URLs only: API"]
    signed = by_what["orders, + signed proof URLs: API"]
    return Row(f"list ({mode}; {database_label()})", "orders: signed / public req/s", signed,
               "req/s", signed / public, "public-only",
               note="50 signed URLs per page vs none")  # fmt: skip


def main() -> None:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        folder = Path(tmp) / "local"
        folder.mkdir()
        with seeded_server(folder) as server:
            mode_rows = measure_mode("local", server)
        rows += [*mode_rows, signing_ratio(mode_rows, "local")]

        from moto.server import ThreadedMotoServer

        from testsupport.files import create_bucket

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        moto.start()
        try:
            host, port = moto.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            create_bucket(endpoint_url=endpoint, bucket="bench-media")
            folder = Path(tmp) / "s3"
            folder.mkdir()
            s3_env = {
                "USE_S3": "1",
                "AWS_STORAGE_BUCKET_NAME": "bench-media",
                "AWS_S3_ENDPOINT_URL": endpoint,
                "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
            }
            with seeded_server(folder, **s3_env) as server:
                mode_rows = measure_mode("S3", server)
            rows += [*mode_rows, signing_ratio(mode_rows, "S3")]
        finally:
            moto.stop()
    print(f"median of {RUNS} runs x {DURATION_S:g} s, {CONNECTIONS} clients, page_size=50")
    report(rows)


if __name__ == "__main__":
    main()
