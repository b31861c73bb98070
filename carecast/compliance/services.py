"""Review: submit a revision, approve or reject each step, configure workflows, remind and escalate.

Every decision is bound to one revision; editing the item makes a new revision, so an old
approval can never cover new words. Nobody approves their own work. Steps that require a
signature take the reviewer's password or a two-factor code and a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from carecast.accounts.models import REVIEWER_ROLES, Role, User
from carecast.accounts.permissions import Action, can, require
from carecast.compliance import audit_actions as actions
from carecast.compliance.checks import (
    clean_fingerprint,
    content_findings,
    publish_blockers,
    story_problem,
    unresolved_blocks,
)
from carecast.compliance.models import (
    Approval,
    ComplianceOverride,
    FastTrackTemplate,
    FastTrackUse,
    PatientAuthorization,
    PolicyDocument,
    PolicyVersion,
    StepRun,
    StoryAuthorization,
    TakedownTask,
    Workflow,
    WorkflowRun,
    WorkflowStep,
)
from carecast.content import audit_actions as content_actions
from carecast.content.models import ContentItem
from carecast.core.audit import audit_log
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import Organization

Status = ContentItem.Status


@dataclass(frozen=True)
class Signature:
    """What a reviewer re-enters to sign: their password or a current two-factor code, and why."""

    reason: str
    password: str = ""
    otp_code: str = ""

    @classmethod
    def entered(cls, *, reason: str, password: str, otp_code: str) -> Signature | None:
        """The signature from an approval form, or None when the reviewer typed none of it."""
        if not (reason or password or otp_code):
            return None
        return cls(reason=reason, password=password, otp_code=otp_code)


@dataclass(frozen=True)
class StepSpec:
    name: str
    kind: str = WorkflowStep.Kind.CUSTOM
    reviewer_role: str = ""
    mode: str = WorkflowStep.Mode.ANY
    require_signature: bool = True
    remind_after_hours: int = 24
    escalate_after_hours: int = 48


# ---------------------------------------------------------------- workflows


def workflow_for(item: ContentItem) -> Workflow:
    """The organisation's active workflow for the item's kind, else for posts, else the standard one."""
    qs = Workflow.objects.filter(organization_id=item.organization_id, active=True)
    found = qs.filter(content_kind=item.kind).first() or qs.filter(content_kind=ContentItem.Kind.POST).first()
    return found or _standard_workflow(item.organization)


def _standard_workflow(org: Organization) -> Workflow:
    """Until an admin sets one up: one review by anyone with a reviewer role, no signature."""
    workflow, created = Workflow.objects.get_or_create(
        organization=org,
        content_kind=ContentItem.Kind.POST,
        active=True,
        defaults={"name": "Standard review"},
    )
    if created:
        WorkflowStep.objects.create(workflow=workflow, position=1, name="Review", require_signature=False)
        audit_log(
            action=actions.WORKFLOW_CREATE,
            organization=org,
            obj=workflow,
            after={"steps": ["Review"], "default": True},
        )
    return workflow


def workflow_save(
    *, actor: User, name: str, content_kind: str, steps: list[StepSpec], approval_valid_days: int = 30
) -> Workflow:
    """Create or replace the active workflow for a kind of content. Runs already under way keep theirs."""
    org = actor.tenant
    require(actor, Action.ORG_MANAGE, org)
    if not steps:
        raise ValidationError("A workflow needs at least one review step.", field="steps")
    if content_kind not in ContentItem.Kind.values:
        raise ValidationError("Unknown kind of content.", field="content_kind")
    for spec in steps:
        if not spec.name.strip():
            raise ValidationError("Every step needs a name.", field="steps")
        if spec.reviewer_role and spec.reviewer_role not in Role.values:
            raise ValidationError(f"Unknown reviewer role {spec.reviewer_role!r}.", field="steps")
        if spec.mode not in WorkflowStep.Mode.values:
            raise ValidationError("A step is approved by any one reviewer or by all of them.", field="steps")
    with transaction.atomic():
        old = Workflow.objects.select_for_update().filter(
            organization=org, content_kind=content_kind, active=True
        )
        before = [{"name": w.name, "steps": [s.name for s in w.steps.all()]} for w in old]
        old.update(active=False)
        workflow = Workflow.objects.create(
            organization=org,
            name=name.strip() or "Review",
            content_kind=content_kind,
            approval_valid_days=approval_valid_days,
        )
        for position, spec in enumerate(steps, start=1):
            WorkflowStep.objects.create(
                workflow=workflow,
                position=position,
                name=spec.name.strip(),
                kind=spec.kind,
                reviewer_role=spec.reviewer_role,
                mode=spec.mode,
                require_signature=spec.require_signature,
                remind_after_hours=spec.remind_after_hours,
                escalate_after_hours=spec.escalate_after_hours,
            )
        audit_log(
            action=actions.WORKFLOW_UPDATE if before else actions.WORKFLOW_CREATE,
            actor=actor,
            organization=org,
            obj=workflow,
            before={"workflows": before} if before else None,
            after={
                "name": workflow.name,
                "content_kind": content_kind,
                "steps": [f"{s.name} ({s.reviewer_role or 'any reviewer'}, {s.mode})" for s in steps],
            },
        )
    return workflow


# ---------------------------------------------------------------- reviewing


def current_run(item: ContentItem) -> WorkflowRun | None:
    return (
        WorkflowRun.objects.filter(item=item, revision=item.revision, status=WorkflowRun.Status.IN_PROGRESS)
        .select_related("workflow")
        .first()
    )


def current_step(run: WorkflowRun) -> StepRun | None:
    return run.step_runs.select_related("step").filter(status=StepRun.Status.IN_PROGRESS).first()


def step_reviewers(step: WorkflowStep, org_id: int) -> QuerySet[User]:
    roles = [step.reviewer_role] if step.reviewer_role else sorted(REVIEWER_ROLES | {Role.ADMIN})
    return User.objects.filter(
        organization_id=org_id, is_active=True, role_assignments__role__in=roles
    ).distinct()


def can_review_step(user: User, step: WorkflowStep, item: ContentItem) -> bool:
    if item.author_id == user.pk or not can(user, Action.CONTENT_APPROVE, item.organization):
        return False
    return not step.reviewer_role or step.reviewer_role in user.roles


def _snapshot(item: ContentItem) -> dict[str, Any]:
    return {
        "status": item.status,
        "revision": item.revision,
        "approved_revision": item.approved_revision,
        "publish_at": item.publish_at,
    }


def _start_step(step_run: StepRun) -> None:
    step_run.status = StepRun.Status.IN_PROGRESS
    step_run.started_at = timezone.now()
    step_run.save(update_fields=["status", "started_at"])


def content_item_submit(*, actor: User, item: ContentItem) -> ContentItem:
    """Send the current revision into its workflow."""
    require(actor, Action.CONTENT_SUBMIT, item.organization)
    if item.author_id != actor.pk and not can(actor, Action.CONTENT_EDIT_ANY, item.organization):
        raise PermissionDenied("Only the author, a strategist or an admin can submit this item.")
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        if item.status not in {Status.DRAFT, Status.REJECTED}:
            raise InvalidTransition(
                f"Only a draft can be submitted; this item is {item.get_status_display().lower()}."
            )
        if item.publish_at is not None and item.publish_at <= timezone.now():
            raise ValidationError(
                "The publish time has passed; choose a new time before submitting.", field="publish_at"
            )
        from carecast.content.library import assets_missing_text

        missing = assets_missing_text(item)
        if missing:
            raise ValidationError(missing, field="assets")
        blocks = unresolved_blocks(item)
        if blocks:
            labels = ", ".join(sorted({f.label.replace("_", " ").lower() for f in blocks}))
            raise ValidationError(
                f"The checks found blocking problems ({labels}). Fix them, or ask a privacy officer to "
                "override them with a reason.",
                field="text",
            )
        WorkflowRun.objects.filter(item=item, status=WorkflowRun.Status.IN_PROGRESS).update(
            status=WorkflowRun.Status.CANCELLED, finished_at=timezone.now()
        )
        workflow = workflow_for(item)
        run = WorkflowRun.objects.create(
            organization=item.organization, item=item, workflow=workflow, revision=item.revision
        )
        step_runs = [StepRun.objects.create(run=run, step=step) for step in workflow.steps.all()]
        _start_step(step_runs[0])
        before = _snapshot(item)
        item.status = Status.IN_REVIEW
        item.review_comment = ""
        item.save(update_fields=["status", "review_comment", "updated_at"])
        audit_log(
            action=content_actions.CONTENT_SUBMIT, actor=actor, obj=item, before=before, after=_snapshot(item)
        )
        audit_log(
            action=actions.REVIEW_START,
            actor=actor,
            obj=run,
            organization=item.organization,
            after={
                "workflow": workflow.name,
                "revision": run.revision,
                "steps": [s.step.name for s in step_runs],
            },
        )
    return item


class SignatureRejected(ValidationError):
    """Raised inside the decision's transaction; the failure is audited after it rolls back."""


