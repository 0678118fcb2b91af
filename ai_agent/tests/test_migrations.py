"""0003_generation_shared_asset_columns on rows written under 0002: every result stays where it
was (Cloudinary ids and URL under their new names, our storage's name untouched), both ways."""

import pytest

from testsupport.db import migrate_to

BEFORE = [("ai_agent", "0002_generation_billable")]
AFTER = [("ai_agent", "0003_generation_shared_asset_columns")]

RECORD = {
    "prompt": "p",
    "enhanced_prompt": "p",
    "aspect_ratio": "1:1",
    "aspect_ratio_source": "default",
    "provider": "gemini",
    "model": "m",
    "status": "succeeded",
    "width": 1024,
    "height": 1024,
    "format": "jpg",
}
URL = "https://res.cloudinary.com/demo/image/upload/v1/ai-generated-images/abc.jpg"


@pytest.mark.django_db(transaction=True)
def test_results_keep_their_place_through_the_rename(make_user):
    user = make_user()
    old = migrate_to(BEFORE).get_model("ai_agent", "Generation")
    try:
        on_cdn = old.objects.create(
            **RECORD,
            user_id=user.pk,
            storage="cloudinary",
            cloudinary_public_id="ai-generated-images/abc",
            cloudinary_asset_id="f00d",
            cloudinary_secure_url=URL,
            bytes=2_000_000_000,
        ).pk
        on_media = old.objects.create(
            **RECORD, user_id=user.pk, storage="media", image="ai-generated-images/x.png", bytes=9
        ).pk

        new = migrate_to(AFTER).get_model("ai_agent", "Generation")
        rows = new.objects.in_bulk([on_cdn, on_media])
        cdn, media = rows[on_cdn], rows[on_media]
        assert (cdn.storage, cdn.public_id, cdn.asset_id, cdn.secure_url, cdn.bytes) == (
            "cloudinary",
            "ai-generated-images/abc",
            "f00d",
            URL,
            2_000_000_000,
        )
        assert (media.storage, media.image, media.public_id, media.bytes) == (
            "media",
            "ai-generated-images/x.png",
            "",
            9,
        )

        # and back: the old names hold the same values
        old = migrate_to(BEFORE).get_model("ai_agent", "Generation")
        back = old.objects.get(pk=on_cdn)
        assert (back.cloudinary_public_id, back.cloudinary_secure_url) == (
            "ai-generated-images/abc",
            URL,
        )
    finally:
        migrate_to(None)
