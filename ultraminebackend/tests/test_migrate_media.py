"""``migrate_media``: real rows with real files, copied to moto's S3 and back, names kept."""

import importlib
import io
import secrets
import shutil
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from core import services
from core.models import Category, Product, ProductImage
from testsupport.files import (
    create_bucket,
    iam_user,
    image_bytes,
    moto_iam_auth,
    s3_storages,
)
from ultraminebackend.files.storage.config import PUBLIC_CACHE_CONTROL

# urls.py mounts /media/ only when USE_S3 is off at import; import it now, in local mode, so the
# test that flips USE_S3 cannot be the first to load it and hide /media/ from later tests.
importlib.import_module("ultraminebackend.urls")

ORDER_FIELDS = {
    "customer_name": "Ann Buyer",
    "phone": "+15550100",
    "email": "ann@example.com",
    "shipping_address": "1 Mine Road",
}


@pytest.fixture
def bucket(settings, moto_endpoint):
    """An empty bucket set up as the README says, named in the AWS_* settings (still local mode)."""
    name = f"migrate-{secrets.token_hex(6)}"
    client = create_bucket(endpoint_url=moto_endpoint, bucket=name)
    settings.AWS_STORAGE_BUCKET_NAME = name
    settings.AWS_S3_ENDPOINT_URL = moto_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_S3_CUSTOM_DOMAIN = ""
    return client, name


@pytest.fixture
def shop(db, user, settings):
    """Rows of every model with files, stored in local mode; one row's file is gone from disk.

    Returns {(role, name): bytes} for every file that exists, and the missing name.
    """
    category = Category.objects.create(name="Rigs", slug="rigs")
    product = Product.objects.create(
        name="Rig",
        slug="rig",
        price=Decimal("250.00"),
        stock=5,
        category=category,
        image=ContentFile(image_bytes(color="#111111"), name="rig.jpg"),
    )
    gallery = ProductImage.objects.create(
        product=product, image=ContentFile(image_bytes(color="#222222"), name="side.jpg")
    )
    lost = Product.objects.create(
        name="Lost", slug="lost", price=Decimal("1.00"), category=category, image="products/x.jpg"
    )
    Product.objects.create(name="Bare", slug="bare", price=Decimal("1.00"), category=category)
    order = services.order_create(
        user=user,
        product=product,
        quantity=1,
        payment_method="crypto",
        txid="0xabc",
        image=ContentFile(image_bytes(color="#333333"), name="ref.png"),
        txid_proof=ContentFile(image_bytes(color="#555555"), name="receipt.jpg"),
        **ORDER_FIELDS,
    )
    deposit = services.deposit_create(
        user=user,
        amount=Decimal("100.00"),
        method="bank_transfer",
        reference="REF-1",
        proof=ContentFile(image_bytes(color="#444444"), name="proof.jpg"),
    )
    roots = {"default": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}
    public = (product.image.name, gallery.image.name, order.image.name)
    # Each public image has the WebP thumbnail the intake stored beside it.
    thumbnails = [name.rsplit(".", 1)[0] + ".thumb.webp" for name in public]
    names = {
        *(("default", name) for name in (*public, *thumbnails)),
        ("private", order.txid_proof.name),
        ("private", deposit.proof.name),
    }
    files = {(role, name): (roots[role] / name).read_bytes() for role, name in names}
    assert not (roots["default"] / lost.image.name).exists()
    return {"files": files, "product": product, "missing": lost.image.name}


