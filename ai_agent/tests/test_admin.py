"""Admin for generations: list with previews, read-only records."""

import pytest

from ai_agent import services
from testsupport.files import image_file
from ultraminebackend.files.processing.intake import intake_image


def intake_file(size):
    return intake_image(image_file(size=size), thumbnail=False)


pytestmark = pytest.mark.django_db


def test_generation_admin_lists_with_previews_and_is_read_only(client, staff_user, user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    generation = services.generation_create(
        user=user,
        prompt="a rig at dawn",
        image_size="2K",
        references=[intake_file((40, 30)), intake_file((30, 40))],
    )

    listing = client.get("/admin/ai_agent/generation/")
    detail = client.get(f"/admin/ai_agent/generation/{generation.pk}/change/")

    assert listing.status_code == 200
    assert b".thumb.webp" in listing.content and b"a rig at dawn" in listing.content
    assert detail.status_code == 200
    # the further reference is listed inline; the size asked is shown
    assert b"Generation references" in detail.content and b"2K" in detail.content
    assert client.get("/admin/ai_agent/generation/add/").status_code == 403
