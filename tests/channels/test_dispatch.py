"""Many posts due in the same second: one dispatcher per second, batches claimed together, each
post still published once, recorded and audited."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from carecast.channels.connectors.dummy import DummyConnector
from carecast.channels.models import PublishAttempt, PublishJob, PublishWakeup
from carecast.channels.services import (
    DISPATCH_BATCH,
    publish_dispatch,
    publish_due_batch,
    publish_wakeup_schedule,
)
from carecast.content.models import ContentItem
from carecast.core.audit import verify_chain
from carecast.core.models import AuditEntry
from tests.factories import approved_item


@pytest.fixture(autouse=True)
def network():
    DummyConnector.reset()
    yield DummyConnector
    DummyConnector.reset()


def _dummy_jobs(people, brand, n, *, due, channel="dummy"):
    jobs = []
    for i in range(n):
        item = approved_item(
            author=people["contributor"],
            reviewer=people["medical_reviewer"],
            brand=brand,
            publish_at=timezone.now() + timedelta(hours=1),
            text=f"Clinic update {i}.",
        )
        job = PublishJob.objects.get(content_item=item)
        PublishJob.objects.filter(pk=job.pk).update(channel=channel, scheduled_for=due, round_at=due)
        ContentItem.objects.filter(pk=item.pk).update(publish_at=due)
        jobs.append(job)
    return jobs


def test_jobs_due_in_the_same_second_share_one_dispatcher(people, brand):
    when = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    before = PublishWakeup.objects.count()
    for offset in (0.1, 0.5, 0.9):
        publish_wakeup_schedule(when + timedelta(seconds=offset))
    publish_wakeup_schedule(when + timedelta(seconds=1))  # on the second itself: no rounding up
    assert list(PublishWakeup.objects.values_list("at", flat=True).order_by("at"))[before:] == [
        when + timedelta(seconds=1)
    ]


def test_a_batch_publishes_every_due_job_once_and_records_each(people, brand, network):
    jobs = _dummy_jobs(people, brand, 5, due=timezone.now() - timedelta(seconds=1))
    assert publish_due_batch(limit=3) == 3  # the oldest three, claimed together
    assert publish_due_batch(limit=3) == 2
    assert publish_due_batch(limit=3) == 0
    assert sorted(network.calls.values()) == [1] * 5
    assert set(PublishJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("status", flat=True)) == {
        "published"
    }
    assert PublishAttempt.objects.filter(job__in=jobs, outcome="published").count() == 5
    assert set(
        ContentItem.objects.filter(pk__in=[j.content_item_id for j in jobs]).values_list("status", flat=True)
    ) == {"published"}
    assert AuditEntry.objects.filter(action="publish_job.published").count() == 5
    assert verify_chain()[1] is None
    call_command("audit_verify")


def test_a_failure_in_a_batch_is_settled_on_its_own_and_the_rest_go_out(people, brand, network):
    _dummy_jobs(people, brand, 3, due=timezone.now() - timedelta(seconds=1))
    network.script.extend(["ok", "refuse", "ok"])
    assert publish_due_batch() == 3
    states = sorted(PublishJob.objects.values_list("status", flat=True))
    assert states == ["failed", "published", "published"]
    failed = PublishJob.objects.get(status="failed")
    assert "refused" in failed.last_error and failed.attempts.get().outcome == "failed"
    assert verify_chain()[1] is None


def test_the_dispatcher_waits_for_the_moment_and_not_past_it(people, brand, network):
    """Started early (the queue's scheduler looks once a second), it publishes nothing before the
    posts' time and everything at it."""
    at = timezone.now().replace(microsecond=0) + timedelta(seconds=2)
    jobs = _dummy_jobs(people, brand, 2, due=at - timedelta(milliseconds=400))
    publish_wakeup_schedule(at - timedelta(milliseconds=400))
    assert publish_dispatch(at=at, wait=True) == 2
    for job in PublishJob.objects.filter(pk__in=[j.pk for j in jobs]):
        assert job.status == "published" and job.published_at >= job.scheduled_for
    assert not PublishWakeup.objects.filter(at=at).exists()  # the next job for that second queues anew


def test_a_full_batch_asks_for_help(people, brand, network, settings):
    _dummy_jobs(people, brand, 3, due=timezone.now() - timedelta(seconds=1))
    helpers = []
    assert publish_due_batch(limit=2, on_full=lambda: helpers.append(1)) == 2
    assert publish_due_batch(limit=2, on_full=lambda: helpers.append(1)) == 1
    assert helpers == [1]  # only the full batch called for another worker
    assert DISPATCH_BATCH >= 100


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_send_a_job_twice(people, brand, network):
    _dummy_jobs(people, brand, 12, due=timezone.now() - timedelta(seconds=1))
    errors = []

    def run():
        from django.db import connection

        try:
            while publish_due_batch(limit=2):
                pass
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(network.posts) == 12 and set(network.calls.values()) == {1}
    assert PublishJob.objects.filter(status="published").count() == 12


def test_network_jobs_are_claimed_a_few_at_a_time(people, brand, network, monkeypatch):
    """A crash strands what a worker holds: local posts are claimed by the hundred, network posts
    (a round trip each) a few at a time."""
    from carecast.channels import services
    from carecast.channels.connectors.registry import CONNECTORS

    class FarAway(DummyConnector):
        name = "faraway"
        local = False

    monkeypatch.setitem(CONNECTORS, "faraway", FarAway)
    monkeypatch.setattr(services, "NETWORK_BATCH", 2)
    jobs = _dummy_jobs(people, brand, 5, due=timezone.now() - timedelta(seconds=1))
    PublishJob.objects.filter(pk__in=[j.pk for j in jobs[:3]]).update(channel="faraway")
    assert publish_due_batch(limit=10) == 4  # the two local jobs, and two of the three far ones
    assert PublishJob.objects.filter(status="scheduled").count() == 1
    assert publish_due_batch(limit=10) == 1


# --- a busy second: jobs loaded ahead of their moment ------------------------------------------


def _prepared(at, by="first"):
    from carecast.channels.services import _prepare_batch

    batch = _prepare_batch(at, by, None)
    assert batch is not None
    return [batch]


def _soon(seconds=1.0):
    """A due time just ahead, and the dispatcher's second for it."""
    due = timezone.now() + timedelta(seconds=seconds)
    return due, due.replace(microsecond=0) + timedelta(seconds=1)


def _wait_until(moment):
    import time

    time.sleep(max((moment - timezone.now()).total_seconds(), 0) + 0.01)


def test_a_busy_second_gets_a_dispatcher_early_enough_to_load_its_jobs(monkeypatch, db):
    from carecast.channels import services, tasks

    queued = []

    class Task:
        def using(self, run_after):
            return type("Queued", (), {"enqueue": lambda _self, at: queued.append((run_after, at))})()

    monkeypatch.setattr(tasks, "publish_dispatch_task", Task())
    monkeypatch.setattr(services, "BUSY_SECOND", 3)
    at = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    for _ in range(4):
        publish_wakeup_schedule(at)
    assert queued == [
        (at - services.WAKE_EARLY, at.isoformat()),  # the first job's, as for any second
        (at - services.WAKE_EARLY_BUSY, at.isoformat()),  # once the second is busy: one more, sooner
    ]
    assert PublishWakeup.objects.get(at=at).jobs == 4


def test_prepared_jobs_go_out_at_their_moment_once_and_are_recorded(people, brand, network):
    from carecast.channels.services import _prepare_batch, _publish_prepared

    due, at = _soon()
    jobs = _dummy_jobs(people, brand, 3, due=due)
    ahead = _prepared(at)
    assert set(PublishJob.objects.values_list("prepared_by", flat=True)) == {"first"}
    assert _prepare_batch(at, "second", None) is None  # another dispatcher prepares other jobs
    assert _publish_prepared(ahead) == 0 and not network.calls  # not before their moment
    _wait_until(due)
    assert _publish_prepared(ahead) == 3 and ahead == []
    assert sorted(network.posts.values()) == ["Clinic update 0.", "Clinic update 1.", "Clinic update 2."]
    for job in PublishJob.objects.filter(pk__in=[j.pk for j in jobs]):
        assert job.status == "published" and job.prepared_by == "" and job.published_at >= job.scheduled_for
        assert job.attempts.get().outcome == "published" and job.content_item.status == "published"
    assert verify_chain()[1] is None


def test_a_post_unscheduled_after_it_was_prepared_is_not_sent(people, brand, network):
    from carecast.channels.services import _publish_prepared
    from carecast.content.services import content_item_schedule

    due, at = _soon()
    job = _dummy_jobs(people, brand, 1, due=due)[0]
    ahead = _prepared(at)
    content_item_schedule(actor=people["contributor"], item=job.content_item, publish_at=None)
    _wait_until(due)
    assert _publish_prepared(ahead) == 0
    assert not network.calls and PublishJob.objects.get(pk=job.pk).status == "cancelled"


def test_a_post_moved_later_after_it_was_prepared_waits_for_its_new_time(people, brand, network):
    from carecast.channels.models import BrandPagePost
    from carecast.channels.services import _publish_prepared
    from carecast.content.services import content_item_schedule

    due, at = _soon()
    job = _dummy_jobs(people, brand, 1, due=due, channel="brand_page")[0]
    ahead = _prepared(at)
    later = timezone.now() + timedelta(hours=2)
    content_item_schedule(actor=people["contributor"], item=job.content_item, publish_at=later)
    _wait_until(due)
    assert _publish_prepared(ahead) == 0 and publish_due_batch() == 0
    assert not BrandPagePost.objects.exists()
    job.refresh_from_db()
    assert job.status == "scheduled" and job.scheduled_for == later and job.prepared_by == ""


def test_an_item_saved_after_it_was_prepared_is_read_again_before_sending(people, brand, network):
    """Whatever changed on the item between loading and sending, what goes out is what it says now."""
    from carecast.channels.services import _publish_prepared

    due, at = _soon()
    job = _dummy_jobs(people, brand, 1, due=due)[0]
    ahead = _prepared(at)
    ContentItem.objects.filter(pk=job.content_item_id).update(
        text="Clinic closed today.", updated_at=timezone.now()
    )
    _wait_until(due)
    assert _publish_prepared(ahead) == 1
    assert list(network.posts.values()) == ["Clinic closed today."]


def test_the_pause_switch_holds_prepared_posts(people, brand, network):
    from carecast.channels.services import _publish_prepared, publishing_pause

    due, at = _soon()
    job = _dummy_jobs(people, brand, 1, due=due)[0]
    ahead = _prepared(at)
    publishing_pause(actor=people["admin"], reason="Hospital incident: hold every post.")
    _wait_until(due)
    assert _publish_prepared(ahead) == 0
    assert not network.calls and PublishJob.objects.get(pk=job.pk).status == "paused"


def test_jobs_a_stopped_dispatcher_prepared_are_still_sent_once(people, brand, network):
    """A dispatcher that loaded jobs and then stopped (or is slower) holds nothing back: once due,
    any dispatcher claims them, and the one that prepared them finds them taken."""
    from carecast.channels.services import _publish_prepared

    due, at = _soon()
    _dummy_jobs(people, brand, 2, due=due)
    ahead = _prepared(at, by="slow")
    _wait_until(due)
    assert publish_due_batch() == 2
    assert _publish_prepared(ahead) == 0
    assert len(network.posts) == 2 and set(network.calls.values()) == {1}


# --- the built-in brand page: a batch's posts in one insert, read back after a crash -------------


def test_brand_page_posts_of_a_batch_are_written_together_and_recorded(people, brand, monkeypatch):
    from carecast.channels.connectors.brand_page import BrandPageConnector
    from carecast.channels.models import BrandPagePost

    calls = []
    original = BrandPageConnector.publish_batch
    monkeypatch.setattr(
        BrandPageConnector,
        "publish_batch",
        lambda self, posts: calls.append(len(posts)) or original(self, posts),
    )
    jobs = _dummy_jobs(people, brand, 3, due=timezone.now() - timedelta(seconds=1), channel="brand_page")
    assert publish_due_batch() == 3
    assert calls == [3]  # one call (one insert) for the batch
    for job in PublishJob.objects.filter(pk__in=[j.pk for j in jobs]):
        post = BrandPagePost.objects.get(job=job)
        assert job.status == "published" and job.external_id == str(post.pk)
        assert post.text == job.content_item.text and job.attempts.get().outcome == "published"
    assert verify_chain()[1] is None


def test_a_brand_page_batch_that_failed_is_read_back_and_posted_once(people, brand, monkeypatch):
    from carecast.channels.connectors.brand_page import BrandPageConnector
    from carecast.channels.models import BrandPagePost
    from carecast.channels.services import publish_jobs_reconcile

    original = BrandPageConnector.publish_batch

    def fails_once(self, posts):
        monkeypatch.setattr(BrandPageConnector, "publish_batch", original)
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(BrandPageConnector, "publish_batch", fails_once)
    jobs = _dummy_jobs(people, brand, 2, due=timezone.now() - timedelta(seconds=1), channel="brand_page")
    assert publish_due_batch() == 2
    assert set(PublishJob.objects.values_list("status", flat=True)) == {"unconfirmed"}
    assert publish_jobs_reconcile() == 2  # read back: not there, so scheduled again
    assert publish_due_batch() == 2
    assert BrandPagePost.objects.filter(job__in=jobs).count() == 2
    assert set(PublishJob.objects.values_list("status", flat=True)) == {"published"}


def test_a_brand_page_post_whose_record_was_lost_is_found_not_posted_again(people, brand, settings):
    """A worker killed after the page posts were written and before their jobs were recorded."""
    import time_machine

    from carecast.channels.connectors.brand_page import BrandPageConnector
    from carecast.channels.models import BrandPagePost
    from carecast.channels.services import _claim, _payload, publish_due_jobs

    job = _dummy_jobs(people, brand, 1, due=timezone.now() - timedelta(seconds=1), channel="brand_page")[0]
    claimed, _ = _claim(job.pk)
    BrandPageConnector().publish_batch([(claimed, _payload(claimed.content_item, "brand_page"))])
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.PUBLISH_STUCK_AFTER_SECONDS + 60)):
        publish_due_jobs()  # stuck: unconfirmed, read back, found
    job.refresh_from_db()
    post = BrandPagePost.objects.get(job=job)
    assert job.status == "published" and job.external_id == str(post.pk)
