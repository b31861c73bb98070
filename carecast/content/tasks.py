"""Hourly blog import and evergreen filling, and the Monday cadence digest."""

from __future__ import annotations

import logging

from django.tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from carecast.content.exchange import content_import_run, content_imports_settle_stalled
from carecast.content.planning import blog_import, cadence_digest_send, evergreen_fill
from carecast.core.errors import ValidationError
from carecast.core.models import Organization

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17"))
def blog_import_periodic() -> None:
    for org in Organization.objects.exclude(blog_feed_url=""):
        try:
            blog_import(organization=org)
        except ValidationError:
            log.warning("blog feed of organisation %s could not be read", org.pk)


@db_periodic_task(crontab(day_of_week="1", hour="13", minute="0"))
def cadence_digest_periodic() -> None:
    cadence_digest_send()


@db_periodic_task(crontab(minute="23"))
def evergreen_fill_periodic() -> None:
    """Every hour: fill the coming week's free evergreen slots."""
    evergreen_fill()


@task
def content_import_task(import_id: int) -> None:
    content_import_run(import_id=import_id)


@db_periodic_task(crontab(minute="*/10"))
def content_imports_settle_stalled_periodic() -> None:
    content_imports_settle_stalled()
