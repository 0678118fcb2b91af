"""Test helpers shared by every app: in-memory images and videos, S3 (moto) storages and IAM.

Images and videos are built on demand: the repository carries no binary fixtures.
"""

import io
import json
import random
import struct
import urllib.request
import zlib
from contextlib import contextmanager

import boto3
import pillow_heif
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageChops, ImageDraw

from ultraminebackend.files.storage.config import S3Config, build_storages, public_media_policy

_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "HEIC": "image/heic",
}


def image_bytes(
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 48),
    color="#c0392b",
    *,
    mode: str | None = None,
    **save_options,
) -> bytes:
    """A flat-colour image in ``fmt`` (``"HEIC"`` too); ``save_options`` go to the encoder."""
    mode = mode or ("RGBA" if fmt in {"PNG", "WEBP"} else "RGB")
    return encode(Image.new(mode, size, color), fmt, **save_options)


def encode(image: Image.Image, fmt: str, **save_options) -> bytes:
    """Bytes of ``image`` saved as ``fmt``; HEIC goes through pillow-heif's encoder."""
    buffer = io.BytesIO()
    if fmt == "HEIC":
        pillow_heif.from_pillow(image).save(buffer, format="HEIF", **save_options)
    else:
        image.save(buffer, fmt, **save_options)
    return buffer.getvalue()


def halves(size: tuple[int, int], left="#ff0000", right="#0000ff", mode="RGB") -> Image.Image:
    """Left half one colour, right half another: shows which way an image was turned."""
    image = Image.new(mode, size, right)
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill=left)
    return image


def photo(size: tuple[int, int] = (4000, 3000), *, noise: float = 18) -> Image.Image:
    """A photo-like RGB image: smooth gradients, a few shapes and sensor-like noise.

    Flat colours compress (and decode) unrealistically fast; this costs the codecs about what a
    camera photo does.
    """
    width, height = size
    horizontal = Image.linear_gradient("L").rotate(90).resize(size)
    vertical = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    base = Image.merge("RGB", (horizontal, vertical, radial))
    draw = ImageDraw.Draw(base)
    for index in range(12):
        x, y = (index * 337) % width, (index * 211) % height
        radius = min(size) // (4 + index % 5)
        shade = (index * 53 % 256, index * 97 % 256, index * 29 % 256)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shade)
    grain = Image.effect_noise(size, noise)
    return Image.merge("RGB", [ImageChops.add(band, grain, offset=-128) for band in base.split()])


