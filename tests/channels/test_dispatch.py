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


def _dummy_jobs(people, brand, n, *, due):
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
        PublishJob.objects.filter(pk=job.pk).update(channel="dummy", scheduled_for=due, round_at=due)
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
