from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from carecast.channels.models import BrandPagePost, PublishJob
from carecast.channels.services import publish_due_jobs
from carecast.compliance import services as review
from carecast.compliance.models import StepRun, WorkflowRun
from carecast.compliance.services import Signature, StepSpec
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import AuditEntry
from tests.factories import PASSWORD, make_user

Status = ContentItem.Status


@pytest.fixture
def mlr(people):
    """Medical, then legal, then regulatory: each its own role, each signed."""
    return review.workflow_save(
        actor=people["admin"],
        name="MLR",
        content_kind="post",
        steps=[
            StepSpec(name="Medical", kind="medical", reviewer_role="medical_reviewer"),
            StepSpec(name="Legal", kind="legal", reviewer_role="legal_reviewer"),
            StepSpec(name="Regulatory", kind="regulatory", reviewer_role="regulatory_reviewer"),
        ],
    )


def signed(reason="Checked against the label"):
    return Signature(reason=reason, password=PASSWORD)


def draft(people, brand, **kw):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Statins", text="Ask your doctor about statins.", **kw
    )
    return review.content_item_submit(actor=people["contributor"], item=item)


def test_steps_run_in_order_each_by_its_own_reviewers(people, brand, mlr, later):
    item = draft(people, brand, publish_at=later)
    with pytest.raises(PermissionDenied, match="Medical step is reviewed by Medical reviewer"):
        review.content_item_approve(actor=people["legal_reviewer"], item=item, revision=1, signature=signed())
    assert [i for i, _ in review.review_queue(user=people["medical_reviewer"])] == [item]
    assert review.review_queue(user=people["legal_reviewer"]) == []
    review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=1, signature=signed())
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and item.approved_revision is None
    assert [i for i, _ in review.review_queue(user=people["legal_reviewer"])] == [item]
    review.content_item_approve(actor=people["legal_reviewer"], item=item, revision=1, signature=signed())
    review.content_item_approve(
        actor=people["regulatory_reviewer"], item=item, revision=1, signature=signed()
    )
    item.refresh_from_db()
    assert item.status == Status.SCHEDULED and item.approved_revision == 1
    assert PublishJob.objects.filter(content_item=item, status="scheduled").count() == 1
    run = WorkflowRun.objects.get(item=item)
    assert run.status == "approved"
    assert [s.status for s in run.step_runs.all()] == ["approved"] * 3


def test_a_signature_needs_the_password_and_a_reason(people, brand, mlr):
    item = draft(people, brand)
    reviewer = people["medical_reviewer"]
    with pytest.raises(ValidationError, match="needs your signature"):
        review.content_item_approve(actor=reviewer, item=item, revision=1)
    with pytest.raises(ValidationError, match="not right"):
        review.content_item_approve(
            actor=reviewer, item=item, revision=1, signature=Signature(reason="ok", password="wrong password")
        )
    assert StepRun.objects.get(run__item=item, step__name="Medical").approvals.count() == 0
    assert AuditEntry.objects.filter(action="review.signature_failed", actor=reviewer).exists()
    review.content_item_approve(actor=reviewer, item=item, revision=1, signature=signed("Dose is on label"))
    entry = AuditEntry.objects.get(action="review.step_approve")
    assert entry.reason == "Dose is on label" and entry.after["signed"] is True


def test_a_two_factor_code_signs_too(people, brand, mlr):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    reviewer = people["medical_reviewer"]
    device = TOTPDevice.objects.create(user=reviewer, name="phone", confirmed=True)
    item = draft(people, brand)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    review.content_item_approve(
        actor=reviewer, item=item, revision=1, signature=Signature(reason="Reviewed", otp_code=code)
    )
    assert StepRun.objects.get(run__item=item, step__name="Medical").status == "approved"


