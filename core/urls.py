"""Routes of the core app (filled in by its issue)."""

urlpatterns = []
