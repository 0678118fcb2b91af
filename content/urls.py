"""Routes of the content app (filled in by its issue)."""

urlpatterns = []