def _audit_failed_signature(actor: User, obj: Any) -> None:
    audit_log(
        action=actions.REVIEW_SIGNATURE_FAILED,
        actor=actor,
        organization=actor.organization,
        obj=obj if obj.pk else None,
    )


def _verify_signature(actor: User, signature: Signature | None, obj: Any) -> None:
    if signature is None or not signature.reason.strip():
        raise ValidationError(
            "This step needs your signature: re-enter your password or a two-factor code, and give a reason.",
            field="signature",
        )
    ok = False
    if signature.otp_code:
        ok = any(
            d.verify_token(signature.otp_code.strip())
            for d in TOTPDevice.objects.filter(user=actor, confirmed=True)
        )
    elif signature.password:
        ok = actor.check_password(signature.password)
    if not ok:
        raise SignatureRejected(
            "That password or code is not right; the decision was not recorded.", field="signature"
        )


def content_item_approve(
    *, actor: User, item: ContentItem, revision: int, comment: str = "", signature: Signature | None = None
) -> ContentItem:
    """Approve the current step for exactly the revision the reviewer read."""
    require(actor, Action.CONTENT_APPROVE, item.organization)
    if item.author_id == actor.pk:
        raise PermissionDenied("You cannot approve your own work; another reviewer must.")
    try:
        return _approve(actor, item, revision, comment, signature)
    except SignatureRejected:
        _audit_failed_signature(actor, item)
        raise


