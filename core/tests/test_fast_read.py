"""FastReadMixin answers exactly what DRF's own to_representation answers, row by row."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from core import selectors, services
from core.models import Category, Deposit, Order, Product, ProductImage, WalletEntry
from core.serializers import (
    CategorySerializer,
    DepositSerializer,
    OrderSerializer,
    ProductImageSerializer,
    ProductSerializer,
    WalletEntrySerializer,
)
from testsupport.files import image_file
from ultraminebackend.serializers import (
    _FIELD,
    _MANY,
    _URL,
    _VALUE,
    FastListSerializer,
    FastReadMixin,
    _compiled_plan,
    _iso_datetime_in,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock_stands_still(time_machine):
    # A signed private URL carries an expiry read from the clock: rendered twice across a second
    # boundary, the two answers differed by that second alone (a flaky DepositSerializer case).
    time_machine.move_to(timezone.now(), tick=False)


@pytest.fixture
def drf_calls(monkeypatch):
    """Counts DRF's own ``to_representation`` calls, of a serializer and of a list of them."""
    calls = []
    for drf_class in (serializers.Serializer, serializers.ListSerializer):
        drf_method = drf_class.to_representation

        def spy(self, data, drf_method=drf_method):
            calls.append(type(self))
            return drf_method(self, data)

        monkeypatch.setattr(drf_class, "to_representation", spy)
    return calls


FAST_SERIALIZERS = [
    CategorySerializer,
    ProductSerializer,
    ProductImageSerializer,
    OrderSerializer,
    DepositSerializer,
    WalletEntrySerializer,
]


@pytest.fixture
def rows(make_product, user, staff_user, order_for, deposit_for, credit):
    product = make_product(image=image_file())
    services.product_image_add(product=product, image=image_file(), alt_text="side")
    make_product(is_active=False)  # no image at all
    credit(user, "500.00")
    order_for(user, product=product, image=image_file(), txid_proof=image_file(), txid="tx1")
    order_for(user, product=product, payment_method="wallet")  # status set from the enum
    services.order_set_status(order=order_for(user, product=product), status="cancelled")
    deposit = deposit_for(user)
    services.deposit_reject(deposit=deposit, reviewer=staff_user, reason="blurry")
    # Built in this process, not loaded: its status is the enum member the service assigned.
    paid = services.order_create(
        user=user,
        product=product,
        quantity=1,
        payment_method="wallet",
        customer_name="A",
        phone="1",
        email="a@example.com",
        shipping_address="x",
    )
    return {
        CategorySerializer: Category.objects.all(),
        ProductSerializer: selectors.attach_galleries(
            list(selectors.product_list(user=staff_user))
        ),
        ProductImageSerializer: ProductImage.objects.all(),
        OrderSerializer: [*Order.objects.all(), paid],
        DepositSerializer: Deposit.objects.all(),
        WalletEntrySerializer: WalletEntry.objects.all(),
    }


@pytest.mark.parametrize("serializer_class", FAST_SERIALIZERS)
def test_each_row_answers_what_drf_answers_and_drf_never_runs(rows, serializer_class, drf_calls):
    request = APIRequestFactory().get("/api/x")
    serializer = serializer_class(context={"request": request})

    # Both at the same level, under any to_representation the serializer adds on top.
    fast = JSONRenderer().render(
        [FastReadMixin.to_representation(serializer, row) for row in rows[serializer_class]]
    )
    assert drf_calls == []  # every row came from the compiled plan, nested galleries included
    stock = [
        serializers.Serializer.to_representation(serializer, row) for row in rows[serializer_class]
    ]

    assert fast == JSONRenderer().render(stock)
    assert drf_calls  # the spy sees DRF when it runs


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("serializer_class", FAST_SERIALIZERS)
def test_lists_answer_what_drf_alone_answers(rows, serializer_class, zone, monkeypatch, drf_calls):
    request = APIRequestFactory().get("/api/x")

    def listed():
        serializer = serializer_class(
            rows[serializer_class], many=True, context={"request": request}
        )
        with timezone.override(zone):
            return type(serializer), JSONRenderer().render(serializer.data)

    fast_class, fast = listed()
    assert serializers.Serializer not in drf_calls  # no row, nested or not, went through DRF
    # DRF's own code for every level, nested galleries included: the fast paths switched off.
    monkeypatch.setattr(
        FastReadMixin, "to_representation", serializers.Serializer.to_representation
    )
    monkeypatch.setattr(
        FastListSerializer, "to_representation", serializers.ListSerializer.to_representation
    )
    _, stock = listed()

    assert fast_class is FastListSerializer
    assert fast == stock
    assert fast.startswith(b'[{"id":')  # rows were rendered, not an empty list


