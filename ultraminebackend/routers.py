"""The router every app uses: each route answers with and without its trailing slash."""

from rest_framework.routers import DefaultRouter


class OptionalSlashRouter(DefaultRouter):
    """``/api/posts`` and ``/api/posts/`` both resolve; no redirect, so a POST keeps its body."""

    include_format_suffixes = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # DRF only takes a boolean here; the regex form is what makes the slash optional.
        self.trailing_slash = "/?"
