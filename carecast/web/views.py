"""The web UI: thin views that read through selectors, write through services, and show errors plainly."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from carecast.accounts.models import Role, User
from carecast.accounts.permissions import Action, can, require
from carecast.accounts.services import api_token_create, organization_update
from carecast.audiences.models import Subscriber
from carecast.audiences.services import subscriber_add, text_subscriber_add
from carecast.channels import oauth, profiles
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.services import (
    channel_account_create,
    channel_account_reconnect,
    content_item_retry,
    publish_job_delete,
    publish_target_set,
    publishing_pause,
    publishing_resume,
)
from carecast.compliance import services as reviewing
from carecast.compliance.checks import alt_text_findings, content_findings, highlight, unresolved_blocks
from carecast.compliance.models import FastTrackTemplate, PatientAuthorization
from carecast.content import selectors, services, variants
from carecast.content.exchange import calendar_feed_token
from carecast.content.models import (
    BlogSuggestion,
    CadenceTarget,
    Campaign,
    ContentItem,
    ContentTemplate,
    EvergreenQueue,
    MediaAsset,
)
from carecast.content.planning import (
    blog_import,
    cadence_gaps,
    cadence_networks,
    cadence_target_set,
    content_item_evergreen,
    evergreen_queue_set,
    slot_label,
    suggestion_draft,
)
from carecast.core.errors import CarecastError, NotFound, PermissionDenied, ValidationError
from carecast.core.models import Brand, Organization
from carecast.core.timeutil import parse_local_datetime, to_local_input
from carecast.web.forms import ContentItemForm, OrganizationSettingsForm, ReviewForm, ScheduleForm

SECTIONS = {
    "inbox": ("Inbox", "One inbox for every comment, mention and message, with compliant replies."),
    "listening": ("Listening", "Watch what patients and the public say about your organisation and topics."),
    "community": ("Community", "Your own moderated patient and physician communities."),
    "audiences": ("Audiences", "Contacts, consent, segments and preferences."),
    "analytics": ("Analytics", "Dashboards, reports and campaign results."),
}


def _posted_brand(request: HttpRequest, user: User) -> Brand:
    """The brand a form names, if it is one of the person's organisation's."""
    brand = Brand.objects.filter(organization_id=user.tenant_id, pk=request.POST.get("brand") or 0).first()
    if brand is None:
        raise ValidationError("Choose a brand.", field="brand")
    return brand


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if user.organization_id is None:
        raise DjangoPermissionDenied("Your account does not belong to an organisation.")
    return user


def _item_or_404(user: User, item_id: int) -> ContentItem:
    try:
        return selectors.access_content_item(user=user, content_item_id=item_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _apply_error(form: forms.BaseForm, exc: CarecastError) -> None:
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, str(exc))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = selectors.content_items_visible(user=user)
    counts = dict(items.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    upcoming = items.filter(status=ContentItem.Status.SCHEDULED).order_by("publish_at")[:5]
    return render(
        request,
        "web/home.html",
        {
            "counts": [(s, label, counts.get(s, 0)) for s, label in ContentItem.Status.choices],
            "upcoming": upcoming,
            "review_count": len(reviewing.review_queue(user=user))
            if can(user, Action.CONTENT_APPROVE)
            else None,
            "mine": items.filter(author=user).order_by("-updated_at")[:5],
        },
    )


CALENDAR_FILTERS = ("brand", "channel", "status", "campaign", "author")


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """Everything with a publish time, by local day: a week (list) or a month (grid), with filters."""
    user = _user(request)
    tz = user.tenant.tz
    today = timezone.now().astimezone(tz).date()
    view = "month" if request.GET.get("view") == "month" else "week"
    try:
        offset = int(request.GET.get("offset", request.GET.get("week", "0")))
    except ValueError:
        offset = 0
    if view == "month":
        months = today.year * 12 + today.month - 1 + offset
        first = today.replace(year=months // 12, month=months % 12 + 1, day=1)
        start = first - timedelta(days=first.weekday())
        days = [start + timedelta(days=i) for i in range(42)]
    else:
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=offset)
        first = start
        days = [start + timedelta(days=i) for i in range(7)]
    filters = {key: request.GET.get(key, "") for key in CALENDAR_FILTERS}
    items = (
        selectors.content_items_visible(user=user)
        .filter(
            publish_at__gte=datetime.combine(days[0], time.min, tzinfo=tz),
            publish_at__lt=datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=tz),
        )
        .order_by("publish_at")
    )
    lookups = {
        "brand": "brand_id",
        "status": "status",
        "campaign": "campaign_id",
        "author": "author_id",
        "channel": "publish_targets__account__network",  # besides the brand page every post goes to
    }
    for key, value in filters.items():
        if value:
            items = items.filter(**{lookups[key]: value})
    if filters["channel"]:
        items = items.distinct()
    by_day: dict[Any, list[ContentItem]] = defaultdict(list)
    for item in items:
        assert item.publish_at is not None
        by_day[item.publish_at.astimezone(tz).date()].append(item)
    week_start = today - timedelta(days=today.weekday()) if view == "month" else start
    org = user.tenant
    return render(
        request,
        "web/calendar.html",
        {
            "days": [(d, by_day.get(d, [])) for d in days],
            "view": view,
            "offset": offset,
            "month": first,
            "tz": tz.key,
            "today": today,
            "filters": filters,
            "query": "&".join(f"{k}={v}" for k, v in filters.items() if v),
            "brands": Brand.objects.filter(organization=org),
            "campaigns": Campaign.objects.filter(organization=org),
            "authors": User.objects.filter(organization=org).order_by("username"),
            "statuses": ContentItem.Status.choices,
            "gaps": cadence_gaps(organization=org, week_start=week_start),
            "targets": CadenceTarget.objects.filter(organization=org).select_related("brand"),
            "networks": cadence_networks(),
            "evergreen_queues": [
                (q, [slot_label(s) for s in q.slots])
                for q in EvergreenQueue.objects.filter(organization=org).select_related("brand")
            ],
            "channels": {
                network: cadence_networks().get(network, network)
                for network in ChannelAccount.objects.filter(organization=org)
                .values_list("network", flat=True)
                .distinct()
            },
            "can_plan": can(user, Action.CONTENT_EDIT_ANY),
            "unscheduled": selectors.content_items_visible(user=user)
            .filter(publish_at=None)
            .exclude(status=ContentItem.Status.PUBLISHED),
            "ical_url": request.build_absolute_uri(
                reverse("calendar_ics", kwargs={"token": calendar_feed_token(user=user)})
            ),
        },
    )


@login_required
def library(request: HttpRequest) -> HttpResponse:
    """What to start from: the organisation's evergreen posts and its pre-approved templates."""
    user = _user(request)
    return render(
        request,
        "web/library.html",
        {
            "evergreen": selectors.content_items_visible(user=user)
            .filter(evergreen=True)
            .select_related("brand")
            .order_by("title"),
            "templates": FastTrackTemplate.objects.filter(organization_id=user.tenant_id, active=True),
            "content_templates": ContentTemplate.objects.filter(
                organization_id=user.tenant_id, active=True, kind=ContentTemplate.Kind.EVERGREEN
            )[:50],
            "can_create": can(user, Action.CONTENT_CREATE),
        },
    )


