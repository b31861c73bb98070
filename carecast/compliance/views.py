"""Compliance pages: review workflows, patient authorisations and takedowns, policies, fast track."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, can
from carecast.compliance import services as review
from carecast.compliance.forms import AuthorizationForm, PolicyForm, RevokeForm, TemplateForm, WorkflowForm
from carecast.compliance.models import (
    FastTrackTemplate,
    PatientAuthorization,
    PolicyDocument,
    TakedownTask,
    Workflow,
)
from carecast.content import selectors
from carecast.core.errors import CarecastError, NotFound
from carecast.core.models import Brand
from carecast.core.timeutil import parse_local_datetime


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    user.tenant  # noqa: B018  (refuses a person without an organisation)
    return user


def _forbidden(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/forbidden.html", {"what": what}, status=403)


def _fail(form: Any, exc: CarecastError) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


@login_required
@require_http_methods(["GET", "POST"])
def workflows(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Action.ORG_MANAGE):
        return _forbidden(request, "change review workflows")
    form = WorkflowForm(request.POST or None, initial={"step1_name": "Review"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        steps = [
            review.StepSpec(
                name=d[f"step{i}_name"],
                reviewer_role=d[f"step{i}_role"] or "",
                mode=d[f"step{i}_mode"],
                require_signature=d[f"step{i}_signature"],
            )
            for i in range(1, 7)
            if d[f"step{i}_name"].strip()
        ]
        try:
            review.workflow_save(
                actor=user,
                name=d["name"],
                content_kind=d["content_kind"],
                steps=steps,
                approval_valid_days=d["approval_valid_days"],
            )
        except CarecastError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "Workflow saved. Items submitted from now on follow it.")
            return redirect("compliance:workflows")
    active = Workflow.objects.filter(organization_id=user.tenant_id, active=True).prefetch_related("steps")
    return render(request, "compliance/workflows.html", {"form": form, "workflows": active})


def _authorization(user: User, pk: int) -> PatientAuthorization:
    auth = PatientAuthorization.objects.filter(organization_id=user.tenant_id, pk=pk).first()
    if auth is None:
        raise Http404("No such authorisation.")
    return auth


@login_required
@require_http_methods(["GET", "POST"])
def authorizations(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Action.STORIES_MANAGE):
        return _forbidden(request, "see patient authorisations")
    form = AuthorizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["media"] = data.pop("media_kinds")
            review.authorization_create(actor=user, **data)
        except CarecastError as exc:
            _fail(form, exc)
        else:
            messages.success(request, "Authorisation recorded.")
            return redirect("compliance:authorizations")
    return render(
        request,
        "compliance/authorizations.html",
        {
            "form": form,
            "authorizations": PatientAuthorization.objects.filter(organization_id=user.tenant_id),
            "takedowns": TakedownTask.objects.filter(organization_id=user.tenant_id).select_related("item"),
            "revoke_form": RevokeForm(),
        },
    )


@login_required
@require_POST
def authorization_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    auth = _authorization(user, pk)
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise review.ValidationError("Say how the revocation arrived.")
        tasks = review.authorization_revoke(actor=user, authorization=auth, note=form.cleaned_data["note"])
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Revoked. {len(tasks)} takedown task{'s' if len(tasks) != 1 else ''} opened."
        )
    return redirect("compliance:authorizations")


@login_required
@require_POST
def takedown_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = TakedownTask.objects.filter(organization_id=user.tenant_id, pk=pk).first()
    if task is None:
        raise Http404("No such takedown.")
    try:
        review.takedown_complete(actor=user, task=task)
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Marked as taken down.")
    return redirect("compliance:authorizations")


@login_required
@require_POST
def story_link(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    try:
        item = selectors.access_content_item(user=user, content_item_id=item_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        auth = _authorization(user, int(request.POST.get("authorization") or 0))
        review.story_link(actor=user, item=item, authorization=auth)
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Linked: this item is a patient story covered by that authorisation.")
    return redirect("web:item", item_id=item_id)


@login_required
@require_http_methods(["GET", "POST"])
def policies(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Action.ORG_MANAGE):
        return _forbidden(request, "edit the organisation's policies")
    docs = {d.kind: d for d in PolicyDocument.objects.filter(organization_id=user.tenant_id)}
    if request.method == "POST":
        form = PolicyForm(request.POST)
        try:
            if not form.is_valid():
                raise review.ValidationError("Write the policy text.")
            if "publish" in request.POST:
                review.policy_save_draft(
                    actor=user,
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                    change_note=form.cleaned_data["change_note"],
                )
                version = review.policy_publish(actor=user, kind=form.cleaned_data["kind"])
                messages.success(request, f"Version {version.number} is published.")
            else:
                version = review.policy_save_draft(
                    actor=user,
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                    change_note=form.cleaned_data["change_note"],
                )
                messages.success(
                    request, f"Draft of version {version.number} saved; the public page is unchanged."
                )
        except CarecastError as exc:
            messages.error(request, str(exc))
        return redirect("compliance:policies")
    sections = []
    for kind, label in PolicyDocument.Kind.choices:
        doc = docs.get(kind)
        latest = doc.versions.first() if doc else None
        sections.append(
            {
                "kind": kind,
                "label": label,
                "doc": doc,
                "published": doc.published if doc else None,
                "form": PolicyForm(
                    initial={"kind": kind, "body": latest.body if latest else ""}, prefix=kind
                ),
            }
        )
    return render(request, "compliance/policies.html", {"sections": sections, "org": user.tenant})


@login_required
@require_http_methods(["GET", "POST"])
def fast_track(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    templates = FastTrackTemplate.objects.filter(organization_id=user.tenant_id, active=True)
    form = TemplateForm(request.POST or None) if can(user, Action.CONTENT_APPROVE) else None
    if request.method == "POST" and "new_template" in request.POST:
        if form is None:
            return _forbidden(request, "pre-approve templates")
        if form.is_valid():
            d = form.cleaned_data
            try:
                review.fast_track_template_create(
                    actor=user,
                    name=d["name"],
                    text=d["text"],
                    signature=review.Signature(
                        reason=d["reason"], password=d["password"], otp_code=d["otp_code"]
                    ),
                )
            except CarecastError as exc:
                _fail(form, exc)
            else:
                messages.success(request, "Template pre-approved.")
                return redirect("compliance:fast_track")
    use: dict[str, Any] = {}
    if request.method == "POST" and "use_template" in request.POST:
        template = templates.filter(pk=request.POST.get("template") or 0).first()
        brand = Brand.objects.filter(
            organization_id=user.tenant_id, pk=request.POST.get("brand") or 0
        ).first()
        values = {k[4:]: request.POST.get(k, "") for k in request.POST if k.startswith("var_")}
        try:
            if template is None or brand is None:
                raise review.ValidationError("Choose a template and a brand.")
            when = request.POST.get("publish_at", "").strip()
            item = review.content_item_fast_track(
                actor=user,
                template=template,
                brand=brand,
                title=request.POST.get("title", "") or template.name,
                values=values,
                publish_at=parse_local_datetime(when, user.tenant.tz) if when else None,
            )
        except CarecastError as exc:
            messages.error(request, str(exc))
            use = {"template": template, "values": values}
        else:
            messages.success(request, "Approved through the fast track; it publishes at its time.")
            return redirect("web:item", item_id=item.pk)
    return render(
        request,
        "compliance/fast_track.html",
        {
            "templates": [(t, review.template_variables(t.text)) for t in templates],
            "form": form,
            "brands": Brand.objects.filter(organization_id=user.tenant_id),
            "use": use,
            "can_use": can(user, Action.CONTENT_SCHEDULE),
            "tz": user.tenant.time_zone,
        },
    )
