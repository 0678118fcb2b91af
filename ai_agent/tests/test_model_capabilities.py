"""Each Gemini image model's table (ratios, image sizes, reference limit) end to end: the request's
400s, what the real google-genai SDK sends to the fake Gemini server, the newer finish reasons, and
the offline placeholder drawing what the configured model would."""

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ai_agent import services
from ai_agent.models import Generation, GenerationReference
from ai_agent.providers import capabilities
from ai_agent.tasks import run_generation
from tests.openapi import assert_on_schema
from testsupport.files import image_bytes
from ultraminebackend.bodylimits import route_limit

pytestmark = pytest.mark.django_db

URL = "/api/ai-agent/generate-image"
PRO, FLASH_31, FLASH_25 = "gemini-3-pro-image", "gemini-3.1-flash-image", "gemini-2.5-flash-image"


def upload(size=(64, 64), fmt="PNG", color="#2e86de"):
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}[fmt]
    return SimpleUploadedFile(f"ref.{fmt.lower()}", image_bytes(fmt, size, color=color), mime)


def post(client, **body):
    body.setdefault("prompt", "a mining rig at sunrise")
    has_files = "reference_image" in body or "reference_images" in body
    return client.post(URL, body, format="multipart" if has_files else "json")


def sent(gemini):
    return gemini.generate_requests[-1].json()


def inline_parts(gemini):
    """The inline images sent, as ``{"mime_type", "data"}`` (the SDK's JSON mixes key styles)."""
    parts = sent(gemini)["contents"][0]["parts"]
    blobs = [p.get("inlineData") or p.get("inline_data") for p in parts]
    return [
        {"mime_type": b.get("mimeType") or b.get("mime_type"), "data": b["data"]}
        for b in blobs
        if b
    ]


def decoded(data: str) -> bytes:
    """The SDK sends bytes URL-safe base64, unpadded."""
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def private_files(settings):
    return [p for p in settings.PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]


# --- the table ----------------------------------------------------------------------------------


def test_the_table_holds_what_googles_docs_say():
    pro, flash = capabilities.capabilities_for(PRO), capabilities.capabilities_for(FLASH_31)

    assert set(pro.ratios) == {
        *("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"),
    }
    assert (pro.image_sizes, pro.max_references) == (("1K", "2K", "4K"), 14)
    assert capabilities.capabilities_for("gemini-3-pro-image-preview") == pro
    assert capabilities.capabilities_for("models/gemini-3-pro-image") == pro
    assert set(flash.ratios) == set(pro.ratios) | {"1:4", "4:1", "1:8", "8:1"}
    assert "512" in flash.image_sizes
    assert capabilities.capabilities_for(FLASH_25).image_sizes == ()
    # every model takes the seed's five ratios, and every ratio and size is one we can draw
    for caps in capabilities.MODELS.values():
        assert set(capabilities.SEED_RATIOS) <= set(caps.ratios) <= set(capabilities.RATIOS)
        assert set(caps.image_sizes) <= set(capabilities.IMAGE_SIZES)


def test_an_unknown_model_gets_the_conservative_default():
    caps = capabilities.capabilities_for("gemini-9-ultra-image")

    assert caps.ratios == capabilities.SEED_RATIOS
    assert (caps.image_sizes, caps.max_references) == ((), 1)


# --- what reaches Gemini (the real SDK against the fake) -----------------------------------------


def test_image_size_reaches_the_request_as_image_config(client_for, user, gemini):
    response = post(client_for(user), aspect_ratio="21:9", image_size="4K")

    data = response.json()
    assert response.status_code == 201, data
    assert sent(gemini)["generationConfig"]["imageConfig"] == {
        "aspectRatio": "21:9",
        "imageSize": "4K",
    }
    assert (data["image_size"], data["aspect_ratio"]) == ("4K", "21:9")
    assert Generation.objects.get().image_size == "4K"
    assert_on_schema(response)


def test_without_image_size_none_is_sent_and_none_is_answered(client_for, user, gemini):
    data = post(client_for(user)).json()

    assert "imageSize" not in sent(gemini)["generationConfig"]["imageConfig"]
    assert data["image_size"] is None


