"""Scheduled posts publish themselves: the sweep, what the API shows, moves and failures.

The clock is injected (``posts_publish_due(now)``); media are stored on the real local storage
through the API, and a vanished one is really deleted from it.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from content import services
from content.models import Post
from content.publishing import posts_publish_due
from testsupport.files import image_file, s3_storages
from testsupport.liveserver import free_port
from ultraminebackend.exceptions import Conflict

pytestmark = pytest.mark.django_db

POSTS = "/api/posts"


def schedule(client, *, minutes=10, **body):
    when = timezone.now() + timedelta(minutes=minutes)
    body = {"caption": "launch", "status": "scheduled", "scheduled_at": when.isoformat(), **body}
    response = client.post(POSTS, body, format="multipart")
    assert response.status_code == 201, response.content
    return response.json(), when


def test_a_due_post_is_published_once_at_its_time_and_the_api_shows_when(client_for, user):
    client = client_for(user)
    post, when = schedule(client)

    # before its time nothing happens
    assert posts_publish_due(when - timedelta(seconds=1)) == {
        "posts_published": 0,
        "posts_failed": 0,
    }
    assert client.get(f"{POSTS}/{post['id']}").json()["status"] == "scheduled"

    # at its time it is published, stamped with the sweep's time
    sweep_time = when + timedelta(seconds=3)
    assert posts_publish_due(sweep_time)["posts_published"] == 1
    body = client.get(f"{POSTS}/{post['id']}").json()
    assert body["status"] == "published"
    assert body["published_at"] == sweep_time.isoformat().replace("+00:00", "Z")
    assert body["publish_error"] == ""

    # a later sweep leaves it (and its published_at) alone
    assert posts_publish_due(sweep_time + timedelta(minutes=5))["posts_published"] == 0
    assert client.get(f"{POSTS}/{post['id']}").json()["published_at"] == body["published_at"]


def test_moving_scheduled_at_later_is_honoured(client_for, user):
    client = client_for(user)
    post, when = schedule(client)
    later = when + timedelta(hours=1)
    response = client.patch(
        f"{POSTS}/{post['id']}", {"scheduled_at": later.isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content

    assert posts_publish_due(when + timedelta(minutes=1))["posts_published"] == 0
    assert Post.objects.get().status == "scheduled"
    assert posts_publish_due(later)["posts_published"] == 1
    assert Post.objects.get().published_at == later


def test_moving_scheduled_at_earlier_publishes_at_the_new_time(client_for, user):
    client = client_for(user)
    post, when = schedule(client, minutes=60)
    sooner = when - timedelta(minutes=55)
    client.patch(f"{POSTS}/{post['id']}", {"scheduled_at": sooner.isoformat()}, format="json")

    assert posts_publish_due(sooner)["posts_published"] == 1


def test_unscheduling_before_the_time_is_honoured(client_for, user):
    client = client_for(user)
    post, when = schedule(client)
    response = client.patch(f"{POSTS}/{post['id']}", {"status": "draft"}, format="json")
    assert response.status_code == 200

    assert posts_publish_due(when + timedelta(days=1))["posts_published"] == 0
    body = client.get(f"{POSTS}/{post['id']}").json()
    assert (body["status"], body["published_at"]) == ("draft", None)


def test_a_post_whose_media_vanished_fails_visibly_and_can_be_rescheduled(
    client_for, user, settings
):
    # given a scheduled post with two images, the second deleted from storage meanwhile
    client = client_for(user)
    media = [image_file("a.jpg", "JPEG", (40, 30)), image_file("b.png", "PNG", (30, 20))]
    post, when = schedule(client, media=media)
    gone = post["media"][1]["file"]
    (settings.MEDIA_ROOT / gone).unlink()

    # when its time comes
    counts = posts_publish_due(when)

    # then it is failed, saying which item is missing, never published half-empty
    assert counts == {"posts_published": 0, "posts_failed": 1}
    body = client.get(f"{POSTS}/{post['id']}").json()
    assert body["status"] == "failed" and body["published_at"] is None
    assert f"Media item 1 (image, {gone})" in body["publish_error"]
    assert client.get(POSTS, {"status": "failed"}).json()["count"] == 1

    # and the owner replaces the media and schedules it again: the error goes
    later = timezone.now() + timedelta(minutes=30)
    response = client.patch(
        f"{POSTS}/{post['id']}",
        {"status": "scheduled", "scheduled_at": later.isoformat(), "media": [media_again()]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["publish_error"]) == ("scheduled", "")
    assert posts_publish_due(later)["posts_published"] == 1


def media_again():
    return image_file("c.jpg", "JPEG", (20, 20))


def test_failed_cannot_be_set_by_a_client(client_for, user):
    response = client_for(user).post(POSTS, {"caption": "x", "status": "failed"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_publishing_directly_stamps_published_at_and_a_draft_clears_it(client_for, user):
    client = client_for(user)
    before = timezone.now()
    body = client.post(POSTS, {"caption": "x", "status": "published"}, format="json").json()
    assert body["status"] == "published"
    assert timezone.datetime.fromisoformat(body["published_at"]) >= before
    body = client.patch(f"{POSTS}/{body['id']}", {"status": "draft"}, format="json").json()
    assert body["published_at"] is None


def test_a_change_read_before_the_sweep_published_the_post_is_a_409_changing_nothing(user):
    # given a scheduled post read by an edit (the API's view) before the sweep published it
    post = services.post_create(
        user=user,
        caption="launch",
        status=Post.Status.SCHEDULED,
        scheduled_at=timezone.now() + timedelta(minutes=5),
    )
    read = Post.objects.get(pk=post.pk)
    posts_publish_due(timezone.now() + timedelta(minutes=6))

    # when the edit lands
    with pytest.raises(Conflict):
        services.post_update(post=read, data={"caption": "new"})

    # then the publication stands: not saved back to scheduled, so never published twice
    post.refresh_from_db()
    assert (post.status, post.caption) == ("published", "launch")
    assert post.published_at is not None


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"status": "published"}, "post_published_at_iff_published"),
        ({"status": "draft", "published_at": timezone.now()}, "post_published_at_iff_published"),
        ({"status": "failed"}, "post_failed_says_why"),
        ({"status": "draft", "publish_error": "x"}, "post_failed_says_why"),
    ],
)
def test_the_database_holds_the_stamps_to_the_status(user, fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Post.objects.create(user=user, caption="x", **fields)


def test_the_command_publishes_what_is_due(user, capsys):
    post = services.post_create(
        user=user, caption="c", status="scheduled", scheduled_at=timezone.now() + timedelta(1)
    )
    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(seconds=1))

    call_command("publish_due_posts")

    assert capsys.readouterr().out.strip() == "posts published: 1, posts failed: 0"
    assert Post.objects.get().status == "published"


# --- on S3 ----------------------------------------------------------------------------------------


def test_on_s3_a_deleted_object_fails_the_post(client_for, user, s3):
    s3_client, bucket = s3
    post, when = schedule(client_for(user), media=[image_file()])
    s3_client.delete_object(Bucket=bucket, Key=f"media/{post['media'][0]['file']}")

    assert posts_publish_due(when) == {"posts_published": 0, "posts_failed": 1}
    assert "no longer in storage" in Post.objects.get().publish_error


def test_when_s3_does_not_answer_the_post_stays_scheduled_for_the_next_sweep(
    client_for, user, s3, settings
):
    # given a scheduled post on S3, and S3 unreachable when its time comes
    _, bucket = s3
    _, when = schedule(client_for(user), media=[image_file()])
    reachable = settings.STORAGES
    settings.STORAGES = s3_storages(endpoint_url=f"http://127.0.0.1:{free_port()}", bucket=bucket)

    # then it is neither published without its media checked nor failed for our outage
    assert posts_publish_due(when) == {"posts_published": 0, "posts_failed": 0}
    assert Post.objects.get().status == "scheduled"

    # and the next sweep, with S3 back, publishes it
    settings.STORAGES = reachable
    assert posts_publish_due(when + timedelta(seconds=15))["posts_published"] == 1
