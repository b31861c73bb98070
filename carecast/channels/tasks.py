"""Background work for publishing: thin wrappers that call the engine's services."""

from __future__ import annotations

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from carecast.channels.services import post_metrics_pull, publish_due_jobs, publish_job_run


@task
def publish_job_task(job_id: int) -> None:
    publish_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def publish_due_jobs_periodic() -> None:
    publish_due_jobs()


@db_periodic_task(crontab(minute="17"))
def post_metrics_pull_periodic() -> None:
    post_metrics_pull()
