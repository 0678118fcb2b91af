"""One-line diagnoses for storage failures, each naming what to change (used by ``storage_doctor``).

Messages never carry credentials or signed query strings."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from botocore.exceptions import ClientError
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage

WRONG_REGION = (
    "bucket '{bucket}' is not in region '{region}'{actual_region_note}: "
    "set AWS_S3_REGION_NAME to {bucket_region}"
)
BAD_ACCESS_KEY = (
    "S3 does not know this access key: fix AWS_ACCESS_KEY_ID (with its AWS_SECRET_ACCESS_KEY)"
)
STALE_SESSION = (
    "the session token is invalid or expired: refresh the credentials "
    "(AWS_SESSION_TOKEN or the instance role)"
)

NO_SUCH_BUCKET = (
    "bucket '{bucket}' does not exist at {endpoint}: create it or fix AWS_STORAGE_BUCKET_NAME"
)

# S3 error code → what to change. Keys are the <Code> of S3's XML error body; HEAD answers have no
# body, so their bare status ("301", "403", "404") stands in for the code, more precisely as
# "Operation:status" where the operation says what the status means.
S3_ERRORS: dict[str, str] = {
    "NoSuchBucket": NO_SUCH_BUCKET,
    "HeadBucket:404": NO_SUCH_BUCKET,
    "InvalidBucketName": "'{bucket}' is not a valid bucket name: fix AWS_STORAGE_BUCKET_NAME",
    "PermanentRedirect": WRONG_REGION,
    "AuthorizationHeaderMalformed": WRONG_REGION,
    "IllegalLocationConstraintException": WRONG_REGION,
    "301": WRONG_REGION,
    "InvalidAccessKeyId": BAD_ACCESS_KEY,
    "SignatureDoesNotMatch": (
        "the signature does not match: AWS_SECRET_ACCESS_KEY is not the secret of "
        "AWS_ACCESS_KEY_ID (or a proxy rewrites requests)"
    ),
    "InvalidToken": STALE_SESSION,
    "ExpiredToken": STALE_SESSION,
    "AccessDenied": (
        "access denied for {operation}: allow {action} on {resource} "
        "in the IAM policy of these credentials"
    ),
    "403": (
        "403 Forbidden for {operation} (HEAD answers carry no reason): the credentials are wrong "
        "or lack {action} on {resource}"
    ),
    "404": "{operation} answered 404: bucket '{bucket}' or the object does not exist",
    "AccessControlListNotSupported": (
        "the bucket has ACLs disabled and an ACL was sent: send none (no AWS_DEFAULT_ACL, no "
        "default_acl or ACL in the storage OPTIONS); public read comes from the bucket policy"
    ),
    "RequestTimeTooSkewed": (
        "this machine's clock is more than 15 minutes off S3's: sync it (NTP), then retry"
    ),
    "SlowDown": "S3 is throttling {operation}: retry later, or spread the load",
    "ServiceUnavailable": "S3 answered 503 for {operation}: retry later",
}

# Failures that happen before or without an S3 answer, by exception class name (most specific
# first along the MRO, so ConnectTimeoutError wins over its base ConnectionError).
EXCEPTION_ERRORS: dict[str, str] = {
    "NoCredentialsError": (
        "no credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
        "(or give the instance an IAM role)"
    ),
    "PartialCredentialsError": (
        "only half of the credentials are set: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    ),
    "EndpointConnectionError": (
        "cannot connect to {endpoint}: check AWS_S3_ENDPOINT_URL / AWS_S3_REGION_NAME, DNS and "
        "outbound network"
    ),
    "ConnectTimeoutError": (
        "timed out connecting to {endpoint}: a firewall or a wrong AWS_S3_ENDPOINT_URL "
        "swallows the connection"
    ),
    "ReadTimeoutError": (
        "{endpoint} accepted the connection but did not answer in time: is it really S3 "
        "(AWS_S3_ENDPOINT_URL)?"
    ),
    "ConnectionClosedError": "{endpoint} closed the connection: check AWS_S3_ENDPOINT_URL",
    "SSLError": (
        "TLS with {endpoint} failed: check the scheme of AWS_S3_ENDPOINT_URL (https vs http) "
        "and the system CA certificates"
    ),
    "InvalidRegionError": "'{region}' is not a region name: fix AWS_S3_REGION_NAME",
    "URLError": "cannot reach {url}: check the network path to the bucket (DNS, firewall)",
    "TimeoutError": "{url} did not answer in time: check the network path to the bucket",
    "PermissionError": (
        "{location} is not writable by this user: fix its permissions, or point "
        "MEDIA_ROOT / PRIVATE_MEDIA_ROOT at a writable folder"
    ),
    "IsADirectoryError": "{location} has a folder where a file should be: remove it",
}

OBJECTS = "arn:aws:s3:::{bucket}/{prefix}*"
BUCKET = "arn:aws:s3:::{bucket}"
# S3 operation → the IAM action that allows it, and on what (HEAD needs s3:GetObject).
OPERATION_PERMISSIONS: dict[str, tuple[str, str]] = {
    "PutObject": ("s3:PutObject", OBJECTS),
    "CreateMultipartUpload": ("s3:PutObject", OBJECTS),
    "UploadPart": ("s3:PutObject", OBJECTS),
    "CompleteMultipartUpload": ("s3:PutObject", OBJECTS),
    "GetObject": ("s3:GetObject", OBJECTS),
    "HeadObject": ("s3:GetObject", OBJECTS),
    "DeleteObject": ("s3:DeleteObject", OBJECTS),
    "HeadBucket": ("s3:ListBucket", BUCKET),
    "ListObjectsV2": ("s3:ListBucket", BUCKET),
    "ListObjects": ("s3:ListBucket", BUCKET),
}


@dataclass(frozen=True)
class Where:
    """What the failing call talked to; fills the templates. Never holds credentials."""

    bucket: str = ""
    endpoint: str = ""
    region: str = ""
    prefix: str = ""
    location: str = ""
    url: str = ""


def where_of(storage: Storage) -> Where:
    """The bucket, endpoint, region and prefix (S3) or the folder (local) of a storage."""
    if isinstance(storage, S3Storage):
        return Where(
            bucket=storage.bucket_name or "",
            endpoint=storage.endpoint_url or "the AWS S3 endpoint",
            region=storage.region_name or "us-east-1",
            prefix=f"{storage.location}/" if storage.location else "",
        )
    return Where(location=str(getattr(storage, "location", "")))


class _Blank(dict):
    def __missing__(self, key):
        return "?"


def render(template: str, where: Where, **extra) -> str:
    values = _Blank({k: v for k, v in vars(where).items() if v})
    values.update({k: v for k, v in extra.items() if v is not None})
    return template.format_map(values)


def explain_code(
    code: str, where: Where, *, operation: str = "", bucket_region: str = ""
) -> str | None:
    """The diagnosis for an S3 error code (or bare HTTP status), or None when it is unknown."""
    template = S3_ERRORS.get(f"{operation}:{code}") or S3_ERRORS.get(code)
    if template is None:
        return None
    action, resource = OPERATION_PERMISSIONS.get(operation, ("the needed s3:* action", OBJECTS))
    return render(
        template,
        where,
        operation=operation or "the request",
        action=action,
        resource=render(resource, where),
        actual_region_note=f" but in '{bucket_region}'" if bucket_region else "",
        bucket_region=f"'{bucket_region}'" if bucket_region else "the bucket's region (S3 console)",
    )


def explain(exc: BaseException, where: Where) -> str:
    """Turn any storage exception into one line; unknown ones keep their (redacted) text."""
    for cause in _chain(exc):
        if isinstance(cause, ClientError):
            error = cause.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = explain_code(
                code,
                where,
                operation=cause.operation_name,
                bucket_region=error.get("Region") or _header(cause.response, "x-amz-bucket-region"),
            )
            return message or f"{code} from {cause.operation_name}: {redact(error.get('Message'))}"
        for klass in type(cause).__mro__:
            if klass.__name__ in EXCEPTION_ERRORS:
                return render(EXCEPTION_ERRORS[klass.__name__], where)
    return f"{type(exc).__name__}: {redact(str(exc))}"


def s3_error_code(body: bytes) -> str:
    """The <Code> of an S3 XML error body ('' when there is none); a regex, no XML parser."""
    match = re.search(rb"<Code>([^<]{1,64})</Code>", body or b"")
    return match.group(1).decode("ascii", "replace") if match else ""


def s3_error_region(body: bytes, headers: Mapping[str, str]) -> str:
    match = re.search(rb"<Region>([^<]{1,64})</Region>", body or b"")
    if match:
        return match.group(1).decode("ascii", "replace")
    return _lower(headers).get("x-amz-bucket-region", "")


def strip_query(url: str) -> str:
    """A URL without its query: a signed URL's query is a bearer credential until it expires."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def redact(text: str | None, limit: int = 200) -> str:
    """Free text from a library, with query strings cut off every URL, shortened to a line."""
    text = re.sub(r"(https?://[^\s?\"'<>]+)\?[^\s\"'<>]*", r"\1?...", str(text or ""))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _chain(exc: BaseException):
    # django-storages re-raises some ClientErrors as FileNotFoundError; the cause says more.
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _header(response: Mapping, name: str) -> str:
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return _lower(headers).get(name, "")


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(k).lower(): v for k, v in (headers or {}).items()}
