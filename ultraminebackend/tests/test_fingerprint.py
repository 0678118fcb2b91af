"""Perceptual hashes: imagehash's pHash without its dependencies, from the intake's decode."""

import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from testsupport.files import animated_bytes, encode, halves, image_bytes, photo, receipt
from ultraminebackend.files.processing.fingerprint import (
    distance,
    file_hash,
    perceptual_hash,
    to_hex,
    to_signed,
)
from ultraminebackend.files.processing.intake import intake_image

# str(imagehash.phash(image)) with imagehash 4.3.2 (numpy, scipy), computed once outside the
# project, and how many bits ours may differ by (the two resample differently).
IMAGEHASH = [
    (lambda: receipt(1), "fb0f5c459466c1ca", 0),
    (lambda: receipt(2), "b207725c1d434f3e", 0),
    (lambda: photo((640, 480)), "8a145b1fa45f9ae4", 2),
    (lambda: halves((640, 480)), "c400000000000000", 1),
]


@pytest.mark.parametrize(("make", "theirs", "bits"), IMAGEHASH)
def test_the_hash_is_imagehash_s_phash(make, theirs, bits):
    assert distance(perceptual_hash(make()), int(theirs, 16)) <= bits


def test_signed_storage_keeps_the_bits():
    value = int("fb0f5c459466c1ca", 16)

    signed = to_signed(value)

    assert -(2**63) <= signed < 2**63 and signed < 0
    assert to_hex(signed) == "fb0f5c459466c1ca"
    assert distance(signed, value) == 0
    assert distance(to_signed(0), to_signed(2**64 - 1)) == 64


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "1", "LA"])
def test_every_mode_the_intake_writes_hashes(mode):
    image = receipt(3).convert(mode)

    assert distance(perceptual_hash(image), perceptual_hash(receipt(3))) <= 6


def test_the_intake_hashes_only_when_asked():
    upload = ContentFile(encode(receipt(4), "JPEG"), name="r.jpg")

    plain = intake_image(upload)
    both = intake_image(upload, thumbnail=True, fingerprint=True)

    assert plain.fingerprint is None
    assert both.thumbnail and distance(both.fingerprint, perceptual_hash(receipt(4))) <= 2


@pytest.mark.parametrize(
    "data",
    [
        encode(receipt(5), "JPEG"),
        encode(receipt(5), "PNG"),
        encode(receipt(5), "WEBP", quality=90),
        animated_bytes("GIF", size=(90, 160)),
        image_bytes("PNG", size=(30, 30), mode="P"),
    ],
    ids=["jpeg", "png", "webp", "gif", "palette"],
)
def test_a_stored_file_hashes_like_its_intake(data):
    result = intake_image(ContentFile(data, name="x"), fingerprint=True)

    from_file = file_hash(result.file)

    assert distance(from_file, result.fingerprint) <= 2
    assert result.file.tell() == 0
    with Image.open(io.BytesIO(data)) as original:
        assert distance(result.fingerprint, perceptual_hash(original.convert("RGB"))) <= 4
