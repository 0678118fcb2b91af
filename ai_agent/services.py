"""Image generation: quota, the record, the provider call, and where the result is stored.

See docs/ai-providers.md.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import Throttled

from ultraminebackend.assets.store import AssetStore, Use
from ultraminebackend.db import release_pooled_connection
from ultraminebackend.files.processing.intake import IntakeImage
from ultraminebackend.files.storage.errors import StorageUnavailable
from ultraminebackend.files.storage.undo import keep_on_commit, undo_on_failure
from ultraminebackend.worker import WorkerStopping, fail_task_rows, lost_before

from .models import Generation, GenerationReference
from .providers import (
    DEFAULT_ASPECT_RATIO,
    ProviderBlocked,
    ProviderError,
    ProviderImage,
    ProviderNotConfigured,
    Reference,
    build_prompt,
    capabilities,
    get_provider,
    nearest_aspect_ratio,
)
from .providers.base import PROVIDERS

logger = logging.getLogger(__name__)
User = get_user_model()

# Results on a CDN: the temporary ai-generated-images/ folder, stored as JPEG (delivered at the
# best quality: ``Generation.delivery``); on our storage, the image field's folder of that name.
RESULTS = Use(folder="ai-generated-images", convert_to="jpg")
# What uses up the daily quota: a generation not finished yet (it will call the provider), and
# every call the provider may have billed whatever its outcome (success, a safety stop, an answer
# without an image, a timeout: ``ProviderError.billable``). Failures the provider never ran (our
# storage down before the call, its own 429 or 5xx, no key) are not the user's doing.
QUOTA_USED = Q(status__in=(Generation.Status.PENDING, Generation.Status.RUNNING)) | Q(billable=True)


class GenerationFailed(Exception):
    """Raised after a failure was recorded; carries the record and the HTTP status to answer."""

    def __init__(self, generation: Generation, *, http_status: int, retry_after: int | None = None):
        super().__init__(generation.error_code)
        self.generation = generation
        self.http_status = http_status
        self.retry_after = retry_after


class QuotaExceeded(Throttled):
    default_detail = "Daily image generation limit reached."
    default_code = "ai_daily_limit"


@dataclass(frozen=True)
class AspectChoice:
    ratio: str
    source: str


def choose_aspect_ratio(*, explicit: str | None, reference: IntakeImage | None) -> AspectChoice:
    """Explicit beats the (first) reference's shape, which beats the default (1:1).

    The reference picks among the seed's five ratios, or every ratio of the configured model
    with AI_REFERENCE_RATIOS=model.
    """
    if explicit:
        return AspectChoice(explicit, Generation.AspectRatioSource.EXPLICIT)
    if reference is not None:
        ratio = nearest_aspect_ratio(
            width=reference.width, height=reference.height, among=capabilities.reference_ratios()
        )
        return AspectChoice(ratio, Generation.AspectRatioSource.REFERENCE)
    return AspectChoice(DEFAULT_ASPECT_RATIO, Generation.AspectRatioSource.DEFAULT)


def _seconds_until_tomorrow(now: datetime) -> int:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((tomorrow - now).total_seconds()))


def _take_quota(user, *, lock: bool = True) -> None:
    """Count today's generations under a lock on the user's row: concurrent requests queue.

    ``lock=False`` is the cheap early check before anything is stored; the locked count inside
    the transaction is the one that holds.
    """
    if user.is_staff:
        return
    if lock:
        User.objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    used = Generation.objects.filter(QUOTA_USED, user=user, created_at__gte=day_start).count()
    if used >= settings.AI_DAILY_LIMIT:
        raise QuotaExceeded(
            wait=_seconds_until_tomorrow(now),
            detail=f"Daily limit of {settings.AI_DAILY_LIMIT} generations reached.",
        )


def _configured_provider_name() -> str:
    name = (settings.AI_IMAGE_PROVIDER or "gemini").strip().lower()
    return name if name in PROVIDERS else ""


def generation_create(
    *,
    user,
    prompt: str,
    style: str = "",
    aspect_ratio: str | None = None,
    image_size: str | None = None,
    reference: IntakeImage | None = None,
    references: Sequence[IntakeImage] = (),
    run_async: bool = False,
) -> Generation:
    """Record the request; run it now (sync) or hand it to the worker (async).

    ``reference`` and ``references`` (intake results) are sent in that order; the first one's
    shape may pick the ratio. The caller has checked them against the model's limits.
    """
    all_refs = [r for r in (reference, *references) if r is not None]
    reference = all_refs[0] if all_refs else None
    choice = choose_aspect_ratio(explicit=aspect_ratio, reference=reference)
    fields = {
        "user": user,
        "prompt": prompt,
        "style": style,
        "enhanced_prompt": build_prompt(
            prompt=prompt, style=style or None, reference=reference is not None
        ),
        "aspect_ratio": choice.ratio,
        "aspect_ratio_source": choice.source,
        "image_size": image_size or "",
        "reference_width": reference.width if reference else None,
        "reference_height": reference.height if reference else None,
        "is_async": run_async,
    }
    try:
        provider = get_provider()
    except ProviderNotConfigured as exc:
        generation = Generation.objects.create(
            **fields,
            # The configured name when it is a provider; "" for a name that is none (the
            # schema's enum holds the providers and "").
            provider=_configured_provider_name(),
            model=settings.GEMINI_IMAGE_MODEL,
            status=Generation.Status.FAILED,
            error_code=exc.code,
            error_message=exc.message,
            finished_at=timezone.now(),
        )
        raise GenerationFailed(generation, http_status=exc.http_status) from exc

    _take_quota(user, lock=False)  # over the limit: refused before anything is stored
    generation = Generation(**fields, provider=provider.name, model=provider.model)
    if not run_async:
        # Claimed as it is made: no worker knows of the record, so the request runs it
        # without generation_run's claim and re-read (two queries and a commit fewer).
        generation.status = Generation.Status.RUNNING
        generation.started_at = timezone.now()
    # The reference is stored before the transaction, so the user-row lock (and on SQLite the
    # database's write lock) is held for two short statements, never for a storage call.
    with undo_on_failure():
        if reference is not None:
            generation.reference.save(reference.name, reference, save=False)
        more = [_stored_reference(position, ref) for position, ref in enumerate(all_refs[1:], 1)]
        with transaction.atomic():
            _take_quota(user)
            generation.save()
            for extra in more:
                extra.generation = generation
            GenerationReference.objects.bulk_create(more)
            if run_async:
                from .tasks import run_generation

                transaction.on_commit(lambda: run_generation.enqueue(generation.pk))
    if run_async:
        return generation
    return _run_claimed(generation)


def generation_run(*, generation_id: int) -> Generation:
    """Generate and store the image of a pending record; a second call for it does nothing."""
    claimed = Generation.objects.filter(pk=generation_id, status=Generation.Status.PENDING).update(
        status=Generation.Status.RUNNING, started_at=timezone.now()
    )
    generation = Generation.objects.get(pk=generation_id)
    if not claimed:  # already running, done or failed elsewhere: never generate (and bill) twice
        return generation
    return _run_claimed(generation)


def _run_claimed(generation: Generation) -> Generation:
    """Generate and store the image of a record this process has claimed (status running)."""
    started = time.monotonic()
    generated = False
    release_pooled_connection()  # not held through the provider's call (up to AI_TIMEOUT_S)
    try:
        image = _generate(generation)
        generated = True
        # Storing and recording succeed together or not at all: if the record is not written,
        # the stored file or CDN asset is removed; once it is committed, the result is kept
        # whatever happens next (a worker told to stop). No transaction around the upload: the
        # record is one short write after it, and the result reaches ``generation`` only then.
        with undo_on_failure():
            result = _store_result(image)
            with transaction.atomic():
                keep_on_commit()
                _finish(
                    generation,
                    started,
                    status=Generation.Status.SUCCEEDED,
                    billable=True,
                    **result,
                )
    except WorkerStopping:
        _hand_back(generation)
        raise
    except ProviderError as exc:
        status = (
            Generation.Status.BLOCKED
            if isinstance(exc, ProviderBlocked)
            else Generation.Status.FAILED
        )
        _fail(
            generation,
            started,
            status=status,
            code=exc.code,
            message=exc.message,
            billable=exc.billable,
        )
        raise GenerationFailed(
            generation, http_status=exc.http_status, retry_after=exc.retry_after
        ) from exc
    except StorageUnavailable as exc:
        _fail(
            generation,
            started,
            code="storage_unavailable",
            message=str(exc.detail),
            billable=generated,
        )
        raise GenerationFailed(generation, http_status=exc.status_code) from exc
    except Exception as exc:
        _fail(
            generation,
            started,
            code="internal_error",
            message=f"Unexpected {type(exc).__name__}; the team has been notified.",
            billable=generated,
        )
        raise
    generation.generated_image = image  # for return_base64, without a second request
    logger.info("generation %s succeeded", generation.pk, extra={"storage": generation.storage})
    return generation


def _hand_back(generation: Generation) -> None:
    """Its worker is stopping: the record goes back to pending for the task's next run.

    A result stored before the stop was removed on the way out (``undo_on_failure``).
    """
    Generation.objects.filter(pk=generation.pk, status=Generation.Status.RUNNING).update(
        status=Generation.Status.PENDING, started_at=None
    )
    logger.info("generation %s handed back: its worker is stopping", generation.pk)


WORKER_LOST = "worker_lost"


def generation_recover_lost(now: datetime) -> dict[str, int]:
    """Fail generations whose worker died, and their task rows; they do not count in the quota.

    Lost: running since before the bound (``WORKER_LOST_AFTER_S``: the provider's deadline plus
    a margin), whichever process ran it (a killed ``db_worker`` or gunicorn worker); or an async
    one still pending past the bound with no task left to run it (handed back too often). Not
    re-run: the provider may have run, and billed, the lost call. A pending one whose task row is
    itself lost is left to the task recovery, which puts the task back in the queue once.
    """
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .tasks import run_generation

    cutoff = lost_before(now)
    generation_tasks = DBTaskResult.objects.filter(task_path=run_generation.module_path)
    live = {
        args[0]
        for args in generation_tasks.filter(
            status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
        ).values_list("args_kwargs__args", flat=True)
        if args
    }
    orphans = [
        pk
        for pk in Generation.objects.filter(
            status=Generation.Status.PENDING, is_async=True, created_at__lt=cutoff
        ).values_list("pk", flat=True)
        if pk not in live
    ]
    lost = Q(status=Generation.Status.RUNNING, started_at__lt=cutoff) | Q(
        status=Generation.Status.PENDING, pk__in=orphans
    )
    lost_ids = list(Generation.objects.filter(lost).values_list("pk", flat=True))
    failed = Generation.objects.filter(lost, pk__in=lost_ids).update(
        status=Generation.Status.FAILED,
        error_code=WORKER_LOST,
        error_message=(
            "The worker running this generation stopped (restarted or out of memory) before it "
            "finished. It does not count against your daily limit; please try again."
        ),
        billable=False,
        finished_at=now,
    )
    tasks = [
        row.pk
        for row in generation_tasks.filter(status=TaskResultStatus.RUNNING)
        if row.args_kwargs.get("args", [None])[:1] and row.args_kwargs["args"][0] in lost_ids
    ]
    tasks_failed = fail_task_rows(
        DBTaskResult.objects.filter(pk__in=tasks),
        reason="Its generation was lost with its worker (worker_lost).",
    )
    if failed:
        logger.warning("generations lost with their worker, failed: %s", lost_ids)
    return {"generations_failed": failed, "generation_tasks_failed": tasks_failed}


def _stored_reference(position: int, upload: IntakeImage) -> GenerationReference:
    """A further reference, its file stored now (before the rows' transaction)."""
    extra = GenerationReference(position=position, width=upload.width, height=upload.height)
    extra.file.save(upload.name, upload, save=False)
    return extra


def _generate(generation: Generation) -> ProviderImage:
    provider = get_provider()
    references = _read_references(generation)
    _check_still_supported(generation, references=len(references))
    return provider.generate(
        prompt=generation.enhanced_prompt,
        aspect_ratio=generation.aspect_ratio,
        image_size=generation.image_size or None,
        references=references,
    )


def _check_still_supported(generation: Generation, *, references: int) -> None:
    """A pending record asked for what the model took then; GEMINI_IMAGE_MODEL may have changed."""
    model = capabilities.configured_model()
    try:
        capabilities.check_supported(
            model, aspect_ratio=generation.aspect_ratio, image_size=generation.image_size or None
        )
        limit = capabilities.capabilities_for(model).max_references
        if references > limit:
            raise ValueError(f"{model} takes at most {limit} reference images, not {references}.")
    except ValueError as exc:
        raise ProviderError("model_changed", f"Asked of another model: {exc}", 422) from exc


def _fail(
    generation: Generation,
    started: float,
    *,
    code: str,
    message: str,
    billable: bool,
    status=None,
) -> None:
    """Record the failure (a result stored on the way was already removed: ``undo_on_failure``)."""
    _finish(
        generation,
        started,
        status=status or Generation.Status.FAILED,
        error_code=code,
        error_message=message[:2000],
        billable=billable,
    )
    logger.info("generation %s %s: %s", generation.pk, generation.status, code)


def _read_references(generation: Generation) -> list[Reference]:
    files = [generation.reference] if generation.reference else []
    files += [extra.file for extra in generation.more_references.all()]
    return [_read_reference(file) for file in files]


def _read_reference(file) -> Reference:
    with file.open("rb") as handle:
        data = handle.read()
    extension = file.name.rsplit(".", 1)[-1].lower()
    return Reference(data, _MIME_BY_EXTENSION.get(extension, "image/jpeg"))


_MIME_BY_EXTENSION = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}


def _store_result(image: ProviderImage) -> dict[str, object]:
    """Store the image (a CDN when one is configured and working, else our public storage).

    Answers the record's result fields; the record itself is left as it is until they are
    written, so a failure after the upload leaves no result on it.
    """
    stored = Generation()
    AssetStore().store_image(stored, ContentFile(image.data, name="generated"), use=RESULTS)
    return stored.asset_columns()


def _finish(generation: Generation, started: float, *, status: str, **fields) -> None:
    """Write the outcome in one UPDATE, then onto ``generation`` (unchanged if the write fails)."""
    fields.update(
        status=status,
        duration_ms=int((time.monotonic() - started) * 1000),
        finished_at=timezone.now(),
    )
    Generation.objects.filter(pk=generation.pk).update(**fields)
    for name, value in fields.items():
        setattr(generation, name, value)
