"""The content library: media assets (images and video reused across items) and templates.

Each write is guarded, atomic and audited, and reuses the content and compliance services for what
they already decide (revisions and approvals, scheduling, fast-track approval).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.content import audit_actions as actions
from carecast.content.media import validate_media
from carecast.content.models import (
    ContentItem,
    ContentItemAsset,
    ContentTemplate,
    MediaAsset,
)
from carecast.content.services import (
    _require_editable,
    content_item_create,
    content_item_revise,
)
from carecast.core.audit import audit_log
from carecast.core.errors import NotFound, PermissionDenied, ValidationError
from carecast.core.models import Brand

Status = ContentItem.Status
MAX_ASSETS_PER_ITEM = 10

# ---------------------------------------------------------------- media assets


def _asset_text(alt_text: str, caption: str) -> tuple[str, str]:
    alt_text, caption = alt_text.strip(), caption.strip()
    if len(alt_text) > 1000:
        raise ValidationError(
            f"The alt text is {len(alt_text)} characters; the limit is 1000.", field="alt_text"
        )
    if len(caption) > 20000:
        raise ValidationError("The captions are longer than 20000 characters.", field="caption")
    return alt_text, caption


def media_asset_upload(
    *, actor: User, upload: UploadedFile, name: str = "", alt_text: str = "", caption: str = ""
) -> MediaAsset:
    """Check the file by its content (type, size, dimensions, length), then store it in the library.
    Alt text and captions may follow later, but an item using the asset cannot go to review without them."""
    require(actor, Action.CONTENT_CREATE)
    checked = validate_media(upload)
    alt_text, caption = _asset_text(alt_text, caption)
    name = (name.strip() or f"{checked.kind.title()} {timezone.now():%Y-%m-%d %H:%M}")[:200]
    with transaction.atomic():
        asset = MediaAsset(
            organization=actor.tenant,
            kind=checked.kind,
            name=name,
            file_format=checked.file_format,
            alt_text=alt_text,
            caption=caption,
            width=checked.width,
            height=checked.height,
            duration_seconds=checked.duration_seconds,
            size_bytes=upload.size or 0,
            uploaded_by=actor,
        )
        asset.file.save(f"asset.{checked.file_format}", upload, save=False)
        asset.save()
        audit_log(
            action=actions.MEDIA_UPLOAD,
            actor=actor,
            obj=asset,
            after={
                "kind": asset.kind,
                "format": asset.file_format,
                "width": asset.width,
                "height": asset.height,
                "size_bytes": asset.size_bytes,
                "alt_text_set": bool(alt_text),
                "caption_set": bool(caption),
            },
        )
    return asset


def media_asset_update(
    *, actor: User, asset: MediaAsset, name: str, alt_text: str, caption: str
) -> MediaAsset:
    """Change what the asset says about itself. Items using it that were approved go back to draft,
    because their published alt text or captions change."""
    require(actor, Action.CONTENT_CREATE, asset.organization)
    alt_text, caption = _asset_text(alt_text, caption)
    with transaction.atomic():
        asset = MediaAsset.objects.select_for_update().get(pk=asset.pk)
        before = {
            "name": asset.name,
            "alt_text_set": bool(asset.alt_text),
            "caption_set": bool(asset.caption),
        }
        text_changed = alt_text != asset.alt_text or caption != asset.caption
        asset.name = name.strip()[:200] or asset.name
        asset.alt_text, asset.caption = alt_text, caption
        asset.save()
        if text_changed:
            for link in asset.uses.select_related("item"):
                if link.item.status != Status.PUBLISHED:
                    content_item_revise(actor=actor, item=link.item)
        audit_log(
            action=actions.MEDIA_UPDATE,
            actor=actor,
            obj=asset,
            before=before,
            after={"name": asset.name, "alt_text_set": bool(alt_text), "caption_set": bool(caption)},
        )
    return asset


def media_assets_search(*, user: User, query: str = "", kind: str = "") -> QuerySet[MediaAsset]:
    require(user, Action.CONTENT_VIEW)
    found = MediaAsset.objects.filter(organization_id=user.tenant_id)
    if kind in MediaAsset.Kind.values:
        found = found.filter(kind=kind)
    for word in query.split()[:5]:
        found = found.filter(
            Q(name__icontains=word) | Q(alt_text__icontains=word) | Q(caption__icontains=word)
        )
    return found


def access_media_asset(*, user: User, asset_id: int) -> MediaAsset:
    try:
        return media_assets_search(user=user).get(pk=asset_id)
    except (MediaAsset.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such asset in your library.") from exc


def content_item_attach_asset(*, actor: User, item: ContentItem, asset: MediaAsset) -> ContentItemAsset:
    _require_editable(actor, item)
    if asset.organization_id != item.organization_id:
        raise PermissionDenied("That asset belongs to another organisation.")
    with transaction.atomic():
        if item.asset_links.filter(asset=asset).exists():
            raise ValidationError(f"“{asset.name}” is already attached.", field="asset")
        count = item.asset_links.count()
        if count >= MAX_ASSETS_PER_ITEM:
            raise ValidationError(f"An item can have at most {MAX_ASSETS_PER_ITEM} assets.", field="asset")
        link = ContentItemAsset.objects.create(item=item, asset=asset, position=count, added_by=actor)
        content_item_revise(actor=actor, item=item)
        audit_log(action=actions.MEDIA_ATTACH, actor=actor, obj=item, after={"asset": asset.pk})
    return link


def content_item_detach_asset(*, actor: User, item: ContentItem, asset: MediaAsset) -> None:
    _require_editable(actor, item)
    with transaction.atomic():
        deleted, _ = item.asset_links.filter(asset=asset).delete()
        if not deleted:
            raise ValidationError(f"“{asset.name}” is not attached to this item.", field="asset")
        content_item_revise(actor=actor, item=item)
        audit_log(action=actions.MEDIA_DETACH, actor=actor, obj=item, before={"asset": asset.pk})


def assets_missing_text(item: ContentItem) -> str:
    """A message naming each attached asset that lacks alt text (or captions, for video); '' if none."""
    problems = [
        f"“{link.asset.name}” needs {link.asset.missing}"
        for link in item.asset_links.select_related("asset")
        if link.asset.missing
    ]
    if not problems:
        return ""
    return "Before review: " + "; ".join(problems) + ". Add them in the media library."


# ---------------------------------------------------------------- templates

_VARIABLE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def content_template_save(
    *,
    actor: User,
    name: str,
    text: str = "",
    brand: Brand | None = None,
    channels: list[str] | None = None,
    tags: list[str] | None = None,
    fast_track: Any = None,
    template: ContentTemplate | None = None,
) -> ContentTemplate:
    """Add a template to the library (or change one). A pre-approved template is a fast-track template
    a reviewer signed in compliance; its text comes from there and cannot be changed here."""
    require(actor, Action.CONTENT_EDIT_ANY)
    org = actor.tenant
    if brand is not None and brand.organization_id != org.pk:
        raise PermissionDenied("That brand belongs to another organisation.")
    if fast_track is not None:
        if fast_track.organization_id != org.pk or not fast_track.active:
            raise ValidationError("That pre-approved template is not available.", field="fast_track")
        text = fast_track.text
    name, text = name.strip(), text.strip()
    if not name or not text:
        raise ValidationError("Give the template a name and text.", field="name" if not name else "text")
    if "{" in _VARIABLE.sub("", text) or "}" in _VARIABLE.sub("", text):
        raise ValidationError(
            "Variables look like {site}: lowercase letters, digits and underscores.", field="text"
        )
    values = {
        "kind": ContentTemplate.Kind.PRE_APPROVED if fast_track else ContentTemplate.Kind.EVERGREEN,
        "name": name[:120],
        "text": text,
        "brand": brand,
        "channels": [c.strip() for c in channels or [] if c.strip()],
        "tags": sorted({t.strip().lower() for t in tags or [] if t.strip()}),
        "fast_track": fast_track,
    }
    with transaction.atomic():
        if template is None:
            template = ContentTemplate.objects.create(organization=org, created_by=actor, **values)
        else:
            if template.organization_id != org.pk:
                raise PermissionDenied("That template belongs to another organisation.")
            for key, value in values.items():
                setattr(template, key, value)
            template.save()
        audit_log(
            action=actions.TEMPLATE_SAVE,
            actor=actor,
            obj=template,
            after={"name": template.name, "kind": template.kind, "tags": template.tags},
        )
    return template


def content_templates_search(*, user: User, query: str = "", tag: str = "") -> QuerySet[ContentTemplate]:
    require(user, Action.CONTENT_VIEW)
    found = ContentTemplate.objects.filter(organization_id=user.tenant_id, active=True).select_related(
        "brand"
    )
    for word in query.split()[:5]:
        found = found.filter(Q(name__icontains=word) | Q(text__icontains=word))
    if tag:
        found = found.filter(tags__icontains=tag.strip().lower())
    return found


def content_item_from_template(
    *,
    actor: User,
    template: ContentTemplate,
    brand: Brand,
    title: str,
    values: dict[str, str],
    publish_at: datetime | None = None,
) -> ContentItem:
    """Start an item from a library template. A pre-approved one goes through the compliance fast track
    (approved only as the fast-track rules allow); an evergreen one becomes a draft for full review."""
    from carecast.compliance.services import content_item_fast_track, template_variables

    if template.organization_id != actor.tenant_id or brand.organization_id != actor.tenant_id:
        raise NotFound("No such template.")
    if not template.active:
        raise ValidationError("That template is no longer in the library.", field="template")
    if template.brand_id is not None and template.brand_id != brand.pk:
        raise ValidationError(f"That template is for {template.brand}; choose that brand.", field="brand")
    with transaction.atomic():
        if template.fast_track is not None:
            item = content_item_fast_track(
                actor=actor,
                template=template.fast_track,
                brand=brand,
                title=title,
                values=values,
                publish_at=publish_at,
            )
        else:
            names = template_variables(template.text)
            missing = [n for n in names if not str(values.get(n, "")).strip()]
            if missing:
                raise ValidationError(f"Fill in: {', '.join(missing)}.", field="values")
            text = _VARIABLE.sub(lambda m: str(values[m.group(1)]).strip(), template.text)
            item = content_item_create(
                actor=actor, brand=brand, title=title, text=text, publish_at=publish_at
            )
        audit_log(
            action=actions.TEMPLATE_USE,
            actor=actor,
            obj=item,
            after={"template": template.pk, "kind": template.kind, "status": item.status},
        )
    return item
