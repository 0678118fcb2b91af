"""AI endpoint overhead, and what 10 generations in flight do to the product list's latency.

Run: .venv/bin/python bench/ai_overhead.py   (how it measures: bench/README.md)
"""

import itertools
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness.loadgen import get, load  # noqa: E402
from bench.harness.report import Row, report  # noqa: E402
from bench.harness.seed import EMAIL, PASSWORD  # noqa: E402
from bench.list_throughput import database_label, seeded_server  # noqa: E402
from testsupport.fakes import FakeGeminiServer  # noqa: E402

DELAY_S = 0.3
SEQUENTIAL = 15
IN_FLIGHT = 10
PROBE_S = 6.0
ROUNDS = 3
LIST = "/api/core/products/?page_size=50"
GENERATE = "/api/ai-agent/generate-image"
TARGET_OVERHEAD_MS = 50


class SlowGemini(FakeGeminiServer):
    """Every answer (the default image) comes after ``DELAY_S``, as a real model's would."""

    def respond(self, request):
        response = super().respond(request)
        response.delay_s = DELAY_S
        return response


def generate(port: int, token: str) -> float:
    body = json.dumps({"prompt": "a mining rig at sunrise", "aspect_ratio": "1:1"})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    began = time.perf_counter()
    status, _, data = get(port, GENERATE, headers, "POST", body)
    elapsed = time.perf_counter() - began
    assert status == 201, (status, data[:300])
    return elapsed


def _serve_provider(connection, stop) -> None:
    """Child process: the slow fake Gemini until ``stop`` is set."""
    with SlowGemini() as gemini:
        connection.send((gemini.url, gemini.api_key))
        stop.wait()


@contextmanager
def provider_process():
    """(url, api key) of a slow fake Gemini running in a process of its own."""
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    stop = context.Event()
    process = context.Process(target=_serve_provider, args=(theirs, stop), daemon=True)
    process.start()
    try:
        yield ours.recv()
    finally:
        stop.set()
        process.join(10)


def _keep_generating(ports: list[int], token: str, stop, results) -> None:
    """Child process: IN_FLIGHT threads, each always waiting on one generation (instances in
    turn, when there are several)."""
    done, failures = [], []
    turn = itertools.count()

    def client():
        while not stop.is_set():
            try:
                done.append(generate(ports[next(turn) % len(ports)], token))
            except (AssertionError, OSError) as exc:
                failures.append(repr(exc))
                return

    threads = [threading.Thread(target=client) for _ in range(IN_FLIGHT)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    results.put((len(done), failures))


def main() -> None:
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="bench-ai-") as tmp, provider_process() as gemini:
        gemini_url, gemini_key = gemini
        folder = Path(tmp)
        server = seeded_server(
            folder,
            orders=0,
            AI_IMAGE_PROVIDER="gemini",
            GEMINI_API_KEY=gemini_key,
            GEMINI_BASE_URL=gemini_url,
            AI_TIMEOUT_S="30",
            AI_DAILY_LIMIT="1000000",
        )
        with server:
            port = server.port
            body = json.dumps({"email": EMAIL, "password": PASSWORD})
            status, _, data = get(
                port, "/api/auth/token/", {"Content-Type": "application/json"}, "POST", body
            )
            assert status == 200, data
            token = json.loads(data)["access"]

            generate(port, token)  # warm-up: imports, the SDK client, codecs
            latencies = [generate(port, token) for _ in range(SEQUENTIAL)]
            overhead_ms = (statistics.median(latencies) - DELAY_S) * 1000

            load(server.ports, LIST, duration_s=1.0, connections=2)  # warm-up
            # Idle and busy probes alternate, so drift in what else the machine runs lands on
            # both; each figure is the median over the rounds.
            rounds = []
            for _ in range(ROUNDS):
                idle = load(server.ports, LIST, duration_s=PROBE_S, connections=2)
                stop, results = context.Event(), context.Queue()
                generators = context.Process(
                    target=_keep_generating, args=(server.ports, token, stop, results), daemon=True
                )
                generators.start()
                time.sleep(DELAY_S)  # let all ten be in flight before measuring
                busy = load(server.ports, LIST, duration_s=PROBE_S, connections=2)
                stop.set()
                generated, failures = results.get(timeout=60)
                generators.join(10)
                assert not failures, failures[:3]
                assert idle.errors == busy.errors == 0, server.log_tail()
                rounds.append((idle, busy, generated))

    idle_p95 = statistics.median(idle.percentile(95) for idle, _, _ in rounds)
    busy_p95 = statistics.median(busy.percentile(95) for _, busy, _ in rounds)
    ratios = sorted(busy.percentile(95) / idle.percentile(95) for idle, busy, _ in rounds)
    idle_rps = statistics.median(idle.rps for idle, _, _ in rounds)
    busy_rps = statistics.median(busy.rps for _, busy, _ in rounds)
    generated = sum(count for *_, count in rounds)
    print(f"fake Gemini answers after {DELAY_S * 1000:.0f} ms; {SEQUENTIAL} sequential generations")
    bench = f"AI overhead ({database_label()})"
    report(
        [
            Row(bench, "generate-image latency - provider delay", overhead_ms, "ms",
                target=f"<= {TARGET_OVERHEAD_MS} ms",
                note=f"median of {SEQUENTIAL}; delay {DELAY_S * 1000:.0f} ms"),
            Row(bench, "product list p95, idle", idle_p95, "ms",
                note=f"{idle_rps:.0f} req/s, 2 clients; median of {ROUNDS}"),
            Row(bench, f"product list p95, {IN_FLIGHT} generations in flight", busy_p95, "ms",
                busy_p95 / idle_p95, "idle", "<= 2x",
                note=f"{busy_rps:.0f} req/s; rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x; "
                f"{generated} generations"),
        ]
    )  # fmt: skip


if __name__ == "__main__":
    main()
