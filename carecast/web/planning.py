"""Planning pages: campaigns, tracked links, the calendar subscription feed, CSV import and export."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, can
from carecast.content import exchange, links, services
from carecast.content.models import Campaign, ContentImport, TrackedLink
from carecast.core.errors import CarecastError


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    user.tenant  # noqa: B018  (refuses a person without an organisation)
    return user


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    goal = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    budget = forms.DecimalField(min_value=Decimal(0), max_digits=12, decimal_places=2, initial=0)
    spend = forms.DecimalField(min_value=Decimal(0), max_digits=12, decimal_places=2, initial=0)
    channels = forms.CharField(required=False, help_text="Comma-separated, e.g. brand_page, bluesky, email.")
    target_segments = forms.CharField(required=False, help_text="Comma-separated audience names.")
    key_figures = forms.CharField(
        required=False, help_text="Comma-separated, e.g. appointment requests, clicks."
    )


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if not can(user, Action.CONTENT_EDIT_ANY):
            return render(request, "web/forbidden.html", {"what": "plan campaigns"}, status=403)
        if form.is_valid():
            d = form.cleaned_data
            try:
                campaign = services.campaign_save(
                    actor=user,
                    name=d["name"],
                    goal=d["goal"],
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    budget=d["budget"],
                    spend=d["spend"],
                    channels=_split(d["channels"]),
                    target_segments=_split(d["target_segments"]),
                    key_figures=_split(d["key_figures"]),
                )
            except CarecastError as exc:
                form.add_error(
                    getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None,
                    str(exc),
                )
            else:
                messages.success(request, "Campaign saved.")
                return redirect("web:campaign", campaign_id=campaign.pk)
    rows = Campaign.objects.filter(organization_id=user.tenant_id).order_by("-starts_on")
    return render(
        request,
        "web/campaigns.html",
        {"form": form, "campaigns": rows, "can_plan": can(user, Action.CONTENT_EDIT_ANY)},
    )


class LinkForm(forms.Form):
    destination = forms.URLField(max_length=1000, assume_scheme="https")
    channel = forms.CharField(required=False, max_length=40)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _user(request)
    campaign = get_object_or_404(Campaign, organization_id=user.tenant_id, pk=campaign_id)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = links.tracked_link_create(
                actor=user,
                destination=form.cleaned_data["destination"],
                channel=form.cleaned_data["channel"],
                campaign=campaign,
            )
        except CarecastError as exc:
            form.add_error("destination", str(exc))
        else:
            messages.success(request, f"Short link {request.build_absolute_uri('/l/' + link.code)} is ready.")
            return redirect("web:campaign", campaign_id=campaign.pk)
    campaign_links = campaign.links.annotate(converted=Sum("conversions__count")).order_by("-created_at")
    return render(
        request,
        "web/campaign_detail.html",
        {
            "campaign": campaign,
            "form": form,
            "links": campaign_links,
            "items": campaign.items.select_related("brand").order_by("publish_at"),
        },
    )


@never_cache
def short_link(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """The public redirect. It counts the click and keeps nothing about who clicked."""
    link = TrackedLink.objects.filter(code=code).first()
    if link is None:
        raise Http404("This link does not exist.")
    links.link_click(link=link, user_agent=request.headers.get("User-Agent", ""))
    return HttpResponseRedirect(link.destination)


def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    body = exchange.calendar_feed_ics(token=token)
    if body is None:
        raise Http404("This calendar link was replaced or does not exist.")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def calendar_feed_reset(request: HttpRequest) -> HttpResponse:
    exchange.calendar_feed_token(user=_user(request), reset=True)
    messages.success(request, "A new calendar link is ready; the old one stopped working.")
    return redirect("web:calendar")


@login_required
def content_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        exchange.content_csv_export(user=_user(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="carecast-content.csv"'
    return response


IMPORT_KEY = "carecast_csv_import"


@login_required
def content_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """How far a confirmed import has got; the page asks again every second while it runs (the
    fragment alone, announced politely), and says plainly how it ended."""
    user = _user(request)
    run = ContentImport.objects.filter(organization_id=user.tenant_id, pk=import_id).first()
    if run is None:
        raise Http404("No such import.")
    context = {"run": run, "done": exchange.import_progress(run)}
    if request.GET.get("fragment"):
        return render(request, "web/_import_progress.html", context)
    return render(request, "web/content_import_status.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def content_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview with per-row errors, then confirm: only the good rows are created, all at once."""
    user = _user(request)
    if not can(user, Action.CONTENT_CREATE):
        return render(request, "web/forbidden.html", {"what": "import content"}, status=403)
    preview = None
    if request.method == "POST" and "confirm" in request.POST:
        data = request.session.pop(IMPORT_KEY, None)
        if not data:
            messages.error(request, "Upload the file again; the preview expired.")
            return redirect("web:content_import")
        try:
            run = exchange.content_import_start(user=user, data=data)
        except CarecastError as exc:
            messages.error(request, str(exc))
            return redirect("web:content_import")
        return redirect("web:content_import_status", import_id=run.pk)
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None or upload.size is None or upload.size > 2 * 1024 * 1024:
                raise exchange.ValidationError("Choose a CSV file up to 2 MB.", field="file")
            try:
                data = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise exchange.ValidationError("The file is not UTF-8 text; save it as CSV UTF-8.") from exc
            preview = exchange.content_csv_preview(user=user, data=data)
            request.session[IMPORT_KEY] = data
        except CarecastError as exc:
            messages.error(request, str(exc))
    return render(
        request, "web/content_import.html", {"preview": preview, "columns": exchange.IMPORT_COLUMNS}
    )
