"""Posts through the API: media in order on our storage or Cloudinary, rules, all-or-nothing.

Cloudinary is the fake server reached by the real SDK; our storage is the real local storage (one
test on S3 through moto). Nothing of ours is patched.
"""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ai_agent.models import Generation
from content.models import Brand, Media, Post
from testsupport.files import image_bytes, image_file, video_bytes, video_file

from .helpers import content_files

pytestmark = pytest.mark.django_db

POSTS = "/api/posts"


def create(client, **body):
    return client.post(POSTS, body, format="multipart")


def two_images_and_a_video():
    return [
        image_file("first.jpg", "JPEG", (60, 40)),
        image_file("second.png", "PNG", (30, 20)),
        video_file("clip.mp4", "MP4", payload=5000),
    ]


# --- our storage ----------------------------------------------------------------------------------


def test_two_images_and_a_video_keep_order_and_types_on_our_storage(client_for, user, settings):
    # when
    response = create(client_for(user), caption="Launch day", media=two_images_and_a_video())

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    media = body["media"]
    assert [(m["position"], m["type"], m["format"]) for m in media] == [
        (0, "image", "jpg"),
        (1, "image", "png"),
        (2, "video", "mp4"),
    ]
    assert [(m["width"], m["height"]) for m in media[:2]] == [(60, 40), (30, 20)]
    assert media[2]["duration"] == 2.5
    for item in media:
        assert item["storage"] == "media" and item["public_id"] is None
        assert item["file"].startswith("posts/")
        assert item["url"] == f"http://testserver/media/{item['file']}"
    assert media[0]["thumbnail_url"].endswith(".thumb.webp")
    assert media[2]["thumbnail_url"] is None
    # the rows, and the files with a thumbnail beside each image (none for the video)
    assert list(Media.objects.order_by("position").values_list("type", flat=True)) == [
        "image",
        "image",
        "video",
    ]
    assert len(content_files(settings)) == 5
    with default_storage.open(media[2]["file"]) as stored:
        assert stored.read() == video_bytes("MP4", payload=5000)


def test_media_urls_follow_the_proxy_headers(client_for, user, settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]

    response = client_for(user).post(
        POSTS,
        {"caption": "x", "media": [image_file()]},
        format="multipart",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="api.example.com",
    )

    assert response.json()["media"][0]["url"].startswith("https://api.example.com/media/posts/")


@pytest.mark.parametrize("path", ["/api/posts", "/api/posts/"])
def test_trailing_slash_is_optional_without_redirect(client_for, user, path):
    response = client_for(user).post(path, {"caption": "hello"}, format="multipart")

    assert response.status_code == 201


def test_a_caption_alone_makes_a_post_and_json_works(client_for, user):
    response = client_for(user).post(POSTS, {"caption": "words only"}, format="json")

    assert response.status_code == 201
    assert (response.json()["media"], response.json()["status"]) == ([], "draft")


@pytest.mark.usefixtures("s3")
def test_media_are_stored_on_s3_with_thumbnails(client_for, user, s3):
    client, bucket = s3

    media = create(client_for(user), caption="x", media=[image_file(), video_file()]).json()[
        "media"
    ]

    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
    image, video = media[0]["file"], media[1]["file"]
    assert keys == {f"media/{image}", f"media/{image[:-4]}.thumb.webp", f"media/{video}"}
    assert media[1]["url"].endswith(f"/{bucket}/media/{video}")


# --- Cloudinary -----------------------------------------------------------------------------------


