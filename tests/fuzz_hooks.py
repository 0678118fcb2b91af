"""schemathesis hooks for ``.ci/fuzz_api.py``: file fields get real images half of the time.

schemathesis fills ``format: binary`` fields with random bytes, which the image intake rightly
refuses, so every multipart operation (product, order and deposit uploads, the AI reference,
post media, blog images) was fuzzed almost only on its 400 path. With these hooks each drawn body
is sent either as drawn or with every file replaced by a small valid image (JPEG, PNG, WebP or
GIF), so the other fields are fuzzed behind an upload that passes, down to storage and the 201.
Loaded through ``SCHEMATHESIS_HOOKS=tests.fuzz_hooks``.
"""

import itertools

import schemathesis
from hypothesis import strategies as st
from schemathesis.transport.serialization import Binary  # what schemathesis puts in file fields

# Small images in every format the intake keeps as it is.
_KINDS = (("JPEG", (64, 48)), ("PNG", (32, 32)), ("WEBP", (40, 30)), ("GIF", (8, 8)))

_IMAGES: list[bytes] = []


def _images() -> list[bytes]:
    if not _IMAGES:  # built once, on first use (Pillow work at import would slow every run)
        from testsupport.files import image_bytes

        _IMAGES.extend(image_bytes(fmt, size) for fmt, size in _KINDS)
    return _IMAGES


def _is_file(value) -> bool:
    return isinstance(value, Binary | bytes)


def _with_images(value, images):
    if _is_file(value):
        return Binary(next(images))
    if isinstance(value, list):
        return [_with_images(item, images) for item in value]
    return value


def _has_file(value) -> bool:
    return _is_file(value) or (isinstance(value, list) and any(_is_file(item) for item in value))


@schemathesis.hook
def flatmap_body(ctx, body):
    if not isinstance(body, dict) or not any(_has_file(value) for value in body.values()):
        return st.just(body)

    def replaced(start: int) -> dict:
        pool = _images()
        images = itertools.islice(itertools.cycle(pool), start, None)
        return {name: _with_images(value, images) for name, value in body.items()}

    return st.one_of(st.just(body), st.integers(0, len(_KINDS) - 1).map(replaced))
