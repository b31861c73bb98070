from __future__ import annotations

import csv
import io
import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from carecast.core import audit
from carecast.core.audit import UnknownAuditAction, audit_log, verify_chain
from carecast.core.models import AuditEntry
from tests.factories import approved_item


@pytest.fixture
def chain(people, brand):
    """A real history: a post drafted, submitted and approved (several entries)."""
    approved_item(author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand)
    return list(AuditEntry.objects.order_by("pk"))


def test_only_registered_actions_are_accepted(db):
    with pytest.raises(UnknownAuditAction):
        audit_log(action="content.made_up")
    assert not AuditEntry.objects.exists()


def test_every_entry_records_who_what_and_links_to_the_previous(chain, people):
    assert [e.action for e in chain] == [
        "content.create",
        "workflow.create",
        "content.submit",
        "review.start",
        "review.step_approve",
        "content.approve",
    ]
    approve = next(e for e in chain if e.action == "content.approve")
    assert approve.actor == people["medical_reviewer"]
    assert approve.organization == people["medical_reviewer"].organization
    assert approve.object_type == "content.contentitem"
    assert approve.before["status"] == "in_review" and approve.after["status"] == "approved"
    for previous, entry in itertools.pairwise(chain):
        assert entry.prev_hash == previous.hash


def test_request_id_and_client_address_are_recorded(client, people, brand):
    client.force_login(people["contributor"])
    response = client.post(
        "/create/",
        {"brand": brand.pk, "kind": "post", "title": "Hours", "text": "Open late Thursdays."},
        HTTP_X_REQUEST_ID="req-1234567890",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="content.create")
    assert entry.request_id == "req-1234567890"
    assert entry.client_ip == "203.0.113.9"


def test_entries_cannot_be_changed_or_deleted_through_the_model(chain):
    entry = chain[0]
    entry.reason = "tampered"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_intact_chain_verifies(chain):
    checked, problem = verify_chain()
    assert problem is None
    assert checked == len(chain)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert f"{len(chain)} entries verified" in out.getvalue()


def test_entries_with_awkward_values_verify(people, brand):
    """The append hashes text it put together ahead of time; it must match what verification rebuilds."""
    from datetime import UTC, datetime

    audit_log(
        action="content.create",
        actor=people["contributor"],
        obj=brand,
        before={"title": 'Café "Été" \\ ünïcode ✓', "nested": {"z": 1, "a": [1, "x"]}},
        after={"when": datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "none": None, "ratio": 0.5},
        reason="line one\nline two, with \u2028 and 'quotes'",
    )
    audit_log(action="content.create", reason="")  # no actor, no object, no organisation
    checked, problem = verify_chain()
    assert problem is None and checked == 2
    entry = AuditEntry.objects.get(actor=people["contributor"])
    assert entry.before["title"] == 'Café "Été" \\ ünïcode ✓'
    assert entry.after["when"] == "2026-12-04T09:00:00Z"


def test_the_digest_of_rows_already_written_does_not_change():
    """Rows written by earlier versions must still verify: the hash of a fixed entry is pinned."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    entry = SimpleNamespace(
        prev_hash="a" * 64,
        organization_id=7,
        actor_id=None,
        actor_label="system",
        action="publish_job.published",
        object_type="channels.publishjob",
        object_id="12",
        object_repr='Café "x" → dummy',
        before={"status": "publishing", "n": {"z": 1, "a": [1, "é"]}},
        after={"status": "published", "lateness_seconds": 0.25},
        reason="line\nwith 'quotes' \u2028",
        request_id="req-1",
        client_ip="203.0.113.9",
        created_at=datetime(2026, 12, 4, 9, 0, 0, 123, tzinfo=UTC),
    )
    assert audit.entry_digest(entry) == "aa77d652cb83c62bedb6c4601d0441d6c55e3c153a56a239e44d2ea8ab65051e"


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_edited_row_is_named(chain):
    target = chain[2]
    _raw("UPDATE core_auditentry SET reason = %s WHERE id = %s", ["edited by hand", target.pk])
    checked, problem = verify_chain()
    assert problem is not None and problem.entry_id == target.pk
    assert checked == 2
    with pytest.raises(CommandError, match=f"entry #{target.pk}"):
        call_command("audit_verify")


def test_a_deleted_row_is_caught_at_the_next_entry(chain):
    target = chain[1]
    _raw("DELETE FROM core_auditentry WHERE id = %s", [target.pk])
    _, problem = verify_chain()
    assert problem is not None and problem.entry_id == chain[2].pk


def test_deleting_the_newest_rows_is_caught(chain):
    _raw("DELETE FROM core_auditentry WHERE id = %s", [chain[-1].pk])
    _, problem = verify_chain()
    assert problem is not None and "newest entries were removed" in problem.message


def test_a_rewritten_row_with_a_recomputed_hash_still_breaks_the_next_link(chain):
    target = chain[1]
    target.reason = "forged"
    forged = audit.entry_digest(target)
    _raw("UPDATE core_auditentry SET reason = %s, hash = %s WHERE id = %s", ["forged", forged, target.pk])
    _, problem = verify_chain()
    assert problem is not None and problem.entry_id == chain[2].pk


def test_audit_page_filters_and_exports_csv(client, people, chain):
    admin = people["admin"]
    client.force_login(admin)
    page = client.get("/audit/", {"action": "content.approve"})
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 1
    response = client.get("/audit/export.csv", {"action": "content.submit"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "time_utc", "actor", "action"]
    assert [r[3] for r in rows[1:]] == ["content.submit"]
    assert AuditEntry.objects.filter(action="audit.export", actor=admin).exists()


def test_audit_page_refuses_roles_without_access(client, people, chain):
    client.force_login(people["contributor"])
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
