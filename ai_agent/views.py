"""AI agent endpoints: generate an image, and the user's own generation history."""

import base64

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ultraminebackend.bodylimits import UploadLimit
from ultraminebackend.parsers import MultiPartParser
from ultraminebackend.views import OwnRecordsMixin, ServiceViewMixin

from . import selectors, services
from .models import Generation
from .providers import capabilities
from .serializers import (
    GenerateImageSerializer,
    GenerationSerializer,
    GenerationWithImageSerializer,
)

# Failures the generation itself records answer the Generation (error_code says why); our own
# quota, a database or storage outage before anything was recorded answer an ErrorDetail.
FAILED_GENERATION = {
    422: "The model withheld the image (error_code prompt_blocked_* or output_blocked_*: "
    "safety or policy) or drew none and said why (output_image_other, output_no_image, "
    "output_language); the same prompt would fail again.",
    502: "Provider error after retries, or an answer without an image.",
    504: "The provider did not answer within AI_TIMEOUT_S.",
}
EITHER = {
    429: "Our daily quota (ErrorDetail) or the provider's (the failed Generation); see "
    "Retry-After.",
    503: "Provider not configured (the failed Generation), or the database or storage "
    "unavailable (ErrorDetail).",
}
# The provider's 429 without a hint of its own: a minute, a typical rate-limit window.
PROVIDER_RETRY_AFTER_S = 60
_GENERATION_OR_ERROR = {
    "oneOf": [
        {"$ref": "#/components/schemas/Generation"},
        {"$ref": "#/components/schemas/ErrorDetail"},
    ]
}


def _reference_upload_limit(request=None) -> int:
    """A body with ``reference_image`` and the most ``reference_images`` the schema allows.

    One more than the model takes in all: such a body is read and answered 400 with the count,
    rather than 413.
    """
    return UploadLimit(images=1 + capabilities.configured().max_references)(request)


class GenerateImageView(ServiceViewMixin, APIView):
    """Generate an image from a prompt and optional reference images.

    The first reference's shape picks the nearest aspect ratio unless ``aspect_ratio`` is given.
    Ratios, image sizes and the number of references are the configured model's (a value it does
    not take is a 400 listing those it does). Synchronous by default (201); ``async`` answers 202
    with a pending record to poll.
    """

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    max_body_bytes = staticmethod(_reference_upload_limit)  # reference_image(s)

    @extend_schema(
        request=GenerateImageSerializer,
        responses={
            201: GenerationWithImageSerializer,
            202: GenerationSerializer,
            **{
                code: OpenApiResponse(GenerationSerializer, description=text)
                for code, text in FAILED_GENERATION.items()
            },
            **{
                code: OpenApiResponse(_GENERATION_OR_ERROR, description=text)
                for code, text in EITHER.items()
            },
        },
    )
    def post(self, request):
        data = self.validated(GenerateImageSerializer)
        try:
            generation = services.generation_create(
                user=request.user,
                prompt=data["prompt"],
                style=data["style"],
                aspect_ratio=data.get("aspect_ratio"),
                image_size=data.get("image_size"),
                reference=data.get("reference_image"),
                references=data.get("reference_images", []),
                run_async=data["async"],
            )
        except services.GenerationFailed as failure:
            response = self.answer(
                failure.generation, GenerationSerializer, code=failure.http_status
            )
            retry_after = failure.retry_after
            if retry_after is None and failure.http_status == status.HTTP_429_TOO_MANY_REQUESTS:
                retry_after = PROVIDER_RETRY_AFTER_S  # every 429 says when (the schema does)
            if retry_after:
                response["Retry-After"] = str(retry_after)
            return response
        body = GenerationSerializer(generation, context=self.serializer_context()).data
        image = getattr(generation, "generated_image", None)
        if data["return_base64"] and image is not None:
            body["image_base64"] = base64.b64encode(image.data).decode("ascii")
            body["image_mime_type"] = image.mime_type
        code = status.HTTP_202_ACCEPTED if data["async"] else status.HTTP_201_CREATED
        return Response(body, status=code)


class GenerationViewSet(
    OwnRecordsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The user's own generations, newest first (staff: everyone's); ``?status=`` filters."""

    serializer_class = GenerationSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "id"]

    queryset_model = Generation
    select = staticmethod(selectors.generation_list)
