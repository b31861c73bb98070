"""Background work for publishing: thin wrappers that call the engine's services."""

from __future__ import annotations

from datetime import datetime

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, on_startup

from carecast.channels.oauth import channel_account_tokens_refresh, channel_accounts_access_ending_warn
from carecast.channels.services import post_metrics_pull, publish_dispatch, publish_due_jobs, publish_job_run


@on_startup()
def worker_ready() -> None:
    """When a worker starts: load the checker's word lists now, not during the first post's send-time
    check (a second's delay for everything due at that moment), and take up whatever is already due
    (a worker that stopped may have held the only dispatcher)."""
    from carecast.textscan import lexicon

    lexicon.warm()
    publish_dispatch_task.enqueue()


@task
def publish_dispatch_task(at: str = "") -> None:
    """Publish what is due at `at` (ISO time; empty: now). While batches come back full, another
    dispatcher is queued so every worker helps with a busy second."""
    publish_dispatch(
        at=datetime.fromisoformat(at) if at else None,
        on_full=None if HUEY.immediate else (lambda: publish_dispatch_task.enqueue(at)),
        wait=not HUEY.immediate,  # tests run tasks inline: never sleep or fan out there
    )


@task
def publish_job_task(job_id: int) -> None:
    """One job (tasks queued by earlier versions, before dispatchers)."""
    publish_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def publish_due_jobs_periodic() -> None:
    publish_due_jobs()


@db_periodic_task(crontab(minute="17"))
def post_metrics_pull_periodic() -> None:
    post_metrics_pull()


@db_periodic_task(crontab(minute="*/10"))
def channel_account_tokens_refresh_periodic() -> None:
    """OAuth tokens expiring within the hour are renewed now, not when a post is due; owners of
    accesses that cannot be renewed are told a week ahead."""
    channel_account_tokens_refresh()
    channel_accounts_access_ending_warn()