def test_stored_names_are_what_the_file_field_answers(make_product, django_assert_num_queries):
    from ultraminebackend.files.storage.modelfields import stored_name_getter

    stored_name = stored_name_getter("image")
    with_image = make_product(image=image_file())
    make_product()  # no image: NULL
    make_product(image="")  # an empty name

    def both(product):
        return stored_name(product), (product.image.name or None)

    for product in Product.objects.order_by("id"):  # loaded: the name the database gave
        with django_assert_num_queries(0):
            assert type(product.__dict__["image"]) in (str, type(None))
            name, expected = both(product)
        assert name == expected
    assert stored_name(Product.objects.get(pk=with_image.pk)).startswith("products/")
    deferred = Product.objects.only("id").get(pk=with_image.pk)
    assert stored_name(deferred) == with_image.image.name  # loaded on demand, like the field
    read_first = Product.objects.get(pk=with_image.pk)
    read_first.image.name  # noqa: B018 - now a FieldFile in the row
    assert stored_name(read_first) == with_image.image.name
    replaced = Product.objects.get(pk=with_image.pk)
    replaced.image = "products/other.jpg"
    assert stored_name(replaced) == "products/other.jpg"


def test_plain_attributes_are_read_directly_and_only_dotted_sources_take_drfs_walk():
    kinds = {name: kind for name, kind, *_ in _compiled_plan(ProductSerializer)}

    for name in ("name", "category", "stock"):  # the attribute is the representation
        assert kinds[name] == _VALUE, name
    for name in ("image_url", "image_thumbnail_url", "cover_url"):  # from the request, once
        assert kinds[name] == _URL, name
    assert kinds["images"] == _MANY  # the gallery's own plan, inlined
    assert kinds["category_name"] == _FIELD  # an annotation or a property: DRF's attribute walk
    assert _VALUE < min(kinds["price"], kinds["created_at"]) < _URL  # converted from the column


def test_galleries_attached_to_a_page_match_the_gallery_queried_per_product(
    make_product, staff_user, django_assert_num_queries
):
    product = make_product(image=image_file())
    for alt in ("c", "a", "b"):
        services.product_image_add(product=product, image=image_file(), alt_text=alt)
    first = ProductImage.objects.filter(product=product).order_by("id").first()
    others = ProductImage.objects.exclude(pk=first.pk).values_list("id", flat=True)
    services.product_images_reorder(product=product, ordered_ids=[*others, first.pk])
    make_product()  # an empty gallery
    request = APIRequestFactory().get("/api/x")
    context = {"request": request}

    products = list(selectors.product_list(user=staff_user))
    with django_assert_num_queries(1):  # every gallery of the page at once
        listed = selectors.attach_galleries(products)
    plain = Product.objects.all()  # no galleries attached: Product.gallery queries
    with django_assert_num_queries(0):  # images know their product too
        from_list = ProductSerializer(listed, many=True, context=context).data
        assert all(image.product is product for product in listed for image in product.gallery)
    per_product = ProductSerializer(plain, many=True, context=context).data

    assert JSONRenderer().render(from_list) == JSONRenderer().render(per_product)
    gallery = from_list[0]["images"] or from_list[1]["images"]
    assert [image["id"] for image in gallery][-1] == first.pk  # the reordered order
    assert len(gallery) == 3


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/New_York"])
@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 3, 8, 6, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 5, 30, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
        dt.datetime(2026, 1, 2, 3, 4, 5),  # naive: DRF's own path
        "2026-01-02T03:04:05Z",
    ],
)
def test_fast_datetime_is_drfs_datetime(zone, value):
    field = serializers.DateTimeField()
    fast = _iso_datetime_in(field)

    with timezone.override(zone):
        assert fast(value, timezone.get_current_timezone()) == field.to_representation(value)


def test_fast_datetime_leaves_other_formats_and_zones_to_drf():
    assert _iso_datetime_in(serializers.DateTimeField(format="%Y")) is None
    assert _iso_datetime_in(serializers.DateTimeField(default_timezone=dt.UTC)) is None
    assert _iso_datetime_in(serializers.DateField()) is None


def test_orders_listed_with_the_annotated_product_name_match_orders_read_through_the_fk(
    make_product, user, order_for, django_assert_num_queries
):
    for name in ("Rig Alpha", "Rig Beta"):
        order_for(user, product=make_product(name=name))
    context = {"request": APIRequestFactory().get("/api/x")}

    listed = list(selectors.order_list(user=user))
    with django_assert_num_queries(0):  # the name came with the orders
        from_list = OrderSerializer(listed, many=True, context=context).data
    per_order = OrderSerializer(Order.objects.all(), many=True, context=context).data

    assert sorted(order["product_name"] for order in from_list) == ["Rig Alpha", "Rig Beta"]
    assert JSONRenderer().render(from_list) == JSONRenderer().render(per_order)


