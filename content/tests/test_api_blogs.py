"""Blogs through the API: banner and featured images in their folders, generations, replacement."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from content.models import Blog, BlogImage
from testsupport.files import image_file

from .helpers import content_files

pytestmark = pytest.mark.django_db

BLOGS = "/api/blogs"


def create(client, **body):
    body.setdefault("title", "Mining at dawn")
    return client.post(BLOGS, body, format="multipart")


def test_banner_and_featured_image_go_to_their_folders_with_absolute_urls(
    client_for, user, settings
):
    response = create(
        client_for(user),
        banner=image_file("b.jpg", size=(120, 40)),
        image=image_file("f.png", "PNG"),
        image_alt="A rig at dawn",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["banner"].startswith("blog_banners/") and body["banner"].endswith(".jpg")
    assert body["image"].startswith("blog_featured/") and body["image"].endswith(".png")
    assert body["banner_url"] == f"http://testserver/media/{body['banner']}"
    assert body["image_url"] == f"http://testserver/media/{body['image']}"
    assert (
        body["banner_thumbnail_url"] == f"http://testserver/media/{body['banner'][:-4]}.thumb.webp"
    )
    assert body["image_thumbnail_url"].endswith(".thumb.webp")
    assert body["image_alt"] == "A rig at dawn"
    assert sorted(content_files(settings)) == sorted(
        [
            body["banner"],
            body["banner"][:-4] + ".thumb.webp",
            body["image"],
            body["image"][:-4] + ".thumb.webp",
        ]
    )
    assert BlogImage.objects.get(role="banner").width == 120


def test_site_url_makes_the_urls_absolute_when_set(client_for, user, settings):
    settings.SITE_URL = "https://api.example.com"

    body = create(client_for(user), banner=image_file()).json()

    assert body["banner_url"] == f"https://api.example.com/media/{body['banner']}"


def test_a_blog_without_images_answers_nulls(client_for, user):
    body = create(client_for(user)).json()

    assert {key: body[key] for key in body if "banner" in key or key.startswith("image_")} == {
        "banner": None,
        "banner_url": None,
        "banner_thumbnail_url": None,
        "image_url": None,
        "image_thumbnail_url": None,
        "image_alt": "",
    }
    assert body["image"] is None


def test_on_cloudinary_blog_images_go_to_blog_banners_and_blog_featured(
    client_for, user, settings, cloudinary_server
):
    body = create(client_for(user), banner=image_file(), image=image_file()).json()

    # banner/image hold the Cloudinary public_id (documented), the URLs are Cloudinary's
    assert body["banner"].startswith("blog_banners/")
    assert body["image"].startswith("blog_featured/")
    banner = cloudinary_server.assets[body["banner"]]
    featured = cloudinary_server.assets[body["image"]]
    assert (banner.params["folder"], featured.params["folder"]) == ("blog_banners", "blog_featured")
    assert {r.path.rsplit("/", 2)[-2] for r in cloudinary_server.upload_requests} == {"image"}
    assert (
        body["banner_url"].startswith(f"{cloudinary_server.url}/")
        and "/q_auto/" in body["banner_url"]
    )
    assert "f_webp" in body["image_thumbnail_url"]
    assert cloudinary_server.fetch(body["banner_url"]) == banner.data
    assert content_files(settings) == []


def test_generations_are_copied_as_banner_and_featured_image(
    client_for, user, settings, generation_for
):
    banner, featured = generation_for(user), generation_for(user, prompt="another")

    response = create(client_for(user), banner_generation=banner.pk, image_generation=featured.pk)

    body = response.json()
    assert response.status_code == 201, response.content
    assert body["banner"].startswith("blog_banners/") and body["image"].startswith("blog_featured/")
    assert body["banner"] != banner.image.name
    assert BlogImage.objects.get(role="banner").generation_id == banner.pk
    assert default_storage.exists(body["image"][:-4] + ".thumb.webp")


def test_a_generation_on_cloudinary_is_copied_into_blog_banners(
    client_for, user, cloudinary_server, generation_for
):
    generation = generation_for(user)

    body = create(client_for(user), banner_generation=generation.pk).json()

    assert body["banner"].startswith("blog_banners/")
    assert cloudinary_server.assets[body["banner"]].data == (
        cloudinary_server.assets[generation.public_id].data
    )


def test_another_users_generation_is_refused(
    client_for, user, other_user, settings, generation_for
):
    generation = generation_for(other_user)

    response = create(client_for(user), image_generation=generation.pk)

    assert response.status_code == 400
    assert response.json() == {
        "image_generation": [
            f"Generation {generation.pk} is not one of your succeeded generations."
        ]
    }
    assert not Blog.objects.exists()


def test_a_file_and_a_generation_for_the_same_image_is_a_400(
    client_for, user, settings, generation_for
):
    generation = generation_for(user)

    response = create(client_for(user), banner=image_file(), banner_generation=generation.pk)

    assert response.status_code == 400
    assert "not both" in response.json()["banner_generation"][0]
    assert content_files(settings) == []


def test_an_invalid_banner_is_a_400_and_leaves_nothing(client_for, user, settings):
    response = create(
        client_for(user),
        image=image_file(),
        banner=SimpleUploadedFile("b.jpg", b"GIF89a not really", "image/gif"),
    )

    assert response.status_code == 400
    assert "banner" in response.json()
    assert not Blog.objects.exists()
    assert content_files(settings) == []


def test_a_taken_slug_is_refused_before_any_upload(client_for, user, cloudinary_server):
    Blog.objects.create(author=user, title="Taken", slug="taken")

    response = create(client_for(user), slug="taken", banner=image_file(), image=image_file())

    assert response.status_code == 400
    assert response.json()["slug"] == ["A blog with the slug 'taken' exists."]
    assert cloudinary_server.upload_requests == []  # refused before uploading


# --- slugs and publication ------------------------------------------------------------------------


def test_slugs_are_made_from_the_title_and_numbered_when_taken(client_for, user, other_user):
    first = create(client_for(user), title="Hello, World!").json()
    second = create(client_for(other_user), title="Hello world").json()
    third = create(client_for(user), title="¡¡¡").json()

    assert (first["slug"], second["slug"], third["slug"]) == (
        "hello-world",
        "hello-world-2",
        "blog",
    )


def test_published_at_follows_the_status(client_for, user):
    client = client_for(user)
    blog = create(client).json()
    assert blog["published_at"] is None

    published = client.patch(f"{BLOGS}/{blog['id']}", {"status": "published"}, format="json").json()
    again = client.patch(f"{BLOGS}/{blog['id']}", {"title": "New title"}, format="json").json()
    draft = client.patch(f"{BLOGS}/{blog['id']}", {"status": "draft"}, format="json").json()

    assert published["published_at"] is not None
    assert again["published_at"] == published["published_at"]
    assert again["slug"] == blog["slug"]  # a new title keeps the URL
    assert draft["published_at"] is None


def test_changing_to_a_taken_slug_is_a_400(client_for, user):
    client = client_for(user)
    create(client, title="One")
    two = create(client, title="Two").json()

    response = client.patch(f"{BLOGS}/{two['id']}", {"slug": "one"}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"slug": ["A blog with the slug 'one' exists."]},
    )


# --- replacing, removing, deleting ----------------------------------------------------------------


def test_replacing_the_banner_removes_the_old_file_after_commit(
    client_for, user, settings, django_capture_on_commit_callbacks
):
    client = client_for(user)
    blog = create(client, banner=image_file(), image=image_file()).json()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"{BLOGS}/{blog['id']}", {"banner": image_file()}, format="multipart"
        )

    body = response.json()
    assert response.status_code == 200
    assert body["banner"] != blog["banner"] and body["image"] == blog["image"]
    assert not default_storage.exists(blog["banner"])
    assert not default_storage.exists(blog["banner"][:-4] + ".thumb.webp")
    assert default_storage.exists(body["banner"])


def test_replacing_a_cloudinary_banner_destroys_the_old_asset_after_commit(
    client_for, user, cloudinary_server, django_capture_on_commit_callbacks
):
    client = client_for(user)
    blog = create(client, banner=image_file()).json()

    with django_capture_on_commit_callbacks(execute=True):
        body = client.patch(
            f"{BLOGS}/{blog['id']}", {"banner": image_file()}, format="multipart"
        ).json()

    assert cloudinary_server.destroyed == [("image", blog["banner"])]
    assert body["banner"] in cloudinary_server.assets


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_an_empty_value_removes_the_banner(
    client_for, user, settings, django_capture_on_commit_callbacks, fmt
):
    client = client_for(user)
    blog = create(client, banner=image_file(), image=image_file()).json()

    with django_capture_on_commit_callbacks(execute=True):
        value = None if fmt == "json" else ""
        body = client.patch(f"{BLOGS}/{blog['id']}", {"banner": value}, format=fmt).json()

    assert (body["banner"], body["banner_url"]) == (None, None)
    assert body["image"] == blog["image"]
    assert not default_storage.exists(blog["banner"])


def test_deleting_a_blog_removes_its_files_and_assets_after_commit(
    client_for, user, settings, cloudinary_server, django_capture_on_commit_callbacks
):
    client = client_for(user)
    cloudinary_server.fail_uploads(after=1)  # the banner on Cloudinary, the image on our storage
    blog = create(client, banner=image_file(), image=image_file()).json()
    assert len(content_files(settings)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{BLOGS}/{blog['id']}").status_code == 204

    assert cloudinary_server.destroyed == [("image", blog["banner"])]
    assert content_files(settings) == []
    assert not BlogImage.objects.exists()


# --- who reads what -------------------------------------------------------------------------------


def test_drafts_are_hidden_from_others_and_published_blogs_are_public(
    client_for, user, other_user, staff_user
):
    mine = client_for(user)
    draft = create(mine, title="Draft").json()
    published = create(mine, title="Out", status="published").json()

    def ids(client, query=""):
        return [b["id"] for b in client.get(f"{BLOGS}{query}").json()["results"]]

    assert ids(client_for(None)) == [published["id"]]
    assert ids(client_for(None), "?status=published") == [published["id"]]
    assert ids(client_for(other_user)) == [published["id"]]
    assert ids(client_for(other_user), "?status=draft") == []
    assert sorted(ids(mine)) == sorted([draft["id"], published["id"]])
    assert sorted(ids(client_for(staff_user))) == sorted([draft["id"], published["id"]])
    assert client_for(None).get(f"{BLOGS}/{draft['id']}").status_code == 404
    assert client_for(other_user).get(f"{BLOGS}/{draft['id']}").status_code == 404