def _approve(
    actor: User, item: ContentItem, revision: int, comment: str, signature: Signature | None
) -> ContentItem:
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        run, step_run = _open_step(item, revision)
        if not can_review_step(actor, step_run.step, item):
            raise PermissionDenied(
                f"The {step_run.step.name} step is reviewed by "
                f"{step_run.step.get_reviewer_role_display() or 'a reviewer'}."
            )
        if step_run.approvals.filter(reviewer=actor).exists():
            raise InvalidTransition("You have already approved this step.")
        problem = story_problem(item) or next(iter(publish_blockers(item)), "")
        if problem:
            raise ValidationError(f"This cannot be approved: {problem}.", field="authorization")
        if step_run.step.require_signature:
            _verify_signature(actor, signature, item)
        reason = (signature.reason if signature else "") or comment
        Approval.objects.create(
            step_run=step_run,
            reviewer=actor,
            revision=revision,
            decision=Approval.Decision.APPROVE,
            comment=comment.strip(),
            signed=step_run.step.require_signature,
        )
        audit_log(
            action=actions.REVIEW_STEP_APPROVE,
            actor=actor,
            obj=item,
            reason=reason.strip(),
            after={
                "step": step_run.step.name,
                "revision": revision,
                "signed": step_run.step.require_signature,
            },
        )
        if not _step_complete(step_run, item):
            return item
        step_run.status, step_run.finished_at = StepRun.Status.APPROVED, timezone.now()
        step_run.save(update_fields=["status", "finished_at"])
        following = run.step_runs.filter(status=StepRun.Status.WAITING).order_by("step__position").first()
        if following is not None:
            _start_step(following)
            return item
        run.status, run.finished_at = WorkflowRun.Status.APPROVED, timezone.now()
        run.save(update_fields=["status", "finished_at"])
        before = _snapshot(item)
        now = timezone.now()
        days = run.workflow.approval_valid_days
        _mark_approved(item, approver=actor, now=now, valid_for=timedelta(days=days) if days else None)
        item.review_comment = comment.strip()
        item.save()
        audit_log(
            action=content_actions.CONTENT_APPROVE,
            actor=actor,
            obj=item,
            before=before,
            after=_snapshot(item),
            reason=reason.strip(),
        )
        from carecast.channels.services import publish_jobs_sync  # the engine follows the item's state

        publish_jobs_sync(item=item)
    return item


