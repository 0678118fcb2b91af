"""Routes of the ai_agent app (filled in by its issue)."""

urlpatterns = []
