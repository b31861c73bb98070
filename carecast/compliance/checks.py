"""The compliance gate: textscan findings on content, and why an item may not be approved or published."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from carecast import textscan
from carecast.channels.profiles import PROFILES
from carecast.content.models import ContentItem
from carecast.content.variants import variant_texts
from carecast.core.models import Organization
from carecast.textscan import Finding, Media, Policy, Severity, scan


def policy_for(org: Organization) -> Policy:
    allow = tuple(line.strip() for line in org.phi_allow_list.splitlines() if line.strip())
    return Policy(
        org_kind=org.kind, disclaimer=org.disclaimer, disclaimer_required=bool(org.disclaimer), allow=allow
    )


def content_findings(item: ContentItem) -> list[Finding]:
    """Everything textscan says about the item's current text, alt text and image, and about each
    channel's version where it says something the master text does not (spans there are not marked)."""
    policy = policy_for(item.organization)
    media = (Media(name="image", alt_text=item.alt_text),) if item.image else ()
    if item.kind == ContentItem.Kind.REPLY:
        return scan(item.text, kind="reply", context=item.reply_context, policy=policy, media=media)
    found = scan(item.text, kind="post", policy=policy, media=media)
    if item.pk is None:
        return found
    seen = {(f.rule, item.text[f.start : f.end]) for f in found}
    # carecast's own short links carry a random code; their destinations were checked when made.
    own_links = f"{settings.SITE_URL.rstrip('/')}/l/"
    for network, text in variant_texts(item):
        if text == item.text:
            continue
        for f in scan(text, kind="post", policy=policy, media=media):
            if (f.rule, text[f.start : f.end]) in seen or text[f.start : f.end].startswith(own_links):
                continue
            seen.add((f.rule, text[f.start : f.end]))
            label = PROFILES[network].label if network in PROFILES else network
            found.append(replace(f, reason=f"In the {label} version: {f.reason}", start=0, end=0, fix=None))
    return found


def alt_text_findings(item: ContentItem) -> list[Finding]:
    """The alt text is published too: PHI in it blocks like PHI in the post (spans refer to the alt text)."""
    policy = policy_for(item.organization)
    found = []
    if item.alt_text:
        found = [
            replace(f, rule=f"alt_text.{f.rule}", reason=f"In the alt text: {f.reason}")
            for f in scan(item.alt_text, kind="inbound", policy=policy)
            if f.rule.startswith("phi.")
        ]
    if item.pk is None:
        return found
    # Library assets attached to the item publish their alt text and captions too.
    for link in item.asset_links.select_related("asset"):
        asset = link.asset
        for what, text in (("alt text", asset.alt_text), ("captions", asset.caption)):
            if text:
                found += [
                    replace(
                        f,
                        rule=f"asset.{f.rule}",
                        reason=f"In the {what} of “{asset.name}”: {f.reason}",
                        start=0,
                        end=0,
                        fix=None,
                    )
                    for f in scan(text, kind="inbound", policy=policy)
                    if f.rule.startswith("phi.")
                ]
    return found


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.BLOCK]


def unresolved_blocks(item: ContentItem) -> list[Finding]:
    """Blocking findings on the current revision that no permitted person has overridden."""
    blocks = blocking(content_findings(item) + alt_text_findings(item))
    if blocks and item.kind == ContentItem.Kind.PATIENT_STORY and not story_problem(item):
        # The patient's signed authorisation permits naming them: their details are not a leak here.
        blocks = [f for f in blocks if "phi." not in f.rule]
    if not blocks:
        return []
    override = item.compliance_overrides.filter(revision=item.revision).first()
    covered = set(override.labels) if override else set()
    return [f for f in blocks if f.label not in covered]


def story_problem(item: ContentItem, *, channel: str = "brand_page") -> str:
    """A patient story needs a linked authorisation, valid on the publish date, for the channel."""
    if item.kind != ContentItem.Kind.PATIENT_STORY:
        return ""
    link = getattr(item, "story_authorization", None)
    if link is None:
        return "it is a patient story without a linked patient authorisation"
    when = (item.publish_at or timezone.now()).date()
    return link.authorization.problem_for(on=when, channel=channel, has_image=bool(item.image))


@functools.cache
def _checker_version() -> str:
    """Changes whenever the checker's code does (a deploy with new rules rescans approved posts)."""
    digest = hashlib.sha256()
    for source in sorted(Path(textscan.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def clean_fingerprint(item: ContentItem) -> str:
    """What the blocking findings of an item depend on: its text, its policy and the checker."""
    org = item.organization
    facts = [
        _checker_version(),
        item.revision,
        item.kind,
        item.text,
        item.alt_text,
        bool(item.image),
        item.reply_context,
        variant_texts(item) if item.pk else [],
        org.kind,
        org.disclaimer,
        org.phi_allow_list,
    ]
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def publish_blockers(item: ContentItem, *, channel: str = "brand_page") -> list[str]:
    """Checked at approval and again at send time. The text is scanned again unless the approval found
    it clean and nothing it depends on has changed since (`ContentItem.checked_clean`)."""
    problems = [story_problem(item, channel=channel)]
    if item.checked_clean and item.checked_clean == clean_fingerprint(item):
        return [p for p in problems if p]
    blocks = unresolved_blocks(item)
    if blocks:
        labels = ", ".join(sorted({f.label.replace("_", " ").lower() for f in blocks}))
        problems.append(f"the text has blocking compliance findings ({labels}) that nobody overrode")
    return [p for p in problems if p]


def highlight(text: str, findings: list[Finding]) -> list[tuple[str, int | None]]:
    """The text in pieces, each with its finding; findings about the whole text are not marked."""
    pieces: list[tuple[str, int | None]] = []
    at = 0
    spans = sorted((f.start, f.end, i) for i, f in enumerate(findings) if f.end - f.start < len(text))
    for start, end, index in spans:
        if start < at:
            continue  # overlapping findings: the first one is marked
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], index))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces
