"""AI agent reads: the generations a user may see."""

from django.db.models import QuerySet

from .models import Generation


def generation_list(*, user) -> QuerySet[Generation]:
    generations = Generation.objects.prefetch_related("more_references")
    return generations if user.is_staff else generations.filter(user=user)