@login_required
@require_POST
def library_copy(request: HttpRequest, item_id: int) -> HttpResponse:
    """A new draft from a library post, for the person to adapt; it needs its own review."""
    user = _user(request)
    item = _item_or_404(user, item_id)
    try:
        copy = services.content_item_duplicate(actor=user, item=item)
    except CarecastError as exc:
        messages.error(request, str(exc))
        return redirect("web:library")
    messages.success(request, f"A new draft from “{item.title}”: adapt it, then send it for review.")
    return redirect("web:edit", item_id=copy.pk)


@login_required
@require_POST
def evergreen_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        brand = _posted_brand(request, user)
        evergreen_queue_set(
            actor=user,
            brand=brand,
            slots=request.POST.get("slots", ""),
            cooldown_days=int(request.POST.get("cooldown_days") or 0),
        )
    except (CarecastError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, CarecastError) else "Give the days to rest.")
    else:
        messages.success(
            request, "Evergreen slots saved; free slots of the coming week fill within the hour."
        )
    return redirect("web:calendar")


@login_required
@require_POST
def evergreen_mark(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    on = request.POST.get("on") == "1"
    return _run(
        request,
        item_id,
        "Added to the evergreen queue." if on else "Taken out of the evergreen queue.",
        lambda: content_item_evergreen(actor=user, item=item, on=on),
    )


@login_required
@require_POST
def cadence(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        brand = _posted_brand(request, user)
        cadence_target_set(
            actor=user,
            brand=brand,
            posts_per_week=int(request.POST.get("posts_per_week") or 0),
            network=request.POST.get("network", ""),
        )
    except (CarecastError, ValueError) as exc:
        messages.error(request, str(exc) if isinstance(exc, CarecastError) else "Give a number of posts.")
    else:
        messages.success(request, "Weekly target saved.")
    return redirect("web:calendar")


@login_required
@require_http_methods(["GET", "POST"])
def suggestions(request: HttpRequest) -> HttpResponse:
    """Posts from the organisation's own blog, waiting to be shared or dismissed."""
    user = _user(request)
    org = user.tenant
    if request.method == "POST":
        try:
            if "import" in request.POST:
                count = blog_import(organization=org)
                messages.success(request, f"{count} new post{'s' if count != 1 else ''} from your blog.")
            else:
                suggestion = BlogSuggestion.objects.filter(
                    organization=org, pk=request.POST.get("id") or 0
                ).first()
                if suggestion is None:
                    raise Http404("No such suggestion.")
                if "dismiss" in request.POST:
                    require(user, Action.CONTENT_CREATE)
                    suggestion.status = BlogSuggestion.Status.DISMISSED
                    suggestion.save(update_fields=["status", "updated_at"])
                else:
                    brand = Brand.objects.filter(organization=org, pk=request.POST.get("brand") or 0).first()
                    if brand is None:
                        raise ValidationError("Choose a brand.")
                    item = suggestion_draft(actor=user, suggestion=suggestion, brand=brand)
                    return redirect("web:edit", item_id=item.pk)
        except CarecastError as exc:
            messages.error(request, str(exc))
        return redirect("web:suggestions")
    return render(
        request,
        "web/suggestions.html",
        {
            "suggestions": BlogSuggestion.objects.filter(organization=org, status=BlogSuggestion.Status.NEW),
            "brands": Brand.objects.filter(organization=org),
            "feed": org.blog_feed_url,
        },
    )


def _publish_at(form: forms.Form, user: User) -> Any:
    raw = form.cleaned_data.get("publish_at") or ""
    if not raw.strip():
        return None
    return parse_local_datetime(raw, user.organization.tz)  # type: ignore[union-attr]


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Action.CONTENT_CREATE):
        return render(request, "web/forbidden.html", {"what": "create content"}, status=403)
    form = ContentItemForm(request.POST or None, request.FILES or None, organization=user.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.content_item_create(
                actor=user,
                brand=form.cleaned_data["brand"],
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                image=form.cleaned_data.get("image"),
                alt_text=form.cleaned_data["alt_text"],
                publish_at=_publish_at(form, user),
                kind=form.cleaned_data.get("kind") or "post",
                reply_to=form.cleaned_data["reply_to"],
                reply_context=form.cleaned_data["reply_context"],
            )
        except CarecastError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "Draft saved. Submit it for review when it is ready.")
            return redirect("web:item", item_id=item.pk)
    return render(request, "web/item_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    tz = user.tenant.tz
    initial = {
        "brand": item.brand_id,
        "title": item.title,
        "text": item.text,
        "alt_text": item.alt_text,
        "publish_at": to_local_input(item.publish_at, tz),
        "reply_to": item.reply_to,
        "reply_context": item.reply_context,
    }
    form = ContentItemForm(
        request.POST or None, request.FILES or None, organization=user.tenant, initial=initial
    )
    del form.fields["kind"]  # set when the item is made, or by linking an authorisation
    if item.kind != ContentItem.Kind.REPLY:
        del form.fields["reply_to"], form.fields["reply_context"]
    if request.method == "POST" and form.is_valid():
        try:
            services.content_item_update(
                actor=user,
                item=item,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                alt_text=form.cleaned_data["alt_text"],
                image=form.cleaned_data.get("image"),
                remove_image=form.cleaned_data["remove_image"],
                publish_at=_publish_at(form, user),
                reply_to=form.cleaned_data.get("reply_to"),
                reply_context=form.cleaned_data.get("reply_context"),
            )
        except CarecastError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("web:item", item_id=item.pk)
    return render(request, "web/item_form.html", {"form": form, "item": item, "creating": False})


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    tz = user.tenant.tz
    run = reviewing.current_run(item) or item.workflow_runs.select_related("workflow").first()
    step_runs = (
        list(run.step_runs.select_related("step").prefetch_related("approvals__reviewer")) if run else []
    )
    current = next((s for s in step_runs if s.status == "in_progress"), None)
    return render(
        request,
        "web/item_detail.html",
        {
            "item": item,
            "run": run,
            "step_runs": step_runs,
            "current_step": current,
            "story_authorizations": PatientAuthorization.objects.filter(
                organization_id=user.tenant_id, revoked_at=None
            )
            if can(user, Action.STORIES_MANAGE)
            else None,
            "story_link": getattr(item, "story_authorization", None),
            "accounts": ChannelAccount.objects.filter(organization_id=user.tenant_id),
            "fits": [
                (
                    p.label,
                    profiles.length(item.text, p),
                    p.limit,
                    p.unit,
                    not profiles.problems(item.text, p.network, images=1 if item.image else 0),
                )
                for p in profiles.PROFILES.values()
                if p.limit is not None
            ],
            "targeted": set(item.publish_targets.values_list("account_id", flat=True)),
            "versions": _versions(item),
            "campaigns": Campaign.objects.filter(organization_id=user.tenant_id),
            "library_assets": MediaAsset.objects.filter(organization_id=user.tenant_id)[:200],
            **_checks_context(user, item),
            "can_decide": bool(
                current and item.status == "in_review" and reviewing.can_review_step(user, current.step, item)
            ),
            "jobs": PublishJob.objects.filter(content_item=item)
            .select_related("account")
            .order_by("-created_at"),
            "can_take_down": can(user, Action.CONTENT_EDIT_ANY, item.organization),
            "revisions": item.revisions.all()[:10],
            "review_form": ReviewForm(initial={"revision": item.revision}),
            "schedule_form": ScheduleForm(initial={"publish_at": to_local_input(item.publish_at, tz)}),
            "is_author": item.author_id == user.pk or can(user, Action.CONTENT_EDIT_ANY),
            "tz": tz.key,
        },
    )


def _checks_context(user: User, item: ContentItem) -> dict[str, Any]:
    findings = content_findings(item)
    override = item.compliance_overrides.filter(revision=item.revision).select_related("actor").first()
    return {
        "findings": list(enumerate(findings)),
        "pieces": highlight(item.text, findings),
        "alt_findings": alt_text_findings(item),
        "blocks": unresolved_blocks(item),
        "override": override,
        "can_override": can(user, Action.COMPLIANCE_OVERRIDE),
        "fixable": {
            i
            for i, f in enumerate(findings)
            if f.rule.startswith("phi.") or f.label in ("HASHTAG_CASE", "DISCLAIMER_MISSING")
        },
    }


def _versions(item: ContentItem) -> list[dict[str, Any]]:
    """Each channel's version of the item, with its length as that network counts it."""
    found = []
    for v in item.variants.all():
        profile = profiles.PROFILES.get(v.network)
        parts = [v.text, *v.thread]
        found.append(
            {
                "variant": v,
                "label": profile.label if profile else v.network,
                "profile": profile,
                "parts": [(part, profiles.length(part, profile) if profile else len(part)) for part in parts],
                "problems": variants.problems(v.text, v.thread, v.network),
                "editable": "\n---\n".join(parts),
            }
        )
    return found


@login_required
@require_POST
def version(request: HttpRequest, item_id: int, network: str) -> HttpResponse:
    """Save a person's version for one channel (thread parts separated by a line '---'), or reset it."""
    user = _user(request)
    item = _item_or_404(user, item_id)
    if request.POST.get("action") == "reset":
        return _run(
            request,
            item_id,
            "Back to the automatic version; this is a new revision.",
            lambda: variants.channel_variant_reset(actor=user, item=item, network=network),
        )
    parts = [p.strip() for p in re.split(r"(?m)^\s*---\s*$", request.POST.get("text", ""))]
    return _run(
        request,
        item_id,
        "Version saved; this is a new revision.",
        lambda: variants.channel_variant_edit(
            actor=user, item=item, network=network, text=parts[0], thread=parts[1:]
        ),
    )


@login_required
@require_POST
def apply_fix(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    try:
        index = int(request.POST.get("finding", "-1"))
    except ValueError:
        index = -1
    return _run(
        request,
        item_id,
        "Fixed; this is a new revision.",
        lambda: reviewing.content_item_apply_fix(actor=user, item=item, index=index),
    )


@login_required
@require_POST
def override_checks(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    return _run(
        request,
        item_id,
        "Override recorded with your reason.",
        lambda: reviewing.compliance_override(actor=user, item=item, reason=request.POST.get("reason", "")),
    )


def _run(request: HttpRequest, item_id: int, success: str, call: Any) -> HttpResponse:
    try:
        call()
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("web:item", item_id=item_id)


@login_required
@require_POST
def submit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    return _run(
        request,
        item_id,
        "Submitted for review.",
        lambda: reviewing.content_item_submit(actor=user, item=item),
    )


@login_required
@require_POST
def review(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or request changes.")
        return redirect("web:item", item_id=item_id)
    data = form.cleaned_data
    if data["decision"] == "approve":
        return _run(
            request,
            item_id,
            "Approved.",
            lambda: reviewing.content_item_approve(
                actor=user,
                item=item,
                revision=data["revision"],
                comment=data["comment"],
                signature=reviewing.Signature.entered(
                    reason=data["reason"], password=data["password"], otp_code=data["otp_code"]
                ),
            ),
        )
    return _run(
        request,
        item_id,
        "Changes requested; the author has been told why.",
        lambda: reviewing.content_item_reject(
            actor=user, item=item, comment=data["comment"], revision=data["revision"]
        ),
    )


@login_required
@require_POST
def schedule(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    form = ScheduleForm(request.POST)
    form.is_valid()
    try:
        when = _publish_at(form, user)
    except ValidationError as exc:
        messages.error(request, str(exc))
        return redirect("web:item", item_id=item_id)
    return _run(
        request,
        item_id,
        "Scheduled." if when else "Unscheduled.",
        lambda: services.content_item_schedule(actor=user, item=item, publish_at=when),
    )


@login_required
@require_POST
def move(request: HttpRequest, item_id: int) -> HttpResponse:
    """Move an item to another day at the same local time: the calendar's "Move to" form, and where a
    dragged item is dropped (the page's script asks for JSON)."""
    user = _user(request)
    item = _item_or_404(user, item_id)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    back = request.POST.get("next", "")
    back = back if back.startswith("/calendar/") and "//" not in back else reverse("web:calendar")
    try:
        day = date.fromisoformat(request.POST.get("day", ""))
    except ValueError:
        message, ok = "Choose the day to move it to.", False
    else:
        try:
            moved = services.content_item_move(actor=user, item=item, day=day)
        except CarecastError as exc:
            message, ok = str(exc), False
        else:
            assert moved.publish_at is not None
            local = moved.publish_at.astimezone(user.tenant.tz)
            message, ok = f"“{moved.title}” moved to {local:%A %-d %B, %H:%M}.", True
    if ok:
        messages.success(request, message)  # shown on the next page (after the script reloads, too)
    if wants_json:
        return JsonResponse({"ok": ok, "message": message}, status=200 if ok else 400)
    if not ok:
        messages.error(request, message)
    return redirect(back)


@login_required
@require_POST
def publish_now(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    return _run(
        request,
        item_id,
        "Publishing now; this page shows the result in a moment.",
        lambda: services.content_item_publish_now(actor=user, item=item),
    )


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can(user, Action.CONTENT_APPROVE):
        mine = selectors.content_items_visible(user=user).filter(
            author=user, status__in=[ContentItem.Status.IN_REVIEW, ContentItem.Status.REJECTED]
        )
        return render(request, "web/reviews.html", {"queue": None, "mine": mine})
    return render(request, "web/reviews.html", {"queue": reviewing.review_queue(user=user), "mine": None})


@login_required
def section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("No such section.")
    title, purpose = SECTIONS[section]
    return render(request, "web/not_built.html", {"title": title, "purpose": purpose, "section": section})


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    org = user.organization
    assert org is not None
    # A copy: the form may change its instance while validating; the service writes the real row.
    form = OrganizationSettingsForm(request.POST or None, instance=Organization.objects.get(pk=org.pk))
    manage = can(user, Action.ORG_MANAGE)
    if request.method == "POST" and "save_org" in request.POST:
        if not manage:
            raise DjangoPermissionDenied
        if form.is_valid():
            try:
                organization_update(actor=user, organization=org, **form.cleaned_data)
            except CarecastError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, "Organisation settings saved.")
                return redirect("web:settings")
    token = None
    if request.method == "POST" and "new_token" in request.POST:
        try:
            token = api_token_create(actor=user).key
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    people = User.objects.filter(organization=org).prefetch_related("role_assignments").order_by("username")
    return render(
        request,
        "web/settings.html",
        {
            "form": form,
            "manage": manage,
            "people": people,
            "token": token,
            "roles": Role,
            "can_token": can(user, Action.API_TOKEN),
            "can_audit": can(user, Action.AUDIT_VIEW),
            "can_stories": can(user, Action.STORIES_MANAGE),
            "accounts": ChannelAccount.objects.filter(organization=org).select_related("brand"),
            "brands": Brand.objects.filter(organization=org),
            "oauth_networks": oauth.offered(),
            "oauth_names": list(oauth.PROVIDERS),
            "subscriber_counts": {
                b["brand__name"]: b["n"]
                for b in Subscriber.objects.filter(organization=org, unsubscribed_at=None)
                .values("brand__name")
                .annotate(n=Count("pk"))
            },
        },
    )


@login_required
def item_image(request: HttpRequest, item_id: int) -> FileResponse:
    """A draft's image, for members of its organisation only (it has not passed review yet)."""
    item = _item_or_404(_user(request), item_id)
    if not item.image:
        raise Http404("This item has no image.")
    return FileResponse(item.image.open("rb"))


@login_required
@require_POST
def crisis(request: HttpRequest) -> HttpResponse:
    """The crisis switch: pause every scheduled post with a reason; resume only when confirmed."""
    user = _user(request)
    try:
        if request.POST.get("action") == "pause":
            paused = publishing_pause(actor=user, reason=request.POST.get("reason", ""))
            messages.success(
                request, f"Publishing is paused. {paused} scheduled post{'s' if paused != 1 else ''} held."
            )
        else:
            future, late = publishing_resume(actor=user, confirm=request.POST.get("confirm") == "on")
            messages.success(
                request,
                f"Publishing resumed: {future} back on schedule; {late} whose time passed "
                "are waiting to be scheduled again.",
            )
    except CarecastError as exc:
        messages.error(request, str(exc))
    return redirect("web:settings")


@login_required
@require_POST
def take_down(request: HttpRequest, item_id: int, job_id: int) -> HttpResponse:
    """Delete a published post from its network (a withdrawn consent, a mistake), with a reason."""
    user = _user(request)
    item = _item_or_404(user, item_id)
    job = get_object_or_404(PublishJob, content_item=item, pk=job_id)
    return _run(
        request,
        item_id,
        "Taken down from the network.",
        lambda: publish_job_delete(actor=user, job=job, reason=request.POST.get("reason", "")),
    )


@login_required
@require_POST
def retry(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    return _run(request, item_id, "Trying again now.", lambda: content_item_retry(actor=user, item=item))


@login_required
@require_POST
def subscriber_add_view(request: HttpRequest) -> HttpResponse:
    """Add an address that asked for a brand's newsletter (its owner's consent is the admin's to check)."""
    user = _user(request)
    try:
        brand = _posted_brand(request, user)
        subscriber_add(actor=user, brand=brand, email=request.POST.get("email", ""))
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Added to the {brand.name} newsletter.")
    return redirect("web:settings")


@login_required
@require_POST
def text_subscriber_add_view(request: HttpRequest) -> HttpResponse:
    """Add a number whose owner opted in to a brand's text messages."""
    user = _user(request)
    try:
        brand = _posted_brand(request, user)
        text_subscriber_add(actor=user, brand=brand, phone=request.POST.get("phone", ""))
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Added to the {brand.name} text messages.")
    return redirect("web:settings")


@login_required
@require_POST
def channel_connect(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        brand = _posted_brand(request, user)
        channel_account_create(
            actor=user,
            brand=brand,
            network=request.POST.get("network", ""),
            name=request.POST.get("name", ""),
            endpoint=request.POST.get("endpoint", ""),
            secret=request.POST.get("secret", ""),
            handle=request.POST.get("handle", ""),
        )
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Channel connected. Choose it on an item to publish there too.")
    return redirect("web:settings")


@login_required
@require_POST
def channel_reconnect(request: HttpRequest, account_id: int) -> HttpResponse:
    user = _user(request)
    account = get_object_or_404(ChannelAccount, organization_id=user.tenant_id, pk=account_id)
    try:
        channel_account_reconnect(actor=user, account=account, secret=request.POST.get("secret", ""))
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"{account.name} is connected again. Retry its failed posts from their pages."
        )
    return redirect("web:settings")


@login_required
@require_POST
def campaign_set(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    chosen = request.POST.get("campaign") or ""
    campaign = Campaign.objects.filter(organization_id=user.tenant_id, pk=chosen).first() if chosen else None
    if chosen and campaign is None:
        messages.error(request, "Choose one of your campaigns.")
        return redirect("web:item", item_id=item_id)
    return _run(
        request,
        item_id,
        f"Part of “{campaign.name}” now." if campaign else "Not part of a campaign now.",
        lambda: services.content_item_set_campaign(actor=user, item=item, campaign=campaign),
    )


@login_required
@require_POST
def targets(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    chosen = list(
        ChannelAccount.objects.filter(organization_id=user.tenant_id, pk__in=request.POST.getlist("account"))
    )
    return _run(
        request,
        item_id,
        "Channels saved.",
        lambda: publish_target_set(actor=user, item=item, accounts=chosen),
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest) -> HttpResponse:
    """Select items, then reschedule them by whole days, hand them to another author, or duplicate them."""
    user = _user(request)
    visible = selectors.content_items_visible(user=user).exclude(status=ContentItem.Status.PUBLISHED)
    if request.method == "POST":
        chosen = list(visible.filter(pk__in=request.POST.getlist("item")))
        owner = User.objects.filter(organization_id=user.tenant_id, pk=request.POST.get("owner") or 0).first()
        try:
            days = int(request.POST.get("days") or 0)
            done = services.content_items_bulk(
                actor=user, items=chosen, action=request.POST.get("action", ""), days=days, owner=owner
            )
        except ValueError:
            messages.error(request, "Give the number of days as a whole number.")
        except CarecastError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
        else:
            messages.success(request, f"Done for {len(done)} item{'s' if len(done) != 1 else ''}.")
            return redirect("web:bulk")
    return render(
        request,
        "web/bulk.html",
        {
            "items": visible.order_by("publish_at", "pk"),
            "authors": User.objects.filter(organization_id=user.tenant_id).order_by("username"),
            "can_assign": can(user, Action.CONTENT_EDIT_ANY),
        },
    )


@login_required
@require_POST
def repeat(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = _item_or_404(user, item_id)
    try:
        every = int(request.POST.get("every_days") or 0)
        raw_until = request.POST.get("until", "").strip()
        until = date.fromisoformat(raw_until) if raw_until else None
    except ValueError:
        messages.error(request, "Give a number of days and a date like 2026-12-31.")
        return redirect("web:item", item_id=item_id)
    return _run(
        request,
        item_id,
        "Repeat schedule saved." if every else "It publishes once.",
        lambda: services.content_item_repeat(actor=user, item=item, every_days=every, until=until),
    )
