"""0002_stored_asset_any_cdn on rows written under 0001: they all pass the rewritten constraint,
which still refuses an asset whose storage has no reference."""

import pytest
from django.db import IntegrityError, transaction

from testsupport.db import migrate_to

BEFORE = [("content", "0001_initial")]
AFTER = [("content", "0002_stored_asset_any_cdn")]


@pytest.mark.django_db(transaction=True)
def test_stored_media_pass_the_new_constraint_and_an_unstored_one_is_still_refused(make_user):
    user = make_user()
    old = migrate_to(BEFORE)
    try:
        post = old.get_model("content", "Post").objects.create(user_id=user.pk, caption="c")
        Media = old.get_model("content", "Media")
        common = {"post_id": post.pk, "user_id": user.pk, "type": "image"}
        Media.objects.create(**common, position=0, storage="cloudinary", public_id="auto/a")
        Media.objects.create(**common, position=1, storage="media", file="posts/b.jpg")

        Media = migrate_to(AFTER).get_model("content", "Media")

        rows = Media.objects.order_by("position").values_list("storage", "public_id", "file")
        assert list(rows) == [("cloudinary", "auto/a", ""), ("media", "", "posts/b.jpg")]
        for unstored in ({"storage": "cloudinary"}, {"storage": "media"}, {"storage": "x"}):
            with pytest.raises(IntegrityError), transaction.atomic():
                Media.objects.create(**common, position=2, **unstored)
    finally:
        migrate_to(None)


@pytest.mark.django_db(transaction=True)
def test_posts_published_before_published_at_existed_get_their_last_change_as_its_time(make_user):
    user = make_user()
    old = migrate_to([("content", "0003_storage_imagekit")])
    try:
        Post = old.get_model("content", "Post")
        published = Post.objects.create(user_id=user.pk, caption="p", status="published")
        draft = Post.objects.create(user_id=user.pk, caption="d", status="draft")

        Post = migrate_to([("content", "0004_post_publication")]).get_model("content", "Post")

        assert Post.objects.get(pk=published.pk).published_at == published.updated_at
        assert Post.objects.get(pk=draft.pk).published_at is None
    finally:
        migrate_to(None)