def test_several_references_reach_gemini_as_inline_parts_in_order(
    client_for, user, gemini, settings
):
    # given three references of three formats: the first as reference_image
    first = upload((120, 60), "PNG", color="#ff0000")
    more = [upload((50, 50), "JPEG", color="#00ff00"), upload((40, 80), "WEBP", color="#0000ff")]

    # when
    response = post(client_for(user), reference_image=first, reference_images=more)

    # then all three are sent after the prompt, in order, each as the intake stored it
    data = response.json()
    assert response.status_code == 201, data
    parts = inline_parts(gemini)
    assert [p["mime_type"] for p in parts] == ["image/png", "image/jpeg", "image/webp"]
    sizes = [Image.open(io.BytesIO(decoded(p["data"]))).size for p in parts]
    assert sizes == [(120, 60), (50, 50), (40, 80)]
    # the first one's shape picked the ratio; the record keeps every reference, privately
    assert (data["aspect_ratio"], data["aspect_ratio_source"]) == ("16:9", "reference")
    assert (data["reference_width"], data["reference_height"]) == (120, 60)
    assert len(data["reference_urls"]) == 3
    assert data["reference_urls"][0] == data["reference_url"]
    assert all("signature=" in url for url in data["reference_urls"])
    extra = GenerationReference.objects.order_by("position")
    assert [(r.position, r.width, r.height) for r in extra] == [(1, 50, 50), (2, 40, 80)]
    assert len(private_files(settings)) == 3
    assert_on_schema(response)


def test_reference_images_alone_work_and_the_first_picks_the_ratio(client_for, user, gemini):
    data = post(client_for(user), reference_images=[upload((90, 160)), upload((160, 90))]).json()

    assert len(inline_parts(gemini)) == 2
    assert (data["aspect_ratio"], data["reference_width"]) == ("9:16", 90)


def test_an_async_generation_sends_every_reference_from_the_worker(client_for, user, gemini):
    body = {"reference_images": [upload(), upload(), upload()], "image_size": "2K", "async": True}
    response = post(client_for(user), **body)
    assert response.status_code == 202, response.json()
    assert not gemini.generate_requests

    run_generation.call(response.json()["id"])

    assert len(inline_parts(gemini)) == 3
    assert sent(gemini)["generationConfig"]["imageConfig"]["imageSize"] == "2K"
    assert Generation.objects.get().status == "succeeded"


def test_the_flash_model_takes_its_extreme_ratios_and_512(client_for, user, gemini, settings):
    settings.GEMINI_IMAGE_MODEL = FLASH_31

    response = post(client_for(user), aspect_ratio="8:1", image_size="512")

    assert response.status_code == 201, response.json()
    assert sent(gemini)["generationConfig"]["imageConfig"] == {
        "aspectRatio": "8:1",
        "imageSize": "512",
    }
    assert f"/models/{FLASH_31}:generateContent" in gemini.generate_requests[-1].path


# --- 400s per model: the field, the allowed values, nothing stored, nothing sent ----------------


@pytest.mark.parametrize(
    ("model", "body", "field", "allowed"),
    [
        (PRO, {"aspect_ratio": "1:8"}, "aspect_ratio", "21:9"),
        (PRO, {"image_size": "512"}, "image_size", "Allowed: 1K, 2K, 4K."),
        (FLASH_25, {"image_size": "1K"}, "image_size", "takes none"),
        (FLASH_25, {"aspect_ratio": "4:1"}, "aspect_ratio", "5:4"),
        ("gemini-9-ultra-image", {"aspect_ratio": "21:9"}, "aspect_ratio", "1:1, 16:9, 9:16"),
        ("gemini-9-ultra-image", {"image_size": "2K"}, "image_size", "takes none"),
    ],
)
def test_a_value_the_model_does_not_take_is_a_400_listing_those_it_does(
    client_for, user, gemini, settings, model, body, field, allowed
):
    settings.GEMINI_IMAGE_MODEL = model

    response = post(client_for(user), **body)

    assert response.status_code == 400
    messages = response.json()[field]
    assert model in messages[0] and allowed in messages[0]
    assert not Generation.objects.exists() and not gemini.generate_requests
    assert_on_schema(response)


