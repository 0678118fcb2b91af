"""Request plumbing against a real gunicorn (production config), through raw sockets.

What the test client cannot show: a body refused with 413 is answered while the client is still
sending it, and the server then hangs up instead of reading the rest.
"""

import http.client
import json
import socket

import pytest

from ultraminebackend.liveserver import LiveServer, production_env

SIXTY_MB = 60 * 1024 * 1024
SENT = 64 * 1024  # what the client sends of its body before it waits for the answer


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live-requests")
    server = LiveServer(production_env(folder), log_path=folder / "gunicorn.log", workers=1)
    with server:
        yield server


def exchange(server, head: str, body: bytes = b"") -> tuple[http.client.HTTPResponse, bytes, bool]:
    """Send ``head`` and ``body`` on a fresh connection; the answer, its body, and whether the
    server closed the connection afterwards."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        content = response.read()
        try:
            closed = sock.recv(1) == b""
        except ConnectionResetError:
            closed = True
        return response, content, closed
    finally:
        sock.close()


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/token/"])
def test_an_anonymous_60_mb_upload_is_refused_after_64_kb_and_the_server_hangs_up(live, path):
    # given: a client that announces 60 MB of multipart and sends only its first 64 KB
    head = (
        f"POST {path} HTTP/1.1\nHost: 127.0.0.1\n"
        "Content-Type: multipart/form-data; boundary=----ulm\n"
        f"Content-Length: {SIXTY_MB}\n"
    )
    body = b"------ulm\r\n" + b"x" * (SENT - 11)

    # when
    response, content, closed = exchange(live, head, body)

    # then: answered without the other 59.9 MB, and the connection is not kept to read them
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(content)["detail"].startswith(f"The request body is {SIXTY_MB} bytes")
    assert closed


def test_a_chunked_body_is_refused_with_411(live):
    head = (
        "POST /api/auth/token/ HTTP/1.1\nHost: 127.0.0.1\n"
        "Content-Type: application/json\nTransfer-Encoding: chunked\n"
    )

    response, content, _ = exchange(live, head, b"10\r\n" + b'{"email": "a@b"}' + b"\r\n")

    assert response.status == 411
    assert json.loads(content) == {
        "detail": "Send the body with a Content-Length header (not chunked)."
    }