def test_products_listed_with_the_annotated_category_name_match_products_read_through_the_fk(
    make_product, staff_user
):
    other = Category.objects.create(name="Parts", slug="parts")
    make_product()
    make_product(category=other)
    context = {"request": APIRequestFactory().get("/api/x")}

    from_list = ProductSerializer(
        selectors.product_list(user=staff_user), many=True, context=context
    ).data
    per_product = ProductSerializer(Product.objects.all(), many=True, context=context).data

    assert sorted(product["category_name"] for product in from_list) == sorted(
        [other.name, Category.objects.exclude(pk=other.pk).get().name]
    )
    assert JSONRenderer().render(from_list) == JSONRenderer().render(per_product)


def test_serializers_of_context_free_fields_share_one_plan_per_class():
    for serializer_class in FAST_SERIALIZERS:
        assert _compiled_plan(serializer_class) is _compiled_plan(serializer_class) is not None

    class WithMethod(FastReadMixin, serializers.ModelSerializer):
        label = serializers.SerializerMethodField()

        class Meta:
            model = Category
            fields = ["id", "label"]

        def get_label(self, category):
            return f"{self.context['prefix']}{category.name}"

    # a SerializerMethodField reads the serializer instance: DRF's own serializer
    assert _compiled_plan(WithMethod) is None
    category = Category.objects.create(name="Rigs", slug="rigs")
    assert WithMethod(category, context={"prefix": "> "}).data == {
        "id": category.pk,
        "label": "> Rigs",
    }


def test_a_shared_plan_builds_each_requests_urls_from_that_request(make_product, settings):
    # given: one product, listed for two hosts in turn (the plan is shared by both requests)
    settings.ALLOWED_HOSTS = ["shop.example.com", "api.example.org"]
    settings.SITE_URL = ""
    product = make_product(image=image_file())
    services.product_image_add(product=product, image=image_file())
    rows = selectors.attach_galleries(list(selectors.product_list(user=None)))
    factory = APIRequestFactory()

    # when
    listed = {
        host: ProductSerializer(
            rows, many=True, context={"request": factory.get("/api/x", HTTP_HOST=host)}
        ).data[0]
        for host in ("shop.example.com", "api.example.org")
    }

    # then: every URL, nested gallery included, names its own request's host
    for host, data in listed.items():
        urls = [data["image_url"], data["image_thumbnail_url"]]
        urls += [
            image[key] for image in data["images"] for key in ("image_url", "image_thumbnail_url")
        ]
        assert len(urls) == 4
        assert all(url.startswith(f"http://{host}/media/") for url in urls), urls


def test_a_shared_plan_is_rebuilt_when_settings_change(make_product, settings):
    make_product(price="12.50")
    first = _compiled_plan(ProductSerializer)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "COERCE_DECIMAL_TO_STRING": False}

    data = ProductSerializer(selectors.product_list(user=None), many=True).data[0]

    assert _compiled_plan(ProductSerializer) is not first
    assert data["price"] == Decimal("12.50")


class _ShoutingImageSerializer(ProductImageSerializer):
    def to_representation(self, image):
        data = super().to_representation(image)
        data["alt_text"] = data["alt_text"].upper()
        return data


class _ProductWithShoutingGallery(ProductSerializer):
    images = _ShoutingImageSerializer(source="gallery", many=True, read_only=True)

    class Meta(ProductSerializer.Meta):
        pass


def test_a_nested_serializer_that_adds_to_its_rows_keeps_its_output(make_product, staff_user):
    product = make_product(image=image_file())
    services.product_image_add(product=product, image=image_file(), alt_text="side")
    rows = selectors.attach_galleries(list(selectors.product_list(user=staff_user)))
    context = {"request": APIRequestFactory().get("/api/x")}

    listed = _ProductWithShoutingGallery(rows, many=True, context=context).data
    one = _ProductWithShoutingGallery(rows[0], context=context).data

    assert [image["alt_text"] for image in listed[0]["images"]] == ["SIDE"]
    assert [image["alt_text"] for image in one["images"]] == ["SIDE"]


def test_a_list_class_named_in_meta_is_kept():
    class OwnList(serializers.ListSerializer):
        pass

    class WithOwnList(FastReadMixin, serializers.ModelSerializer):
        class Meta:
            model = Category
            fields = ["id", "name"]
            list_serializer_class = OwnList

    class WithoutMeta(CategorySerializer):
        pass

    assert type(WithOwnList([], many=True)) is OwnList
    assert type(WithoutMeta([], many=True)) is FastListSerializer
    assert not hasattr(CategorySerializer.Meta, "list_serializer_class")  # Meta left alone
