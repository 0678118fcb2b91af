"""POST /api/ai-agent/generate-image end to end: the real Gemini SDK against a fake Gemini server,
the real Cloudinary SDK against a fake Cloudinary, our storage, the quota and the async worker."""

import base64
import io
import time

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from PIL import Image

from ai_agent import services
from ai_agent.models import Generation
from ai_agent.tasks import run_generation
from tests.openapi import assert_on_schema
from testsupport.files import image_bytes
from ultraminebackend.worker import WorkerStopping

from .conftest import result_write_refused

pytestmark = pytest.mark.django_db

URL = "/api/ai-agent/generate-image"


def reference(size, fmt="JPEG"):
    return SimpleUploadedFile("ref.jpg", image_bytes(fmt, size), content_type="image/jpeg")


def generate(client, **body):
    body.setdefault("prompt", "a mining rig at sunrise")
    fmt = "multipart" if "reference_image" in body else "json"
    return client.post(URL, body, format=fmt)


def sent_config(gemini):
    return gemini.generate_requests[-1].json()["generationConfig"]


def stored_image(name):
    with default_storage.open(name) as handle:
        return Image.open(io.BytesIO(handle.read()))


@pytest.mark.parametrize(
    ("size", "ratio"),
    [
        ((1920, 1080), "16:9"),
        ((1080, 1920), "9:16"),
        ((1000, 1000), "1:1"),
        ((1600, 1200), "4:3"),
        ((1200, 1600), "3:4"),
        ((2000, 900), "16:9"),
    ],
)
def test_reference_picks_the_nearest_ratio_and_the_request_carries_it(
    client_for, user, gemini, size, ratio
):
    # when
    response = generate(client_for(user), reference_image=reference(size), style="photo")

    # then
    data = response.json()
    assert response.status_code == 201, data
    assert (data["aspect_ratio"], data["aspect_ratio_source"]) == (ratio, "reference")
    assert (data["reference_width"], data["reference_height"]) == size
    assert sent_config(gemini)["imageConfig"]["aspectRatio"] == ratio
    parts = gemini.generate_requests[-1].json()["contents"][0]["parts"]
    inline = [p for p in parts if "inlineData" in p or "inline_data" in p]
    assert len(inline) == 1
    assert data["provider"] == "gemini" and data["model"] == "gemini-3-pro-image"
    assert "/v1beta/models/gemini-3-pro-image:generateContent" in gemini.generate_requests[-1].path


def test_explicit_ratio_overrides_the_reference(client_for, user, gemini):
    data = generate(
        client_for(user), reference_image=reference((1920, 1080)), aspect_ratio="3:4"
    ).json()

    assert (data["aspect_ratio"], data["aspect_ratio_source"]) == ("3:4", "explicit")
    assert sent_config(gemini)["imageConfig"]["aspectRatio"] == "3:4"


def test_without_reference_the_default_is_square_and_the_prompt_is_style_guided(
    client_for, user, gemini
):
    data = generate(client_for(user), style="cinematic").json()

    sent_text = gemini.generate_requests[-1].json()["contents"][0]["parts"][0]["text"]
    assert (data["aspect_ratio"], data["aspect_ratio_source"]) == ("1:1", "default")
    assert data["enhanced_prompt"] == sent_text
    assert sent_text.startswith("a mining rig at sunrise")
    assert "cinematic" in sent_text.lower()


def test_thought_images_are_skipped_and_the_final_one_is_stored(client_for, user, gemini):
    draft = image_bytes("PNG", (32, 32), color="#ff0000")
    final = image_bytes("PNG", (32, 32), color="#00ff00")
    gemini.enqueue(gemini.image(final, thoughts=(draft,)))

    data = generate(client_for(user)).json()

    assert data["status"] == "succeeded" and data["storage"] == "media"
    assert stored_image(data["image"]).convert("RGB").getpixel((5, 5)) == (0, 255, 0)
    assert data["image_url"].startswith("http://testserver/media/ai-generated-images/")
    assert data["image_thumbnail_url"].endswith(".thumb.webp")


@pytest.mark.parametrize(
    ("script", "code_prefix"),
    [
        (lambda g: g.blocked_prompt("SAFETY"), "prompt_blocked"),
        (lambda g: g.finished("IMAGE_SAFETY"), "output_blocked"),
    ],
)
def test_blocked_prompt_and_image_safety_are_422_recorded_as_blocked(
    client_for, user, gemini, script, code_prefix
):
    gemini.enqueue(script(gemini))

    response = generate(client_for(user))

    assert response.status_code == 422
    assert response.json()["status"] == "blocked"
    assert response.json()["error_code"].startswith(code_prefix)
    assert Generation.objects.get().status == "blocked"


