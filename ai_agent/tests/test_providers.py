"""Providers: aspect ratios, the prompt template, the chooser, and the real google-genai SDK talking
to a fake Gemini server on 127.0.0.1 (success, thoughts, blocks, quota, errors, timeouts)."""

import base64
import io
import socket
import time

import pytest
from google.genai import types
from PIL import Image

from ai_agent.providers import (
    ASPECT_RATIOS,
    STYLES,
    NoImage,
    ProviderBadResponse,
    ProviderBlocked,
    ProviderDeclined,
    ProviderError,
    ProviderNotConfigured,
    ProviderQuota,
    ProviderTimeout,
    build_prompt,
    get_provider,
    nearest_aspect_ratio,
)
from ai_agent.providers.gemini import GeminiProvider
from ai_agent.providers.placeholder import MARKING, PlaceholderProvider
from ai_agent.providers.prompting import GUIDELINES, REFERENCE_GUIDELINE
from testsupport.clock import FakeClock
from testsupport.fakeserver import FakeResponse
from testsupport.files import image_bytes

# A fake's hang, far longer than any timeout a test sets: finishing well before it is the proof.
HANG_S = 30


def png(size, color="#27ae60"):
    return image_bytes("PNG", size, color=color)


def generate(**kwargs):
    kwargs.setdefault("prompt", "a mining rig at sunrise")
    kwargs.setdefault("aspect_ratio", "16:9")
    return get_provider().generate(**kwargs)


# --- Aspect ratios ------------------------------------------------------------------------------


def test_aspect_ratio_table_is_the_contracts():
    assert set(ASPECT_RATIOS) == {"1:1", "16:9", "9:16", "4:3", "3:4"}


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (1920, 1080, "16:9"),
        (1080, 1920, "9:16"),
        (1000, 1000, "1:1"),
        (1200, 900, "4:3"),
        (900, 1200, "3:4"),
        (1376, 768, "16:9"),  # what Gemini returns for 16:9
        (1100, 1000, "1:1"),
        (1500, 1000, "4:3"),  # 3:2 is nearer 4:3 than 16:9 on a log scale
        (1000, 1500, "3:4"),
        (1700, 1000, "16:9"),
        (10_000, 10, "16:9"),  # extremes clamp to the widest / tallest ratio
        (10, 10_000, "9:16"),
        (1, 1, "1:1"),
    ],
)
def test_nearest_aspect_ratio(width, height, expected):
    assert nearest_aspect_ratio(width=width, height=height) == expected


@pytest.mark.parametrize(("width", "height"), [(0, 100), (100, 0), (-5, 10)])
def test_nearest_aspect_ratio_rejects_empty_sizes(width, height):
    with pytest.raises(ValueError, match="positive"):
        nearest_aspect_ratio(width=width, height=height)


# --- Prompt template ----------------------------------------------------------------------------


def test_build_prompt_puts_the_users_words_first_then_style_and_guidelines():
    text = build_prompt(prompt="  a mining rig\n at   sunrise ", style="photo")

    assert text.startswith("a mining rig at sunrise\n")
    assert f"Style: {STYLES['photo']}" in text
    for line in GUIDELINES:
        assert f"- {line}" in text
    assert REFERENCE_GUIDELINE not in text


def test_build_prompt_adds_the_reference_guideline_only_with_a_reference():
    assert REFERENCE_GUIDELINE in build_prompt(prompt="make it blue", style=None, reference=True)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_every_style_reaches_the_prompt(style):
    assert STYLES[style] in build_prompt(prompt="a cat", style=style)


@pytest.mark.parametrize("style", [None, ""])
def test_no_style_leaves_the_choice_to_the_model(style):
    assert "Style: whatever best suits the request" in build_prompt(prompt="a cat", style=style)


@pytest.mark.parametrize(
    ("prompt", "style", "message"),
    [("   ", None, "empty"), ("a cat", "watercolour", "Unknown style"), ("x" * 4001, None, "4000")],
)
def test_build_prompt_rejects_bad_input(prompt, style, message):
    with pytest.raises(ValueError, match=message):
        build_prompt(prompt=prompt, style=style)


# --- Choosing the provider ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "key", "expected"),
    [
        ("", "", "placeholder"),
        ("", "some-key", "gemini"),
        ("placeholder", "some-key", "placeholder"),
        ("gemini", "some-key", "gemini"),
        (" Gemini ", "some-key", "gemini"),
    ],
)
def test_get_provider_follows_settings(settings, choice, key, expected):
    settings.AI_IMAGE_PROVIDER = choice
    settings.GEMINI_API_KEY = key

    assert get_provider().name == expected


