from __future__ import annotations

from datetime import timedelta

import feedparser
import time_machine
from django.utils import timezone

from carecast.channels.models import BrandPagePost, PublishJob
from carecast.channels.services import publish_due_jobs, publish_job_run
from carecast.content import services
from carecast.content.models import ContentItem
from tests.factories import approved_item


def test_due_job_publishes_once_to_the_brand_page(people, brand, later):
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=later,
        text="Flu shots are here.",
    )
    job = PublishJob.objects.get(content_item=item)
    assert publish_job_run(job_id=job.pk) is None  # not due yet
    with time_machine.travel(later + timedelta(seconds=1)):
        assert publish_due_jobs() == 1
        assert publish_due_jobs() == 0
        assert publish_job_run(job_id=job.pk) is None  # a repeated task finds nothing to do
    job.refresh_from_db()
    item.refresh_from_db()
    assert job.status == "published" and job.attempt_count == 1
    assert item.status == ContentItem.Status.PUBLISHED
    post = BrandPagePost.objects.get()
    assert post.text == "Flu shots are here."
    assert job.external_url == f"/b/{brand.slug}/posts/{post.pk}/"


def test_an_approval_that_no_longer_covers_the_text_does_not_publish(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    job = PublishJob.objects.get(content_item=item)
    # Simulate a change that bypassed the services (e.g. a bad data fix): the send-time check still holds.
    ContentItem.objects.filter(pk=item.pk).update(revision=2)
    with time_machine.travel(later + timedelta(seconds=1)):
        publish_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled" and "needs a new approval" in job.last_error
    assert not BrandPagePost.objects.exists()


def test_public_page_and_atom_feed(client, people, brand, later):
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=later,
        text="Free CPR class on Saturday.\nEveryone welcome.",
    )
    with time_machine.travel(later + timedelta(seconds=1)):
        publish_due_jobs()
    page = client.get(f"/b/{brand.slug}/")
    assert page.status_code == 200 and b"Free CPR class on Saturday." in page.content
    feed = feedparser.parse(client.get(f"/b/{brand.slug}/feed.atom").content)
    assert feed.bozo == 0
    assert feed.feed.title == brand.name
    assert [e.title for e in feed.entries] == ["Free CPR class on Saturday."]
    entry = feed.entries[0]
    assert "Everyone welcome." in entry.summary
    assert entry.link.endswith(f"/b/{brand.slug}/posts/{BrandPagePost.objects.get().pk}/")
    assert (
        abs((timezone.datetime(*entry.published_parsed[:6], tzinfo=timezone.UTC) - later).total_seconds()) < 5
    )
    assert item.pk


def test_a_job_left_publishing_by_a_crash_is_scheduled_again(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    job = PublishJob.objects.get(content_item=item)
    PublishJob.objects.filter(pk=job.pk).update(status="publishing")  # the worker died after claiming it
    with time_machine.travel(later + timedelta(minutes=10)):
        assert publish_due_jobs() == 1
    job.refresh_from_db()
    assert job.status == "published" and BrandPagePost.objects.filter(job=job).count() == 1


def test_unscheduling_cancels_the_job(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    services.content_item_schedule(actor=people["contributor"], item=item, publish_at=None)
    assert PublishJob.objects.get(content_item=item).status == "cancelled"
    with time_machine.travel(later + timedelta(seconds=1)):
        assert publish_due_jobs() == 0
