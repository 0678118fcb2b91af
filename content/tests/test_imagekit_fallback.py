"""Posts and blogs when Cloudinary fails: ImageKit (the real imagekitio SDK against its loopback
fake) takes the files in Cloudinary's folders, then our storage; deletes and replacements remove
ImageKit files by their fileId; a failed write leaves no row and nothing on any CDN."""

import pytest
from django.core.files.storage import default_storage

from content.models import Blog, BlogImage, Media, Post
from testsupport.files import image_file, video_bytes, video_file

from .helpers import content_files

pytestmark = pytest.mark.django_db

POSTS = "/api/posts"
BLOGS = "/api/blogs"


@pytest.fixture
def cloudinary_down(cloudinary_server, imagekit_server):
    """Cloudinary answers 500 to every upload; ImageKit works."""
    cloudinary_server.fail_uploads(status=500)
    return cloudinary_server, imagekit_server


def create_post(client, **body):
    return client.post(POSTS, body, format="multipart")


def create_blog(client, **body):
    body.setdefault("title", "Mining at dawn")
    return client.post(BLOGS, body, format="multipart")


def test_post_media_fall_to_imagekit_in_folder_auto_when_cloudinary_fails(
    client_for, user, settings, cloudinary_down
):
    cloudinary_server, imagekit_server = cloudinary_down
    settings.IMAGE_THUMBNAIL_SIZE = 40

    response = create_post(
        client_for(user), caption="x", media=[image_file(size=(60, 40)), video_file()]
    )

    assert response.status_code == 201, response.content
    image, video = response.json()["media"]
    assert [m["storage"] for m in (image, video)] == ["imagekit", "imagekit"]
    assert all(m["public_id"].startswith("auto/") and m["file"] is None for m in (image, video))
    assert image["url"] == f"{imagekit_server.url_endpoint}/{image['public_id']}"
    assert image["thumbnail_url"] == f"{image['url']}?tr=w-40,h-40,c-at_max,f-webp"
    assert imagekit_server.fetch(image["thumbnail_url"])[1] == "image/webp"
    assert (video["type"], video["format"], video["thumbnail_url"]) == ("video", "mp4", None)
    assert video["duration"] == 2.5
    assert imagekit_server.fetch(video["url"])[0] == video_bytes()
    # Cloudinary was asked once for the whole request; nothing of it is left there
    assert len(cloudinary_server.upload_requests) == 1 and cloudinary_server.assets == {}
    assert content_files(settings) == []
    rows = Media.objects.order_by("position")
    assert [r.asset_id for r in rows] == [
        imagekit_server.files[f"/{m['public_id']}"].file_id for m in (image, video)
    ]


def test_when_imagekit_fails_too_post_media_go_to_our_storage(
    client_for, user, settings, cloudinary_down
):
    _, imagekit_server = cloudinary_down
    imagekit_server.fail_uploads(status=502)

    response = create_post(client_for(user), caption="x", media=[image_file(), image_file()])

    assert response.status_code == 201, response.content
    assert [m["storage"] for m in response.json()["media"]] == ["media", "media"]
    assert len(imagekit_server.upload_requests) == 1 and imagekit_server.files == {}


def test_imagekit_first_when_media_cdn_order_says_so(
    client_for, user, settings, cloudinary_server, imagekit_server
):
    settings.MEDIA_CDN_ORDER = ["imagekit", "cloudinary"]

    response = create_post(client_for(user), caption="x", media=[image_file()])

    assert response.json()["media"][0]["storage"] == "imagekit"
    assert cloudinary_server.upload_requests == []


