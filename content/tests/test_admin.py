"""The admin: brands, posts with inline media previews, blogs with banner/featured previews."""

import pytest

from content import services
from content.models import Blog, Brand
from testsupport.files import image_file, video_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(user):
    brand = Brand.objects.create(owner=user, name="Acme", slug="acme")
    post = services.post_create(
        user=user, caption="Launch", brand=brand, media=[image_file(), video_file()]
    )
    blog = services.blog_create(author=user, title="Hello", banner=image_file(), image=image_file())
    return {"brand": brand, "post": post, "blog": blog}


@pytest.mark.parametrize("model", ["brand", "post", "blog"])
def test_changelists_and_change_pages_render(admin_client, content, model):
    obj = content[model]

    assert admin_client.get(f"/admin/content/{model}/").status_code == 200
    assert admin_client.get(f"/admin/content/{model}/{obj.pk}/change/").status_code == 200


def test_post_page_previews_images_and_links_videos(admin_client, content):
    image, video = content["post"].media.order_by("position")

    page = admin_client.get(f"/admin/content/post/{content['post'].pk}/change/").content.decode()

    assert f'<img src="/media/{image.file.name[:-4]}.thumb.webp"' in page
    assert f'href="/media/{video.file.name}"' in page and "video (mp4)" in page


def test_blog_list_and_page_preview_banner_and_featured(admin_client, content):
    banner = content["blog"].image_of("banner")
    featured = content["blog"].image_of("featured")

    listing = admin_client.get("/admin/content/blog/").content.decode()
    page = admin_client.get(f"/admin/content/blog/{content['blog'].pk}/change/").content.decode()

    assert f'<img src="/media/{banner.file.name[:-4]}.thumb.webp"' in listing
    assert f'<img src="/media/{featured.file.name[:-4]}.thumb.webp"' in page


def test_cloudinary_assets_preview_with_their_cdn_thumbnail(admin_client, user, cloudinary_server):
    post = services.post_create(user=user, caption="x", media=[image_file()])

    page = admin_client.get(f"/admin/content/post/{post.pk}/change/").content.decode()

    assert f'<img src="{cloudinary_server.url}/' in page and "f_webp" in page


def test_publishing_in_the_admin_stamps_published_at(admin_client, content):
    blog = content["blog"]
    form = {
        "author": blog.author_id,
        "title": blog.title,
        "slug": blog.slug,
        "content": "",
        "status": "published",
        "image_alt": "",
        "images-TOTAL_FORMS": "2",
        "images-INITIAL_FORMS": "2",
        "images-0-id": blog.images.get(role="banner").pk,
        "images-0-blog": blog.pk,
        "images-1-id": blog.images.get(role="featured").pk,
        "images-1-blog": blog.pk,
    }

    response = admin_client.post(f"/admin/content/blog/{blog.pk}/change/", form)

    assert response.status_code == 302, response.content[:2000]
    assert Blog.objects.get(pk=blog.pk).published_at is not None


@pytest.mark.parametrize(
    ("status", "published", "error"),
    [("published", True, ""), ("failed", False, "Marked failed by staff."), ("draft", False, "")],
)
def test_a_post_status_set_in_the_admin_keeps_its_stamps(
    admin_client, content, status, published, error
):
    post = content["post"]
    media = list(post.media.order_by("position"))
    form = {
        "user": post.user_id,
        "brand": post.brand_id,
        "caption": post.caption,
        "status": status,
        "scheduled_at_0": "",
        "scheduled_at_1": "",
        "media-TOTAL_FORMS": str(len(media)),
        "media-INITIAL_FORMS": str(len(media)),
        **{f"media-{i}-id": item.pk for i, item in enumerate(media)},
        **{f"media-{i}-post": post.pk for i, item in enumerate(media)},
    }

    response = admin_client.post(f"/admin/content/post/{post.pk}/change/", form)

    assert response.status_code == 302, response.content[:3000]
    post.refresh_from_db()
    assert (post.published_at is not None, post.publish_error) == (published, error)
