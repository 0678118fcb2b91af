"""Payment-proof checks: a reused receipt is flagged for staff, a txid is used once."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from drf_spectacular.generators import SchemaGenerator
from PIL import Image

from core import services
from core.models import Deposit, Order, UsedTxid
from core.proofs import txid_key
from tests.openapi import assert_on_schema
from testsupport.files import encode, receipt
from ultraminebackend.files.processing.fingerprint import distance, perceptual_hash

from .helpers import BODY_FORMATS, order_form

pytestmark = pytest.mark.django_db

DEPOSITS = "/api/core/deposits/"
ORDERS = "/api/core/orders/"
STAFF_DEPOSIT_FIELDS = {"proof_duplicate_of", "proof_duplicate_of_order"}
STAFF_ORDER_FIELDS = {"txid_proof_duplicate_of", "txid_proof_duplicate_of_deposit"}


def upload(image: Image.Image, fmt: str = "JPEG", **options) -> SimpleUploadedFile:
    name = f"receipt.{fmt.lower()}"
    return SimpleUploadedFile(name, encode(image, fmt, **options), f"image/{fmt.lower()}")


def crop(image: Image.Image, share: float) -> Image.Image:
    dx, dy = int(image.width * share), int(image.height * share)
    return image.crop((dx, dy, image.width - dx, image.height - dy))


def post_deposit(client, proof, **fields):
    body = {"amount": "25.00", "method": "bank_transfer", "reference": "", "proof": proof, **fields}
    return client.post(DEPOSITS, body, format="multipart")


# --- duplicate proofs -------------------------------------------------------------------------

COPIES = {
    "re-saved JPEG": lambda image: upload(image, quality=55),
    "trimmed by a pixel": lambda image: upload(crop(image, 0.005)),
    "rescaled": lambda image: upload(image.resize((image.width // 2, image.height // 2))),
    "as PNG": lambda image: upload(image, "PNG"),
}


@pytest.mark.parametrize("copy", COPIES.values(), ids=COPIES.keys())
def test_a_reused_receipt_from_another_user_is_flagged_for_staff(
    client_for, user, other_user, staff_user, copy
):
    # given
    original = receipt(1)
    first = post_deposit(client_for(user), upload(original)).json()

    # when
    second = post_deposit(client_for(other_user), copy(original))

    # then: accepted, and staff read which deposit it looks like
    assert second.status_code == 201, second.json()
    seen_by_staff = client_for(staff_user).get(f"{DEPOSITS}{second.json()['id']}/").json()
    assert seen_by_staff["proof_duplicate_of"] == first["id"]
    assert seen_by_staff["proof_duplicate_of_order"] is None


def test_a_higher_threshold_also_catches_crops_of_a_few_percent(settings, user, staff_user):
    # The default (2 bits) misses most crops past 1 % (bench/README.md); 6 bits catches them.
    settings.PROOF_HASH_THRESHOLD = 6
    original = receipt(1)
    first = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(original)
    )

    cropped = [
        services.deposit_create(
            user=user,
            amount=Decimal("5.00"),
            method="other",
            reference="",
            proof=upload(crop(original, share)),
        )
        for share in (0.01, 0.02)
    ]

    flags = Deposit.objects.filter(pk__in=[d.pk for d in cropped])
    assert set(flags.values_list("proof_duplicate_of", flat=True)) == {first.pk}


def test_distinct_receipts_are_not_flagged(client_for, user, other_user, staff_user):
    ids = [post_deposit(client_for(user), upload(receipt(seed))).json()["id"] for seed in range(8)]

    listed = client_for(staff_user).get(DEPOSITS, {"page_size": 20}).json()["results"]

    assert {row["id"] for row in listed} == set(ids)
    assert all(row["proof_duplicate_of"] is None for row in listed)
    assert all(row["proof_duplicate_of_order"] is None for row in listed)


def test_the_earliest_lookalike_is_named_and_the_first_is_not_flagged(user, staff_user):
    image = receipt(2)
    deposits = [
        services.deposit_create(
            user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
        )
        for _ in range(3)
    ]

    flags = [
        Deposit.objects.values_list("proof_duplicate_of", flat=True).get(pk=d.pk) for d in deposits
    ]

    assert flags == [None, deposits[0].pk, deposits[0].pk]


def test_an_order_proof_like_a_deposit_proof_names_the_deposit(
    client_for, user, other_user, staff_user, product
):
    image = receipt(3)
    deposit = post_deposit(client_for(user), upload(image)).json()

    body = order_form(product, payment_method="crypto", txid="abc", txid_proof=upload(image))
    order = client_for(other_user).post(ORDERS, body, format="multipart").json()

    seen = client_for(staff_user).get(f"{ORDERS}{order['id']}/").json()
    assert seen["txid_proof_duplicate_of"] is None
    assert seen["txid_proof_duplicate_of_deposit"] == deposit["id"]
    # and a later deposit with that proof names both: the deposit first, the order beside it
    later = post_deposit(client_for(other_user), upload(image)).json()
    seen = client_for(staff_user).get(f"{DEPOSITS}{later['id']}/").json()
    assert (seen["proof_duplicate_of"], seen["proof_duplicate_of_order"]) == (
        deposit["id"],
        order["id"],
    )


def test_owners_never_see_the_duplicate_fields(client_for, user, other_user, product):
    image = receipt(4)
    post_deposit(client_for(other_user), upload(image))
    owner = client_for(user)

    created = post_deposit(owner, upload(image)).json()
    order_body = order_form(product, txid="t-1", txid_proof=upload(image))
    order = owner.post(ORDERS, order_body, format="multipart").json()

    answers = [
        created,
        owner.get(f"{DEPOSITS}{created['id']}/").json(),
        *owner.get(DEPOSITS).json()["results"],
    ]
    assert all(not STAFF_DEPOSIT_FIELDS & answer.keys() for answer in answers)
    order_answers = [order, owner.get(f"{ORDERS}{order['id']}/").json()]
    order_answers += owner.get(ORDERS).json()["results"]
    order_answers.append(owner.post(f"{ORDERS}{order['id']}/cancel/").json())
    assert all(not STAFF_ORDER_FIELDS & answer.keys() for answer in order_answers)
    # while the flags are there, for staff
    assert Deposit.objects.get(pk=created["id"]).proof_duplicate_of_id is not None


def test_staff_answers_carry_the_fields_on_every_route(client_for, user, staff_user, deposit_for):
    deposit = deposit_for(user)
    staff = client_for(staff_user)

    answers = [
        staff.get(f"{DEPOSITS}{deposit.pk}/").json(),
        staff.get(DEPOSITS).json()["results"][0],
        staff.post(f"{DEPOSITS}{deposit.pk}/approve/").json(),
    ]

    assert all(answer.keys() >= STAFF_DEPOSIT_FIELDS for answer in answers)


def test_the_hash_is_stored_with_the_row(user):
    image = receipt(5)

    deposit = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )

    stored = Deposit.objects.values_list("proof_hash", flat=True).get(pk=deposit.pk)
    assert distance(stored, perceptual_hash(image)) <= 2
    with deposit.proof.open("rb") as file:  # what staff look at hashes the same
        assert distance(stored, perceptual_hash(Image.open(io.BytesIO(file.read())))) <= 2


def test_large_images_hashed_by_libvips_match_the_pillow_path(settings, user):
    # given: the same receipt, once below and once above the streaming threshold
    image = receipt(6, size=(720, 1280))
    settings.IMAGE_STREAMING_MIN_PIXELS = 720 * 1280

    # when
    streamed = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    settings.IMAGE_STREAMING_MIN_PIXELS = 10**9
    decoded = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )

    # then
    hashes = Deposit.objects.filter(pk__in=[streamed.pk, decoded.pk]).values_list(
        "proof_hash", flat=True
    )
    assert distance(*hashes) <= 2
    assert Deposit.objects.get(pk=decoded.pk).proof_duplicate_of_id == streamed.pk


# --- txids used once ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", BODY_FORMATS)
def test_an_order_txid_used_by_another_order_is_a_400(client_for, user, other_user, product, fmt):
    assert client_for(user).post(ORDERS, order_form(product, txid="0xAB12")).status_code == 201

    response = client_for(other_user).post(ORDERS, order_form(product, txid="0xAB12"), format=fmt)

    assert response.status_code == 400
    assert response.json()["txid"][0].startswith("This transaction id was already submitted")
    assert Order.objects.count() == 1


def test_an_order_txid_used_as_a_crypto_deposit_reference_is_a_400(
    client_for, user, other_user, product, settings
):
    txid = "9f" * 32
    assert post_deposit(client_for(user), upload(receipt(7)), method="crypto", reference=txid)

    # the same hash typed in capitals with 0x, and a proof that would be stored
    body = order_form(product, txid=f"0x{txid.upper()}", txid_proof=upload(receipt(8)))
    response = client_for(other_user).post(ORDERS, body, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["txid"]
    assert Order.objects.count() == 0
    assert not list((settings.PRIVATE_MEDIA_ROOT / "txid_proofs").glob("*"))


def test_a_deposit_reference_used_by_an_order_or_a_deposit_is_a_400(
    client_for, user, other_user, product
):
    client_for(user).post(ORDERS, order_form(product, txid="tx-order"))
    post_deposit(client_for(user), upload(receipt(9)), method="crypto", reference="tx-deposit")

    for txid in ("tx-order", "tx-deposit"):
        response = post_deposit(
            client_for(other_user), upload(receipt(10)), method="crypto", reference=txid
        )
        assert response.status_code == 400
        assert list(response.json()) == ["reference"]
    assert Deposit.objects.count() == 1


def test_bank_references_are_free_text_and_may_repeat(client_for, user):
    for _ in range(2):
        response = post_deposit(
            client_for(user), upload(receipt(11)), method="bank_transfer", reference="rent"
        )
        assert response.status_code == 201


def test_a_cancelled_order_releases_its_txid(client_for, user, other_user, product):
    owner = client_for(user)
    order = owner.post(ORDERS, order_form(product, txid="tx-again")).json()
    assert (
        client_for(other_user).post(ORDERS, order_form(product, txid="tx-again")).status_code == 400
    )

    owner.post(f"{ORDERS}{order['id']}/cancel/")

    assert (
        client_for(other_user).post(ORDERS, order_form(product, txid="tx-again")).status_code == 201
    )


def test_a_rejected_deposit_releases_its_txid_an_approved_one_keeps_it(
    client_for, user, staff_user
):
    owner, staff = client_for(user), client_for(staff_user)
    rejected = post_deposit(owner, upload(receipt(12)), method="crypto", reference="tx-r").json()
    approved = post_deposit(owner, upload(receipt(13)), method="crypto", reference="tx-a").json()

    staff.post(f"{DEPOSITS}{rejected['id']}/reject/", {"reason": "blurry"}, format="json")
    staff.post(f"{DEPOSITS}{approved['id']}/approve/")

    again = post_deposit(owner, upload(receipt(14)), method="crypto", reference="tx-r")
    assert again.status_code == 201
    refused = post_deposit(owner, upload(receipt(15)), method="crypto", reference="tx-a")
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("  0xABCDEF0123456789  ", "abcdef0123456789"),
        ("abcdef0123456789", "abcdef0123456789"),
        (
            "5KtPn1LGuxhFiwjxErkxTb7XxtLVYUBe6Cn33ej7ATNk",
            "5KtPn1LGuxhFiwjxErkxTb7XxtLVYUBe6Cn33ej7ATNk",
        ),
        ("FT-2291", "FT-2291"),
    ],
)
def test_txids_compare_by_their_key(typed, key):
    assert txid_key(typed) == key


def test_the_claim_is_the_database_s_rule(user, product):
    services.order_create(
        user=user,
        product=product,
        quantity=1,
        payment_method="cod",
        customer_name="A",
        phone="1",
        email="a@example.com",
        shipping_address="x",
        txid="tx-db",
    )

    assert UsedTxid.objects.get(key="tx-db").order.txid == "tx-db"


# --- the schema and the admin -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "fields"), [("Deposit", STAFF_DEPOSIT_FIELDS), ("Order", STAFF_ORDER_FIELDS)]
)
def test_the_schema_documents_the_staff_fields_as_optional_nullable_ids(component, fields):
    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    for name in fields:
        prop = schema[component]["properties"][name]
        assert (prop["type"], prop["nullable"], prop["readOnly"]) == ("integer", True, True)
        assert prop["description"].startswith("Staff only")
        assert name not in schema[component]["required"]


def test_staff_and_owner_answers_are_on_the_schema(client_for, user, staff_user, product):
    image = receipt(20)
    owner = client_for(user)
    for _ in range(2):
        created = post_deposit(owner, upload(image))
        assert_on_schema(created)
    body = order_form(product, txid="tx-s", txid_proof=upload(image))
    assert_on_schema(owner.post(ORDERS, body, format="multipart"))

    for client in (owner, client_for(staff_user)):
        assert_on_schema(client.get(DEPOSITS))
        assert_on_schema(client.get(ORDERS))
    refused = owner.post(ORDERS, order_form(product, txid="tx-s"), format="json")
    assert refused.status_code == 400
    assert_on_schema(refused)


@pytest.fixture
def admin_client(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def test_the_admin_filters_and_badges_duplicate_proofs(admin_client, user, other_user):
    image = receipt(21)
    first = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    copy = services.deposit_create(
        user=other_user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    distinct = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(receipt(22))
    )

    flagged = admin_client.get("/admin/core/deposit/", {"duplicate_proof": "yes"})
    clean = admin_client.get("/admin/core/deposit/", {"duplicate_proof": "no"})
    page = admin_client.get(f"/admin/core/deposit/{copy.pk}/change/").content.decode()

    assert list(flagged.context["cl"].result_list) == [copy]
    assert set(clean.context["cl"].result_list) == {first, distinct}
    assert f'href="/admin/core/deposit/{first.pk}/change/"' in page
    assert f"looks like deposit #{first.pk}" in page
    first_page = admin_client.get(f"/admin/core/deposit/{first.pk}/change/").content.decode()
    assert "looks like" not in first_page


def test_the_admin_badges_an_order_proof_like_a_deposit(admin_client, user, order_for):
    image = receipt(23)
    deposit = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    order = order_for(user, txid_proof=upload(image))

    page = admin_client.get(f"/admin/core/order/{order.pk}/change/").content.decode()
    listed = admin_client.get("/admin/core/order/", {"duplicate_proof": "yes"})

    assert f"looks like deposit #{deposit.pk}" in page
    assert list(listed.context["cl"].result_list) == [order]


def test_the_admin_is_for_staff_only(client, user):
    client.force_login(user)

    response = client.get("/admin/core/deposit/", {"duplicate_proof": "yes"})

    assert response.status_code == 302


@pytest.mark.parametrize(("limit", "found"), [(1, False), (2, True)])
def test_only_the_newest_proofs_of_each_kind_are_scanned(settings, user, limit, found):
    # given: a receipt, then a distinct one, then the first again
    settings.PROOF_HASH_SCAN_LIMIT = limit
    image = receipt(30)
    first, _, again = (
        services.deposit_create(
            user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(proof)
        )
        for proof in (image, receipt(31), image)
    )

    flagged = Deposit.objects.get(pk=again.pk).proof_duplicate_of_id

    assert flagged == (first.pk if found else None)


# --- proofs stored before hashes existed ----------------------------------------------------------


def test_hash_proofs_backfills_older_proofs_and_reports_missing_ones(user, order_for):
    # given: proofs stored without a hash, one of them gone from storage
    image = receipt(40)
    kept = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    order = order_for(user, txid_proof=upload(receipt(41)))
    gone = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    expected = Deposit.objects.get(pk=kept.pk).proof_hash
    Deposit.objects.update(proof_hash=None)
    Order.objects.update(txid_proof_hash=None)
    gone.proof.storage.delete(gone.proof.name)
    out, err = io.StringIO(), io.StringIO()

    # when
    with pytest.raises(CommandError):
        call_command("hash_proofs", stdout=out, stderr=err)

    # then: the others have their hash, and a new copy is compared with them
    assert Deposit.objects.get(pk=kept.pk).proof_hash == expected
    assert Order.objects.get(pk=order.pk).txid_proof_hash is not None
    assert out.getvalue().strip() == "failed: 1, hashed: 2"
    assert f"Deposit #{gone.pk}" in err.getvalue()
    copy = services.deposit_create(
        user=user, amount=Decimal("5.00"), method="other", reference="", proof=upload(image)
    )
    assert Deposit.objects.get(pk=copy.pk).proof_duplicate_of_id == kept.pk
    # and a second run has only the missing one left
    call_command("hash_proofs", "--dry-run", stdout=(again := io.StringIO()))
    assert again.getvalue().strip() == "would hash: 1"


def test_the_admin_neither_adds_deposits_nor_swaps_their_evidence(admin_client, user):
    deposit = services.deposit_create(
        user=user,
        amount=Decimal("5.00"),
        method="crypto",
        reference="tx-adm",
        proof=upload(receipt(50)),
    )
    url = f"/admin/core/deposit/{deposit.pk}/change/"
    body = {
        "amount": "6.00",
        "method": "bank_transfer",
        "reference": "other",
        "proof": upload(receipt(51)),
    }

    saved = admin_client.post(url, body)

    assert admin_client.get("/admin/core/deposit/add/").status_code == 403
    assert saved.status_code == 302
    stored = Deposit.objects.get(pk=deposit.pk)
    assert stored.amount == Decimal("6.00")
    assert (stored.method, stored.reference, stored.proof.name) == (
        "crypto",
        "tx-adm",
        deposit.proof.name,
    )
    assert UsedTxid.objects.get(deposit=deposit).key == "tx-adm"
