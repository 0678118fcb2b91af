"""The multipart parser of the upload endpoints: a body must begin with its first boundary.

See docs/request-limits.md.
"""

from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# An empty form is its closing delimiter: "--" + boundary + "--" and a line break, give or take.
EMPTY_FORM_SLACK = 10


class _Prefixed:
    """A stream with the bytes already read from it put back in front."""

    def __init__(self, head: bytes, rest):
        self.head, self.rest = head, rest

    def read(self, size=-1):
        if not self.head:
            return self.rest.read(size)
        if size is None or size < 0:
            data, self.head = self.head + self.rest.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        if len(data) < size:
            data += self.rest.read(size - len(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        boundary = parse_header_parameters(media_type or "")[1].get("boundary", "")
        if stream is not None and boundary:
            delimiter = b"--" + boundary.encode("latin-1", "replace")
            head = stream.read(len(delimiter) + 2)
            start = head.lstrip(b"\r\n")
            if head and not (start.startswith(delimiter) or delimiter.startswith(start)):
                raise ParseError(
                    "Multipart form parse error - the body does not begin with its boundary."
                )
            stream = _Prefixed(head, stream)
        result = super().parse(stream, media_type, parser_context)
        if not result.data and not result.files and boundary:
            # Bytes beyond an empty form's closing delimiter, yet no field: parts without a
            # name (Django skips them), e.g. ``--b\r\n[]--b--``.
            meta = parser_context["request"].META
            length = int(meta.get("CONTENT_LENGTH") or 0)
            if length > len(boundary) + EMPTY_FORM_SLACK:
                raise ParseError("Multipart form parse error - no part of the body names a field.")
        return result