def test_gemini_without_a_key_is_not_configured(settings):
    settings.AI_IMAGE_PROVIDER = "gemini"

    with pytest.raises(ProviderNotConfigured) as caught:
        get_provider()

    assert caught.value.code == "provider_not_configured"
    assert caught.value.http_status == 503


def test_an_unknown_provider_is_not_configured(settings):
    settings.AI_IMAGE_PROVIDER = "dall-e"

    with pytest.raises(ProviderNotConfigured) as caught:
        get_provider()

    assert caught.value.code == "provider_unknown"


def test_gemini_settings_are_read_when_the_provider_is_made(settings):
    settings.GEMINI_API_KEY = "secret-key-123"
    settings.GEMINI_IMAGE_MODEL = "gemini-3-pro-image-002"
    settings.AI_TIMEOUT_S = 7

    provider = get_provider()

    assert isinstance(provider, GeminiProvider)
    assert (provider.model, provider.timeout_s) == ("gemini-3-pro-image-002", 7.0)
    assert provider.base_url == "https://generativelanguage.googleapis.com/"
    assert "secret-key-123" not in repr(provider)


# --- Gemini: success ----------------------------------------------------------------------------


def test_gemini_sends_model_version_ratio_reference_and_key(gemini):
    # given
    final = png((1376, 768))
    gemini.enqueue(gemini.image(final))
    reference = image_bytes("JPEG", (64, 36))

    # when
    image = generate(
        prompt="a mining rig at sunrise",
        aspect_ratio="16:9",
        reference=reference,
        reference_mime="image/jpeg",
    )

    # then: what Gemini received
    (request,) = gemini.generate_requests
    assert request.path == "/v1beta/models/gemini-3-pro-image:generateContent"
    assert request.headers["x-goog-api-key"] == gemini.api_key
    # AI_TIMEOUT_S=10 reached the SDK as 10 000 ms: the SDK announces the deadline in seconds.
    assert int(request.headers["x-server-timeout"]) in {9, 10}
    body = request.json()
    config = body["generationConfig"]
    assert config["imageConfig"] == {"aspectRatio": "16:9"}
    assert "IMAGE" in config["responseModalities"]
    (content,) = body["contents"]
    text_part, image_part = content["parts"]
    assert text_part == {"text": "a mining rig at sunrise"}
    inline = image_part["inlineData"]
    assert base64.urlsafe_b64decode(inline["data"]) == reference  # the SDK sends URL-safe base64
    assert (inline.get("mimeType") or inline.get("mime_type")) == "image/jpeg"
    # and what we return
    assert image.data == final
    assert (image.mime_type, image.width, image.height) == ("image/png", 1376, 768)
    assert image.model == "gemini-3-pro-image"


def test_gemini_without_reference_sends_only_the_text(gemini):
    generate(prompt="a cat", aspect_ratio="1:1")

    (content,) = gemini.generate_requests[0].json()["contents"]
    assert content["parts"] == [{"text": "a cat"}]


def test_gemini_model_comes_from_settings(settings, gemini):
    settings.GEMINI_IMAGE_MODEL = "gemini-3-pro-image-preview"

    image = generate()

    assert gemini.generate_requests[0].path == (
        "/v1beta/models/gemini-3-pro-image-preview:generateContent"
    )
    assert image.model == "gemini-3-pro-image-preview"


def test_gemini_reuses_one_sdk_client(gemini):
    """A new SDK client costs ~50 ms (SSL contexts); bench/ai_overhead.py found one per call."""
    from ai_agent.providers.gemini import _client

    _client.cache_clear()

    generate()
    generate()

    assert len(gemini.generate_requests) == 2
    assert (_client.cache_info().misses, _client.cache_info().hits) == (1, 1)


def test_gemini_returns_the_last_image_that_is_not_a_thought(gemini):
    drafts = (png((20, 20), "#000000"), png((30, 30), "#111111"))
    first, last = png((40, 30), "#aa0000"), png((48, 36), "#00aa00")
    gemini.enqueue(gemini.image(first, last, thoughts=drafts, text="Here it is."))

    image = generate()

    assert image.data == last
    assert (image.width, image.height) == (48, 36)


