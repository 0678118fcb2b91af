"""The one shape of an endpoint: a body checked by one serializer, a service, another answers."""

from collections.abc import Callable

from django.db.models import Model, QuerySet
from rest_framework import status
from rest_framework.response import Response


# For APIView and viewsets alike; every serializer gets the view's context. (A comment, not a
# docstring: drf-spectacular would describe every view without one of its own by it.)
class ServiceViewMixin:
    def serializer_context(self) -> dict:
        context = getattr(self, "get_serializer_context", None)
        return context() if context else {"request": self.request, "view": self}

    def validated(self, serializer_class, **kwargs) -> dict:
        """The request body as ``serializer_class`` checks it (a 400 naming the field if not)."""
        serializer = serializer_class(
            data=self.request.data, context=self.serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def answer(self, instance, serializer_class=None, *, code=status.HTTP_200_OK, many=False):
        """``instance`` as ``serializer_class`` (the view's own by default) shows it."""
        serializer_class = serializer_class or self.get_serializer_class()
        data = serializer_class(instance, many=many, context=self.serializer_context()).data
        return Response(data, status=code)


# A user's own records (staff: all), as ``select(user=...)`` gives them; another user's is a 404.
# Schema generation has no user: it gets an empty ``queryset_model`` queryset instead.
class OwnRecordsMixin:
    queryset_model: type[Model]
    select: Callable[..., QuerySet]  # staticmethod(selectors.<records>_list)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset_model.objects.none()
        return self.select(user=self.request.user)