def migrate(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("migrate_media", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


def s3_objects(client, bucket) -> dict[str, bytes]:
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


S3_PREFIX = {"default": "media", "private": "private"}


def test_to_s3_copies_every_referenced_file_under_its_name(shop, bucket):
    # given
    client, name = bucket

    # when
    code, output = migrate("--to", "s3")

    # then
    assert code == 0, output
    assert (
        "copied 8, skipped (already there) 0, missing on source 1, failed 0"
        in output.splitlines()[-1]
    )
    assert f"missing  default  {shop['missing']}  (core.Product.image #" in output
    expected = {f"{S3_PREFIX[role]}/{n}": data for (role, n), data in shop["files"].items()}
    assert s3_objects(client, name) == expected


def test_progress_goes_to_stderr_and_copies_are_listed_with_verbosity_2(shop, bucket):
    # given
    out, err = io.StringIO(), io.StringIO()

    # when
    call_command("migrate_media", "--to", "s3", "--verbosity", "2", stdout=out, stderr=err)

    # then: 6 stored names, 4 of them public images with a possible thumbnail; stderr is no
    # terminal, so the bar is plain lines
    assert err.getvalue().splitlines()[-1] == "progress: 10/10 names checked"
    copied = [line.split() for line in out.getvalue().splitlines() if line.startswith("copied ")]
    assert {(words[1], words[2]) for words in copied} == set(shop["files"])


def test_copied_objects_carry_the_roles_headers(shop, bucket):
    # given
    client, name = bucket
    photo = shop["product"].image.name

    # when
    migrate("--to", "s3")

    # then: written through the storage backend, so Cache-Control and Content-Type are set
    head = client.head_object(Bucket=name, Key=f"media/{photo}")
    assert head["CacheControl"] == PUBLIC_CACHE_CONTROL
    assert head["ContentType"] == "image/jpeg"


def test_second_run_copies_nothing(shop, bucket):
    # given
    migrate("--to", "s3")

    # when
    code, output = migrate("--to", "s3")

    # then
    assert code == 0, output
    assert "copied 0, skipped (already there) 8, missing on source 1, failed 0" in output


def test_dry_run_writes_nothing(shop, bucket):
    # given
    client, name = bucket

    # when
    code, output = migrate("--to", "s3", "--dry-run")

    # then
    assert code == 0, output
    assert "(dry run: nothing written): would copy 8" in output
    assert s3_objects(client, name) == {}


def test_leftover_of_an_interrupted_copy_is_replaced(shop, bucket):
    # given: a truncated object where one copy stopped half way
    client, name = bucket
    (role, stored), data = next(iter(sorted(shop["files"].items())))
    key = f"{S3_PREFIX[role]}/{stored}"
    client.put_object(Bucket=name, Key=key, Body=data[: len(data) // 2])

    # when
    code, output = migrate("--to", "s3")

    # then
    assert code == 0, output
    assert "copied 8," in output
    assert client.get_object(Bucket=name, Key=key)["Body"].read() == data


def test_api_serves_the_s3_url_after_switching(shop, bucket, settings, moto_endpoint, api_client):
    # given
    _, name = bucket
    product = shop["product"]
    migrate("--to", "s3")

    # when: the deploy switches to S3 mode
    settings.USE_S3 = True
    settings.STORAGES = s3_storages(endpoint_url=moto_endpoint, bucket=name)
    response = api_client.get(f"/api/core/products/{product.pk}/")

    # then
    assert response.status_code == 200
    image_url = response.json()["image_url"]
    assert image_url == f"{moto_endpoint}/{name}/media/{product.image.name}"
    with urllib.request.urlopen(image_url, timeout=5) as served:  # noqa: S310 - moto's URL
        assert served.read() == shop["files"][("default", product.image.name)]


def test_to_local_copies_back_into_empty_folders(shop, bucket, settings):
    # given: everything on S3, and a fresh (ephemeral) disk
    migrate("--to", "s3")
    shutil.rmtree(settings.MEDIA_ROOT)
    shutil.rmtree(settings.PRIVATE_MEDIA_ROOT)

    # when
    code, output = migrate("--to", "local")

    # then
    assert code == 0, output
    assert "copied 8, skipped (already there) 0, missing on source 1, failed 0" in output
    roots = {"default": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_MEDIA_ROOT)}
    restored = {(role, n): (roots[role] / n).read_bytes() for role, n in shop["files"]}
    assert restored == shop["files"]


def test_failed_copies_are_listed_and_exit_1(shop, bucket, settings, moto_endpoint):
    # given: credentials that may write media/ but not private/
    _, name = bucket
    key_id, secret = iam_user(
        endpoint_url=moto_endpoint,
        name=f"media-only-{secrets.token_hex(4)}",
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    # AWS checks s3:ListBucket for HeadBucket; moto calls it s3:HeadBucket.
                    "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:HeadBucket"],
                    "Resource": f"arn:aws:s3:::{name}",
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    "Resource": f"arn:aws:s3:::{name}/media/*",
                },
            ],
        },
    )
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = key_id, secret

    # when
    with moto_iam_auth(moto_endpoint):
        code, output = migrate("--to", "s3")

    # then
    assert code == 1
    assert "copied 6, skipped (already there) 0, missing on source 1, failed 2" in output
    failed = [line for line in output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 2
    assert all(line.split()[1] == "private" for line in failed)
    assert "run again to retry the failed files" in output
    assert secret not in output


def test_missing_bucket_stops_before_copying(shop, bucket, settings):
    # given
    settings.AWS_STORAGE_BUCKET_NAME = "no-such-bucket-here"

    # when
    code, output = migrate("--to", "s3")

    # then
    assert code == 1
    assert "default destination unusable: bucket 'no-such-bucket-here'" in output
    assert "storage_doctor" in output


def test_source_is_never_changed(shop, bucket, settings):
    # given
    before = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())

    # when
    migrate("--to", "s3")

    # then
    after = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert after == before
    assert all((Path(settings.MEDIA_ROOT) / n).exists() for r, n in shop["files"] if r == "default")
