"""The audit log: registered action names, hash-chained append, and chain verification.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own content, so
editing or deleting any row breaks the chain from that row on; `AuditChainHead` keeps the newest
hash, so removing the last rows is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from carecast.core import context
from carecast.core.bulk import Statement, insert_columns, insert_statement
from carecast.core.models import AuditChainHead, AuditEntry, Organization

GENESIS = "0" * 64
_ACTIONS: dict[str, str] = {}


class UnknownAuditAction(ValueError):
    pass


def register_action(name: str, description: str) -> str:
    """Declare an action name (`<area>.<verb>`); only registered names can be written."""
    _ACTIONS[name] = description
    return name


def registered_actions() -> dict[str, str]:
    return dict(sorted(_ACTIONS.items()))


_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> Any:
    """The value as JSON will give it back (dates as strings...); flat plain dicts pass as they are."""
    if value is None or (isinstance(value, dict) and all(isinstance(v, _PLAIN) for v in value.values())):
        return value
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def entry_digest(entry: Any) -> str:
    """SHA-256 over the previous hash and the entry's content, as canonical JSON (any object with
    the entry's attributes: a saved row, or one about to be written)."""
    return _digest(_digest_parts(entry), _time_member(entry.created_at), entry.prev_hash)


def _members(content: dict[str, Any]) -> str:
    """Members of canonical JSON (sorted keys, no spaces), as json.dumps writes them, without braces."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)[1:-1]


def _digest_parts(entry: Any) -> tuple[str, str, str]:
    """The digest's canonical JSON but for the time and the previous hash, which only exist under
    the chain head's lock: its members before `created_at`, between it and `prev`, and after `prev`
    (the keys in sorted order)."""
    before_time = {
        "action": entry.action,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "after": entry.after,
        "before": entry.before,
        "client_ip": entry.client_ip,
    }
    before_prev = {
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "object_type": entry.object_type,
        "organization": entry.organization_id,
    }
    after_prev = {"reason": entry.reason, "request_id": entry.request_id}
    return _members(before_time), _members(before_prev), _members(after_prev)


def _time_member(created_at: Any) -> str:
    return _members({"created_at": created_at.isoformat(timespec="microseconds")})


def _digest(parts: tuple[str, str, str], time_member: str, prev: str) -> str:
    before_time, before_prev, after_prev = parts
    raw = f'{{{before_time},{time_member},{before_prev},"prev":{json.dumps(prev)},{after_prev}}}'
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Record:
    """One entry to append: what changed, on what, by whom, and why."""

    action: str
    obj: models.Model | None = None
    organization: Organization | None = None
    actor: Any = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""


def _actor_label(actor: Any, *, authenticated: bool) -> str:
    return actor.get_username() if authenticated else (str(actor) if actor else "system")


def audit_log(
    *,
    action: str,
    actor: Any = None,
    organization: Organization | None = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Append one entry. Call inside the service's transaction: the change and its record commit together."""
    audit_log_many([Record(action, obj, organization, actor, before, after, reason)])


def audit_log_many(records: list[Record]) -> None:
    """Append entries in order under one lock of the chain head (an engine that changes hundreds of
    rows in one transaction writes their entries together)."""
    audit_append(audit_prepare(records))


_CHAINED = ("created_at", "prev_hash", "hash")  # the columns only the append can fill


@dataclass
class PreparedEntries:
    """Entries ready to chain: their row values and their digests' text but for the time and the
    previous hash, which only exist under the chain head's lock."""

    statement: Statement
    digest_parts: list[tuple[str, str, str]]
    slots: tuple[int, int, int]  # where created_at, prev_hash and hash go in each row's parameters


def audit_prepare(records: list[Record]) -> PreparedEntries:
    """Everything of the entries but the chain's hashes and time: work that need not hold the chain
    head's lock (or, on SQLite, the one write lock), so a busy caller can do it first."""
    unknown = sorted({r.action for r in records} - _ACTIONS.keys())
    if unknown:
        raise UnknownAuditAction(f"{', '.join(map(repr, unknown))}: not a registered audit action")
    ctx = context.current()
    entries = []
    parts = []
    for r in records:
        organization = r.organization
        if organization is None and r.obj is not None:
            organization = getattr(r.obj, "organization", None)
        authenticated = r.actor is not None and getattr(r.actor, "is_authenticated", False)
        entry = SimpleNamespace(
            organization_id=organization.pk if organization is not None else None,
            actor_id=r.actor.pk if authenticated else None,
            actor_label=_actor_label(r.actor, authenticated=authenticated),
            action=r.action,
            object_type=r.obj._meta.label_lower if r.obj is not None else "",
            object_id=str(r.obj.pk) if r.obj is not None else "",
            object_repr=str(r.obj)[:200] if r.obj is not None else "",
            before=_jsonable(r.before),
            after=_jsonable(r.after),
            reason=r.reason,
            request_id=ctx.request_id,
            client_ip=ctx.client_ip,
            created_at=None,
            prev_hash="",
            hash="",
        )
        parts.append(_digest_parts(entry))
        entries.append(entry)
    statement = insert_statement(AuditEntry, entries, prepared=_CHAINED)
    columns = insert_columns(AuditEntry)
    slots = (columns.index("created_at"), columns.index("prev_hash"), columns.index("hash"))
    return PreparedEntries(statement, parts, slots)


def audit_append(prepared: PreparedEntries) -> None:
    """Chain prepared entries onto the log, in order, under one lock of the chain head."""
    if not prepared.digest_parts:
        return
    created_slot, prev_slot, hash_slot = prepared.slots
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        prev = head.last_hash
        now = timezone.now()
        created = AuditEntry._meta.get_field("created_at").get_db_prep_save(now, connection)
        time_member = _time_member(now)  # one time for the whole segment
        for parts, row in zip(prepared.digest_parts, prepared.statement.params, strict=True):
            row[created_slot], row[prev_slot] = created, prev
            row[hash_slot] = prev = _digest(parts, time_member, prev)
        prepared.statement.run()  # ids follow the list's order, which is the chain's
        head.last_hash = prev
        head.save(update_fields=["last_hash"])


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str


def verify_chain(*, batch_size: int = 2000) -> tuple[int, ChainProblem | None]:
    """Walk the whole log in order. Returns (entries checked, first problem or None)."""
    prev = GENESIS
    checked = 0
    last_id: int | None = None
    for entry in _iter_entries(batch_size):
        if entry.prev_hash != prev:
            return checked, ChainProblem(
                entry.pk,
                f"entry #{entry.pk} does not follow the previous entry: one before it was removed or changed",
            )
        if entry_digest(entry) != entry.hash:
            return checked, ChainProblem(
                entry.pk, f"entry #{entry.pk} ({entry.action}) was changed after it was written"
            )
        prev = entry.hash
        last_id = entry.pk
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    head_hash = head.last_hash if head else GENESIS
    if head_hash != prev:
        after = f"after entry #{last_id}" if last_id else "at the start"
        return checked, ChainProblem(
            None, f"the newest entries were removed: the chain ends {after} but was longer"
        )
    return checked, None


def _iter_entries(batch_size: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(AuditEntry.objects.filter(pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk
