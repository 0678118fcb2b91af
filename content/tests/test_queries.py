"""Every content list costs the same number of queries whatever its page size (no N+1)."""

import pytest

from content import services
from content.models import Blog, Brand
from testsupport.db import queries_for
from testsupport.files import image_file, video_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(user, staff_user):
    for n in range(12):
        brand = Brand.objects.create(owner=user, name=f"Brand {n}", slug=f"brand-{n}")
        services.post_create(
            user=user, caption="x", brand=brand, media=[image_file(), video_file()]
        )
        services.blog_create(
            author=user,
            title=f"Blog {n}",
            status=Blog.Status.PUBLISHED,
            banner=image_file(),
            image=image_file(),
        )


@pytest.mark.usefixtures("busy")
@pytest.mark.parametrize(
    ("who", "path", "most"),
    [
        ("owner", "/api/posts", 4),  # user (JWT), count, page, media
        ("staff", "/api/posts", 4),
        ("owner", "/api/brands", 3),
        ("anonymous", "/api/blogs", 3),  # count, page, images
        ("owner", "/api/blogs", 4),
        ("staff", "/api/blogs?status=published", 4),
    ],
)
def test_list_queries_do_not_grow_with_page_size(client_for, user, staff_user, who, path, most):
    client = client_for({"anonymous": None, "owner": user, "staff": staff_user}[who])
    joiner = "&" if "?" in path else "?"

    small = queries_for(client, f"{path}{joiner}page_size=2")
    large = queries_for(client, f"{path}{joiner}page_size=12")

    assert small == large <= most
