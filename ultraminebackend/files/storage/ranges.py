"""Local files served with byte ranges (206), so iOS Safari plays video: Django's ``static.serve``
always answers 200. Several ranges or a stale ``If-Range`` get the whole file."""

import mimetypes
import os
import re

from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date
from django.views.static import was_modified_since

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Blocks a slice is copied in (whole files go by sendfile under gunicorn: they keep a fileno).
SLICE_BLOCK_BYTES = 64 * 1024


class Unsatisfiable(Exception):
    """The range starts at or past the end of the file (or asks for the last 0 bytes)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` byte positions (inclusive) of a single range, or ``None`` for the whole
    file (no header, several ranges, another unit, malformed). Raises ``Unsatisfiable``."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # bytes=-n: the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(size - suffix, 0), size - 1
    first = int(first)
    if last and int(last) < first:  # syntactically invalid: ignored, as RFC 9110 says
        return None
    if first >= size:
        raise Unsatisfiable
    return first, min(int(last), size - 1) if last else size - 1


class _Slice:
    """``read()`` over ``length`` bytes of ``handle`` from ``first``; no ``fileno``, so a WSGI
    server copies it through Python instead of sending the file from there to its end."""

    def __init__(self, handle, first: int, length: int):
        handle.seek(first)
        self._handle, self._left = handle, length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


def file_response(request, handle, *, name: str, last_modified: bool = True):
    """Answer ``request`` with the open local file ``handle`` (closed with the response).

    304 when ``If-Modified-Since`` says the client has it (with ``last_modified``), else 200,
    206 or 416 as the module says. The content type comes from ``name``'s extension.
    """
    stat = os.fstat(handle.fileno())
    size, mtime = stat.st_size, stat.st_mtime
    validator = http_date(mtime) if last_modified else None
    if validator and not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), mtime):
        handle.close()
        return HttpResponseNotModified()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        wanted = _wanted_range(request, size, validator)
    except Unsatisfiable:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if wanted is None:
            response = FileResponse(handle, content_type=content_type)
        else:
            first, last = wanted
            response = FileResponse(
                _Slice(handle, first, last - first + 1), content_type=content_type, status=206
            )
            response.block_size = SLICE_BLOCK_BYTES
            response["Content-Length"] = str(last - first + 1)
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    if validator:
        response["Last-Modified"] = validator
    return response


def _wanted_range(request, size: int, validator: str | None) -> tuple[int, int] | None:
    if_range = request.META.get("HTTP_IF_RANGE")
    if if_range is not None and if_range.strip() != validator:
        return None  # the client's copy may be another version: send it the whole file
    return parse_range(request.META.get("HTTP_RANGE"), size)