def test_provider_quota_is_429_with_retry_after(client_for, user, gemini):
    gemini.enqueue(
        *[gemini.error(429, "Resource exhausted", status="RESOURCE_EXHAUSTED", retry_after="30")]
        * 3
    )

    response = generate(client_for(user))

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert Generation.objects.get().error_code == "provider_quota"


def test_a_retry_after_of_non_ascii_digits_is_ignored_not_a_500(client_for, user, gemini):
    # given: "²" is a digit to str.isdigit() but no number to float()
    gemini.enqueue(
        *[gemini.error(429, "Resource exhausted", status="RESOURCE_EXHAUSTED", retry_after="²")] * 3
    )

    response = generate(client_for(user))

    assert response.status_code == 429
    assert response["Retry-After"] == "60"  # no usable hint: a minute, never no header
    assert Generation.objects.get().error_code == "provider_quota"
    assert_on_schema(response)  # the failed Generation, with the Retry-After the schema requires


def test_provider_503_is_retried_then_502(client_for, user, gemini, settings):
    settings.AI_TIMEOUT_S = 30
    gemini.enqueue(*[gemini.error(503, "Overloaded", status="UNAVAILABLE")] * 3)

    response = generate(client_for(user))

    assert response.status_code == 502
    assert len(gemini.generate_requests) == 3
    assert Generation.objects.get().status == "failed"


def test_answer_without_image_is_502(client_for, user, gemini):
    gemini.enqueue(gemini.finished("STOP", text="I can only describe it."))

    response = generate(client_for(user))

    assert response.status_code == 502
    assert response.json()["error_code"].startswith("no_image")


def test_slow_provider_is_504_within_the_timeout(client_for, user, gemini, settings):
    settings.AI_TIMEOUT_S = 2
    gemini.enqueue(gemini.hang(30))

    started = time.monotonic()
    response = generate(client_for(user))
    elapsed = time.monotonic() - started

    assert response.status_code == 504
    assert gemini.generate_requests[0].headers["x-server-timeout"] == "2"  # the whole budget
    assert elapsed < 15  # the timeout fired, long before the 30 s hang
    generation = Generation.objects.get()
    assert (generation.status, generation.error_code) == ("failed", "provider_timeout")


def test_gemini_chosen_without_key_is_503_and_recorded(client_for, user, settings):
    settings.AI_IMAGE_PROVIDER = "gemini"

    response = generate(client_for(user))

    assert response.status_code == 503
    assert Generation.objects.get().error_code == "provider_not_configured"


def test_placeholder_provider_works_with_no_keys(client_for, user):
    data = generate(client_for(user), aspect_ratio="16:9").json()

    assert data["status"] == "succeeded"
    assert (data["error_code"], data["error_message"]) == (None, None)
    assert (data["provider"], data["storage"]) == ("placeholder", "media")
    assert data["width"] / data["height"] == pytest.approx(16 / 9, rel=0.01)
    assert stored_image(data["image"]).size == (data["width"], data["height"])


def test_cloudinary_stores_jpeg_in_its_folder_with_delivery_quality(
    client_for, user, gemini, cloudinary_server
):
    data = generate(client_for(user)).json()

    assert data["storage"] == "cloudinary"
    assert data["cloudinary_public_id"].startswith("ai-generated-images/")
    assert data["format"] == "jpg" and data["image"] is None
    assert "/image/upload/q_auto:best/" in data["image_url"]
    assert "f_webp" in data["image_thumbnail_url"]
    upload = cloudinary_server.api_requests[-1]
    assert b"ai-generated-images" in upload.body
    asset = cloudinary_server.assets[data["cloudinary_public_id"]]
    assert asset.public_id == data["cloudinary_public_id"]


def test_cloudinary_down_falls_back_to_our_storage(client_for, user, gemini, cloudinary_server):
    cloudinary_server.fail_next(500, "Internal error")

    response = generate(client_for(user))

    assert response.status_code == 201
    data = response.json()
    assert data["storage"] == "media"
    assert default_storage.exists(data["image"])


@pytest.mark.django_db(transaction=True)  # the record is written in autocommit, as in production
@pytest.mark.parametrize("cdn", [True, False], ids=["cloudinary", "media"])
def test_a_result_whose_record_cannot_be_written_is_removed_and_the_record_says_failed(
    client_for, user, gemini, settings, request, cdn
):
    # given the database refuses the write that records the stored result
    cloudinary_server = request.getfixturevalue("cloudinary_server") if cdn else None

    # when
    with result_write_refused():
        response = generate(client_for(user))

    # then the client hears "try again"; no asset, no file, and a failed record without a result
    assert response.status_code == 503
    if cdn:
        assert [kind for kind, _ in cloudinary_server.destroyed] == ["image"]
        assert cloudinary_server.assets == {}
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    generation = Generation.objects.get()
    assert (generation.status, generation.error_code) == ("failed", "internal_error")
    assert (generation.storage, generation.image.name, generation.public_id) == (
        "",
        "",
        "",
    )


