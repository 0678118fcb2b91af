"""Storage failures, answered with a clear 503 instead of a 500."""

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