@pytest.mark.parametrize(
    ("model", "limit"), [(PRO, 14), (FLASH_25, 3), ("gemini-9-ultra-image", 1)]
)
def test_more_references_than_the_model_takes_is_a_400_and_none_is_kept(
    client_for, user, gemini, settings, model, limit
):
    settings.GEMINI_IMAGE_MODEL = model

    # one over the limit, counting reference_image with reference_images
    response = post(
        client_for(user),
        reference_image=upload(),
        reference_images=[upload() for _ in range(limit)],
    )

    assert response.status_code == 400
    (message,) = response.json()["reference_images"]
    assert f"{model} takes at most {limit} reference images" in message
    assert f"got {limit + 1}" in message
    assert not Generation.objects.exists() and not gemini.generate_requests
    assert not private_files(settings)


def test_references_up_to_the_limit_are_taken(client_for, user, gemini, settings):
    settings.GEMINI_IMAGE_MODEL = FLASH_25

    more = [upload(), upload()]
    response = post(client_for(user), reference_image=upload(), reference_images=more)

    assert response.status_code == 201, response.json()
    assert len(inline_parts(gemini)) == 3


def test_a_reference_that_is_not_an_image_is_a_400_naming_it(client_for, user, gemini, settings):
    fake = SimpleUploadedFile("ref.png", b"not an image at all", "image/png")

    response = post(client_for(user), reference_images=[upload(), fake])

    assert response.status_code == 400
    assert "reference_images" in response.json()
    assert not Generation.objects.exists() and not private_files(settings)


def test_a_refused_request_keeps_none_of_its_references(client_for, user, gemini, settings):
    settings.AI_DAILY_LIMIT = 0

    response = post(client_for(user), reference_images=[upload(), upload(), upload()])

    assert response.status_code == 429
    assert not private_files(settings) and not GenerationReference.objects.exists()


def test_the_body_limit_follows_the_models_reference_limit(rf, settings):
    from ai_agent.views import GenerateImageView

    view = GenerateImageView.as_view()
    request = rf.post(URL)
    settings.GEMINI_IMAGE_MODEL = FLASH_25
    three = route_limit(request, view)
    settings.GEMINI_IMAGE_MODEL = PRO

    # reference_image and as many reference_images as the model takes: read, then a 400
    assert three == 4 * settings.IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert route_limit(request, view) == 15 * settings.IMAGE_MAX_BYTES + (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )


# --- the reference's shape: the seed's ratios, or the model's with AI_REFERENCE_RATIOS=model ----


@pytest.mark.parametrize(
    ("mode", "model", "size", "ratio"),
    [
        ("seed", PRO, (2100, 900), "16:9"),
        ("model", PRO, (2100, 900), "21:9"),
        ("model", PRO, (1000, 800), "5:4"),
        ("seed", FLASH_31, (800, 100), "16:9"),
        ("model", FLASH_31, (800, 100), "8:1"),
        ("model", FLASH_31, (100, 400), "1:4"),
    ],
)
def test_the_reference_picks_among_the_ratios_the_setting_allows(
    client_for, user, gemini, settings, mode, model, size, ratio
):
    settings.AI_REFERENCE_RATIOS = mode
    settings.GEMINI_IMAGE_MODEL = model

    data = post(client_for(user), reference_image=upload(size)).json()

    assert (data["aspect_ratio"], data["aspect_ratio_source"]) == (ratio, "reference")
    assert sent(gemini)["generationConfig"]["imageConfig"]["aspectRatio"] == ratio


# --- newer finish reasons: a 422 with a code of their own, not the generic 502 -----------------


@pytest.mark.parametrize(
    ("reason", "code", "status"),
    [
        ("IMAGE_OTHER", "output_image_other", "failed"),
        ("NO_IMAGE", "output_no_image", "failed"),
        ("IMAGE_RECITATION", "output_blocked_image_recitation", "blocked"),
        ("IMAGE_PROHIBITED_CONTENT", "output_blocked_image_prohibited_content", "blocked"),
        ("MODEL_ARMOR", "output_blocked_model_armor", "blocked"),
    ],
)
def test_a_finish_reason_of_the_image_models_is_a_422_with_its_code(
    client_for, user, gemini, reason, code, status
):
    gemini.enqueue(gemini.finished(reason, text="I cannot draw that."))

    response = post(client_for(user))

    data = response.json()
    assert response.status_code == 422
    assert (data["error_code"], data["status"]) == (code, status)
    assert "I cannot draw that." in data["error_message"]
    assert Generation.objects.get().billable  # the model ran: it counts in the daily quota
    assert_on_schema(response)