def test_on_cloudinary_media_go_to_folder_auto_with_resource_type_auto(
    client_for, user, settings, cloudinary_server
):
    # when
    response = create(client_for(user), caption="Launch day", media=two_images_and_a_video())

    # then: every request went to /auto/upload, the video in several chunks
    assert response.status_code == 201, response.content
    assert {r.path for r in cloudinary_server.upload_requests} == {
        f"/v1_1/{cloudinary_server.cloud_name}/auto/upload"
    }
    media = response.json()["media"]
    assert [(m["type"], m["storage"]) for m in media] == [
        ("image", "cloudinary"),
        ("image", "cloudinary"),
        ("video", "cloudinary"),
    ]
    stored = [cloudinary_server.assets[m["public_id"]] for m in media]
    assert all(m["public_id"].startswith("auto/") for m in media)
    assert [(s.resource_type, s.params["folder"]) for s in stored] == [
        ("image", "auto"),
        ("image", "auto"),
        ("video", "auto"),
    ]
    assert stored[2].chunks > 1
    # absolute CDN URLs: q_auto delivery, a WebP thumbnail for images, none for the video
    assert media[0]["url"].startswith(
        f"{cloudinary_server.url}/{cloudinary_server.cloud_name}/image/upload/q_auto/"
    )
    assert "/c_limit,w_400,h_400,f_webp,q_auto/" in media[1]["thumbnail_url"]
    assert media[2]["url"].startswith(
        f"{cloudinary_server.url}/{cloudinary_server.cloud_name}/video/upload/q_auto/"
    )
    assert (media[2]["thumbnail_url"], media[2]["duration"]) == (None, 2.5)
    assert cloudinary_server.fetch(media[2]["url"]) == video_bytes("MP4", payload=5000)
    # the images went up normalised by the intake, not as the client sent them
    assert stored[0].data != image_bytes("JPEG", (60, 40))
    assert (media[0]["file"], content_files(settings)) == (None, [])


def test_when_cloudinary_fails_the_request_falls_back_to_our_storage(
    client_for, user, settings, cloudinary_server
):
    # given Cloudinary answers 500 to every upload
    cloudinary_server.fail_uploads(status=500)

    # when
    response = create(client_for(user), caption="x", media=two_images_and_a_video())

    # then: everything is on our storage, and Cloudinary was tried once, not once per file
    assert response.status_code == 201, response.content
    media = response.json()["media"]
    assert [m["storage"] for m in media] == ["media", "media", "media"]
    assert all(m["url"].startswith("http://testserver/media/posts/") for m in media)
    assert len(cloudinary_server.upload_requests) == 1
    assert cloudinary_server.assets == {}


def test_after_a_failure_mid_request_earlier_media_stay_on_cloudinary(
    client_for, user, cloudinary_server
):
    cloudinary_server.fail_uploads(after=1)

    media = create(client_for(user), caption="x", media=two_images_and_a_video()).json()["media"]

    assert [m["storage"] for m in media] == ["cloudinary", "media", "media"]
    assert list(cloudinary_server.assets) == [media[0]["public_id"]]


def test_a_cloudinary_timeout_falls_back_too(client_for, user, settings, cloudinary_server):
    settings.CLOUDINARY_URL += "&timeout=1"
    cloudinary_server.hang_next(5)

    response = create(client_for(user), caption="x", media=[video_file()])

    assert response.status_code == 201
    assert response.json()["media"][0]["storage"] == "media"


# --- all or nothing -------------------------------------------------------------------------------


def assert_nothing_left(settings, cloudinary_server=None):
    assert not Post.objects.exists()
    assert not Media.objects.exists()
    assert content_files(settings) == []
    if cloudinary_server is not None:
        assert [name for name in cloudinary_server.assets if name.startswith("auto/")] == []


@pytest.mark.parametrize("cdn", [False, True], ids=["our-storage", "cloudinary"])
def test_an_invalid_third_file_is_a_400_before_anything_is_stored(
    client_for, user, settings, request, cdn
):
    fake = request.getfixturevalue("cloudinary_server") if cdn else None
    media = [
        image_file(),
        video_file(),
        SimpleUploadedFile("third.jpg", b"<svg onload=alert(1)>", "image/jpeg"),
    ]

    response = create(client_for(user), caption="x", media=media)

    assert response.status_code == 400
    assert response.json() == {
        "media": {
            "2": [
                "Unsupported media format 'svg'. Allowed: images (JPEG, PNG, WebP, GIF, HEIC) "
                "or videos (MP4, QuickTime, WebM)."
            ]
        }
    }
    assert_nothing_left(settings, fake)
    if fake is not None:  # every file is checked before the first upload
        assert fake.upload_requests == []