def _mark_approved(item: ContentItem, *, approver: User, now: Any, valid_for: timedelta | None) -> None:
    """Approve the current revision; it is scheduled at once when its time is still ahead."""
    item.approved_revision, item.approved_by, item.approved_at = item.revision, approver, now
    item.approval_expires_at = now + valid_for if valid_for else None
    item.checked_clean = "" if unresolved_blocks(item) else clean_fingerprint(item)
    future = item.publish_at is not None and item.publish_at > now
    item.status = Status.SCHEDULED if future else Status.APPROVED


def _open_step(item: ContentItem, revision: int) -> tuple[WorkflowRun, StepRun]:
    if item.status != Status.IN_REVIEW:
        raise InvalidTransition(f"This item is {item.get_status_display().lower()}, not waiting for review.")
    if revision != item.revision:
        raise InvalidTransition("The item changed after you opened it; review the new revision.")
    run = current_run(item)
    step_run = current_step(run) if run else None
    if run is None or step_run is None:
        raise InvalidTransition("This revision has no review under way; submit it again.")
    return run, step_run


def _step_complete(step_run: StepRun, item: ContentItem) -> bool:
    if step_run.step.mode == WorkflowStep.Mode.ANY:
        return True
    needed = set(
        step_reviewers(step_run.step, item.organization_id)
        .exclude(pk=item.author_id)
        .values_list("pk", flat=True)
    )
    done = set(
        step_run.approvals.filter(decision=Approval.Decision.APPROVE).values_list("reviewer_id", flat=True)
    )
    return needed <= done


def content_item_reject(
    *,
    actor: User,
    item: ContentItem,
    comment: str,
    revision: int | None = None,
    signature: Signature | None = None,
) -> ContentItem:
    require(actor, Action.CONTENT_APPROVE, item.organization)
    if item.author_id == actor.pk:
        raise PermissionDenied("You cannot review your own work.")
    if not comment.strip():
        raise ValidationError("Say what needs to change so the author can fix it.", field="comment")
    with transaction.atomic():
        item = ContentItem.objects.select_for_update().get(pk=item.pk)
        run, step_run = _open_step(item, item.revision if revision is None else revision)
        if not can_review_step(actor, step_run.step, item):
            raise PermissionDenied(
                f"The {step_run.step.name} step is reviewed by "
                f"{step_run.step.get_reviewer_role_display() or 'a reviewer'}."
            )
        Approval.objects.create(
            step_run=step_run,
            reviewer=actor,
            revision=item.revision,
            decision=Approval.Decision.REJECT,
            comment=comment.strip(),
        )
        now = timezone.now()
        step_run.status, step_run.finished_at = StepRun.Status.REJECTED, now
        step_run.save(update_fields=["status", "finished_at"])
        run.step_runs.filter(status=StepRun.Status.WAITING).update(status=StepRun.Status.CANCELLED)
        run.status, run.finished_at = WorkflowRun.Status.REJECTED, now
        run.save(update_fields=["status", "finished_at"])
        before = _snapshot(item)
        item.status = Status.REJECTED
        item.review_comment = f"{step_run.step.name}: {comment.strip()}"
        item.save(update_fields=["status", "review_comment", "updated_at"])
        audit_log(
            action=actions.REVIEW_STEP_REJECT,
            actor=actor,
            obj=item,
            reason=comment.strip(),
            after={"step": step_run.step.name, "revision": item.revision},
        )
        audit_log(
            action=content_actions.CONTENT_REJECT,
            actor=actor,
            obj=item,
            before=before,
            after=_snapshot(item),
            reason=comment.strip(),
        )
    return item