def test_gemini_reads_the_type_from_the_bytes(gemini):
    jpeg = image_bytes("JPEG", (32, 18))
    gemini.enqueue(gemini.image(jpeg, mime_type="image/png"))  # declared wrongly on purpose

    assert generate().mime_type == "image/jpeg"


# --- Gemini: refusals and empty answers (HTTP 200) ------------------------------------------------


def test_only_thought_images_is_no_image(gemini):
    gemini.enqueue(gemini.image(thoughts=(png((20, 20)),)))

    with pytest.raises(NoImage) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == ("no_image", 502)


@pytest.mark.parametrize("reason", ["SAFETY", "PROHIBITED_CONTENT", "IMAGE_SAFETY", "OTHER"])
def test_a_blocked_prompt_is_blocked_with_its_reason(gemini, reason):
    gemini.enqueue(gemini.blocked_prompt(reason))

    with pytest.raises(ProviderBlocked) as caught:
        generate()

    assert caught.value.code == f"prompt_blocked_{reason.lower()}"
    assert caught.value.http_status == 422


@pytest.mark.parametrize(
    "reason",
    [
        "IMAGE_SAFETY",
        "SAFETY",
        "PROHIBITED_CONTENT",
        "IMAGE_PROHIBITED_CONTENT",
        "RECITATION",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
        "ESCALATION",
    ],
)
def test_a_safety_finish_is_blocked_with_its_reason(gemini, reason):
    gemini.enqueue(gemini.finished(reason))

    with pytest.raises(ProviderBlocked) as caught:
        generate()

    assert caught.value.code == f"output_blocked_{reason.lower()}"
    assert caught.value.http_status == 422


def test_a_safety_finish_wins_over_an_image_in_the_same_answer(gemini):
    gemini.enqueue(gemini.image(png((10, 10)), finish_reason="IMAGE_SAFETY"))

    with pytest.raises(ProviderBlocked):
        generate()


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("STOP", "no_image"),
        ("OTHER", "no_image_other"),
        ("MALFORMED_RESPONSE", "no_image_malformed_response"),
    ],
)
def test_an_answer_without_image_is_no_image_with_the_models_words(gemini, reason, code):
    gemini.enqueue(gemini.finished(reason, text="I can only describe it."))

    with pytest.raises(NoImage) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == (code, 502)
    assert "I can only describe it." in caught.value.message


@pytest.mark.parametrize("reason", ["IMAGE_OTHER", "NO_IMAGE", "LANGUAGE"])
def test_a_finish_saying_why_no_image_was_drawn_is_declined_with_its_reason(gemini, reason):
    gemini.enqueue(gemini.finished(reason, text="I can only describe it."))

    with pytest.raises(ProviderDeclined) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == (f"output_{reason.lower()}", 422)
    assert caught.value.billable
    assert "I can only describe it." in caught.value.message


def test_an_image_finish_reason_with_an_image_is_a_success(gemini):
    gemini.enqueue(gemini.image(png((10, 10)), finish_reason="IMAGE_OTHER"))

    assert generate().width == 10


# The SDK's finish reasons that the model gives when it drew no image for a reason of its own;
# the rest mean the call or the answer went wrong (502).
_PROVIDER_SIDE = {
    "FINISH_REASON_UNSPECIFIED",
    "STOP",
    "MAX_TOKENS",
    "OTHER",
    "MALFORMED_FUNCTION_CALL",
    "UNEXPECTED_TOOL_CALL",
    "TOO_MANY_TOOL_CALLS",
    "MISSING_THOUGHT_SIGNATURE",
    "MALFORMED_RESPONSE",
    "PUP_LIMITED_DISABLED",
    "CONTINUATION",
}
_PLAIN = {"STOP", "FINISH_REASON_UNSPECIFIED"}  # plain "no_image"


@pytest.mark.parametrize("reason", [r.value for r in types.FinishReason])
def test_every_finish_reason_the_sdk_names_has_its_status(gemini, reason):
    gemini.enqueue(gemini.finished(reason))

    with pytest.raises(ProviderError) as caught:
        generate()

    expected = 502 if reason in _PROVIDER_SIDE else 422
    assert caught.value.http_status == expected
    assert reason.lower() in caught.value.code or reason in _PLAIN


def test_undecodable_image_data_is_a_bad_response(gemini):
    gemini.enqueue(gemini.image(b"\x89PNG\r\n\x1a\n truncated"))

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert caught.value.code == "provider_bad_image"


