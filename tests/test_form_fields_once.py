"""A form sends a single-valued field once: a repeat is a 400 naming it, not its last value."""

import pytest

from core.models import Deposit
from testsupport.files import image_file

pytestmark = pytest.mark.django_db


def deposit_form(**changes):
    return {
        "amount": "1.00",
        "method": "crypto",
        "reference": "0xfeed01",
        "proof": image_file(),
    } | changes


@pytest.mark.parametrize(
    "field,values",
    [("reference", ["0xaa01", "0xbb02"]), ("amount", ["1.00", "2.00"]), ("method", ["crypto"] * 2)],
)
def test_a_repeated_field_is_refused_and_nothing_is_stored(client_for, user, field, values):
    response = client_for(user).post(
        "/api/core/deposits/", deposit_form(**{field: values}), format="multipart"
    )

    assert response.status_code == 400
    assert response.json()[field] == ["Send this field once; it was sent 2 times."]
    assert not Deposit.objects.exists()


def test_a_repeated_file_is_refused(client_for, user):
    response = client_for(user).post(
        "/api/core/deposits/", deposit_form(proof=[image_file(), image_file()]), format="multipart"
    )

    assert response.status_code == 400
    assert "proof" in response.json()


def test_list_fields_still_take_every_value(client_for, user):
    response = client_for(user).post(
        "/api/posts/", {"caption": "two", "media": [image_file(), image_file()]}, format="multipart"
    )

    assert response.status_code == 201
    assert len(response.json()["media"]) == 2
