"""System checks for the file configuration: the public and private roots stay apart."""

import secrets

import pytest

from ultraminebackend.files.operations.checks import check_media_roots_apart
from ultraminebackend.tests.test_settings import PRODUCTION_ENV, manage


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    ("public", "private"),
    [
        pytest.param("media", "media/private", id="private-inside-public"),
        pytest.param("private/media", "private", id="public-inside-private"),
        pytest.param("media", "media", id="equal"),
        pytest.param("media", "media/../media/", id="equal-once-resolved"),
    ],
)
def test_roots_inside_one_another_are_an_error(settings, tmp_path, public, private):
    # given
    settings.MEDIA_ROOT = tmp_path / public
    settings.PRIVATE_MEDIA_ROOT = f"{tmp_path}/{private}"  # settings may hold a str

    # when
    errors = check_media_roots_apart(None)

    # then
    assert ids(errors) == ["ultramine.E005"]
    assert str((tmp_path / public).resolve()) in errors[0].msg


def test_a_symlink_that_leads_inside_the_public_root_is_an_error(settings, tmp_path):
    # given: the private root looks separate but is a link into the public one
    (tmp_path / "media" / "evidence").mkdir(parents=True)
    (tmp_path / "private_media").symlink_to(tmp_path / "media" / "evidence")
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"

    # when / then
    assert ids(check_media_roots_apart(None)) == ["ultramine.E005"]


@pytest.mark.parametrize(
    ("public", "private"),
    [("media", "private_media"), ("media", "media-private"), ("a/media", "b/media")],
)
def test_separate_roots_pass(settings, tmp_path, public, private):
    # "media-private" shares a prefix with "media" as a string, not as a folder
    settings.MEDIA_ROOT = tmp_path / public
    settings.PRIVATE_MEDIA_ROOT = tmp_path / private

    assert check_media_roots_apart(None) == []


def test_check_deploy_fails_when_the_private_root_is_inside_the_public_one(tmp_path):
    # given: both roots from the environment, as on the platform
    result = manage(
        "check",
        "--deploy",
        **PRODUCTION_ENV,
        SECRET_KEY=secrets.token_urlsafe(50),
        MEDIA_ROOT=str(tmp_path / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "media" / "private"),
    )

    # then
    assert result.returncode != 0
    assert "ultramine.E005" in result.stderr
    assert "PRIVATE_MEDIA_ROOT is inside MEDIA_ROOT" in result.stderr