@pytest.mark.parametrize(
    "answer",
    [
        FakeResponse(body=b"<html>proxy error</html>", headers={"Content-Type": "text/html"}),
        FakeResponse(  # inline data that is not base64
            body={"candidates": [{"content": {"parts": [{"inlineData": {"data": "!!!"}}]}}]}
        ),
    ],
)
def test_an_answer_that_is_not_an_answer_is_a_bad_response(gemini, answer):
    gemini.enqueue(answer)

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert caught.value.code == "provider_bad_response"


# --- Gemini: HTTP errors ------------------------------------------------------------------------


def test_quota_with_a_long_retry_after_is_returned_at_once(gemini):
    gemini.enqueue(
        gemini.error(429, "Quota exceeded.", status="RESOURCE_EXHAUSTED", retry_after="30")
    )

    with pytest.raises(ProviderQuota) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == ("provider_quota", 429)
    assert caught.value.retry_after == 30
    assert len(gemini.generate_requests) == 1  # not worth holding a worker for 30 s


def test_quota_retry_delay_from_the_error_details(gemini):
    gemini.enqueue(gemini.error(429, "Quota.", status="RESOURCE_EXHAUSTED", retry_delay="37.2s"))

    with pytest.raises(ProviderQuota) as caught:
        generate()

    assert caught.value.retry_after == 38


def test_quota_with_a_short_retry_after_is_retried(gemini):
    gemini.enqueue(gemini.error(429, "Slow down.", status="RESOURCE_EXHAUSTED", retry_after="0"))

    image = generate()

    assert image.data == gemini.default_image
    assert len(gemini.generate_requests) == 2


def test_server_errors_are_retried_then_reported(gemini):
    gemini.enqueue(*[gemini.error(500, "Internal error.", retry_after="0") for _ in range(3)])

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == ("provider_unavailable", 502)
    assert len(gemini.generate_requests) == 3


def gemini_on(clock: FakeClock, gemini, *, timeout_s: float = 60) -> GeminiProvider:
    """The Gemini provider against the fake, on a clock the test drives (no wall-clock waits)."""
    return GeminiProvider(
        api_key=gemini.api_key,
        model="gemini-3-pro-image",
        base_url=gemini.url,
        timeout_s=timeout_s,
        clock=clock.now,
        sleep=clock.sleep,
    )


def test_a_server_error_without_retry_after_backs_off_and_recovers(gemini):
    gemini.enqueue(gemini.error(503, "The model is overloaded.", status="UNAVAILABLE"))
    clock = FakeClock()

    image = gemini_on(clock, gemini).generate(prompt="a rig", aspect_ratio="16:9")

    assert image.data == gemini.default_image
    assert clock.sleeps == [1.0]
    assert len(gemini.generate_requests) == 2


def test_the_back_off_grows_between_attempts(gemini):
    overloaded = gemini.error(503, "The model is overloaded.", status="UNAVAILABLE")
    gemini.enqueue(overloaded, overloaded)
    clock = FakeClock()

    image = gemini_on(clock, gemini).generate(prompt="a rig", aspect_ratio="16:9")

    assert image.data == gemini.default_image
    assert clock.sleeps == [1.0, 2.0]
    assert len(gemini.generate_requests) == 3


def test_a_retry_after_hint_is_the_wait(gemini):
    gemini.enqueue(gemini.error(429, "Slow down.", status="RESOURCE_EXHAUSTED", retry_after="3"))
    clock = FakeClock()

    gemini_on(clock, gemini).generate(prompt="a rig", aspect_ratio="16:9")

    assert clock.sleeps == [3.0]


@pytest.mark.parametrize(("timeout_s", "retried"), [(6.5, True), (5.5, False)])
def test_a_retry_starts_only_with_an_attempts_time_left_after_the_wait(gemini, timeout_s, retried):
    # after the first failure: the 1 s back-off plus a 5 s attempt must fit in what is left
    gemini.enqueue(gemini.error(503, "The model is overloaded.", status="UNAVAILABLE"))
    clock = FakeClock()
    provider = gemini_on(clock, gemini, timeout_s=timeout_s)

    if retried:
        provider.generate(prompt="a rig", aspect_ratio="16:9")
    else:
        with pytest.raises(ProviderBadResponse):
            provider.generate(prompt="a rig", aspect_ratio="16:9")

    assert clock.sleeps == ([1.0] if retried else [])
    assert len(gemini.generate_requests) == (2 if retried else 1)


