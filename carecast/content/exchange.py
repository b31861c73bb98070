"""Content in and out of carecast: the iCalendar subscription feed and CSV export and import."""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import icalendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carecast.accounts.models import CalendarFeed, User
from carecast.accounts.permissions import Action, require
from carecast.content import audit_actions as actions
from carecast.content.models import ContentImport, ContentItem
from carecast.content.selectors import content_items_visible
from carecast.content.services import content_item_create
from carecast.core.audit import audit_log
from carecast.core.errors import CarecastError, ValidationError
from carecast.core.models import Brand
from carecast.core.timeutil import parse_local_datetime, require_future

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- iCalendar


def calendar_feed_token(*, user: User, reset: bool = False) -> str:
    """The person's private feed token; `reset` revokes the old link and makes a new one."""
    require(user, Action.CONTENT_VIEW)
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None and not reset:
        return feed.token
    with transaction.atomic():
        token = secrets.token_urlsafe(32)
        CalendarFeed.objects.update_or_create(user=user, defaults={"token": token})
        audit_log(action=actions.CALENDAR_FEED_RESET, actor=user, organization=user.organization, obj=user)
    return token


def calendar_feed_ics(*, token: str) -> bytes | None:
    """The items with a publish time that the token's owner can see, as an iCalendar file."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active or feed.user.organization_id is None:
        return None
    user = feed.user
    cal = icalendar.Calendar()
    cal.add("prodid", "-//carecast//editorial calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"carecast: {user.tenant.name}")
    for item in content_items_visible(user=user).exclude(publish_at=None).order_by("publish_at"):
        assert item.publish_at is not None
        event = icalendar.Event()
        event.add("uid", f"content-{item.pk}@carecast")
        event.add("summary", f"{item.title} ({item.get_status_display()})")
        event.add("dtstart", item.publish_at)
        event.add("dtend", item.publish_at + timedelta(minutes=15))
        event.add("dtstamp", item.updated_at)
        event.add("description", f"{item.brand.name} · {item.get_status_display()}")
        event.add("url", f"{settings.SITE_URL}/content/{item.pk}/")
        cal.add_component(event)
    return cal.to_ical()


# ---------------------------------------------------------------- CSV

CSV_COLUMNS = ["title", "brand", "kind", "status", "publish_at_local", "text", "alt_text", "campaign"]
IMPORT_COLUMNS = ["title", "brand", "text", "publish_at_local"]
MAX_IMPORT_ROWS = 2000


def content_csv_export(*, user: User) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    tz = user.tenant.tz
    items = content_items_visible(user=user).select_related("campaign").order_by("publish_at", "pk")
    for item in items:
        writer.writerow(
            [
                item.title,
                item.brand.slug,
                item.kind,
                item.status,
                item.publish_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if item.publish_at else "",
                item.text,
                item.alt_text,
                item.campaign.name if item.campaign else "",
            ]
        )
    return out.getvalue()


@dataclass
class ImportPreview:
    rows: list[dict[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def good(self) -> list[dict[str, str]]:
        bad = {str(line) for line, _ in self.errors}
        return [r for r in self.rows if r["line"] not in bad]


def content_csv_preview(*, user: User, data: str) -> ImportPreview:
    """Check every row without saving anything; the person then confirms the good rows."""
    require(user, Action.CONTENT_CREATE)
    preview = ImportPreview()
    reader = csv.DictReader(io.StringIO(data))
    missing = [c for c in ("title", "brand", "text") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            f"The CSV needs the columns {', '.join(IMPORT_COLUMNS)}; missing: {', '.join(missing)}.",
            field="file",
        )
    brands = {b.slug: b for b in Brand.objects.filter(organization_id=user.tenant_id)}
    for index, raw in enumerate(reader, start=2):  # line 1 is the header
        if index - 1 > MAX_IMPORT_ROWS:
            preview.errors.append((index, f"More than {MAX_IMPORT_ROWS} rows; split the file."))
            break
        row = {
            "line": str(index),
            "title": (raw.get("title") or "").strip(),
            "brand": (raw.get("brand") or "").strip(),
            "text": (raw.get("text") or "").strip(),
            "publish_at_local": (raw.get("publish_at_local") or "").strip(),
        }
        preview.rows.append(row)
        problems = []
        if not row["title"]:
            problems.append("no title")
        if not row["text"]:
            problems.append("no text")
        if row["brand"] not in brands:
            problems.append(f"unknown brand {row['brand']!r}")
        if row["publish_at_local"]:
            try:
                require_future(parse_local_datetime(row["publish_at_local"], user.tenant.tz))
            except CarecastError as exc:
                problems.append(str(exc))
        if problems:
            preview.errors.append((index, "; ".join(problems)))
    return preview


def content_csv_import(
    *, user: User, data: str, progress: Callable[[int, int], None] | None = None
) -> list[ContentItem]:
    """Create drafts from the good rows, all or none. `progress(done, total)` is told every 50 rows."""
    preview = content_csv_preview(user=user, data=data)
    brands = {b.slug: b for b in Brand.objects.filter(organization_id=user.tenant_id)}
    total = len(preview.good)
    items = []
    with transaction.atomic():
        for row in preview.good:
            items.append(
                content_item_create(
                    actor=user,
                    brand=brands[row["brand"]],
                    title=row["title"],
                    text=row["text"],
                    publish_at=parse_local_datetime(row["publish_at_local"], user.tenant.tz)
                    if row["publish_at_local"]
                    else None,
                )
            )
            if progress is not None and (len(items) % 50 == 0 or len(items) == total):
                progress(len(items), total)
        audit_log(
            action=actions.CONTENT_IMPORT,
            actor=user,
            organization=user.organization,
            after={"created": len(items), "skipped_lines": [line for line, _ in preview.errors]},
        )
    return items


def content_import_start(*, user: User, data: str) -> ContentImport:
    """Queue a confirmed import (checked again when it runs); the person watches it on its page."""
    preview = content_csv_preview(user=user, data=data)
    if not preview.good:
        raise ValidationError("Nothing to import: every row has a problem.", field="file")
    with transaction.atomic():
        run = ContentImport.objects.create(
            organization=user.tenant, created_by=user, data=data, total=len(preview.good)
        )
        audit_log(
            action=actions.CONTENT_IMPORT_QUEUE,
            actor=user,
            obj=run,
            after={"rows": len(preview.good), "skipped_lines": [line for line, _ in preview.errors]},
        )
    _enqueue_import(run.pk)  # after the commit: the worker must find the row
    return run


def _enqueue_import(import_id: int) -> None:
    from carecast.content.tasks import content_import_task

    content_import_task.enqueue(import_id)


def _progress_key(import_id: int) -> str:
    return f"carecast-content-import-{import_id}"


def import_progress(run: ContentImport) -> int:
    """Rows created so far. While the import's transaction is open its rows are invisible to others,
    so the worker reports the count through the task queue's own store (Huey's), not the database."""
    from huey.contrib.djhuey import HUEY

    if run.status != ContentImport.Status.RUNNING:
        return run.created
    return int(HUEY.get(_progress_key(run.pk), peek=True) or 0)


def content_import_run(*, import_id: int) -> ContentImport:
    """Run a queued import in the worker: all drafts in one transaction, progress reported as it goes."""
    from huey.contrib.djhuey import HUEY

    run = ContentImport.objects.select_related("created_by").get(pk=import_id)
    started = ContentImport.objects.filter(pk=run.pk, status=ContentImport.Status.QUEUED).update(
        status=ContentImport.Status.RUNNING, updated_at=timezone.now()
    )
    if not started:
        return run  # a repeated task: it already ran, or is running in another worker
    run.status = ContentImport.Status.RUNNING
    key = _progress_key(run.pk)
    try:
        items = content_csv_import(
            user=run.created_by, data=run.data, progress=lambda done, total: HUEY.put(key, done)
        )
    except Exception as exc:  # nothing was created: the transaction rolled back
        log.warning("CSV import %s failed: %s", run.pk, type(exc).__name__)
        message = (
            str(exc) if isinstance(exc, CarecastError) else "Something went wrong; nothing was imported."
        )
        run.status, run.message = ContentImport.Status.FAILED, message[:300]
        audit_log(action=actions.CONTENT_IMPORT_FAIL, obj=run, reason=run.message)
    else:
        run.status, run.created = ContentImport.Status.DONE, len(items)
    HUEY.get(key)  # forget the count
    run.data, run.finished_at = "", timezone.now()  # the drafts hold the words now; the upload goes
    run.save(update_fields=["status", "created", "message", "data", "finished_at", "updated_at"])
    return run


def content_imports_settle_stalled(*, after: timedelta = timedelta(minutes=15)) -> int:
    """An import whose worker died mid-way rolled back (nothing was created) but still says it is
    running: after `after`, say plainly that it failed, so its page stops waiting."""
    stalled = ContentImport.objects.filter(
        status=ContentImport.Status.RUNNING, updated_at__lt=timezone.now() - after
    )
    settled = 0
    for run in list(stalled):
        message = (
            "The import stopped part-way (its worker restarted); nothing was imported. Upload the file again."
        )
        with transaction.atomic():
            changed = ContentImport.objects.filter(pk=run.pk, status=ContentImport.Status.RUNNING).update(
                status=ContentImport.Status.FAILED,
                message=message,
                data="",
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
            if changed:
                audit_log(action=actions.CONTENT_IMPORT_FAIL, obj=run, reason=message)
                settled += 1
    return settled
