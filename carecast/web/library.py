"""Library pages: media assets and content templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, can
from carecast.compliance.models import FastTrackTemplate
from carecast.compliance.services import template_variables
from carecast.content import library, selectors
from carecast.content.models import ContentItem
from carecast.core.errors import CarecastError, NotFound
from carecast.core.models import Brand
from carecast.core.timeutil import parse_local_datetime


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    user.tenant  # noqa: B018  (refuses a person without an organisation)
    return user


def _asset_or_404(user: User, asset_id: int) -> Any:
    try:
        return library.access_media_asset(user=user, asset_id=asset_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _item_or_404(user: User, item_id: int) -> ContentItem:
    try:
        return selectors.access_content_item(user=user, content_item_id=item_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
@require_http_methods(["GET", "POST"])
def media_library(request: HttpRequest) -> HttpResponse:
    """Search the organisation's images and videos, and upload new ones (checked before anything is kept)."""
    user = _user(request)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose an image or video file to upload.")
        else:
            try:
                asset = library.media_asset_upload(
                    actor=user,
                    upload=upload,
                    name=request.POST.get("name", ""),
                    alt_text=request.POST.get("alt_text", ""),
                    caption=request.POST.get("caption", ""),
                )
            except CarecastError as exc:
                messages.error(request, f"Nothing was uploaded: {exc}")
            else:
                note = (
                    f" It still needs {asset.missing} before an item using it can go to review."
                    if asset.missing
                    else ""
                )
                messages.success(request, f"“{asset.name}” is in the library.{note}")
                return redirect("web:media_library")
    query, kind = request.GET.get("q", ""), request.GET.get("kind", "")
    return render(
        request,
        "web/media_library.html",
        {
            "assets": library.media_assets_search(user=user, query=query, kind=kind)[:200],
            "query": query,
            "kind": kind,
            "can_upload": can(user, Action.CONTENT_CREATE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def media_asset(request: HttpRequest, asset_id: int) -> HttpResponse:
    user = _user(request)
    asset = _asset_or_404(user, asset_id)
    if request.method == "POST":
        try:
            library.media_asset_update(
                actor=user,
                asset=asset,
                name=request.POST.get("name", ""),
                alt_text=request.POST.get("alt_text", ""),
                caption=request.POST.get("caption", ""),
            )
        except CarecastError as exc:
            messages.error(request, f"Nothing was changed: {exc}")
        else:
            messages.success(request, "Saved. Items using it that were approved need review again.")
            return redirect("web:media_asset", asset_id=asset.pk)
    return render(
        request,
        "web/media_asset.html",
        {"asset": asset, "uses": asset.uses.select_related("item").order_by("-item__updated_at")[:50]},
    )


@login_required
def media_file(request: HttpRequest, asset_id: int) -> FileResponse:
    """The file itself, for members of its organisation only."""
    asset = _asset_or_404(_user(request), asset_id)
    return FileResponse(asset.file.open("rb"))


@login_required
@require_POST
def item_assets(request: HttpRequest, item_id: int) -> HttpResponse:
    """Attach a library asset to an item, or remove it (action=detach)."""
    user = _user(request)
    item = _item_or_404(user, item_id)
    try:
        asset = _asset_or_404(user, int(request.POST.get("asset") or 0))
    except (Http404, ValueError):
        messages.error(request, "Choose an asset from your library.")
        return redirect("web:item", item_id=item_id)
    try:
        if request.POST.get("action") == "detach":
            library.content_item_detach_asset(actor=user, item=item, asset=asset)
            messages.success(request, f"“{asset.name}” removed from this item.")
        else:
            library.content_item_attach_asset(actor=user, item=item, asset=asset)
            still = f" Still missing: {asset.missing}." if asset.missing else ""
            messages.success(request, f"“{asset.name}” attached.{still}")
    except CarecastError as exc:
        messages.error(request, str(exc))
    return redirect("web:item", item_id=item_id)


@login_required
@require_http_methods(["GET", "POST"])
def content_templates(request: HttpRequest) -> HttpResponse:
    """The template library: evergreen texts and pre-approved (fast-track) messages to start items from."""
    user = _user(request)
    org = user.tenant
    if request.method == "POST":
        brand = Brand.objects.filter(organization=org, pk=request.POST.get("brand") or 0).first()
        fast = FastTrackTemplate.objects.filter(
            organization=org, pk=request.POST.get("fast_track") or 0
        ).first()
        try:
            library.content_template_save(
                actor=user,
                name=request.POST.get("name", ""),
                text=request.POST.get("text", ""),
                brand=brand,
                channels=request.POST.get("channels", "").split(","),
                tags=request.POST.get("tags", "").split(","),
                fast_track=fast,
            )
        except CarecastError as exc:
            messages.error(request, f"Nothing was saved: {exc}")
        else:
            messages.success(request, "Template added to the library.")
            return redirect("web:content_templates")
    query, tag = request.GET.get("q", ""), request.GET.get("tag", "")
    return render(
        request,
        "web/content_templates.html",
        {
            "templates": library.content_templates_search(user=user, query=query, tag=tag),
            "query": query,
            "tag": tag,
            "brands": Brand.objects.filter(organization=org),
            "fast_tracks": FastTrackTemplate.objects.filter(organization=org, active=True),
            "can_manage": can(user, Action.CONTENT_EDIT_ANY),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_use(request: HttpRequest, template_id: int) -> HttpResponse:
    user = _user(request)
    template = library.content_templates_search(user=user).filter(pk=template_id).first()
    if template is None:
        raise Http404("No such template.")
    names = template_variables(template.text)
    brands = Brand.objects.filter(organization_id=user.tenant_id)
    if template.brand_id:
        brands = brands.filter(pk=template.brand_id)
    if request.method == "POST":
        brand = brands.filter(pk=request.POST.get("brand") or 0).first()
        values = {n: request.POST.get(f"var_{n}", "") for n in names}
        try:
            if brand is None:
                raise NotFound("Choose a brand.")
            raw = request.POST.get("publish_at", "").strip()
            publish_at = parse_local_datetime(raw, user.tenant.tz) if raw else None
            item = library.content_item_from_template(
                actor=user,
                template=template,
                brand=brand,
                title=request.POST.get("title", "") or template.name,
                values=values,
                publish_at=publish_at,
            )
        except CarecastError as exc:
            messages.error(request, f"Nothing was created: {exc}")
        else:
            state = (
                "approved under the fast-track rules" if item.approval_is_current else "a draft for review"
            )
            messages.success(request, f"Started “{item.title}”: {state}.")
            return redirect("web:item", item_id=item.pk)
    return render(request, "web/template_use.html", {"template": template, "names": names, "brands": brands})