def test_no_retry_is_started_that_could_not_finish_within_the_timeout(settings, gemini):
    settings.AI_TIMEOUT_S = 3  # less than the minimum time we give an attempt
    gemini.enqueue(gemini.error(503, "The model is overloaded.", status="UNAVAILABLE"))

    with pytest.raises(ProviderBadResponse):
        generate()

    assert len(gemini.generate_requests) == 1


@pytest.mark.parametrize(
    ("status", "grpc_status", "code"),
    [
        (400, "INVALID_ARGUMENT", "provider_bad_request"),
        (403, "PERMISSION_DENIED", "provider_auth"),
        (404, "NOT_FOUND", "provider_model_not_found"),
    ],
)
def test_client_errors_are_provider_errors_with_the_message(gemini, status, grpc_status, code):
    gemini.enqueue(gemini.error(status, "Details from Gemini.", status=grpc_status))

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == (code, 502)
    assert "Details from Gemini." in caught.value.message
    assert len(gemini.generate_requests) == 1


def test_a_wrong_key_is_an_auth_error_and_the_key_is_never_in_the_message(settings, gemini):
    settings.GEMINI_API_KEY = "AIza-wrong-key-0123456789"
    gemini.enqueue(
        gemini.error(400, "API key AIza-wrong-key-0123456789 not valid.", reason="API_KEY_INVALID")
    )

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert caught.value.code == "provider_auth"
    assert "AIza-wrong-key-0123456789" not in caught.value.message
    assert "AIza-wrong-key-0123456789" not in str(caught.value)


def test_the_fake_itself_rejects_a_wrong_key(settings, gemini):
    settings.GEMINI_API_KEY = "not-the-fakes-key"

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert caught.value.code == "provider_auth"


# --- Gemini: transport --------------------------------------------------------------------------


def test_a_hang_times_out_within_ai_timeout_s(settings, gemini):
    settings.AI_TIMEOUT_S = 1
    gemini.enqueue(gemini.hang(HANG_S))

    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as caught:
        generate()
    elapsed = time.monotonic() - started

    assert (caught.value.code, caught.value.http_status) == ("provider_timeout", 504)
    # the whole budget was handed to the transport (google-genai sends it as a header) ...
    assert gemini.generate_requests[0].headers["x-server-timeout"] == "1"
    # ... and it fired: the answer came long before the hang would have ended
    assert elapsed < HANG_S / 2
    assert len(gemini.generate_requests) == 1  # a timeout is never retried


def test_a_refused_connection_is_unreachable(settings, gemini):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.GEMINI_BASE_URL = f"http://127.0.0.1:{port}"
    settings.AI_TIMEOUT_S = 2

    with pytest.raises(ProviderBadResponse) as caught:
        generate()

    assert (caught.value.code, caught.value.http_status) == ("provider_unreachable", 502)


# --- Placeholder --------------------------------------------------------------------------------


@pytest.mark.parametrize("ratio", sorted(ASPECT_RATIOS))
def test_placeholder_draws_a_real_image_of_the_ratio(settings, ratio):
    settings.AI_IMAGE_PROVIDER = "placeholder"

    image = generate(prompt="a mining rig at sunrise " * 20, aspect_ratio=ratio)

    decoded = Image.open(io.BytesIO(image.data))
    decoded.load()
    assert decoded.format == "PNG"
    assert decoded.size == (image.width, image.height)
    assert max(decoded.size) == 1024
    assert nearest_aspect_ratio(width=image.width, height=image.height) == ratio
    assert (image.mime_type, image.model) == ("image/png", "placeholder")
    # the orange PLACEHOLDER banner across the top
    assert decoded.convert("RGB").getpixel((2, 2)) == (0xF5, 0xA6, 0x23)
    assert "PLACEHOLDER" in MARKING


def test_placeholder_accepts_a_reference():
    image = PlaceholderProvider().generate(
        prompt="make it blue", aspect_ratio="1:1", reference=png((8, 8)), reference_mime="image/png"
    )

    assert (image.width, image.height) == (1024, 1024)


@pytest.mark.parametrize(
    "provider", [PlaceholderProvider(), GeminiProvider(api_key="k", model="m")]
)
def test_a_ratio_the_model_does_not_take_is_a_programming_error(provider):
    # gemini-3-pro-image (the placeholder draws as the configured model) and an unknown model
    with pytest.raises(ValueError, match="does not take ratio '1:8'"):
        provider.generate(prompt="a cat", aspect_ratio="1:8")