def review_queue(*, user: User) -> list[tuple[ContentItem, StepRun]]:
    """Items whose current step this person can decide, oldest first."""
    require(user, Action.CONTENT_APPROVE)
    runs = (
        WorkflowRun.objects.filter(
            organization_id=user.tenant_id,
            status=WorkflowRun.Status.IN_PROGRESS,
            item__status=Status.IN_REVIEW,
        )
        .select_related("item", "item__brand", "item__author")
        .order_by("created_at")
    )
    queue = []
    for run in runs:
        if run.revision != run.item.revision:
            continue
        step_run = current_step(run)
        if (
            step_run
            and can_review_step(user, step_run.step, run.item)
            and not step_run.approvals.filter(reviewer=user).exists()
        ):
            queue.append((run.item, step_run))
    return queue


# ---------------------------------------------------------------- reminders and escalation


def review_reminders_send(*, now: Any = None) -> tuple[int, int]:
    """Email the reviewers of steps waiting past their reminder time, and admins past escalation time."""
    now = now or timezone.now()
    reminded = escalated = 0
    waiting = StepRun.objects.filter(
        status=StepRun.Status.IN_PROGRESS, run__status=WorkflowRun.Status.IN_PROGRESS
    ).select_related("step", "run", "run__item", "run__organization")
    for step_run in waiting:
        assert step_run.started_at is not None
        age = now - step_run.started_at
        item, org = step_run.run.item, step_run.run.organization
        hours = int(age.total_seconds() // 3600)
        link = f"{settings.SITE_URL}/content/{item.pk}/"
        if step_run.reminded_at is None and age >= timedelta(hours=step_run.step.remind_after_hours):
            reviewers = step_reviewers(step_run.step, org.pk).exclude(pk=item.author_id)
            _nudge(
                step_run,
                "reminded_at",
                actions.REVIEW_REMIND,
                now,
                [u.email for u in reviewers],
                f"Waiting for your review: {item.title}",
                f"The {step_run.step.name} step of “{item.title}” has waited {hours} hours for review."
                f"\n\nReview it in carecast: {link}",
            )
            reminded += 1
        if step_run.escalated_at is None and age >= timedelta(hours=step_run.step.escalate_after_hours):
            admins = User.objects.filter(organization=org, is_active=True, role_assignments__role=Role.ADMIN)
            _nudge(
                step_run,
                "escalated_at",
                actions.REVIEW_ESCALATE,
                now,
                [u.email for u in admins.distinct()],
                f"Review overdue: {item.title}",
                f"The {step_run.step.name} step of “{item.title}” has waited {hours} hours. "
                f"Assign a reviewer or review it: {link}",
            )
            escalated += 1
    return reminded, escalated


def _nudge(
    step_run: StepRun, stamp: str, action: str, now: Any, emails: list[str], subject: str, body: str
) -> None:
    """Mail a reminder or an escalation once, and record it. Titles and links only: review mail never
    carries the post's text (it may not be cleared yet)."""
    recipients = [e for e in emails if e]
    if recipients:
        send_mail(subject, body, None, recipients)
    setattr(step_run, stamp, now)
    step_run.save(update_fields=[stamp])
    audit_log(
        action=action,
        obj=step_run.run.item,
        organization=step_run.run.organization,
        after={"step": step_run.step.name, "recipients": len(recipients)},
    )


# ---------------------------------------------------------------- patient stories


def authorization_create(
    *,
    actor: User,
    person_name: str,
    description: str,
    channels: list[str],
    media: list[str],
    signed_on: date,
    expires_on: date,
    purpose: str = "",
) -> PatientAuthorization:
    require(actor, Action.STORIES_MANAGE)
    if not person_name.strip() or not description.strip():
        raise ValidationError(
            "Give the patient's name and what the authorisation covers.", field="person_name"
        )
    if expires_on <= signed_on:
        raise ValidationError("The expiry date must be after the signature date.", field="expires_on")
    if not channels:
        raise ValidationError("Choose at least one channel the authorisation covers.", field="channels")
    unknown = set(media) - set(PatientAuthorization.Media.values)
    if unknown:
        raise ValidationError(f"Unknown media: {', '.join(sorted(unknown))}.", field="media")
    with transaction.atomic():
        auth = PatientAuthorization.objects.create(
            organization=actor.tenant,
            person_name=person_name.strip(),
            description=description.strip(),
            purpose=purpose.strip() or PatientAuthorization._meta.get_field("purpose").get_default(),
            channels=sorted(set(channels)),
            media=sorted(set(media)),
            signed_on=signed_on,
            expires_on=expires_on,
            created_by=actor,
        )
        # The audit log records the record's id and scope, never the patient's name.
        audit_log(
            action=actions.AUTHORIZATION_CREATE,
            actor=actor,
            obj=auth,
            after={
                "channels": auth.channels,
                "media": auth.media,
                "signed_on": signed_on,
                "expires_on": expires_on,
            },
        )
    return auth


def story_link(*, actor: User, item: ContentItem, authorization: PatientAuthorization) -> StoryAuthorization:
    require(actor, Action.STORIES_MANAGE, item.organization)
    authorization = PatientAuthorization.objects.get(pk=authorization.pk)  # its current state
    if authorization.organization_id != item.organization_id:
        raise PermissionDenied("That authorisation belongs to another organisation.")
    if authorization.revoked_at is not None:
        raise ValidationError("That authorisation was revoked; it cannot be used.", field="authorization")
    with transaction.atomic():
        link, _ = StoryAuthorization.objects.update_or_create(
            item=item, defaults={"authorization": authorization, "linked_by": actor}
        )
        if item.kind != ContentItem.Kind.PATIENT_STORY:
            ContentItem.objects.filter(pk=item.pk).update(kind=ContentItem.Kind.PATIENT_STORY)
        audit_log(
            action=actions.AUTHORIZATION_LINK,
            actor=actor,
            obj=item,
            after={"authorization": authorization.pk},
        )
    return link


def authorization_revoke(
    *, actor: User, authorization: PatientAuthorization, note: str
) -> list[TakedownTask]:
    """Revoke, stop anything not yet published, and open a takedown task for every place it was published."""
    from carecast.channels.models import PublishJob

    require(actor, Action.STORIES_MANAGE, authorization.organization)
    if not note.strip():
        raise ValidationError("Say how the revocation arrived (e.g. 'letter received 3 May').", field="note")
    tasks = []
    with transaction.atomic():
        auth = PatientAuthorization.objects.select_for_update().get(pk=authorization.pk)
        if auth.revoked_at is not None:
            raise InvalidTransition("This authorisation is already revoked.")
        auth.revoked_at, auth.revocation_note = timezone.now(), note.strip()
        auth.save(update_fields=["revoked_at", "revocation_note", "updated_at"])
        audit_log(
            action=actions.AUTHORIZATION_REVOKE,
            actor=actor,
            obj=auth,
            reason=note.strip(),
            after={"revoked_at": auth.revoked_at},
        )
        for link in auth.links.select_related("item"):
            for job in PublishJob.objects.filter(content_item=link.item, status="published"):
                task, created = TakedownTask.objects.get_or_create(
                    authorization=auth,
                    item=link.item,
                    channel=job.channel,
                    defaults={
                        "organization": auth.organization,
                        "external_id": job.external_id,
                        "external_url": job.external_url,
                    },
                )
                if created:
                    tasks.append(task)
                    audit_log(
                        action=actions.TAKEDOWN_CREATE,
                        actor=actor,
                        obj=task,
                        after={"channel": job.channel, "item": link.item.pk},
                    )
    return tasks


def takedown_complete(*, actor: User, task: TakedownTask) -> TakedownTask:
    """Mark a takedown done; on the built-in brand page carecast removes the post itself."""
    from carecast.channels.models import BrandPagePost

    require(actor, Action.STORIES_MANAGE, task.organization)
    with transaction.atomic():
        task = TakedownTask.objects.select_for_update().get(pk=task.pk)
        if task.status == TakedownTask.Status.DONE:
            return task
        if task.channel == "brand_page":
            BrandPagePost.objects.filter(job__content_item=task.item).delete()
        task.status, task.done_by, task.done_at = TakedownTask.Status.DONE, actor, timezone.now()
        task.save(update_fields=["status", "done_by", "done_at", "updated_at"])
        audit_log(action=actions.TAKEDOWN_DONE, actor=actor, obj=task, after={"channel": task.channel})
    return task


# ---------------------------------------------------------------- policy documents


def policy_save_draft(*, actor: User, kind: str, body: str, change_note: str = "") -> PolicyVersion:
    require(actor, Action.ORG_MANAGE)
    if kind not in PolicyDocument.Kind.values:
        raise ValidationError("Unknown policy.", field="kind")
    if not body.strip():
        raise ValidationError("Write the policy text.", field="body")
    with transaction.atomic():
        doc, _ = PolicyDocument.objects.get_or_create(organization=actor.tenant, kind=kind)
        last = doc.versions.select_for_update().order_by("-number").first()
        if last is not None and last.published_at is None:
            last.body, last.change_note = body.strip(), change_note.strip()
            last.save(update_fields=["body", "change_note"])
            version = last
        else:
            version = PolicyVersion.objects.create(
                document=doc,
                number=(last.number + 1) if last else 1,
                body=body.strip(),
                change_note=change_note.strip(),
                created_by=actor,
            )
        audit_log(
            action=actions.POLICY_DRAFT,
            actor=actor,
            obj=doc,
            organization=doc.organization,
            after={"version": version.number},
        )
    return version


def policy_publish(*, actor: User, kind: str) -> PolicyVersion:
    require(actor, Action.ORG_MANAGE)
    with transaction.atomic():
        doc = PolicyDocument.objects.filter(organization=actor.tenant, kind=kind).first()
        draft = doc.versions.select_for_update().filter(published_at=None).first() if doc else None
        if doc is None or draft is None:
            raise InvalidTransition("There is no draft to publish; edit the policy first.")
        draft.published_at = timezone.now()
        draft.save(update_fields=["published_at"])
        audit_log(
            action=actions.POLICY_PUBLISH,
            actor=actor,
            obj=doc,
            organization=doc.organization,
            after={"version": draft.number},
        )
    return draft


# ---------------------------------------------------------------- fast track


_VARIABLE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def template_variables(text: str) -> list[str]:
    return list(dict.fromkeys(_VARIABLE.findall(text)))


def fast_track_template_create(
    *, actor: User, name: str, text: str, signature: Signature
) -> FastTrackTemplate:
    """A reviewer pre-approves a message once (signed); later uses may change only its variables."""
    require(actor, Action.CONTENT_APPROVE)
    if not name.strip() or not text.strip():
        raise ValidationError("Give the template a name and text.", field="text")
    if "{" in _VARIABLE.sub("", text) or "}" in _VARIABLE.sub("", text):
        raise ValidationError(
            "Variables look like {site}: lowercase letters, digits and underscores.", field="text"
        )
    template = FastTrackTemplate(
        organization=actor.tenant,
        name=name.strip(),
        text=text.strip(),
        approved_by=actor,
        approved_at=timezone.now(),
    )
    try:
        _verify_signature(actor, signature, template)
    except SignatureRejected:
        _audit_failed_signature(actor, template)
        raise
    with transaction.atomic():
        template.save()
        audit_log(
            action=actions.TEMPLATE_APPROVE,
            actor=actor,
            obj=template,
            reason=signature.reason.strip(),
            after={"name": template.name, "variables": template_variables(template.text)},
        )
    return template


def content_item_fast_track(
    *,
    actor: User,
    template: FastTrackTemplate,
    brand: Any,
    title: str,
    values: dict[str, str],
    publish_at: Any = None,
) -> ContentItem:
    """An urgent public-health message from a pre-approved template: approved at once, because only the
    template's variables changed. Any later edit of the text sends it through full review."""
    from carecast.content.services import content_item_create

    require(actor, Action.CONTENT_SCHEDULE, brand.organization)
    if template.organization_id != brand.organization_id or not template.active:
        raise ValidationError("That template is not available.", field="template")
    names = template_variables(template.text)
    missing = [n for n in names if not str(values.get(n, "")).strip()]
    if missing:
        raise ValidationError(f"Fill in: {', '.join(missing)}.", field="values")
    extra = set(values) - set(names)
    if extra:
        raise ValidationError(f"The template has no {', '.join(sorted(extra))}.", field="values")
    for key, value in values.items():
        if len(value) > 200 or "\n" in value or "{" in value or "}" in value:
            raise ValidationError(f"The value for {key} must be one short line.", field="values")
    text = _VARIABLE.sub(lambda m: values[m.group(1)].strip(), template.text)
    with transaction.atomic():
        item = content_item_create(actor=actor, brand=brand, title=title, text=text, publish_at=publish_at)
        FastTrackUse.objects.create(item=item, template=template, values=values, rendered_text=text)
        now = timezone.now()
        before = _snapshot(item)
        item.kind = ContentItem.Kind.PUBLIC_HEALTH
        _mark_approved(item, approver=template.approved_by, now=now, valid_for=timedelta(days=1))
        item.save()
        audit_log(
            action=actions.FAST_TRACK,
            actor=actor,
            obj=item,
            before=before,
            after=_snapshot(item),
            reason=f"template “{template.name}” (pre-approved by {template.approved_by.get_username()})",
        )
        from carecast.channels.services import publish_jobs_sync

        publish_jobs_sync(item=item)
    return item


# ---------------------------------------------------------------- checks: overrides and one-click fixes


def compliance_override(*, actor: User, item: ContentItem, reason: str) -> ComplianceOverride:
    """Let the current revision through despite its blocking findings: a named person, a reason, audited."""
    require(actor, Action.COMPLIANCE_OVERRIDE, item.organization)
    if not reason.strip():
        raise ValidationError(
            "Give the reason for letting this through; it goes into the audit log.", field="reason"
        )
    labels = sorted({f.label for f in unresolved_blocks(item)})
    if not labels:
        raise InvalidTransition("Nothing on this revision needs an override.")
    with transaction.atomic():
        override = ComplianceOverride.objects.create(
            item=item, revision=item.revision, labels=labels, reason=reason.strip(), actor=actor
        )
        audit_log(
            action=actions.CHECK_OVERRIDE,
            actor=actor,
            obj=item,
            reason=reason.strip(),
            after={"revision": item.revision, "labels": labels},
        )
    return override


REDACTION = "[removed]"


def content_item_apply_fix(*, actor: User, item: ContentItem, index: int) -> ContentItem:
    """Apply the suggested fix of finding `index`: redact PHI, camel-case a hashtag, add the disclaimer."""
    from carecast.content.services import content_item_update

    findings = content_findings(item)
    if not 0 <= index < len(findings):
        raise ValidationError("That finding no longer applies; the text changed.", field="text")
    finding = findings[index]
    text = item.text
    if finding.rule.startswith("phi."):
        text = text[: finding.start] + REDACTION + text[finding.end :]
    elif finding.label == "HASHTAG_CASE" and finding.fix:
        text = text[: finding.start] + finding.fix + text[finding.end :]
    elif finding.label == "DISCLAIMER_MISSING" and finding.fix:
        text = f"{text.rstrip()} {finding.fix}"
    else:
        raise ValidationError("This finding has no automatic fix; edit the text.", field="text")
    return content_item_update(
        actor=actor,
        item=item,
        title=item.title,
        text=text,
        alt_text=item.alt_text,
        publish_at=item.publish_at,
    )
