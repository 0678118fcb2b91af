"""Store endpoints. Thin: validate input, call one service or selector, answer one serializer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ultraminebackend.bodylimits import UploadLimit
from ultraminebackend.parsers import MultiPartParser
from ultraminebackend.views import OwnRecordsMixin, ServiceViewMixin

from . import selectors, services
from .filters import DepositFilter, OrderFilter, ProductFilter
from .models import Category, Deposit, Order, ProductImage
from .permissions import IsStaffOrReadOnly
from .serializers import (
    CategorySerializer,
    DepositCreateSerializer,
    DepositRejectSerializer,
    DepositSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrderStatusSerializer,
    OwnerDepositSerializer,
    OwnerOrderSerializer,
    ProductImageSerializer,
    ProductImagesReorderSerializer,
    ProductImageUpdateSerializer,
    ProductSerializer,
    WalletSerializer,
)

UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]
# The actions of upload viewsets that take no file: JSON only, like every such endpoint.
JSON_ONLY = [JSONParser]


def staff_action(request, responses):
    """A staff-only JSON POST on one record (the reviews and status moves of orders, deposits)."""
    schema = extend_schema(request=request, responses=responses)
    route = action(
        detail=True, methods=["post"], permission_classes=[IsAdminUser], parser_classes=JSON_ONLY
    )
    return lambda method: schema(route(method))


class CategoryViewSet(viewsets.ModelViewSet):
    serializer_class = CategorySerializer
    permission_classes = [IsStaffOrReadOnly]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        categories = Category.objects.all()
        return categories if self.request.user.is_staff else categories.filter(is_active=True)

    def perform_create(self, serializer):
        serializer.instance = services.category_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.category_update(
            category=serializer.instance, data=serializer.validated_data
        )


class ProductViewSet(ServiceViewMixin, viewsets.ModelViewSet):
    serializer_class = ProductSerializer
    permission_classes = [IsStaffOrReadOnly]
    parser_classes = UPLOAD_PARSERS
    max_body_bytes = UploadLimit(images=1)  # image (or one gallery image)
    filterset_class = ProductFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "price", "name", "id"]

    def get_queryset(self):
        return selectors.product_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.product_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.product_update(
            product=serializer.instance, data=serializer.validated_data
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return page if page is None else selectors.attach_galleries(list(page))

    def _gallery_image(self, image_id) -> ProductImage:
        return get_object_or_404(ProductImage, pk=image_id, product=self.get_object())

    @extend_schema(methods=["GET"], responses=ProductImageSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ProductImageSerializer, responses={201: ProductImageSerializer}
    )
    # The whole gallery in one plain list (a product has a handful of images), so the schema must
    # not describe it as a page; schemathesis caught that mismatch.
    @action(detail=True, methods=["get", "post"], url_path="images", pagination_class=None)
    def images(self, request, pk=None):
        """The gallery in order, its first image the primary: list it (anyone) or add an image
        (staff, multipart ``image``; at the end, or at the front with ``is_primary``)."""
        product = self.get_object()
        if request.method == "GET":
            return self.answer(product.gallery, ProductImageSerializer, many=True)
        data = self.validated(ProductImageSerializer)
        gallery_image = services.product_image_add(product=product, **data)
        return self.answer(gallery_image, ProductImageSerializer, code=status.HTTP_201_CREATED)

    @extend_schema(request=ProductImageUpdateSerializer, responses=ProductImageSerializer)
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"images/(?P<image_id>\d+)",
        parser_classes=JSON_ONLY,
    )
    def image_detail(self, request, pk=None, image_id=None):
        """Change an image's alt text or make it primary, i.e. first (PATCH), or remove it (DELETE).

        Deleting the primary makes the next image primary.
        """
        gallery_image = self._gallery_image(image_id)
        if request.method == "DELETE":
            services.product_image_delete(gallery_image=gallery_image)
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = self.validated(ProductImageUpdateSerializer)
        gallery_image = services.product_image_update(gallery_image=gallery_image, **data)
        return self.answer(gallery_image, ProductImageSerializer)

    @extend_schema(
        request=ProductImagesReorderSerializer, responses=ProductImageSerializer(many=True)
    )
    # A plain list, as the gallery's GET (the schema said "page"; the multipart twins found it).
    @action(
        detail=True,
        methods=["post"],
        url_path="images/reorder",
        parser_classes=JSON_ONLY,
        pagination_class=None,
    )
    def images_reorder(self, request, pk=None):
        """Set the gallery order: ``{"order": [image ids…]}`` naming every image once.

        The first image named becomes the primary.
        """
        product = self.get_object()  # a missing product is a 404 whatever the body
        order = self.validated(ProductImagesReorderSerializer)["order"]
        images = services.product_images_reorder(product=product, ordered_ids=order)
        return self.answer(images, ProductImageSerializer, many=True)


class StaffFieldsMixin:
    """Staff read the full serializer (``serializer_class``, the one the schema documents);
    everyone else ``owner_serializer_class``, without the fields about other users' records."""

    owner_serializer_class = None

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or self.request.user.is_staff:
            return self.serializer_class
        return self.owner_serializer_class