@pytest.mark.django_db(transaction=True)  # the record is written in autocommit, as in production
@pytest.mark.parametrize("cdn", [True, False], ids=["cloudinary", "media"])
def test_a_worker_stop_right_after_the_result_is_committed_keeps_the_result(
    client_for, user, gemini, request, cdn
):
    # given an async generation, and a worker told to stop just after its result's record commits
    cloudinary_server = request.getfixturevalue("cloudinary_server") if cdn else None
    generation_id = generate(client_for(user), **{"async": True}).json()["id"]

    def stop():
        raise WorkerStopping

    def stop_after_the_commit(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('UPDATE "ai_agent_generation"') and "succeeded" in (params or ()):
            transaction.on_commit(stop)
        return result

    # when the worker runs it
    with connection.execute_wrapper(stop_after_the_commit), pytest.raises(WorkerStopping):
        services.generation_run(generation_id=generation_id)

    # then the record says succeeded and its result is still where it says
    generation = Generation.objects.get(pk=generation_id)
    assert generation.status == "succeeded"
    if cdn:
        assert generation.storage == "cloudinary"
        assert generation.public_id in cloudinary_server.assets
        assert cloudinary_server.destroyed == []
    else:
        assert generation.storage == "media"
        assert default_storage.exists(generation.image.name)
    polled = client_for(user).get(f"/api/ai-agent/generations/{generation_id}/").json()
    assert polled["status"] == "succeeded" and polled["image_url"]


@pytest.mark.parametrize("cdn", [True, False], ids=["cloudinary", "media"])
def test_a_deleted_generation_lets_go_of_its_result_where_it_lives(
    client_for, user, gemini, request, cdn, django_capture_on_commit_callbacks
):
    # given a stored result on Cloudinary or on our storage
    cloudinary_server = request.getfixturevalue("cloudinary_server") if cdn else None
    generation = Generation.objects.get(pk=generate(client_for(user)).json()["id"])

    # when its owner is deleted (the generation goes with the user), and the deletion commits
    with django_capture_on_commit_callbacks(execute=True):
        user.delete()

    # then the asset is removed from where it lived, and only there
    if cdn:
        assert cloudinary_server.destroyed == [("image", generation.public_id)]
        assert generation.public_id not in cloudinary_server.assets
    else:
        assert generation.image.name and not default_storage.exists(generation.image.name)


def test_return_base64_carries_the_image(client_for, user, gemini):
    data = generate(client_for(user), return_base64=True).json()

    decoded = Image.open(io.BytesIO(base64.b64decode(data["image_base64"])))
    assert decoded.format == "PNG"
    assert data["image_mime_type"] == "image/png"


# --- quota ---------------------------------------------------------------------------------------


def test_daily_quota_is_429_with_retry_after_and_staff_are_exempt(
    client_for, user, staff_user, settings
):
    settings.AI_DAILY_LIMIT = 2
    client = client_for(user)

    statuses = [generate(client).status_code for _ in range(3)]
    refused = generate(client)

    assert statuses == [201, 201, 429]
    assert 0 < int(refused["Retry-After"]) <= 86400
    assert Generation.objects.filter(user=user).count() == 2
    assert [generate(client_for(staff_user)).status_code for _ in range(3)] == [201] * 3


def test_answers_without_an_image_count_against_the_quota(client_for, user, gemini, settings):
    # given a provider that answers every call, but never with an image (Gemini bills those)
    settings.AI_DAILY_LIMIT = 3
    gemini.enqueue(*[gemini.finished("STOP", text="I can only describe it.")] * 13)
    client = client_for(user)

    # when the user keeps asking
    statuses = [generate(client).status_code for _ in range(13)]

    # then the provider was called three times, not thirteen
    assert statuses == [502] * 3 + [429] * 10
    assert len(gemini.generate_requests) == 3
    assert list(Generation.objects.values_list("billable", flat=True)) == [True] * 3


@pytest.mark.parametrize(
    ("answer", "attempts", "status", "billable"),
    [
        ({"blocked_prompt": {}}, 1, 422, True),
        # a 5xx never ran the model (Google bills no errors); retried, then given up
        ({"error": {"code": 503, "message": "Busy", "status": "UNAVAILABLE"}}, 3, 502, False),
        # the provider's own quota, asking for a wait beyond our deadline: not retried
        ({"error": {"code": 429, "message": "Exhausted", "retry_after": "3600"}}, 1, 429, False),
    ],
)
def test_only_calls_the_provider_may_bill_use_the_quota(
    client_for, user, gemini, settings, answer, attempts, status, billable
):
    settings.AI_DAILY_LIMIT = 1
    settings.AI_TIMEOUT_S = 30
    [(name, kwargs)] = answer.items()
    gemini.enqueue(*[getattr(gemini, name)(**kwargs)] * attempts)

    first = generate(client_for(user))
    second = generate(client_for(user))

    assert first.status_code == status
    assert Generation.objects.order_by("id").first().billable is billable
    assert second.status_code == (429 if billable else 201)


def test_a_timeout_counts_because_the_provider_may_still_run_it(client_for, user, gemini, settings):
    settings.AI_DAILY_LIMIT = 1
    settings.AI_TIMEOUT_S = 1
    gemini.enqueue(gemini.hang(5))

    assert generate(client_for(user)).status_code == 504
    assert generate(client_for(user)).status_code == 429


# --- async ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the worker commits and closes connections as in prod
def test_async_answers_202_and_the_worker_runs_it_once(client_for, user, gemini):
    # given an async request (enqueued when its transaction commits)
    response = generate(client_for(user), **{"async": True})
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    generation_id = response.json()["id"]

    # when the worker processes the queue, and the same task runs again
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run_generation.call(generation_id)

    # then it was generated exactly once, and polling shows the result
    polled = client_for(user).get(f"/api/ai-agent/generations/{generation_id}/").json()
    assert polled["status"] == "succeeded"
    assert polled["image_url"]
    assert len(gemini.generate_requests) == 1


def test_a_sync_generation_is_claimed_as_it_is_made_and_records_its_times(client_for, user, gemini):
    response = generate(client_for(user))
    assert response.status_code == 201
    generation = Generation.objects.get(pk=response.json()["id"])

    # a task told to run the same record (a stray enqueue) finds it taken and generates nothing
    again = services.generation_run(generation_id=generation.pk)

    assert again.status == "succeeded"
    assert len(gemini.generate_requests) == 1
    assert generation.started_at is not None
    assert generation.started_at <= generation.finished_at
    assert generation.duration_ms is not None


# --- input and permissions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 5000}, "prompt"),
        ({"aspect_ratio": "2:1"}, "aspect_ratio"),
        ({"style": "baroque"}, "style"),
        (
            {"reference_image": SimpleUploadedFile("x.png", b"<svg><script/></svg>", "image/png")},
            "reference_image",
        ),
    ],
)
def test_invalid_input_is_400_and_leaves_nothing(client_for, user, settings, body, field):
    response = generate(client_for(user), **body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Generation.objects.exists()
    assert not [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]


@pytest.mark.parametrize("race", [False, True], ids=["over-quota", "quota-taken-meanwhile"])
def test_a_refused_reference_is_not_kept(client_for, user, settings, monkeypatch, race):
    # given a user at the limit, or one whose last generation is taken while the reference uploads
    settings.AI_DAILY_LIMIT = 1
    client = client_for(user)
    assert generate(client).status_code == 201
    if race:
        settings.AI_DAILY_LIMIT = 2
        store = services.Generation.reference.field.attr_class.save

        def store_then_lose_the_race(file, *args, **kwargs):
            store(file, *args, **kwargs)
            Generation.objects.create(user=user, prompt="p", enhanced_prompt="p", status="running")

        monkeypatch.setattr(
            services.Generation.reference.field.attr_class, "save", store_then_lose_the_race
        )

    # when a request with a reference is refused
    response = generate(client, reference_image=reference((64, 64)))

    # then no reference file is left behind
    assert response.status_code == 429
    assert not [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]


def test_anonymous_cannot_generate(api_client):
    assert generate(api_client).status_code == 401


def test_history_is_own_newest_first_and_filterable(client_for, user, other_user, gemini):
    gemini.enqueue(gemini.finished("IMAGE_SAFETY"))
    generate(client_for(user))
    ok = generate(client_for(user)).json()
    theirs = generate(client_for(other_user)).json()

    mine = client_for(user).get("/api/ai-agent/generations/").json()
    succeeded = client_for(user).get("/api/ai-agent/generations/?status=succeeded").json()

    assert mine["count"] == 2 and mine["results"][0]["id"] == ok["id"]
    assert [g["id"] for g in succeeded["results"]] == [ok["id"]]
    assert client_for(user).get(f"/api/ai-agent/generations/{theirs['id']}/").status_code == 404
