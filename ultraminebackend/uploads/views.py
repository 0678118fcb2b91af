"""``POST /api/uploads/`` (announce a file) and the local-mode upload URL it may answer."""

from django.core import signing
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ultraminebackend.bodylimits import UploadLimit
from ultraminebackend.parsers import MultiPartParser

from .models import Upload, quarantine_name
from .serializers import LocalUploadForm, UploadRequestSerializer, UploadSerializer
from .targets import quarantine_storage, read_local_policy, upload_target


class UploadCreateView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(request=UploadRequestSerializer, responses={201: UploadSerializer})
    def post(self, request):
        """Announce a file and get where to post it (an S3 presigned POST, or ours locally)."""
        serializer = UploadRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        upload = Upload(owner=request.user, created_at=timezone.now(), **serializer.validated_data)
        upload.name = quarantine_name(request.user.pk, upload.id)
        upload.save()
        url, fields = upload_target(upload, request)
        answer = {
            "id": upload.id,
            "url": url,
            "fields": fields,
            "expires_at": upload.url_expires_at,
        }
        return Response(UploadSerializer(answer).data, status=status.HTTP_201_CREATED)


@extend_schema(exclude=True)  # a URL handed out by POST /api/uploads/, like S3's: not an API
class LocalUploadView(APIView):
    """What S3 does with a presigned POST, for local storage: check the signed policy (expiry,
    size range, ``Content-Type`` field), then store ``file`` under the quarantine name."""

    authentication_classes = []  # the signed policy is the authorisation, as on S3
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    max_body_bytes = UploadLimit(media=1)

    @extend_schema(request=LocalUploadForm, responses={204: None})
    def post(self, request):
        fields = {name: request.data.get(name) for name in ("policy", "key", "Content-Type")}
        if not all(isinstance(value, str) for value in fields.values()):
            return _refused(400, "policy", "Send key, Content-Type and policy as form fields.")
        try:
            policy = read_local_policy(fields["policy"])
        except signing.BadSignature:  # forged, or past UPLOAD_URL_TTL (SignatureExpired)
            return _refused(403, "policy", "The upload policy is invalid or expired.")
        upload = Upload.objects.filter(pk=policy["id"], state=Upload.State.PENDING).first()
        if upload is None or fields["key"] != upload.name:
            return _refused(403, "key", "The key does not match the upload policy.")
        if fields["Content-Type"] != policy["type"]:
            return _refused(403, "Content-Type", "The content type does not match the policy.")
        file = request.data.get("file")
        if not hasattr(file, "size"):
            return _refused(400, "file", "No file was submitted (send it after the fields).")
        if not 1 <= file.size <= policy["max"]:
            return _refused(
                400,
                "file",
                f"The file is {file.size} bytes; the policy allows 1 to {policy['max']}.",
            )
        storage = quarantine_storage()
        storage.delete(upload.name)  # a second post replaces the object, as on S3
        storage.save(upload.name, file)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _refused(code: int, field: str, message: str) -> Response:
    return Response({field: [message]}, status=code)
