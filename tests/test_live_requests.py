"""Request plumbing against a real gunicorn (production config), through raw sockets.

What the test client cannot show: a body refused with 413 is answered while the client is still
sending it, and the server then hangs up instead of reading the rest; byte ranges of local media
come out exact through gunicorn's file wrapper (sendfile for whole files, copied slices).
"""

import http.client
import json
import socket

import pytest

from testsupport.files import video_bytes
from testsupport.liveserver import LiveServer, production_env

SIXTY_MB = 60 * 1024 * 1024
SENT = 64 * 1024  # what the client sends of its body before it waits for the answer


VIDEO = video_bytes("MP4", payload=300_000)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("live-requests")


@pytest.fixture(scope="module")
def live(folder):
    server = LiveServer(production_env(folder), log_path=folder / "gunicorn.log", workers=1)
    with server:
        yield server


@pytest.fixture(scope="module")
def video_path(folder):
    """A video in the live server's MEDIA_ROOT, as a post upload leaves it."""
    (folder / "media" / "posts").mkdir(parents=True, exist_ok=True)
    (folder / "media" / "posts" / "clip.mp4").write_bytes(VIDEO)
    return "/media/posts/clip.mp4"


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


def get(server, path, method="GET", **headers) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-1", 0, 1),
        ("bytes=100000-", 100_000, len(VIDEO) - 1),
        ("bytes=-1000", len(VIDEO) - 1000, len(VIDEO) - 1),
        ("bytes=0-", 0, len(VIDEO) - 1),
    ],
)
def test_gunicorn_serves_exact_ranges_of_a_video(live, video_path, header, first, last):
    response, content = get(live, video_path, Range=header)

    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {first}-{last}/{len(VIDEO)}"
    assert content == VIDEO[first : last + 1]


def test_gunicorn_serves_the_whole_video_and_head_without_a_body(live, video_path):
    whole, content = get(live, video_path)
    head, nothing = get(live, video_path, method="HEAD", Range="bytes=0-1")
    past, _ = get(live, video_path, Range=f"bytes={len(VIDEO)}-")

    assert (whole.status, whole.getheader("Accept-Ranges"), content) == (200, "bytes", VIDEO)
    assert (head.status, head.getheader("Content-Length"), nothing) == (206, "2", b"")
    assert (past.status, past.getheader("Content-Range")) == (416, f"bytes */{len(VIDEO)}")