@pytest.mark.parametrize("where", ["media", "cloudinary"])
def test_a_third_item_that_fails_after_two_uploads_destroys_them(
    client_for, user, settings, cloudinary_server, generation_for, where
):
    # given a generation whose image has vanished since (from our storage or from Cloudinary)
    if where == "media":
        url, settings.CLOUDINARY_URL = settings.CLOUDINARY_URL, ""
        generation = generation_for(user)
        settings.CLOUDINARY_URL = url
        default_storage.delete(generation.image.name)
    else:
        generation = generation_for(user)
        cloudinary_server.assets.pop(generation.public_id)

    # when: an image and a video go up first, then the generation is copied
    response = create(
        client_for(user),
        caption="x",
        media=[image_file(), video_file()],
        media_generations=[generation.pk],
    )

    # then: a 400 naming the field, and the two uploads were destroyed with their resource types
    assert response.status_code == 400, response.content
    assert response.json() == {
        "media_generations": [f"The image of generation {generation.pk} is no longer available."]
    }
    assert [rtype for rtype, _ in cloudinary_server.destroyed] == ["image", "video"]
    assert_nothing_left(settings, cloudinary_server)


def test_a_cdn_error_with_our_storage_down_is_a_503_and_destroys_what_went_up(
    client_for, user, settings, cloudinary_server, our_storage_unwritable
):
    # given Cloudinary takes one upload then fails, and our storage cannot write
    cloudinary_server.fail_uploads(after=1)

    # when
    response = create(client_for(user), caption="x", media=[video_file(), image_file()])

    # then
    assert response.status_code == 503
    assert response.json()["detail"].startswith("File storage is unavailable")
    assert [rtype for rtype, _ in cloudinary_server.destroyed] == ["video"]
    assert not Post.objects.exists()
    assert [name for name in cloudinary_server.assets if name.startswith("auto/")] == []


# --- AI generations -------------------------------------------------------------------------------


def test_attaching_a_generation_copies_it_on_our_storage(
    client_for, user, settings, generation_for, django_capture_on_commit_callbacks
):
    generation = generation_for(user)

    response = create(client_for(user), media_generations=[generation.pk])

    assert response.status_code == 201, response.content
    (item,) = response.json()["media"]
    assert (item["type"], item["storage"], item["generation"]) == ("image", "media", generation.pk)
    assert item["file"].startswith("posts/") and item["file"] != generation.image.name
    assert item["thumbnail_url"].endswith(".thumb.webp")
    assert (item["width"], item["height"]) == (generation.width, generation.height)
    # the copy does not depend on the temporary folder: delete the generation and its file
    with django_capture_on_commit_callbacks(execute=True):
        Generation.objects.get(pk=generation.pk).delete()
    assert not default_storage.exists(generation.image.name)
    assert default_storage.exists(item["file"])
    assert Media.objects.get().generation is None  # provenance only


def test_attaching_a_cloudinary_generation_copies_it_by_url_into_auto(
    client_for, user, cloudinary_server, generation_for
):
    generation = generation_for(user)
    assert generation.storage == "cloudinary"

    response = create(client_for(user), media_generations=[generation.pk])

    (item,) = response.json()["media"]
    assert item["public_id"].startswith("auto/")
    upload = cloudinary_server.upload_requests[-1]
    assert upload.path.endswith("/auto/upload")
    assert generation.secure_url.encode() in upload.body  # Cloudinary fetched it
    copy = cloudinary_server.assets[item["public_id"]]
    assert copy.data == cloudinary_server.assets[generation.public_id].data