class _CustomerRecordsViewSet(
    ServiceViewMixin,
    StaffFieldsMixin,
    OwnRecordsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    # A customer's records with evidence files (orders, deposits): listed, read and created
    # through the API, changed by actions only. (A comment: spectacular reads docstrings.)
    permission_classes = [IsAuthenticated]
    parser_classes = UPLOAD_PARSERS


class OrderViewSet(_CustomerRecordsViewSet):
    """Customers' own orders (staff: all). Another user's order answers 404."""

    serializer_class = OrderSerializer
    queryset_model = Order
    select = staticmethod(selectors.order_list)
    owner_serializer_class = OwnerOrderSerializer
    max_body_bytes = UploadLimit(images=2)  # image, txid_proof
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "total_price", "id"]

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def create(self, request, *args, **kwargs):
        order = services.order_create(user=request.user, **self.validated(OrderCreateSerializer))
        return self.answer(order, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], parser_classes=JSON_ONLY)
    def cancel(self, request, pk=None):
        """The owner cancels until it ships: stock goes back, a wallet payment is refunded."""
        order = self.get_object()
        if order.user_id != request.user.pk:
            raise PermissionDenied("Only the customer who placed the order can cancel it.")
        return self.answer(services.order_cancel_by_owner(order=order))

    @staff_action(OrderStatusSerializer, OrderSerializer)
    def status(self, request, pk=None):
        """Staff move the order along pending → paid → shipped → delivered, or cancel it."""
        order = self.get_object()  # a missing order is a 404 whatever the body
        new_status = self.validated(OrderStatusSerializer)["status"]
        return self.answer(services.order_set_status(order=order, status=new_status))


class DepositViewSet(_CustomerRecordsViewSet):
    """Customers' own deposit proofs (staff: all); staff approve or reject each once."""

    serializer_class = DepositSerializer
    queryset_model = Deposit
    select = staticmethod(selectors.deposit_list)
    owner_serializer_class = OwnerDepositSerializer
    max_body_bytes = UploadLimit(images=1)  # proof
    filterset_class = DepositFilter
    ordering_fields = ["created_at", "amount", "id"]

    @extend_schema(request=DepositCreateSerializer, responses={201: DepositSerializer})
    def create(self, request, *args, **kwargs):
        data = self.validated(DepositCreateSerializer)
        deposit = services.deposit_create(user=request.user, **data)
        return self.answer(deposit, code=status.HTTP_201_CREATED)

    @staff_action(None, DepositSerializer)
    def approve(self, request, pk=None):
        """Approve and credit the wallet exactly once; a second review answers 409."""
        return self.answer(
            services.deposit_approve(deposit=self.get_object(), reviewer=request.user)
        )

    @staff_action(DepositRejectSerializer, DepositSerializer)
    def reject(self, request, pk=None):
        """Reject with a ``reason``; a second review answers 409."""
        deposit = self.get_object()  # a missing deposit is a 404 whatever the body
        reason = self.validated(DepositRejectSerializer)["reason"]
        deposit = services.deposit_reject(deposit=deposit, reviewer=request.user, reason=reason)
        return self.answer(deposit)


class WalletView(APIView):
    """The signed-in user's balance and latest 50 ledger entries (newest first)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=WalletSerializer)
    def get(self, request):
        data = {
            "balance": services.wallet_balance(user=request.user),
            "entries": selectors.wallet_entries(user=request.user),
        }
        return Response(WalletSerializer(data).data)
