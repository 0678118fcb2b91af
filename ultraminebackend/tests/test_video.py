"""Video intake: containers told by their bytes, the cap before reading, only the head read."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import SimpleUploadedFile

from testsupport.files import image_bytes, mp4_box, video_bytes
from ultraminebackend.files.processing.intake import IntakeImage
from ultraminebackend.files.processing.sniff import sniff_video
from ultraminebackend.files.processing.video import VideoIntake, intake_media, intake_video


class CountingFile(io.BytesIO):
    """A file object that counts the bytes read from it (to prove what the intake reads)."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def upload(data: bytes, name="clip.mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


@pytest.mark.parametrize(
    ("data", "fmt", "extension", "content_type"),
    [
        pytest.param(video_bytes("MP4"), "MP4", ".mp4", "video/mp4", id="mp4"),
        pytest.param(
            video_bytes("MP4", moov_last=True), "MP4", ".mp4", "video/mp4", id="mp4-moov-last"
        ),
        pytest.param(video_bytes("QuickTime"), "QuickTime", ".mov", "video/quicktime", id="mov"),
        pytest.param(video_bytes("WebM"), "WebM", ".webm", "video/webm", id="webm"),
    ],
)
def test_accepted_containers_with_their_duration(data, fmt, extension, content_type):
    result = intake_video(upload(data, name="anything.bin"))

    assert (result.format, result.extension, result.content_type) == (fmt, extension, content_type)
    assert result.duration == 2.5
    assert result.size == len(data)


@pytest.mark.parametrize(
    "brands",
    [(b"iso5", b"dash"), (b"mp42", b"isom"), (b"M4V ", b"M4VP"), (b"avc1",)],
    ids=lambda brands: b"+".join(brands).decode(),
)
def test_mp4_family_brands_are_mp4(brands):
    assert sniff_video(video_bytes("MP4", brands=brands)[:64]) == "MP4"


@pytest.mark.parametrize(
    ("data", "named"),
    [
        pytest.param(video_bytes("WebM", doctype=b"matroska"), "matroska", id="mkv"),
        pytest.param(b"RIFF\x00\x00\x00\x00AVI LIST" + b"\x00" * 64, "avi", id="avi"),
        pytest.param(
            mp4_box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom") + b"\x00" * 64, "m4a", id="audio"
        ),
        pytest.param(mp4_box(b"ftyp", b"3gp4\x00\x00\x00\x003gp4") + b"\x00" * 64, "3gp", id="3gp"),
        pytest.param(image_bytes("HEIC"), "unknown", id="heic-still-image"),
        pytest.param(image_bytes("PNG"), "unknown", id="png"),
        pytest.param(b"<html><script>alert(1)</script></html>", "unknown", id="html"),
    ],
)
def test_other_files_are_refused_naming_what_they_are(data, named):
    with pytest.raises(ValidationError) as caught:
        intake_video(upload(data))

    assert caught.value.code == "video_unsupported_format"
    assert f"'{named}'" in caught.value.messages[0]
    assert "Allowed: MP4, QuickTime, WebM." in caught.value.messages[0]


def test_empty_is_refused():
    with pytest.raises(ValidationError) as caught:
        intake_video(upload(b""))

    assert caught.value.code == "video_empty"


def test_the_cap_comes_from_the_declared_size_before_anything_is_read(settings):
    # given a file that fails the test if anything opens or reads it
    class Untouchable(File):
        size = 10_000

        def open(self, mode=None):
            raise AssertionError("opened")

    settings.VIDEO_MAX_BYTES = 9_999

    # when / then
    with pytest.raises(ValidationError) as caught:
        intake_video(Untouchable(None, name="big.mp4"))

    assert caught.value.code == "video_too_large"
    assert "the limit is 9999 bytes" in caught.value.messages[0]


@pytest.mark.parametrize("moov_last", [False, True])
def test_only_the_head_and_box_headers_are_read(moov_last):
    # given a 2 MB MP4 whose index may come after the media
    data = video_bytes("MP4", payload=2 * 1024 * 1024, moov_last=moov_last)
    counting = CountingFile(data)

    result = intake_video(File(counting, name="clip.mp4"))

    assert result.duration == 2.5
    assert counting.bytes_read < 512
    assert counting.tell() == 0  # left at the start for storage


def test_a_webm_head_is_read_not_the_whole_file():
    counting = CountingFile(video_bytes("WebM", payload=2 * 1024 * 1024))

    intake_video(File(counting, name="clip.webm"))

    assert counting.bytes_read <= 64 * 1024 + 64


def test_a_container_without_a_duration_is_a_video_of_unknown_length():
    data = mp4_box(b"ftyp", b"isom\x00\x00\x02\x00isomavc1") + mp4_box(b"mdat", b"\x00" * 100)

    assert intake_video(upload(data)).duration is None


def test_a_broken_index_is_a_video_of_unknown_length():
    ftyp = mp4_box(b"ftyp", b"isom\x00\x00\x02\x00isomavc1")
    broken = ftyp + b"\x00\x00\x00\x10moov\x00\x00\x00\x08mvhd"  # mvhd cut short

    result = intake_video(upload(broken))

    assert (result.format, result.duration) == ("MP4", None)


# --- intake_media: image or video -----------------------------------------------------------------


def test_intake_media_sends_images_through_the_image_intake():
    result = intake_media(SimpleUploadedFile("a.mp4", image_bytes("PNG", (20, 10)), "video/mp4"))

    assert isinstance(result, IntakeImage)
    assert (result.format, result.width, result.name) == ("PNG", 20, "image.png")
    assert result.thumbnail  # a WebP thumbnail for the public storage


def test_intake_media_leaves_videos_as_uploaded():
    upload = SimpleUploadedFile("photo.jpg", video_bytes("WebM"), "image/jpeg")

    result = intake_media(upload)

    assert isinstance(result, VideoIntake)
    assert result.file is upload and result.format == "WebM"


def test_intake_media_names_both_families_for_anything_else():
    with pytest.raises(ValidationError) as caught:
        intake_media(SimpleUploadedFile("a.txt", b"just text\n"))

    assert caught.value.code == "media_unsupported_format"
    assert caught.value.messages == [
        "Unsupported media format 'text'. Allowed: images (JPEG, PNG, WebP, GIF, HEIC) or "
        "videos (MP4, QuickTime, WebM)."
    ]


def test_intake_media_checks_the_larger_cap_before_reading(settings):
    class Untouchable(File):
        size = 3_000

        def open(self, mode=None):
            raise AssertionError("opened")

    settings.IMAGE_MAX_BYTES, settings.VIDEO_MAX_BYTES = 1_000, 2_000

    with pytest.raises(ValidationError) as caught:
        intake_media(Untouchable(None, name="x"))

    assert caught.value.code == "media_too_large"
