"""The publishing engine: jobs follow their content item, and each job publishes at most once.

A job is claimed (status `publishing`, committed) before its connector is called, so a second
worker or a repeated task finds nothing to do. Approval is checked again at send time.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from carecast.channels import audit_actions as actions
from carecast.channels.connectors.base import ConnectorError, Media, Payload
from carecast.channels.connectors.registry import get_connector
from carecast.channels.models import BrandPagePost, PublishAttempt, PublishJob
from carecast.content.models import ContentItem
from carecast.core.audit import audit_log

log = logging.getLogger(__name__)
Job = PublishJob.Status
Item = ContentItem.Status
STUCK_AFTER = timedelta(minutes=5)


def publish_jobs_sync(*, item: ContentItem) -> list[PublishJob]:
    """Make the item's jobs match its state: one job at `publish_at` when scheduled, none otherwise.

    Called by the content services inside their transaction.
    """
    from carecast.channels.tasks import publish_job_task

    open_jobs = list(
        PublishJob.objects.select_for_update().filter(
            content_item=item, status__in=[Job.SCHEDULED, Job.PAUSED]
        )
    )
    wanted = item.status == Item.SCHEDULED and item.approval_is_current and item.publish_at is not None
    if not wanted:
        for job in open_jobs:
            job.status = Job.CANCELLED
            job.save(update_fields=["status", "updated_at"])
            audit_log(
                action=actions.JOB_CANCEL,
                obj=job,
                organization=item.organization,
                after={"status": job.status},
                reason="content item no longer scheduled",
            )
        return []
    assert item.publish_at is not None
    if open_jobs:
        job = open_jobs[0]
        if job.scheduled_for != item.publish_at or job.revision != item.revision:
            before = {"scheduled_for": job.scheduled_for, "revision": job.revision}
            job.scheduled_for, job.revision = item.publish_at, item.revision
            job.save(update_fields=["scheduled_for", "revision", "updated_at"])
            audit_log(
                action=actions.JOB_RESCHEDULE,
                obj=job,
                organization=item.organization,
                before=before,
                after={"scheduled_for": job.scheduled_for, "revision": job.revision},
            )
            publish_job_task.using(run_after=job.scheduled_for).enqueue(job.pk)
        return [job]
    job = PublishJob.objects.create(
        organization=item.organization,
        content_item=item,
        brand=item.brand,
        channel="brand_page",
        revision=item.revision,
        scheduled_for=item.publish_at,
    )
    audit_log(
        action=actions.JOB_CREATE,
        obj=job,
        organization=item.organization,
        after={"scheduled_for": job.scheduled_for, "channel": job.channel, "revision": job.revision},
    )
    publish_job_task.using(run_after=job.scheduled_for).enqueue(job.pk)
    return [job]


def _claim(job_id: int) -> tuple[PublishJob, PublishAttempt] | None:
    now = timezone.now()
    with transaction.atomic():
        job = (
            PublishJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=Job.SCHEDULED, scheduled_for__lte=now)
            .first()
        )
        if job is None:
            return None
        job.status = Job.PUBLISHING
        job.attempt_count = F("attempt_count") + 1
        job.save(update_fields=["status", "attempt_count", "updated_at"])
        attempt = PublishAttempt.objects.create(job=job, started_at=now)
    job.refresh_from_db()
    return job, attempt


def _send_time_problem(job: PublishJob, item: ContentItem) -> str:
    if item.status != Item.SCHEDULED:
        return f"the content item is {item.get_status_display().lower()}, not scheduled"
    if item.approved_revision != item.revision or item.revision != job.revision:
        return "the content changed after it was approved; it needs a new approval"
    if not item.approval_is_current:
        return "its approval expired; submit it for review again"
    from carecast.compliance.checks import publish_blockers  # the compliance gate, checked at send time

    blockers = publish_blockers(item)
    return blockers[0] if blockers else ""


def publish_job_run(*, job_id: int) -> PublishJob | None:
    """Publish one due job. Returns the job, or None when there was nothing to do (not due, or taken)."""
    claimed = _claim(job_id)
    if claimed is None:
        return None
    job, attempt = claimed
    connector = get_connector(job.channel)
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=job.content_item_id)
        problem = _send_time_problem(job, item)
        if problem:
            return _finish_failed(job, attempt, item, f"Not published: {problem}.", cancel=True)
        now = timezone.now()
        job.published_at = now
        payload = Payload(
            text=item.text,
            media=(Media(path=item.image.name or "", alt_text=item.alt_text),) if item.image else (),
        )
        try:
            with transaction.atomic():
                result = connector.publish(job, payload)
        except ConnectorError as exc:
            return _finish_failed(job, attempt, item, f"The channel refused the post: {exc}")
        job.status = Job.PUBLISHED
        job.external_id, job.external_url = result.external_id, result.url
        job.last_error = ""
        job.save(
            update_fields=[
                "status",
                "published_at",
                "external_id",
                "external_url",
                "last_error",
                "updated_at",
            ]
        )
        attempt.finished_at, attempt.outcome = now, "published"
        attempt.save(update_fields=["finished_at", "outcome"])
        item.status = Item.PUBLISHED
        item.save(update_fields=["status", "updated_at"])
        audit_log(
            action=actions.JOB_PUBLISHED,
            obj=job,
            organization=item.organization,
            before={"status": Job.PUBLISHING},
            after={
                "status": job.status,
                "external_id": job.external_id,
                "lateness_seconds": (now - job.scheduled_for).total_seconds(),
            },
        )
    log.info("published job %s on %s", job.pk, job.channel, extra={"job_id": job.pk})
    return job


def _finish_failed(
    job: PublishJob, attempt: PublishAttempt, item: ContentItem, message: str, *, cancel: bool = False
) -> PublishJob:
    job.status = Job.CANCELLED if cancel else Job.FAILED
    job.last_error = message
    job.published_at = None
    job.save(update_fields=["status", "last_error", "published_at", "updated_at"])
    attempt.finished_at, attempt.outcome, attempt.error = timezone.now(), job.status, message
    attempt.save(update_fields=["finished_at", "outcome", "error"])
    if not cancel:
        item.status = Item.FAILED
        item.save(update_fields=["status", "updated_at"])
    audit_log(
        action=actions.JOB_CANCEL if cancel else actions.JOB_FAILED,
        obj=job,
        organization=item.organization,
        after={"status": job.status},
        reason=message,
    )
    log.warning("publish job %s ended %s", job.pk, job.status, extra={"job_id": job.pk})
    return job


def publish_due_jobs(*, limit: int = 500) -> int:
    """The safety net behind per-job tasks: publish whatever is due, and settle jobs a crash left behind."""
    _settle_stuck_jobs()
    due = list(
        PublishJob.objects.filter(status=Job.SCHEDULED, scheduled_for__lte=timezone.now())
        .order_by("scheduled_for")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for job_id in due if publish_job_run(job_id=job_id) is not None)


def _settle_stuck_jobs() -> None:
    """A worker killed mid-publish leaves a job `publishing`. For the built-in channel the post and
    the job commit together, so the absence of a post proves it never went out: schedule it again."""
    cutoff = timezone.now() - STUCK_AFTER
    for job in PublishJob.objects.filter(status=Job.PUBLISHING, updated_at__lt=cutoff, channel="brand_page"):
        with transaction.atomic():
            if BrandPagePost.objects.filter(job=job).exists():
                continue
            PublishJob.objects.filter(pk=job.pk, status=Job.PUBLISHING).update(status=Job.SCHEDULED)
