"""Misbehaving servers on 127.0.0.1 for fault injection: refusing, answering 500, hanging."""

import socket
import threading

from testsupport.fakeserver import FakeResponse, FakeServer, RecordedRequest


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Answers500(FakeServer):
    """Every request, whatever the method, gets S3's InternalError as a 500."""

    BODY = (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
        b"<Message>We encountered an internal error. Please try again.</Message></Error>"
    )

    def respond(self, request: RecordedRequest) -> FakeResponse:
        return FakeResponse(status=500, body=self.BODY, headers={"Content-Type": "application/xml"})


class Hangs:
    """Accepts connections and never answers (until closed): a stalled endpoint."""

    def __enter__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.1)
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return self

    def _accept(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)  # held open, never read or answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(5)
        for connection in self.accepted:
            connection.close()
        self.listener.close()
