"""Errors the file plumbing answers with a clear 503 (storage down, decoders busy), never a 500."""

from boto3.exceptions import Boto3Error
from botocore.exceptions import BotoCoreError, ClientError
from rest_framework import status
from rest_framework.exceptions import APIException

# What S3 (botocore/boto3 transfers) and the local disk raise when they cannot store a file.
STORAGE_ERRORS = (BotoCoreError, ClientError, Boto3Error, OSError)


class StorageUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "File storage is unavailable; nothing was saved. Try again shortly."
    default_code = "storage_unavailable"


class IntakeBusy(APIException):
    """Every decode slot stayed taken for ``IMAGE_INTAKE_WAIT_S``: try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "Images are being processed for other requests; nothing was saved. Retry."
    default_code = "intake_busy"
    # DRF's exception handler sends this as Retry-After.
    wait = 5
