"""Review reminders and escalation: hourly, thin."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from carecast.compliance.services import review_reminders_send


@db_periodic_task(crontab(minute="7"))
def review_reminders_periodic() -> None:
    review_reminders_send()