def test_a_generation_on_our_storage_is_streamed_to_cloudinary(
    client_for, user, settings, cloudinary_server, generation_for
):
    url, settings.CLOUDINARY_URL = settings.CLOUDINARY_URL, ""
    generation = generation_for(user)
    settings.CLOUDINARY_URL = url

    (item,) = create(client_for(user), media_generations=[generation.pk]).json()["media"]

    with default_storage.open(generation.image.name) as original:
        assert cloudinary_server.assets[item["public_id"]].data == original.read()


def test_a_cloudinary_generation_is_fetched_onto_our_storage_when_cloudinary_is_off(
    client_for, user, settings, cloudinary_server, generation_for
):
    generation = generation_for(user)
    settings.CLOUDINARY_URL = ""  # switched off since; the delivery URL still serves it

    (item,) = create(client_for(user), media_generations=[generation.pk]).json()["media"]

    assert item["storage"] == "media" and item["file"].startswith("posts/")
    assert default_storage.exists(item["file"][:-4] + ".thumb.webp")


def test_files_come_first_then_generations(client_for, user, generation_for):
    generation = generation_for(user)

    media = create(
        client_for(user), media_generations=[generation.pk], media=[video_file()]
    ).json()["media"]

    assert [(m["type"], m["generation"]) for m in media] == [
        ("video", None),
        ("image", generation.pk),
    ]


@pytest.mark.parametrize("whose", ["another user's", "a failed"])
def test_only_own_succeeded_generations_can_be_attached(
    client_for, user, other_user, settings, generation_for, whose
):
    if whose == "another user's":
        generation = generation_for(other_user)
    else:
        generation = generation_for(user)
        Generation.objects.filter(pk=generation.pk).update(
            status="failed", error_code="provider_error"
        )

    response = create(client_for(user), caption="x", media_generations=[generation.pk])

    assert response.status_code == 400
    assert response.json() == {
        "media_generations": {
            "0": [f"Generation {generation.pk} is not one of your succeeded generations."]
        }
    }
    assert_nothing_left(settings)


# --- rules ----------------------------------------------------------------------------------------


def test_more_than_ten_media_are_refused_before_any_is_read(client_for, user, settings):
    media = [image_file() for _ in range(8)] + [SimpleUploadedFile("x.jpg", b"junk")] * 3

    response = create(client_for(user), caption="x", media=media)

    assert response.status_code == 400
    assert response.json() == {"media": ["A post has at most 10 media; got 11."]}
    assert_nothing_left(settings)


def test_ten_media_counting_generations(client_for, user, generation_for):
    generation = generation_for(user)
    media = [image_file() for _ in range(10)]

    response = create(client_for(user), media=media, media_generations=[generation.pk])

    assert response.status_code == 400
    assert "at most 10 media; got 11" in response.json()["media"][0]


def test_a_post_needs_a_caption_or_media(client_for, user):
    response = create(client_for(user), caption="   ")

    assert response.status_code == 400
    assert response.json() == {"caption": ["A post needs a caption or media."]}


@pytest.mark.parametrize(
    ("scheduled_at", "expected"),
    [
        (None, {"scheduled_at": ["A scheduled post needs scheduled_at."]}),
        ("past", {"scheduled_at": ["scheduled_at must be in the future."]}),
        ("future", None),
    ],
)
def test_scheduled_needs_a_future_time(client_for, user, scheduled_at, expected):
    when = {
        None: "",
        "past": (timezone.now() - timedelta(minutes=1)).isoformat(),
        "future": (timezone.now() + timedelta(days=1)).isoformat(),
    }[scheduled_at]

    response = create(client_for(user), caption="x", status="scheduled", scheduled_at=when)

    if expected is None:
        assert response.status_code == 201
        assert response.json()["status"] == "scheduled"
    else:
        assert (response.status_code, response.json()) == (400, expected)


