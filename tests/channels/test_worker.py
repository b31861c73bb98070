"""The real Huey consumer, on whatever queue storage the run configures (SqliteHuey or RedisHuey).

Run by `make test` with HUEY_IMMEDIATE=0, once on SQLite + SqliteHuey and once on PostgreSQL + RedisHuey.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from carecast.channels.models import BrandPagePost, PublishJob
from carecast.content.models import ContentItem
from tests.factories import approved_item, make_due

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_worker():
    """Start a real consumer (two worker threads and the periodic scheduler) when the test says so."""
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        pytest.fail("worker tests need a real queue: run them with HUEY_IMMEDIATE=0 (make test does)")
    from carecast.textscan import lexicon, scan

    lexicon.warm()  # load the dictionaries now, so approving a post takes milliseconds, not seconds
    scan("Warm up: call Jane Doe at 617-555-0148 about the flu clinic this week, it is open late.")
    HUEY.flush()
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    started = []

    def start():
        worker = HUEY.create_consumer(
            workers=2,
            worker_type="thread",
            periodic=True,
            check_worker_health=False,
            initial_delay=0.05,
            max_delay=0.2,
        )
        worker.start()
        started.append(worker)
        return HUEY

    try:
        yield start
    finally:
        for worker in started:
            worker.stop(graceful=True)
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        HUEY.flush()


@pytest.fixture
def consumer(start_worker):
    return start_worker()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_publishes_a_scheduled_post_at_its_time(consumer, people, brand):
    due = timezone.now() + timedelta(seconds=2)
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=due,
        text="Clinic open on the holiday.",
    )
    job = PublishJob.objects.get(content_item=item)
    assert wait_for(lambda: PublishJob.objects.get(pk=job.pk).status == "published"), "not published in time"
    job.refresh_from_db()
    assert job.published_at >= due
    assert ContentItem.objects.get(pk=item.pk).status == "published"
    assert BrandPagePost.objects.filter(job=job).count() == 1


def test_a_task_for_a_moved_post_does_not_publish_early(consumer, people, brand):
    due = timezone.now() + timedelta(seconds=4)
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=due
    )
    from carecast.content import services

    services.content_item_schedule(
        actor=people["contributor"], item=item, publish_at=due + timedelta(hours=1)
    )
    # The first task fires at `due` and must find nothing to do.
    assert not wait_for(lambda: PublishJob.objects.get(content_item=item).status != "scheduled", timeout=8)
    assert not BrandPagePost.objects.exists()


def test_the_periodic_sweeper_publishes_a_due_job_whose_task_was_lost(start_worker, people, brand):
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=timezone.now() + timedelta(hours=1),
    )
    from huey.contrib.djhuey import HUEY

    HUEY.flush()  # the queue lost the job's task (e.g. Redis was wiped)
    make_due(item, ago=timedelta(minutes=1))
    start_worker()  # the scheduler runs the minute's periodic tasks at start
    assert wait_for(lambda: PublishJob.objects.get(content_item=item).status == "published")
