"""Uploads never attached are removed by the worker's sweep after UPLOAD_TTL_S (clock injected)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from testsupport.files import image_bytes
from ultraminebackend import worker
from ultraminebackend.uploads.expiry import expire_uploads
from ultraminebackend.uploads.models import Upload

pytestmark = pytest.mark.django_db


def quarantined(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT / "uploads" / "quarantine"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_an_old_unattached_upload_goes_with_its_file_a_fresh_one_stays(
    user, direct_upload, settings
):
    # given
    old = direct_upload(user, "orders.image", image_bytes("PNG"))
    fresh = direct_upload(user, "orders.image", image_bytes("PNG"))
    Upload.objects.filter(pk=old).update(
        created_at=timezone.now() - timedelta(seconds=settings.UPLOAD_TTL_S + 1)
    )
    assert len(quarantined(settings)) == 2

    # when
    counts = expire_uploads(timezone.now())

    # then
    assert counts == {"uploads_expired": 1}
    assert list(Upload.objects.values_list("pk", flat=True)) == [Upload.objects.get(pk=fresh).pk]
    assert [p.name for p in quarantined(settings)] == [Upload.objects.get().id.hex]


def test_the_sweep_counts_from_the_clock_it_is_given(user, direct_upload, settings):
    direct_upload(user, "orders.image", image_bytes("PNG"))
    now = timezone.now()

    assert expire_uploads(now + timedelta(seconds=settings.UPLOAD_TTL_S - 1)) == {
        "uploads_expired": 0
    }
    assert expire_uploads(now + timedelta(seconds=settings.UPLOAD_TTL_S + 1)) == {
        "uploads_expired": 1
    }
    assert quarantined(settings) == []


def test_the_task_worker_runs_the_sweep(user, direct_upload, settings):
    direct_upload(user, "orders.image", image_bytes("PNG"))

    (sweep,) = [s for s in worker.registered_sweeps() if s.fn is expire_uploads]
    counts = sweep.fn(timezone.now() + timedelta(seconds=settings.UPLOAD_TTL_S + 1))

    assert sweep.interval <= settings.UPLOAD_TTL_S
    assert counts["uploads_expired"] == 1
    assert not Upload.objects.exists()


def test_the_command_runs_it_by_hand(user, direct_upload, settings, capsys, time_machine):
    direct_upload(user, "orders.image", image_bytes("PNG"))
    time_machine.move_to(timezone.now() + timedelta(seconds=settings.UPLOAD_TTL_S + 1))

    call_command("expire_uploads")

    assert capsys.readouterr().out.strip() == "uploads expired: 1"
    assert quarantined(settings) == []


@pytest.mark.parametrize(
    ("ttl", "url_ttl", "errors"),
    [(86400, 600, []), (600, 600, []), (60, 600, ["uploads.E001"]), (600, 0, ["uploads.E001"])],
)
def test_an_upload_must_outlive_its_url(settings, ttl, url_ttl, errors):
    from ultraminebackend.uploads.checks import check_upload_ttls

    settings.UPLOAD_TTL_S, settings.UPLOAD_URL_TTL = ttl, url_ttl

    assert [error.id for error in check_upload_ttls()] == errors
