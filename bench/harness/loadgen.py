"""A bounded HTTP load generator for 127.0.0.1: threads, keep-alive, fixed duration.

Python rather than wrk, so CI machines need nothing installed.
"""

import http.client
import itertools
import statistics
import threading
import time
from dataclasses import dataclass, field

REQUEST_TIMEOUT_S = 30
# gunicorn workers each accept their own connections, and a keep-alive connection stays with the
# worker that took it: 8 long-lived connections can land 7 on one worker and 1 on the other, and
# the run measures that luck. Reconnecting every few requests spreads them as a proxy would.
REQUESTS_PER_CONNECTION = 10


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    queries: set[int] = field(default_factory=set)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def load(
    port: int | list[int],
    path: str,
    *,
    headers: dict[str, str] | None = None,
    connections: int = 8,
    duration_s: float = 3.0,
    max_requests: int = 100_000,
    method: str = "GET",
) -> LoadResult:
    """``connections`` keep-alive clients send ``path`` back to back until the time is up.

    With several ports (instances behind a proxy), each new connection goes to the next one.
    """
    headers = headers or {}
    ports = port if isinstance(port, list) else [port]
    turn = itertools.count()
    lock = threading.Lock()
    result = LoadResult(seconds=0.0)
    start_gate = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def connect() -> http.client.HTTPConnection:
        target = ports[next(turn) % len(ports)]
        return http.client.HTTPConnection("127.0.0.1", target, timeout=REQUEST_TIMEOUT_S)

    def client() -> None:
        connection = connect()
        latencies, statuses, queries, errors = [], {}, set(), 0
        start_gate.wait()
        while time.monotonic() < stop_at[0] and len(latencies) < max_requests:
            if latencies and len(latencies) % REQUESTS_PER_CONNECTION == 0:
                connection.close()  # the next request opens a new one (on the next instance)
                connection = connect()
            began = time.perf_counter()
            try:
                connection.request(method, path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                connection.close()  # reconnects on the next request
                continue
            latencies.append((time.perf_counter() - began) * 1000)
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status != 200:
                errors += 1
            if count := response.getheader("X-Bench-Queries"):
                queries.add(int(count))
        connection.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += errors
            result.queries |= queries
            for status, n in statuses.items():
                result.statuses[status] = result.statuses.get(status, 0) + n

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at[0] = began + duration_s
    start_gate.wait()
    for thread in threads:
        thread.join(duration_s + REQUEST_TIMEOUT_S + 5)
    result.seconds = time.monotonic() - began
    return result


def median(values) -> float:
    return statistics.median(values) if values else float("nan")


def get(port: int, path: str, headers: dict[str, str] | None = None, method="GET", body=None):
    """One request on its own connection: (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