def receipt(seed: int, size: tuple[int, int] = (360, 640)) -> Image.Image:
    """A receipt-like image: a coloured header and blocks of "text" laid out from ``seed``.

    Different seeds give different layouts (distinct proofs); one seed always the same image.
    """
    rng = random.Random(seed)  # noqa: S311 - a layout, not a secret
    width, height = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    header = rng.randint(height // 10, height // 4)
    draw.rectangle((0, 0, width, header), fill=tuple(rng.randint(0, 200) for _ in range(3)))
    y = header + rng.randint(10, 60)
    while y < height - 30:
        left = rng.randint(10, width // 2)
        right = rng.randint(left + 20, width - 10)
        line = rng.randint(8, 40)
        draw.rectangle((left, y, right, y + line), fill=(rng.randint(0, 120),) * 3)
        y += line + rng.randint(6, 50)
    return image


def animated_bytes(
    fmt: str = "GIF",
    colors=("#ff0000", "#00ff00", "#0000ff"),
    size: tuple[int, int] = (40, 30),
    durations=(100, 200, 300),
    loop: int = 0,
) -> bytes:
    """An animation (GIF, WebP or APNG) with one flat colour per frame."""
    frames = [Image.new("RGB", size, color) for color in colors]
    return encode(
        frames[0],
        fmt,
        save_all=True,
        append_images=frames[1:],
        duration=list(durations),
        loop=loop,
    )


def exif_bytes(*, orientation: int | None = None, gps: bool = True) -> bytes:
    """An EXIF block with a camera make, optionally an orientation and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Ultramine Test Camera"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (48.0, 51.0, 24.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (2.0, 21.0, 7.0),
        }
    return exif.tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def handmade_png(
    width: int,
    height: int,
    *,
    bit_depth: int = 8,
    colour_type: int = 0,
    rows: int | None = None,
    pixel: bytes = b"\x00",
) -> bytes:
    """A PNG written chunk by chunk, so the header can claim anything.

    ``rows`` scanlines of ``pixel`` (repeated across the row) are compressed into the IDAT;
    ``None`` writes all of them. Zero rows compress ~1000:1, so a decompression bomb that claims
    a huge image stays a few KB while a real decoder would allocate the full size.
    """
    rows = height if rows is None else rows
    compressor = zlib.compressobj(9)
    row = b"\x00" + pixel * width  # filter type 0, then the pixels
    # Rows go to zlib about 1 MB at a time: a 1 x 39,900,000 image is 40 million rows.
    batch = max(1, (1 << 20) // len(row))
    idat = b"".join(
        compressor.compress(row * min(batch, rows - done)) for done in range(0, rows, batch)
    )
    idat += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def handmade_gif(screen: tuple[int, int] = (1, 1), frame: tuple[int, int] = (1, 1)) -> bytes:
    """A one-frame GIF whose screen and frame sizes are whatever the test says.

    Only the header is meant to be read (the image data is a stub). A frame larger than the
    screen is a canvas bomb: Pillow grows the canvas to the frame while it parses the header.
    """
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", *screen, 0, 0, 0)  # no global colour table
        + b","
        + struct.pack("<HHHHB", 0, 0, *frame, 0x80)  # local table of 2 colours
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x02\x02\x4c\x01\x00"  # LZW code size 2, one 2-byte sub-block, terminator
        + b";"
    )


def rgb_icc_profile(
    *,
    description: str = "Adobe RGB (1998) compatible (test)",
    red=(0.60974, 0.31111, 0.01947),
    green=(0.20528, 0.62567, 0.06087),
    blue=(0.14919, 0.06322, 0.74457),
    gamma: float = 563 / 256,
) -> bytes:
    """A matrix/TRC RGB ICC profile (v2), Adobe RGB (1998) primaries and gamma by default.

    Wide-gamut profiles like this one (or Display P3 from phones) shift colours visibly when
    they are dropped without converting the pixels to sRGB.
    """

    def fixed(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(values) -> bytes:
        return b"XYZ \x00\x00\x00\x00" + b"".join(fixed(value) for value in values)

    text = description.encode("ascii") + b"\x00"
    desc = (
        b"desc\x00\x00\x00\x00"
        + struct.pack(">I", len(text))
        + text
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)
        + b"\x00" * 67  # no ScriptCode description
    )
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(gamma * 256)) + b"\x00\x00"
    tags = [
        (b"desc", desc),
        (b"cprt", b"text\x00\x00\x00\x00No copyright, test data\x00"),
        (b"wtpt", xyz((0.9642, 1.0, 0.82491))),
        (b"rXYZ", xyz(red)),
        (b"gXYZ", xyz(green)),
        (b"bXYZ", xyz(blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = [], b""
    for signature, body in tags:
        body += b"\x00" * (-len(body) % 4)  # tags start on 4-byte boundaries
        table.append(struct.pack(">4sII", signature, offset + len(data), len(body)))
        data += body
    size = offset + len(data)
    header = (
        struct.pack(">I4sI4s4s4s", size, b"lcms", 0x02100000, b"mntr", b"RGB ", b"XYZ ")
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\x00" * 24  # platform, flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual intent
        + fixed(0.9642)
        + fixed(1.0)
        + fixed(0.82491)
        + b"\x00" * 48  # creator, ID, reserved
    )
    return header + struct.pack(">I", len(tags)) + b"".join(table) + data


def image_file(
    name: str = "photo.jpg", fmt: str = "JPEG", size: tuple[int, int] = (64, 48), **kwargs
) -> SimpleUploadedFile:
    """An uploaded image as a browser would send it."""
    return SimpleUploadedFile(
        name, image_bytes(fmt, size, **kwargs), content_type=_CONTENT_TYPES.get(fmt, "image/jpeg")
    )


_VIDEO_CONTENT_TYPES = {"MP4": "video/mp4", "QuickTime": "video/quicktime", "WebM": "video/webm"}


def mp4_box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def ebml_element(element_id: int, payload: bytes) -> bytes:
    """An EBML element with an 8-byte size (always valid, whatever the payload's length)."""
    size = (1 << 56) | len(payload)  # marker bit of an 8-byte vint, then the length
    element = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return element + size.to_bytes(8, "big") + payload


def video_bytes(
    fmt: str = "MP4",
    *,
    duration: float = 2.5,
    size: tuple[int, int] = (320, 240),
    payload: int = 4096,
    moov_last: bool = False,
    brands: tuple[bytes, ...] | None = None,
    doctype: bytes = b"webm",
) -> bytes:
    """A structurally valid MP4, QuickTime or WebM container (not playable: the media is zeros).

    Enough for anything that reads containers (sniffing, duration, dimensions); ``moov_last``
    puts the MP4 index after the media, as encoders that do not "fast-start" do.
    """
    if fmt == "WebM":
        header = ebml_element(
            0x1A45DFA3,
            ebml_element(0x4286, b"\x01")  # EBMLVersion
            + ebml_element(0x42F7, b"\x01")  # EBMLReadVersion
            + ebml_element(0x4282, doctype)  # DocType
            + ebml_element(0x4287, b"\x04")  # DocTypeVersion
            + ebml_element(0x4285, b"\x02"),  # DocTypeReadVersion
        )
        info = ebml_element(
            0x1549A966,
            ebml_element(0x2AD7B1, (1_000_000).to_bytes(3, "big"))  # TimecodeScale: 1 ms
            + ebml_element(0x4489, struct.pack(">d", duration * 1000)),  # Duration in ms
        )
        cluster = ebml_element(0x1F43B675, b"\x00" * payload)
        return header + ebml_element(0x18538067, info + cluster)
    major = b"qt  " if fmt == "QuickTime" else b"isom"
    brands = brands or ((b"qt  ",) if fmt == "QuickTime" else (b"isom", b"iso2", b"avc1", b"mp41"))
    ftyp = mp4_box(b"ftyp", major + struct.pack(">I", 0x200) + b"".join(brands))
    timescale = 1000
    mvhd = mp4_box(
        b"mvhd",
        b"\x00\x00\x00\x00"  # version 0, flags
        + struct.pack(">IIII", 0, 0, timescale, round(duration * timescale))
        + b"\x00" * 80,  # rate, volume, matrix, next track id
    )
    tkhd = mp4_box(
        b"tkhd",
        b"\x00\x00\x00\x03"
        + b"\x00" * 72  # times, track id, duration, layer, volume, matrix
        + struct.pack(">II", size[0] << 16, size[1] << 16),  # 16.16 fixed width and height
    )
    moov = mp4_box(b"moov", mvhd + mp4_box(b"trak", tkhd))
    mdat = mp4_box(b"mdat", b"\x00" * payload)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def video_file(name: str = "clip.mp4", fmt: str = "MP4", **kwargs) -> SimpleUploadedFile:
    """An uploaded video as a browser would send it."""
    return SimpleUploadedFile(
        name, video_bytes(fmt, **kwargs), content_type=_VIDEO_CONTENT_TYPES.get(fmt, "video/mp4")
    )


def s3_storages(*, endpoint_url: str, bucket: str, private_url_ttl: int = 900) -> dict:
    """``STORAGES`` for S3 mode against an S3-compatible endpoint (moto's server in tests)."""
    return build_storages(
        use_s3=True,
        media_root=None,
        private_media_root=None,
        private_url_ttl=private_url_ttl,
        static_backend="django.contrib.staticfiles.storage.StaticFilesStorage",
        s3=S3Config(
            bucket_name=bucket,
            region_name="us-east-1",
            endpoint_url=endpoint_url,
            access_key="testing",
            secret_key="testing",  # noqa: S106 - moto accepts any credentials
        ),
    )


def s3_client(endpoint_url: str, service: str = "s3"):
    """A boto3 client for moto's server with the credentials moto accepts while auth is off."""
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's placeholder credentials
    )


def create_bucket(*, endpoint_url: str, bucket: str, public_media: bool = True):
    """A bucket as the README sets it up: ``media/`` public through the bucket policy."""
    client = s3_client(endpoint_url)
    client.create_bucket(Bucket=bucket)
    if public_media:
        client.put_bucket_policy(Bucket=bucket, Policy=public_media_policy(bucket))
    return client


def iam_user(*, endpoint_url: str, name: str, policy: dict | None = None) -> tuple[str, str]:
    """An IAM user on moto (optionally with an inline policy); returns its key id and secret."""
    iam = s3_client(endpoint_url, "iam")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="app", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@contextmanager
def moto_iam_auth(endpoint_url: str):
    """Make moto's server check signatures and IAM policies, as AWS does, inside the block.

    moto accepts any credentials unless its ``INITIAL_NO_AUTH_ACTION_COUNT`` is reached; the
    server's own switch (``POST /moto-api/reset-auth`` with that count) sets it to 0 and back, for
    a server in this process or another. Create buckets and users before entering: they are
    unauthenticated calls.
    """
    previous = _reset_auth(endpoint_url, "0")
    try:
        yield
    finally:
        _reset_auth(endpoint_url, previous)


def _reset_auth(endpoint_url: str, count: str) -> str:
    url = f"{endpoint_url}/moto-api/reset-auth"  # the local moto server, never a user's URL
    # Not urllib's default form type: the server would parse the count away as form data.
    headers = {"Content-Type": "text/plain"}
    request = urllib.request.Request(url, count.encode(), headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