def test_blog_images_fall_to_imagekit_in_blog_banners_and_blog_featured(
    client_for, user, cloudinary_down
):
    _, imagekit_server = cloudinary_down

    response = create_blog(client_for(user), banner=image_file(), image=image_file("f.png", "PNG"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["banner"].startswith("blog_banners/") and body["image"].startswith("blog_featured/")
    assert body["banner_url"] == f"{imagekit_server.url_endpoint}/{body['banner']}"
    assert "?tr=" in body["image_thumbnail_url"]
    assert {f"/{body['banner']}", f"/{body['image']}"} == set(imagekit_server.files)
    assert {row.storage for row in BlogImage.objects.all()} == {"imagekit"}


def test_replacing_an_imagekit_banner_deletes_the_old_file_after_commit(
    client_for, user, cloudinary_down, django_capture_on_commit_callbacks
):
    _, imagekit_server = cloudinary_down
    client = client_for(user)
    blog = create_blog(client, banner=image_file()).json()
    old_id = imagekit_server.files[f"/{blog['banner']}"].file_id

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        body = client.patch(
            f"{BLOGS}/{blog['id']}", {"banner": image_file()}, format="multipart"
        ).json()
    assert imagekit_server.deleted == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert imagekit_server.deleted == [old_id]
    assert set(imagekit_server.files) == {f"/{body['banner']}"}


def test_deleting_a_post_and_a_blog_deletes_their_imagekit_files(
    client_for, user, cloudinary_down, django_capture_on_commit_callbacks
):
    _, imagekit_server = cloudinary_down
    client = client_for(user)
    post = create_post(client, caption="x", media=[image_file(), video_file()]).json()
    blog = create_blog(client, image=image_file()).json()
    assert len(imagekit_server.files) == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{POSTS}/{post['id']}").status_code == 204
        assert client.delete(f"{BLOGS}/{blog['id']}").status_code == 204

    assert imagekit_server.files == {} and len(imagekit_server.deleted) == 3


def test_a_write_failing_after_imagekit_uploads_leaves_no_row_and_nothing_on_imagekit(
    client_for, user, settings, cloudinary_down, generation_for
):
    # given a generation whose image has vanished from our storage since
    _, imagekit_server = cloudinary_down
    url, settings.CLOUDINARY_URL = settings.CLOUDINARY_URL, ""
    key, settings.IMAGEKIT_PRIVATE_KEY = settings.IMAGEKIT_PRIVATE_KEY, ""
    generation = generation_for(user)
    settings.CLOUDINARY_URL, settings.IMAGEKIT_PRIVATE_KEY = url, key
    default_storage.delete(generation.image.name)

    # when an image and a video go to ImageKit first, then the generation is copied
    response = create_post(
        client_for(user),
        caption="x",
        media=[image_file(), video_file()],
        media_generations=[generation.pk],
    )

    # then a 400 naming the field, and both ImageKit uploads were deleted
    assert response.status_code == 400, response.content
    assert "media_generations" in response.json()
    assert len(imagekit_server.upload_requests) == 2 and len(imagekit_server.deleted) == 2
    assert imagekit_server.files == {}
    assert not Post.objects.exists() and not Media.objects.exists()
    assert content_files(settings) == []


def test_a_failed_imagekit_upload_of_a_blog_leaves_nothing_but_our_storage_copy(
    client_for, user, settings, cloudinary_down
):
    _, imagekit_server = cloudinary_down
    imagekit_server.fail_uploads(after=1)  # the banner goes up, the featured image fails

    body = create_blog(client_for(user), banner=image_file(), image=image_file()).json()

    assert [f"/{body['banner']}"] == list(imagekit_server.files)
    assert body["image"].startswith("blog_featured/") and default_storage.exists(body["image"])
    assert Blog.objects.count() == 1
    assert sorted(r.storage for r in BlogImage.objects.all()) == ["imagekit", "media"]


def test_a_cloudinary_generation_is_copied_to_imagekit_when_cloudinary_fails_the_copy(
    client_for, user, cloudinary_server, imagekit_server, generation_for
):
    generation = generation_for(user)
    assert generation.storage == "cloudinary"
    cloudinary_server.fail_uploads()

    response = create_post(client_for(user), media_generations=[generation.pk], caption="x")

    assert response.status_code == 201, response.content
    item = response.json()["media"][0]
    assert (item["storage"], item["generation"]) == ("imagekit", generation.pk)
    assert imagekit_server.files[f"/{item['public_id']}"].data == (
        cloudinary_server.assets[generation.public_id].data
    )


def test_an_imagekit_failure_with_our_storage_down_is_a_503_and_deletes_what_went_up(
    client_for, user, settings, cloudinary_down, our_storage_unwritable
):
    # given Cloudinary down, ImageKit taking one upload then failing, and our storage unwritable
    _, imagekit_server = cloudinary_down
    imagekit_server.fail_uploads(after=1)

    # when
    response = create_post(client_for(user), caption="x", media=[video_file(), image_file()])

    # then no row, and the video ImageKit took was deleted by its fileId
    assert response.status_code == 503
    assert len(imagekit_server.upload_requests) == 2 and len(imagekit_server.deleted) == 1
    assert imagekit_server.files == {}
    assert not Post.objects.exists() and not Media.objects.exists()
