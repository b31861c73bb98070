"""The publishing engine's guarantees, with the dummy connector failing in each way a network fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from carecast.channels.connectors.dummy import DummyConnector
from carecast.channels.models import PublishJob
from carecast.channels.services import (
    MAX_ATTEMPTS,
    content_item_retry,
    publish_due_jobs,
    publish_job_run,
    publishing_pause,
    publishing_resume,
)
from carecast.content.models import ContentItem
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import AuditEntry
from tests.factories import approved_item


@pytest.fixture(autouse=True)
def network():
    DummyConnector.reset()
    yield DummyConnector
    DummyConnector.reset()


@pytest.fixture
def job(people, brand, later):
    """A scheduled item with a job on the dummy network, due now."""
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=later,
        text="Flu clinic open Saturday.",
    )
    job = PublishJob.objects.get(content_item=item)
    PublishJob.objects.filter(pk=job.pk).update(
        channel="dummy", scheduled_for=timezone.now() - timedelta(seconds=1)
    )
    job.refresh_from_db()
    return job


def test_a_published_post_is_recorded_once(job, network):
    assert publish_job_run(job_id=job.pk).status == "published"
    assert publish_job_run(job_id=job.pk) is None
    assert network.posts == {job.pk: "Flu clinic open Saturday."} and network.calls[job.pk] == 1
    assert ContentItem.objects.get(pk=job.content_item_id).status == "published"


def test_a_safe_failure_is_retried_with_backoff(job, network):
    network.script.extend(["retry", "retry"])
    first = publish_job_run(job_id=job.pk)
    assert first.status == "scheduled" and "429" in first.last_error
    assert timedelta(seconds=55) < first.scheduled_for - timezone.now() <= timedelta(seconds=61)
    with time_machine.travel(first.scheduled_for + timedelta(seconds=1)):
        second = publish_job_run(job_id=job.pk)
    assert second.status == "scheduled" and second.scheduled_for - first.scheduled_for >= timedelta(
        seconds=119
    )
    with time_machine.travel(second.scheduled_for + timedelta(seconds=1)):
        assert publish_job_run(job_id=job.pk).status == "published"
    assert network.calls[job.pk] == 3 and len(network.posts) == 1


def test_retries_stop_after_the_limit_with_a_clear_message(job, network):
    network.script.extend(["retry"] * MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        current = PublishJob.objects.get(pk=job.pk)
        with time_machine.travel(current.scheduled_for + timedelta(seconds=1)):
            done = publish_job_run(job_id=job.pk)
    assert done.status == "failed" and f"tried {MAX_ATTEMPTS} times" in done.last_error
    assert ContentItem.objects.get(pk=job.content_item_id).status == "failed"


@pytest.mark.parametrize(
    ("outcome", "words"), [("refuse", "refused the post"), ("reconnect", "needs reconnecting")]
)
def test_a_refusal_is_not_retried_and_says_what_to_do(job, network, outcome, words):
    network.script.append(outcome)
    done = publish_job_run(job_id=job.pk)
    assert done.status == "failed" and words in done.last_error
    assert publish_due_jobs() == 0 and network.calls[job.pk] == 1


def test_a_lost_answer_is_never_retried_blindly(job, network):
    network.script.append("lost")  # the network posted it; the answer never came back
    assert publish_job_run(job_id=job.pk).status == "unconfirmed"
    publish_due_jobs()  # the reconciler reads back and finds the post
    job.refresh_from_db()
    assert job.status == "published" and job.external_id == f"dummy-{job.pk}"
    assert network.calls[job.pk] == 1 and len(network.posts) == 1


def test_an_unknown_outcome_where_nothing_was_posted_is_sent_once_more(job, network):
    network.script.append("unknown")
    assert publish_job_run(job_id=job.pk).status == "unconfirmed"
    publish_due_jobs()  # read back: no such post, so it is scheduled again and sent
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and network.calls[job.pk] == 2 and len(network.posts) == 1
    assert AuditEntry.objects.filter(action="publish_job.unconfirmed").exists()


def test_the_owner_retries_a_failed_post(job, network, people):
    network.script.append("refuse")
    publish_job_run(job_id=job.pk)
    item = ContentItem.objects.get(pk=job.content_item_id)
    content_item_retry(actor=people["contributor"], item=item)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published"
    with pytest.raises(InvalidTransition):
        content_item_retry(actor=people["contributor"], item=item)


def test_the_crisis_switch_stops_everything_and_resume_holds_back_what_is_late(people, brand, network):
    soon = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=timezone.now() + timedelta(minutes=5),
        text="soon",
    )
    later = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=timezone.now() + timedelta(days=2),
        text="later",
    )
    with pytest.raises(PermissionDenied):
        publishing_pause(actor=people["strategist"], reason="x")
    with pytest.raises(ValidationError):
        publishing_pause(actor=people["admin"], reason=" ")
    assert publishing_pause(actor=people["admin"], reason="Active shooter on campus: all posts stop") == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert publish_due_jobs() == 0  # the post due 5 minutes after the pause does not go out
        with pytest.raises(ValidationError, match="Confirm"):
            publishing_resume(actor=people["admin"], confirm=False)
        assert publishing_resume(actor=people["admin"], confirm=True) == (1, 1)
        assert publish_due_jobs() == 0  # resuming does not mass-publish what is now late
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == "approved" and soon.publish_at is None  # a person schedules it again
    assert later.status == "scheduled"
    assert PublishJob.objects.get(content_item=later).status == "scheduled"
    actions = list(
        AuditEntry.objects.filter(action__startswith="publishing.")
        .order_by("pk")
        .values_list("action", "reason")
    )
    assert actions == [
        ("publishing.pause", "Active shooter on campus: all posts stop"),
        ("publishing.resume", ""),
    ]


def test_a_job_claimed_while_paused_is_parked(job, network, people):
    org = people["admin"].organization
    org.publishing_paused_at = timezone.now()
    org.save()
    assert publish_job_run(job_id=job.pk).status == "paused"
    assert network.calls == {}


def test_the_crisis_switch_in_the_ui(client, people, brand):
    client.force_login(people["admin"])
    client.post("/settings/crisis/", {"action": "pause", "reason": "Boil-water emergency"})
    page = client.get("/calendar/").content.decode()
    assert "Publishing is paused" in page and "Boil-water emergency" in page
    client.post("/settings/crisis/", {"action": "resume"})  # not confirmed
    assert "Publishing is paused" in client.get("/").content.decode()
    client.post("/settings/crisis/", {"action": "resume", "confirm": "on"})
    assert "Publishing is paused" not in client.get("/").content.decode()


def test_a_worker_killed_during_a_network_call_never_causes_a_blind_repost(job, network):
    from carecast.channels.services import _claim

    _claim(job.pk)  # the worker claimed the job, then died before (or after) calling the network
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        publish_due_jobs()  # the job is marked unconfirmed, read back (nothing there), sent once
        publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and network.calls[job.pk] == 1 and len(network.posts) == 1
    assert AuditEntry.objects.filter(
        action="publish_job.unconfirmed", reason="worker stopped mid-publish"
    ).exists()


def test_one_failing_channel_does_not_stop_the_others(people, brand, network, later):
    from carecast.channels.models import BrandPagePost, ChannelAccount
    from carecast.channels.services import publish_target_set

    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=later,
        text="Two channels.",
    )
    dummy = ChannelAccount.objects.create(
        organization=brand.organization, brand=brand, network="dummy", name="Test network", secret="k"
    )
    publish_target_set(actor=people["contributor"], item=item, accounts=[dummy])
    network.script.append("refuse")
    with time_machine.travel(later + timedelta(seconds=1)):
        publish_job_run(job_id=PublishJob.objects.get(content_item=item, channel="dummy").pk)  # fails first
        assert ContentItem.objects.get(pk=item.pk).status == "scheduled"  # the brand page still goes out
        publish_due_jobs()
    assert BrandPagePost.objects.filter(job__content_item=item).count() == 1
    assert ContentItem.objects.get(pk=item.pk).status == "failed"  # one channel failed: its page says which


def test_metrics_are_pulled_for_recent_posts_only(job, network):
    from carecast.channels.models import PostMetric
    from carecast.channels.services import post_metrics_pull

    publish_job_run(job_id=job.pk)
    network.likes[job.pk] = 12
    assert post_metrics_pull() == 1
    network.likes[job.pk] = 30
    post_metrics_pull()
    assert list(PostMetric.objects.filter(job=job).values_list("likes", flat=True)) == [30, 12]
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert post_metrics_pull() == 0  # a month on, the post is no longer followed


def test_a_post_is_taken_down_from_the_item_page_with_a_reason(client, job, network, people):
    from carecast.channels.models import ChannelAccount

    account = ChannelAccount.objects.create(
        organization=job.organization, brand=job.brand, network="dummy", name="Clinic feed", secret="k"
    )
    PublishJob.objects.filter(pk=job.pk).update(account=account)
    publish_job_run(job_id=job.pk)
    assert job.pk in network.posts
    page = f"/content/{job.content_item_id}/"
    client.force_login(people["contributor"])  # an author cannot take posts down
    assert "Take down" not in client.get(page).content.decode()
    client.force_login(people["strategist"])
    assert "Take down" in client.get(page).content.decode()
    client.post(f"{page}jobs/{job.pk}/take-down/", {"reason": "Wrong clinic hours"})
    assert job.pk not in network.posts
    assert "Taken down" in client.get(page).content.decode()
    assert AuditEntry.objects.get(action="publish_job.delete").reason == "Wrong clinic hours"


def test_a_limit_on_the_whole_app_holds_every_account_of_that_network(people, brand, network, later):
    """Networks also limit an app's total calls: when one post hears "the app's quota is used up", the
    posts of other accounts on that network wait too, without calling it, and go out afterwards."""
    from carecast.channels.models import AppRateLimit, ChannelAccount
    from carecast.channels.services import publish_target_set

    accounts = [
        ChannelAccount.objects.create(
            organization=brand.organization, brand=brand, network="dummy", name=f"Feed {n}", secret="k"
        )
        for n in range(2)
    ]
    items = []
    for account in accounts:
        item = approved_item(
            author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
        )
        publish_target_set(actor=people["contributor"], item=item, accounts=[account])
        items.append(item)
    network.script.append("app_limit")
    with time_machine.travel(later + timedelta(seconds=1)):
        publish_due_jobs()
    dummy_jobs = PublishJob.objects.filter(channel="dummy").order_by("pk")
    assert [j.status for j in dummy_jobs] == ["scheduled", "scheduled"]
    assert sum(network.calls.values()) == 1  # the second account's post did not call the network
    assert "limit on carecast" in dummy_jobs[1].last_error
    assert AppRateLimit.objects.get(network="dummy").until > later
    assert AuditEntry.objects.filter(action="channel_network.rate_limited").count() == 1
    assert all(j.attempt_count <= 1 for j in dummy_jobs)  # waiting is not a try
    with time_machine.travel(later + timedelta(minutes=11)):
        publish_due_jobs()
    assert [j.status for j in PublishJob.objects.filter(channel="dummy")] == ["published", "published"]
    assert len(network.posts) == 2
