"""The permission matrix: anonymous, owner, another user and staff on every content route."""

import pytest

from content import services
from content.models import Blog, Brand
from testsupport.files import image_file

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "staff")


@pytest.fixture
def world(user, other_user, staff_user, client_for):
    """A brand, a post, a draft and a published blog owned by ``user``; a client per role."""
    return {
        "clients": {
            "anonymous": client_for(None),
            "owner": client_for(user),
            "other": client_for(other_user),
            "staff": client_for(staff_user),
        },
        "brand": Brand.objects.create(owner=user, name="Mine", slug="mine"),
        "post": services.post_create(user=user, caption="hello"),
        "draft": services.blog_create(author=user, title="Draft"),
        "published": services.blog_create(author=user, title="Out", status=Blog.Status.PUBLISHED),
    }


ALL = dict.fromkeys(ROLES)


def expect(anonymous, owner, other, staff):
    return {"anonymous": anonymous, "owner": owner, "other": other, "staff": staff}


# (method, path, body factory, expected status per role)
MATRIX = [
    ("get", "/api/brands", None, expect(401, 200, 200, 200)),
    ("get", "/api/brands/{brand}", None, expect(401, 200, 404, 200)),
    ("post", "/api/brands", lambda: {"name": "New brand"}, expect(401, 201, 201, 201)),
    ("patch", "/api/brands/{brand}", lambda: {"name": "Renamed"}, expect(401, 200, 404, 200)),
    ("delete", "/api/brands/{brand}", None, expect(401, 204, 404, 204)),
    ("get", "/api/posts", None, expect(401, 200, 200, 200)),
    ("get", "/api/posts/{post}", None, expect(401, 200, 404, 200)),
    (
        "post",
        "/api/posts",
        lambda: {"caption": "x", "media": [image_file()]},
        expect(401, 201, 201, 201),
    ),
    ("patch", "/api/posts/{post}", lambda: {"caption": "y"}, expect(401, 200, 404, 200)),
    ("delete", "/api/posts/{post}", None, expect(401, 204, 404, 204)),
    ("get", "/api/blogs", None, expect(200, 200, 200, 200)),
    ("get", "/api/blogs/{published}", None, expect(200, 200, 200, 200)),
    ("get", "/api/blogs/{draft}", None, expect(404, 200, 404, 200)),
    (
        "post",
        "/api/blogs",
        lambda: {"title": "New", "banner": image_file()},
        expect(401, 201, 201, 201),
    ),
    ("patch", "/api/blogs/{published}", lambda: {"title": "T"}, expect(401, 200, 403, 200)),
    ("patch", "/api/blogs/{draft}", lambda: {"title": "T"}, expect(401, 200, 404, 200)),
    ("delete", "/api/blogs/{published}", None, expect(401, 204, 403, 204)),
    ("delete", "/api/blogs/{draft}", None, expect(401, 204, 404, 204)),
    ("put", "/api/posts/{post}", lambda: {"caption": "y"}, expect(401, 405, 405, 405)),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_permission_matrix(world, role, method, path, body, expected):
    path = path.format(**{key: world[key].pk for key in ("brand", "post", "draft", "published")})
    client = world["clients"][role]

    if body is None:
        response = getattr(client, method)(path)
    else:
        # Routes that take files take forms; the others (brands) JSON only.
        data = body()
        fmt = "multipart" if path.startswith(("/api/posts", "/api/blogs")) else "json"
        response = getattr(client, method)(path, data, format=fmt)

    assert response.status_code == expected[role], response.content[:300]


def test_staff_see_every_post_and_users_their_own(world, other_user, client_for):
    services.post_create(user=other_user, caption="theirs")

    def count(role):
        return world["clients"][role].get("/api/posts").json()["count"]

    assert (count("owner"), count("other"), count("staff")) == (1, 1, 2)


def test_a_staff_edit_keeps_the_post_with_its_owner(world, staff_user):
    response = world["clients"]["staff"].patch(
        f"/api/posts/{world['post'].pk}", {"caption": "moderated"}, format="json"
    )

    assert response.json()["user"] == world["post"].user_id != staff_user.pk
