"""Admin for the store: previews, review actions that call the same services as the API."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ultraminebackend.exceptions import Conflict
from ultraminebackend.files.storage.admin import ImagePreviewMixin

from . import services
from .models import Category, Deposit, Order, Product, ProductImage, WalletEntry


def _run_service(modeladmin, request, queryset, call, done: str):
    """Apply a service to each selected row, reporting each refusal instead of failing all."""
    succeeded = 0
    for obj in queryset:
        try:
            call(obj)
            succeeded += 1
        except (ValidationError, Conflict) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.detail)
            modeladmin.message_user(request, f"{obj}: {text}", messages.ERROR)
    if succeeded:
        modeladmin.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


class SlugFromNameMixin:
    """The slug may be left blank: it is made from the name, numbered if taken, as in the API.

    Not prepopulated in the browser: the server's rule (``ultraminebackend.slugs``) numbers a
    taken slug instead of failing the form, and gives names with nothing ASCII a usable one.
    """

    slug_rule = None  # a SlugRule from core.services

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        slug = form.base_fields["slug"]
        slug.required = False
        slug.help_text = "Leave blank to make it from the name (numbered if taken)."
        return form

    def save_model(self, request, obj, form, change):
        given = form.cleaned_data.get("slug")
        self.slug_rule.assign(obj, given)
        self.slug_rule.save(obj, chosen=bool(given))


@admin.register(Category)
class CategoryAdmin(SlugFromNameMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    slug_rule = services.CATEGORY_SLUGS


class ProductImageInline(ImagePreviewMixin, admin.TabularInline):
    """The gallery; ``position`` orders it and the first image is the primary (derived)."""

    model = ProductImage
    extra = 0
    preview_fields = ("image",)
    fields = ("image", "previews", "alt_text", "position", "is_primary")
    readonly_fields = ("is_primary",)


@admin.register(Product)
class ProductAdmin(SlugFromNameMixin, ImagePreviewMixin, admin.ModelAdmin):
    preview_fields = ("image",)
    list_display = ("name", "previews", "category", "price", "stock", "is_active", "created_at")
    list_filter = ("is_active", "category")
    list_select_related = ("category",)
    search_fields = ("name", "slug")
    slug_rule = services.PRODUCT_SLUGS
    inlines = [ProductImageInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Positions as typed (ties: the older image first), then 0..n-1 with the first primary.
        services.product_gallery_settle(product=form.instance)


class DuplicateProofFilter(admin.SimpleListFilter):
    """Yes: the proof looks like an earlier order's or deposit's (``core/proofs.py``)."""

    title = "duplicate proof"
    parameter_name = "duplicate_proof"

    def __init__(self, request, params, model, model_admin):
        self.duplicate_fields = model_admin.duplicate_fields
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        flagged = Q()
        for name in self.duplicate_fields:
            flagged |= Q(**{f"{name}__isnull": False})
        if self.value() == "yes":
            return queryset.filter(flagged)
        if self.value() == "no":
            return queryset.exclude(flagged)
        return queryset


class DuplicateBadgeMixin:
    """A red badge beside the proof's preview (and a list column) naming the earlier records
    whose proof looks the same, each linking to its page."""

    # The model's duplicate-proof foreign keys (also what DuplicateProofFilter filters on).
    duplicate_fields: tuple[str, ...] = ()

    @admin.display(description="duplicate proof")
    def duplicate_badge(self, obj):
        links = []
        for name in self.duplicate_fields:
            field = obj._meta.get_field(name)
            if (pk := getattr(obj, field.attname)) is not None:
                meta = field.related_model._meta
                url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
                links.append((url, meta.model_name, pk))
        if not links:
            return "-"
        return format_html_join(
            " ",
            '<a class="duplicate-proof" href="{}" style="background:#ba2121;color:#fff;'
            'padding:2px 6px;border-radius:4px">looks like {} #{}</a>',
            links,
        )

    @admin.display(description="preview")
    def previews(self, obj):
        badge = self.duplicate_badge(obj)
        preview = super().previews(obj)
        return preview if badge == "-" else format_html("{} {}", preview, badge)


class OrderStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Order.Status.choices)


@admin.register(Order)
class OrderAdmin(DuplicateBadgeMixin, ImagePreviewMixin, admin.ModelAdmin):
    """Orders are placed through the API (``order_create`` prices them and takes stock), so
    there is no add page; what the customer bought, paid and proved stays as placed. Staff edit
    the delivery details and move the status with the actions (``ORDER_TRANSITIONS``)."""

    preview_fields = ("image", "txid_proof")
    duplicate_fields = ("txid_proof_duplicate_of", "txid_proof_duplicate_of_deposit")
    list_display = (
        "id",
        "user",
        "product",
        "quantity",
        "total_price",
        "status",
        "payment_method",
        "duplicate_badge",
    )
    list_filter = ("status", "payment_method", DuplicateProofFilter, "created_at")
    list_select_related = ("user", "product")
    search_fields = ("id", "user__email", "customer_name", "email", "txid")
    readonly_fields = (
        "user",
        "product",
        "quantity",
        "unit_price",
        "total_price",
        "status",
        "payment_method",
        "txid",
        "txid_proof",
    )
    actions = ["mark_paid", "mark_shipped", "mark_delivered", "mark_cancelled"]

    def has_add_permission(self, request):
        return False

    def _move(self, request, queryset, status):
        _run_service(
            self,
            request,
            queryset,
            lambda order: services.order_set_status(order=order, status=status),
            f"order(s) marked {status}",
        )

    @admin.action(description="Mark selected orders as paid")
    def mark_paid(self, request, queryset):
        self._move(request, queryset, Order.Status.PAID)

    @admin.action(description="Mark selected orders as shipped")
    def mark_shipped(self, request, queryset):
        self._move(request, queryset, Order.Status.SHIPPED)

    @admin.action(description="Mark selected orders as delivered")
    def mark_delivered(self, request, queryset):
        self._move(request, queryset, Order.Status.DELIVERED)

    @admin.action(description="Cancel selected orders (restock, refund wallet payments)")
    def mark_cancelled(self, request, queryset):
        self._move(request, queryset, Order.Status.CANCELLED)


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Deposit)
class DepositAdmin(DuplicateBadgeMixin, ImagePreviewMixin, admin.ModelAdmin):
    """Reviews go through the actions (``deposit_approve``/``deposit_reject``). A reviewed
    deposit is a record of what was credited or refused: view only, every field, no delete.

    Deposits are submitted through the API (``deposit_create`` hashes the proof and claims a
    crypto txid), so there is no add page, and what the customer sent as evidence (method,
    reference, proof) stays as sent; staff may correct the amount of a pending one.
    """

    preview_fields = ("proof",)
    duplicate_fields = ("proof_duplicate_of", "proof_duplicate_of_order")
    list_display = (
        "id",
        "user",
        "amount",
        "method",
        "status",
        "duplicate_badge",
        "reviewed_by",
        "created_at",
    )
    list_filter = ("status", "method", DuplicateProofFilter, "created_at")
    list_select_related = ("user", "reviewed_by")
    search_fields = ("id", "user__email", "reference")
    readonly_fields = ("status", "reviewed_by", "reviewed_at", "rejection_reason")
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # Whose money it is never changes once the deposit exists, nor the evidence: a swapped
        # proof would keep the old one's hash, a changed reference would skip the txid claim.
        return fields if obj is None else (*fields, "user", "method", "reference", "proof")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != Deposit.Status.PENDING:
            return False  # the amount credited, the proof it was credited on: as reviewed
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Deposit.Status.PENDING:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete asks no row: a rejected deposit would go with the pending ones.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Approve selected deposits (credit the wallet)")
    def approve(self, request, queryset):
        _run_service(
            self,
            request,
            queryset,
            lambda deposit: services.deposit_approve(deposit=deposit, reviewer=request.user),
            "deposit(s) approved",
        )

    @admin.action(description="Reject selected deposits…")
    def reject(self, request, queryset):
        """Asks for the reason on an intermediate page, then rejects each selected deposit."""
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            _run_service(
                self,
                request,
                queryset,
                lambda deposit: services.deposit_reject(
                    deposit=deposit, reviewer=request.user, reason=reason
                ),
                "deposit(s) rejected",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject deposits",
            "form": form,
            "deposits": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/core/deposit/reject.html", context)


@admin.register(WalletEntry)
class WalletEntryAdmin(admin.ModelAdmin):
    """The ledger is append-only: entries are written by services, never edited here."""

    list_display = ("id", "user", "kind", "amount", "deposit", "order", "created_at")
    list_filter = ("kind", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "note")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
