"""The request and answer of ``POST /api/uploads/``."""

from rest_framework import serializers

from ultraminebackend.files.storage.fields import MediaUploadField

from .purposes import CONTENT_TYPES, PURPOSES


class UploadRequestSerializer(serializers.Serializer):
    """Announce a file: what it is for, its content type and its size in bytes."""

    purpose = serializers.ChoiceField(
        choices=list(PURPOSES),
        help_text="The file field it is for (`products.*`: staff only).",
    )
    content_type = serializers.ChoiceField(
        choices=list(CONTENT_TYPES),
        help_text="Images for every purpose; videos for `posts.media` only. Sent again as the "
        "form's `Content-Type` field; the bytes decide what is stored.",
    )
    size = serializers.IntegerField(
        min_value=1,
        help_text="Bytes; the file posted may have at most this many, within the purpose's cap "
        "(IMAGE_MAX_BYTES, or VIDEO_MAX_BYTES for a post video).",
    )

    def validate(self, attrs):
        purpose = PURPOSES[attrs["purpose"]]
        request = self.context["request"]
        if purpose.staff_only and not request.user.is_staff:
            raise serializers.ValidationError(
                {"purpose": [f"Only staff may upload for '{attrs['purpose']}'."]}
            )
        if attrs["content_type"] not in purpose.content_types:
            allowed = ", ".join(purpose.content_types)
            raise serializers.ValidationError(
                {"content_type": [f"'{attrs['purpose']}' takes {allowed}."]}
            )
        cap = purpose.max_bytes(attrs["content_type"])
        if attrs["size"] > cap:
            raise serializers.ValidationError(
                {"size": [f"The limit for this purpose and type is {cap} bytes."]}
            )
        return attrs


class UploadSerializer(serializers.Serializer):
    """Post ``fields`` and then ``file`` as multipart/form-data to ``url`` before ``expires_at``;
    then send ``id`` as the body's ``X_upload`` (``media_uploads`` for post media)."""

    id = serializers.UUIDField()
    url = serializers.URLField()
    fields = serializers.DictField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()


class LocalUploadForm(serializers.Serializer):
    """The local upload URL's form, as a browser posts it to S3: the answer's fields, then
    ``file``. Declared for the body limit and the route guards; the view checks it as S3 does
    (the intake runs when the upload is attached)."""

    key = serializers.CharField()
    policy = serializers.CharField()
    file = MediaUploadField()  # an image or a video, at the larger cap

    def get_fields(self):
        fields = super().get_fields()
        fields["Content-Type"] = serializers.CharField()  # not a Python name
        return fields
