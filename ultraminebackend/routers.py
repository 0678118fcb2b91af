"""The router every app uses: optional trailing slash, and ids that are numbers."""

from rest_framework.routers import DefaultRouter


class OptionalSlashRouter(DefaultRouter):
    """``/api/posts`` and ``/api/posts/`` both resolve; no redirect, so a POST keeps its body."""

    include_format_suffixes = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # DRF only takes a boolean here; the regex form is what makes the slash optional.
        self.trailing_slash = "/?"

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        """Ids are numbers unless a viewset says otherwise: ``/products/abc`` is a plain 404."""
        field = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        value = getattr(viewset, "lookup_value_regex", r"\d+")
        return f"(?P<{lookup_prefix}{field}>{value})"