def test_all_mode_waits_for_every_reviewer_in_the_group(people, org, brand):
    second = make_user(org, "legal_reviewer", username="second-legal")
    review.workflow_save(
        actor=people["admin"],
        name="Legal",
        content_kind="post",
        steps=[StepSpec(name="Legal", reviewer_role="legal_reviewer", mode="all", require_signature=False)],
    )
    item = draft(people, brand)
    review.content_item_approve(actor=people["legal_reviewer"], item=item, revision=1)
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW
    with pytest.raises(InvalidTransition, match="already approved"):
        review.content_item_approve(actor=people["legal_reviewer"], item=item, revision=1)
    review.content_item_approve(actor=second, item=item, revision=1)
    item.refresh_from_db()
    assert item.status == Status.APPROVED


def test_an_edit_after_approval_reopens_every_step(people, brand, mlr, later):
    item = draft(people, brand, publish_at=later)
    for role in ("medical_reviewer", "legal_reviewer", "regulatory_reviewer"):
        review.content_item_approve(actor=people[role], item=item, revision=1, signature=signed())
    services.content_item_update(
        actor=people["contributor"],
        item=item,
        title="Statins",
        text="Ask your doctor about statins today.",
        publish_at=later,
    )
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.approved_revision is None
    assert PublishJob.objects.get(content_item=item).status == "cancelled"
    review.content_item_submit(actor=people["contributor"], item=item)
    run = review.current_run(item)
    assert run is not None and run.revision == 2
    assert [s.status for s in run.step_runs.all()] == ["in_progress", "waiting", "waiting"]


def test_rejection_stops_the_run_and_tells_the_author_which_step(people, brand, mlr):
    item = draft(people, brand)
    review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=1, signature=signed())
    review.content_item_reject(actor=people["legal_reviewer"], item=item, comment="Add the risk statement.")
    item.refresh_from_db()
    assert item.status == Status.REJECTED and item.review_comment == "Legal: Add the risk statement."
    run = WorkflowRun.objects.get(item=item)
    assert [s.status for s in run.step_runs.all()] == ["approved", "rejected", "cancelled"]


def test_an_expired_approval_does_not_publish(people, brand):
    review.workflow_save(
        actor=people["admin"],
        name="Quick",
        content_kind="post",
        approval_valid_days=2,
        steps=[StepSpec(name="Review", require_signature=False)],
    )
    publish_at = timezone.now() + timedelta(days=5)
    item = draft(people, brand, publish_at=publish_at)
    review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=1)
    item.refresh_from_db()
    assert item.approval_expires_at is not None and item.approval_expires_at < publish_at
    with time_machine.travel(publish_at + timedelta(seconds=1)):
        publish_due_jobs()
    job = PublishJob.objects.get(content_item=item)
    assert job.status == "cancelled" and "approval expired" in job.last_error
    assert not BrandPagePost.objects.exists()


def test_only_admins_configure_workflows(people):
    with pytest.raises(PermissionDenied):
        review.workflow_save(
            actor=people["strategist"], name="x", content_kind="post", steps=[StepSpec(name="Review")]
        )
    with pytest.raises(ValidationError, match="at least one"):
        review.workflow_save(actor=people["admin"], name="x", content_kind="post", steps=[])


def test_reminders_then_escalation_by_email(people, brand, mlr, smtp_server):
    item = draft(people, brand)
    start = timezone.now()
    with time_machine.travel(start + timedelta(hours=25)):
        assert review.review_reminders_send() == (1, 0)
        assert review.review_reminders_send() == (0, 0)  # once
    with time_machine.travel(start + timedelta(hours=49)):
        assert review.review_reminders_send() == (0, 1)
    to = [sorted(m.rcpt_tos) for m in smtp_server.messages]
    assert to == [[people["medical_reviewer"].email], [people["admin"].email]]
    reminder = smtp_server.messages[0].content.decode()
    assert "Waiting for your review: Statins" in reminder and f"/content/{item.pk}/" in reminder
    assert "Ask your doctor" not in reminder  # no post text in mail
    assert AuditEntry.objects.filter(action="review.escalate").count() == 1
