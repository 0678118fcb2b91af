"""gunicorn's threaded worker, answering the liveness probe even when every thread is busy.

See docs/gunicorn.md.
"""

from __future__ import annotations

import contextlib
import re
import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

PROBE = re.compile(rb"^(GET|HEAD) /healthz/?(\?[^ ]*)? HTTP/1\.[01]\r\n")
PROBE_WAIT_S = 5
PEEK_BYTES = 1024
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\nok"
)


class ProbeAnsweringThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_pool = 0  # connections handed to the pool and not finished (main thread only)
        self.waiting_probes: dict[object, float] = {}

    # -- the pool's occupancy (both run in the main thread) -------------------------------------
    def enqueue_req(self, conn):
        if self.in_pool >= self.cfg.threads and self._answer_probe(conn):
            return
        self.in_pool += 1
        super().enqueue_req(conn)

    def finish_request(self, conn, fs):
        self.in_pool -= 1
        super().finish_request(conn, fs)

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        for conn, deadline in list(self.waiting_probes.items()):
            if now > deadline:  # never sent a request: drop it as gunicorn drops idle ones
                self._forget(conn)
                self.nr_conns -= 1
                conn.close()

    # -- the probe ------------------------------------------------------------------------------
    def _answer_probe(self, conn) -> bool:
        """Answer a ``/healthz`` probe on ``conn`` here; False leaves the connection to the pool.

        True too when there is nothing to read yet: the connection then waits in the poller.
        """
        try:
            head = conn.sock.recv(PEEK_BYTES, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            self.waiting_probes[conn] = time.monotonic() + PROBE_WAIT_S
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))
            return True
        except OSError:
            return False  # the pool's handler reports the broken connection as usual
        if not PROBE.match(head) or b"\r\n\r\n" not in head:
            return False
        try:
            conn.sock.recv(head.index(b"\r\n\r\n") + 4)  # consume the request
            conn.sock.sendall(ANSWER)
        except OSError:
            pass
        self.nr_conns -= 1
        conn.close()
        return True

    def _readable(self, conn, _sock):
        self._forget(conn)
        self.enqueue_req(conn)

    def _forget(self, conn):
        self.waiting_probes.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError):
            self.poller.unregister(conn.sock)