def test_a_brand_must_be_the_users_own(client_for, user, other_user):
    own = Brand.objects.create(owner=user, name="Mine", slug="mine")
    theirs = Brand.objects.create(owner=other_user, name="Theirs", slug="theirs")

    refused = create(client_for(user), caption="x", brand=theirs.pk)
    accepted = create(client_for(user), caption="x", brand=own.pk, media=[image_file()])

    assert refused.status_code == 400 and "brand" in refused.json()
    assert accepted.json()["brand"] == own.pk
    assert Media.objects.get().brand == own


def test_a_video_over_the_cap_is_refused(client_for, user, settings):
    settings.VIDEO_MAX_BYTES = 1000

    response = create(client_for(user), caption="x", media=[video_file(payload=2000)])

    assert response.status_code == 400
    assert "the limit is 1000 bytes" in response.json()["media"]["0"][0]


def test_an_unsupported_video_container_is_named(client_for, user):
    mkv = SimpleUploadedFile("a.mp4", video_bytes("WebM", doctype=b"matroska"), "video/mp4")

    response = create(client_for(user), caption="x", media=[mkv])

    assert response.json() == {
        "media": {"0": ["Unsupported video format 'matroska'. Allowed: MP4, QuickTime, WebM."]}
    }


@pytest.mark.parametrize(
    "body",
    [
        {"status": "live"},
        {"scheduled_at": "tomorrow"},
        {"brand": "abc"},
        {"media_generations": ["x"]},
        {"media": ["not a file"]},
    ],
)
def test_malformed_input_is_a_400_naming_the_field(client_for, user, body):
    response = create(client_for(user), caption="x", **body)

    assert response.status_code == 400
    assert set(response.json()) == set(body)


# --- update and delete ----------------------------------------------------------------------------


def test_patch_changes_fields_and_keeps_media(client_for, user):
    client = client_for(user)
    post = create(client, caption="x", media=[image_file()]).json()

    response = client.patch(f"{POSTS}/{post['id']}", {"caption": "new"}, format="json")

    assert response.status_code == 200
    assert response.json()["caption"] == "new"
    assert response.json()["media"] == post["media"]


def test_patch_with_media_replaces_them_and_removes_the_old_files_after_commit(
    client_for, user, settings, django_capture_on_commit_callbacks
):
    client = client_for(user)
    post = create(client, caption="x", media=[image_file(), image_file()]).json()
    old = [m["file"] for m in post["media"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"{POSTS}/{post['id']}", {"media": [video_file()]}, format="multipart"
        )

    (item,) = response.json()["media"]
    assert (item["type"], item["position"]) == ("video", 0)
    assert content_files(settings) == [item["file"]]
    assert not any(default_storage.exists(name) for name in old)


def test_patch_cannot_leave_an_empty_post(client_for, user):
    client = client_for(user)
    post = create(client, caption="", media=[image_file()]).json()

    response = client.patch(f"{POSTS}/{post['id']}", {"caption": ""}, format="json")

    assert response.status_code == 200  # media still there
    response = client.patch(f"{POSTS}/{post['id']}", {"status": "scheduled"}, format="json")
    assert response.status_code == 400 and "scheduled_at" in response.json()


def test_deleting_a_post_removes_its_files_after_commit(
    client_for, user, settings, django_capture_on_commit_callbacks
):
    client = client_for(user)
    post = create(client, caption="x", media=[image_file(), video_file()]).json()
    assert len(content_files(settings)) == 3

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(f"{POSTS}/{post['id']}")

    assert response.status_code == 204
    assert content_files(settings) == []
    assert not Media.objects.exists()


def test_deleting_a_post_destroys_its_cloudinary_assets_after_commit_only(
    client_for, user, cloudinary_server, django_capture_on_commit_callbacks
):
    client = client_for(user)
    post = create(client, caption="x", media=[image_file(), video_file()]).json()
    ids = [m["public_id"] for m in post["media"]]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.delete(f"{POSTS}/{post['id']}")
    assert cloudinary_server.destroyed == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert sorted(cloudinary_server.destroyed) == sorted([("image", ids[0]), ("video", ids[1])])
