"""Local media with byte ranges: Safari's ``<video>`` gets the 206 answers it needs.

The same answers from a real gunicorn (sendfile for whole files, copied slices) are checked in
tests/test_live_requests.py.
"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.http import http_date

from testsupport.files import video_bytes
from ultraminebackend.files.storage.backends import private_storage
from ultraminebackend.files.storage.ranges import SLICE_BLOCK_BYTES, Unsatisfiable, parse_range

VIDEO = video_bytes("MP4", payload=200_000)  # a few slice blocks long
SIZE = len(VIDEO)


@pytest.fixture
def video_url():
    name = default_storage.save("posts/clip.mp4", ContentFile(VIDEO))
    return f"/media/{name}"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        pytest.param("bytes=0-1", 0, 1, id="safari-probe"),
        pytest.param("bytes=0-10", 0, 10, id="a-b"),
        pytest.param("bytes=100-", 100, SIZE - 1, id="a-"),
        pytest.param("bytes=-500", SIZE - 500, SIZE - 1, id="last-n"),
        pytest.param(f"bytes=60000-{SIZE + 99}", 60_000, SIZE - 1, id="end-past-the-file"),
        pytest.param(f"bytes=-{SIZE + 10}", 0, SIZE - 1, id="suffix-longer-than-the-file"),
        pytest.param("bytes=65000-140000", 65_000, 140_000, id="across-blocks"),
        pytest.param(f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE - 1, id="last-byte"),
    ],
)
def test_a_single_range_is_a_206_with_exactly_those_bytes(client, video_url, header, first, last):
    response = client.get(video_url, HTTP_RANGE=header)

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert body(response) == VIDEO[first : last + 1]


def test_the_slice_is_streamed_a_block_at_a_time(client, video_url):
    response = client.get(video_url, HTTP_RANGE="bytes=1000-")

    chunks = list(response.streaming_content)

    assert len(chunks) > 2
    assert max(len(chunk) for chunk in chunks) <= SLICE_BLOCK_BYTES
    assert b"".join(chunks) == VIDEO[1000:]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 9}", "bytes=-0"])
def test_a_range_past_the_end_is_a_416_naming_the_size(client, video_url, header):
    response = client.get(video_url, HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="none"),
        pytest.param("bytes=0-1,4-5", id="several-ranges"),
        pytest.param("bytes=5-2", id="last-before-first"),
        pytest.param("bytes=abc", id="malformed"),
        pytest.param("items=0-1", id="other-unit"),
        pytest.param("bytes=-", id="empty"),
    ],
)
def test_no_range_several_or_a_malformed_one_is_the_whole_file(client, video_url, header):
    extra = {} if header is None else {"HTTP_RANGE": header}

    response = client.get(video_url, **extra)

    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert body(response) == VIDEO


def test_head_answers_the_range_headers_without_a_body(client, video_url):
    response = client.head(video_url, HTTP_RANGE="bytes=0-1")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-1/{SIZE}"
    assert response["Content-Length"] == "2"
    assert body(response) == b""


def test_if_range_sends_the_slice_only_while_the_file_is_the_clients_version(client, video_url):
    last_modified = client.get(video_url)["Last-Modified"]

    same = client.get(video_url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE=last_modified)
    other = client.get(video_url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE=http_date(0))

    assert (same.status_code, body(same)) == (206, VIDEO[:2])
    assert (other.status_code, body(other)) == (200, VIDEO)


def test_if_modified_since_is_still_a_304(client, video_url):
    last_modified = client.get(video_url)["Last-Modified"]

    assert client.get(video_url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


def test_a_private_link_serves_ranges_too(client):
    name = private_storage().save("txid_proofs/proof.jpg", ContentFile(b"0123456789"))
    url = private_storage().url(name)

    response = client.get(url, HTTP_RANGE="bytes=2-4")

    assert response.status_code == 206
    assert body(response) == b"234"
    assert response["Content-Range"] == "bytes 2-4/10"
    assert response["Cache-Control"] == "private, no-store"
    assert "Last-Modified" not in response


@pytest.mark.parametrize("path", ["/media/posts", "/media/posts/", "/media/.", "/media/../x"])
def test_folders_and_paths_outside_media_are_404(client, video_url, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("bytes=0-0", 1, (0, 0)),
        ("bytes=-1", 1, (0, 0)),
        (" bytes=3-7 ", 10, (3, 7)),
        ("bytes=0-", 0, Unsatisfiable),
        ("bytes=-5", 0, Unsatisfiable),
    ],
)
def test_parse_range_edges(header, size, expected):
    if expected is Unsatisfiable:
        with pytest.raises(Unsatisfiable):
            parse_range(header, size)
    else:
        assert parse_range(header, size) == expected
