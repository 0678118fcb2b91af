"""The multipart parser of the upload endpoints: a body must begin with its first boundary.

RFC 2046 lets a multipart body carry a "preamble" before its first boundary, which parsers
ignore, so ``[]--boundary--`` (a JSON array posted as a form; schemathesis sends such bodies)
read as an empty form and a PATCH with it answered 200 as if nothing had been asked. No browser
or HTTP library writes a preamble, so here anything but line breaks before the first boundary is
a 400, as any other body that is not the form it claims to be.
"""

from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError


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
        return super().parse(stream, media_type, parser_context)
