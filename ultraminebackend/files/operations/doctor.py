"""``storage_doctor``'s checks: a probe file round-tripped through both roles of the configured
``STORAGES`` (short timeouts), each failing step diagnosed (docs/files.md)."""

import logging
import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from botocore.config import Config
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.test import Client
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage

from ..storage.config import PRIVATE, PUBLIC, public_media_policy
from .diagnoses import (
    Where,
    explain,
    explain_code,
    render,
    s3_error_code,
    s3_error_region,
    strip_query,
    where_of,
)
from .probes import storage_reachable

PROBE_FOLDER = "storage-doctor"
MAX_BODY_BYTES = 64 * 1024  # probes are tiny; never read more than this from any answer

PUBLIC_READ_BLOCKED = (
    "the public URL answers 403: public read of {prefix}* is blocked; allow bucket policies in "
    "the bucket's Block Public Access settings and set this bucket policy (README, "
    "'S3 bucket setup'):"
)

# Why a URL check got a wrong answer, by (mode, check, HTTP status). On S3 an error code in the
# body is more precise and is tried first (diagnoses.S3_ERRORS).
URL_FAILURES: dict[tuple[str, str, int], str] = {
    ("s3", "public-url", 403): PUBLIC_READ_BLOCKED,
    ("s3", "public-url", 404): (
        "the public URL answers 404 although the object was written: AWS_S3_CUSTOM_DOMAIN or "
        "AWS_S3_ENDPOINT_URL points at another bucket"
    ),
    ("s3", "signed-url", 403): (
        "the signed URL is refused (403): these credentials may write but not s3:GetObject, or "
        "the clock is off"
    ),
    ("local", "public-url", 404): (
        "/media/ does not serve MEDIA_ROOT: the URLconf was loaded with USE_S3 on, or MEDIA_ROOT "
        "differs between processes"
    ),
    ("local", "signed-url", 403): (
        "the signed link is refused: SECRET_KEY differs between the process that signs and the "
        "one that serves, or the clock jumped"
    ),
    ("local", "signed-url", 404): (
        "the signed link finds no file: PRIVATE_MEDIA_ROOT differs between processes"
    ),
    ("local", "public-url", 400): "the request was refused (400): check ALLOWED_HOSTS",
    ("local", "signed-url", 400): "the request was refused (400): check ALLOWED_HOSTS",
}
PRIVATE_IS_PUBLIC = (
    "private files are readable without a signature at {url}: the bucket policy (or an ACL) must "
    "grant public s3:GetObject on media/* only, never on {prefix}*"
)
LOCAL_PRIVATE_IS_PUBLIC = (
    "private files are served without a signature at {url}: the private-file view must refuse "
    "unsigned links"
)


class StepFailed(Exception):
    """A step's own diagnosis (one line); ``extra`` lines are shown indented below it."""

    def __init__(self, message: str, extra: tuple[str, ...] = ()):
        super().__init__(message)
        self.extra = extra


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class Result:
    role: str
    step: str
    status: str  # "ok", "FAIL" or "skip"
    detail: str = ""
    extra: tuple[str, ...] = ()


@dataclass
class Probe:
    role: str
    storage: Storage
    mode: str
    fetch: Callable[[str], Answer]
    where: Where
    name: str = field(default_factory=lambda: f"{PROBE_FOLDER}/{secrets.token_hex(8)}.txt")
    content: bytes = field(default_factory=lambda: b"ultramine probe " + secrets.token_bytes(16))
    written: bool = False


# --- Steps: each returns a short detail for the "ok" line or raises --------------------------


def _folder(probe: Probe) -> str:
    storage_reachable(probe.storage)  # creates the folder and checks it is writable
    return probe.storage.location


def _write(probe: Probe) -> str:
    # _save, not save(): the probe name is fresh, so save()'s availability check would only add
    # a HEAD request, and HEAD errors carry no code to diagnose (403 instead of InvalidAccessKeyId).
    saved = probe.storage._save(probe.name, ContentFile(probe.content))
    probe.written = True
    if saved != probe.name:
        probe.name = saved
        raise StepFailed(f"the storage renamed the probe to {saved}: check the storage OPTIONS")
    return probe.name


def _read(probe: Probe) -> str:
    with probe.storage.open(probe.name, "rb") as handle:
        data = handle.read(MAX_BODY_BYTES)
    if data != probe.content:
        raise StepFailed("the bytes read back differ from those written: a proxy rewrites objects")
    return f"{len(data)} bytes"


def _public_url(probe: Probe) -> str:
    return _expect_served(probe, "public-url", probe.storage.url(probe.name))


def _signed_url(probe: Probe) -> str:
    return _expect_served(probe, "signed-url", probe.storage.url(probe.name))


def _unsigned_url(probe: Probe) -> str:
    url = strip_query(probe.storage.url(probe.name))
    answer = probe.fetch(url)
    if 200 <= answer.status < 300:
        template = PRIVATE_IS_PUBLIC if probe.mode == "s3" else LOCAL_PRIVATE_IS_PUBLIC
        raise StepFailed(render(template, probe.where, url=url))
    return f"refused ({answer.status})"


def _delete(probe: Probe) -> str:
    probe.storage.delete(probe.name)
    if probe.storage.exists(probe.name):
        raise StepFailed(
            "the probe still exists after delete: allow s3:DeleteObject (or check versioning)"
        )
    probe.written = False
    if isinstance(probe.storage, FileSystemStorage):  # leave no empty probe folder behind
        with suppress(OSError):
            os.rmdir(os.path.dirname(probe.storage.path(probe.name)))
    return "gone"