# --- the placeholder draws what the configured model would --------------------------------------


@pytest.fixture
def placeholder(settings):
    settings.AI_IMAGE_PROVIDER = "placeholder"


@pytest.mark.parametrize(
    ("model", "ratio", "size", "pixels"),
    [
        (PRO, "21:9", "2K", (2048, 878)),
        (PRO, "4:5", None, (819, 1024)),
        (FLASH_31, "1:8", "512", (64, 512)),
        (FLASH_31, "4:1", "1K", (1024, 256)),
    ],
)
def test_the_placeholder_scales_to_the_size_and_ratio(
    client_for, user, settings, placeholder, model, ratio, size, pixels
):
    settings.GEMINI_IMAGE_MODEL = model
    body = {"aspect_ratio": ratio, **({"image_size": size} if size else {})}

    data = post(client_for(user), **body).json()

    assert data["status"] == "succeeded", data
    assert (data["width"], data["height"]) == pixels
    assert (data["aspect_ratio"], data["image_size"]) == (ratio, size)


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (PRO, {"aspect_ratio": "1:8"}, "aspect_ratio"),
        (FLASH_25, {"image_size": "2K"}, "image_size"),
        (FLASH_25, {"references": 4}, "reference_images"),
    ],
)
def test_the_placeholder_refuses_what_the_model_would(
    client_for, user, settings, placeholder, model, body, field
):
    settings.GEMINI_IMAGE_MODEL = model
    if "references" in body:
        body = {"reference_images": [upload() for _ in range(body["references"])]}

    response = post(client_for(user), **body)

    assert response.status_code == 400
    assert model in response.json()[field][0]
    assert not Generation.objects.exists()


def test_the_placeholder_takes_the_models_references(client_for, user, settings, placeholder):
    response = post(client_for(user), reference_image=upload(), reference_images=[upload()])

    data = response.json()
    assert response.status_code == 201, data
    assert (data["model"], len(data["reference_urls"])) == ("placeholder", 2)


def test_the_placeholder_provider_checks_the_table_itself(settings):
    from ai_agent.providers.placeholder import PlaceholderProvider

    settings.GEMINI_IMAGE_MODEL = FLASH_25
    refs = [services.Reference(image_bytes("PNG", (8, 8)), "image/png")] * 4

    with pytest.raises(ValueError, match="at most 3 reference images"):
        PlaceholderProvider().generate(prompt="a cat", aspect_ratio="1:1", references=refs)
    with pytest.raises(ValueError, match="does not take image_size '1K'"):
        PlaceholderProvider().generate(prompt="a cat", aspect_ratio="1:1", image_size="1K")


# --- the history ---------------------------------------------------------------------------------


def test_the_history_answers_every_reference_without_a_query_per_row(
    client_for, user, gemini, django_assert_max_num_queries
):
    client = client_for(user)
    post(client, reference_image=upload(), reference_images=[upload(), upload()])
    post(client)
    with django_assert_max_num_queries(50) as captured:
        client.get("/api/ai-agent/generations/")
    two_rows = len(captured.captured_queries)
    post(client, reference_images=[upload(), upload()])
    post(client, reference_image=upload())

    with django_assert_max_num_queries(two_rows):
        response = client.get("/api/ai-agent/generations/")

    results = response.json()["results"]
    assert [len(g["reference_urls"]) for g in results] == [1, 2, 0, 3]
    detail = client.get(f"/api/ai-agent/generations/{results[-1]['id']}/").json()
    assert len(detail["reference_urls"]) == 3 and detail["image_size"] is None
    assert_on_schema(response)


def test_a_pending_generation_the_new_model_cannot_make_fails_clearly(
    client_for, user, gemini, settings
):
    # given an async request the 3.1 flash model takes, then a switch to the pro model
    settings.GEMINI_IMAGE_MODEL = FLASH_31
    body = {"aspect_ratio": "1:8", "async": True}
    generation_id = post(client_for(user), **body).json()["id"]
    settings.GEMINI_IMAGE_MODEL = PRO

    # when the worker runs it
    run_generation.call(generation_id)

    # then it fails with a reason, uncounted, and nothing was sent
    generation = Generation.objects.get()
    assert (generation.status, generation.error_code) == ("failed", "model_changed")
    assert "1:8" in generation.error_message and not generation.billable
    assert not gemini.generate_requests