def _expect_served(probe: Probe, check: str, url: str) -> str:
    shown = strip_query(url)
    answer = probe.fetch(url)
    if answer.status == 200 and answer.body == probe.content:
        return shown
    if answer.status == 200:
        raise StepFailed(f"{shown} serves other bytes than were written: a CDN or proxy in between")
    raise _url_failure(probe, check, shown, answer)


def _url_failure(probe: Probe, check: str, url: str, answer: Answer) -> StepFailed:
    where = Where(**{**vars(probe.where), "url": url})
    template = URL_FAILURES.get((probe.mode, check, answer.status))
    if template == PUBLIC_READ_BLOCKED:
        policy = public_media_policy(probe.where.bucket)
        return StepFailed(render(template, where), extra=(policy,))
    code = s3_error_code(answer.body) if probe.mode == "s3" else ""
    region = s3_error_region(answer.body, answer.headers)
    message = (code and explain_code(code, where, operation="GetObject", bucket_region=region)) or (
        template and render(template, where)
    )
    return StepFailed(message or f"{url} answered HTTP {answer.status} {code}".rstrip())


S3_STEPS = {
    PUBLIC: (
        ("write", _write),
        ("read", _read),
        ("public-url", _public_url),
        ("delete", _delete),
    ),
    PRIVATE: (
        ("write", _write),
        ("read", _read),
        ("signed-url", _signed_url),
        ("unsigned-url", _unsigned_url),
        ("delete", _delete),
    ),
}
LOCAL_STEPS = {role: (("folder", _folder), *steps) for role, steps in S3_STEPS.items()}
STEPS = {"s3": S3_STEPS, "local": LOCAL_STEPS}


# --- Fetching URLs ------------------------------------------------------------------------------


def fetch_http(url: str, *, timeout: float) -> Answer:
    """A plain GET, as a browser would make it: no credentials, a short timeout."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise StepFailed(f"{strip_query(url)} is not an http(s) URL: check AWS_S3_CUSTOM_DOMAIN")
    request = urllib.request.Request(url, method="GET")  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.read(MAX_BODY_BYTES), dict(response.headers))
    except urllib.error.HTTPError as exc:
        with exc:
            return Answer(exc.code, exc.read(MAX_BODY_BYTES), dict(exc.headers))


def fetch_django(url: str, *, host: str) -> Answer:
    """GET through the project's own URLconf and middleware, as the local server would answer."""
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    # secure=True: SECURE_SSL_REDIRECT would otherwise answer 301 instead of serving.
    with _quiet_request_log():
        response = client.get(url, secure=True)
    # Consuming the stream closes the response the way the test client expects; closing it
    # here as well would fire request_finished a second time.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(response.status_code, body[:MAX_BODY_BYTES], dict(response.headers))


@contextmanager
def _quiet_request_log():
    # The refused unsigned link is the expected answer; its "Forbidden" warning would read as a
    # failure in the output. The step's own line reports every status.
    logger = logging.getLogger("django.request")
    was_disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = was_disabled


def allowed_host() -> str:
    """A host name ALLOWED_HOSTS accepts, so the request reaches the views."""
    for host in settings.ALLOWED_HOSTS:
        if host == "*":
            return "localhost"
        if host.startswith("."):
            return "doctor" + host
        if host:
            return host
    return "localhost"


# --- Storages and the run ----------------------------------------------------------------------


def doctor_storage(role: str, *, timeout: float) -> Storage:
    """The configured backend for ``role``, rebuilt with short timeouts and no retries."""
    config = settings.STORAGES[role]
    backend = import_string(config["BACKEND"])
    options = dict(config.get("OPTIONS", {}))
    if issubclass(backend, S3Storage):
        quick = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1})
        options["client_config"] = (options.get("client_config") or Config()).merge(quick)
    return backend(**options)


def mode_of(storage: Storage) -> str:
    if isinstance(storage, S3Storage):
        return "s3"
    if isinstance(storage, FileSystemStorage):
        return "local"
    raise StepFailed(f"{type(storage).__name__} is neither S3 nor local: nothing to check")


def describe(storage: Storage) -> str:
    where = where_of(storage)
    if where.bucket:
        return (
            f"S3 bucket '{where.bucket}' under {where.prefix or '/'} at {where.endpoint} "
            f"(region {where.region})"
        )
    return f"local folder {where.location}"


def probe_for(role: str, *, timeout: float) -> Probe:
    storage = doctor_storage(role, timeout=timeout)
    mode = mode_of(storage)
    fetch = (
        partial(fetch_http, timeout=timeout)
        if mode == "s3"
        else partial(fetch_django, host=allowed_host())
    )
    return Probe(role=role, storage=storage, mode=mode, fetch=fetch, where=where_of(storage))


def run_checks(probe: Probe) -> Iterator[Result]:
    """Every step of the probe's role, in order; after a failed write the rest is skipped."""
    blocked = False
    try:
        for step, check in STEPS[probe.mode][probe.role]:
            if blocked:
                yield Result(probe.role, step, "skip")
                continue
            try:
                yield Result(probe.role, step, "ok", check(probe))
            except StepFailed as exc:
                yield Result(probe.role, step, "FAIL", str(exc), exc.extra)
                blocked = not probe.written
            except Exception as exc:  # noqa: BLE001 - every failure is a diagnosis, not a crash
                yield Result(probe.role, step, "FAIL", explain(exc, probe.where))
                blocked = not probe.written
    finally:
        _remove_leftover(probe)


def _remove_leftover(probe: Probe) -> None:
    # A probe left behind by a failed step would be public litter in the bucket.
    if probe.written:
        # Any failure here was already reported by the delete step (or the step before it).
        with suppress(Exception):
            probe.storage.delete(probe.name)
