"""A post written once, adapted for each channel it goes to.

From the master text each channel gets its own version, made automatically and then editable:
links become short tracked links with UTM parameters for that channel; hashtags are written in camel
case (screen readers say "#FluShotClinic" word by word) and as many as that network's readers expect,
or none where hashtags mean nothing (a text message, an email); a text over the channel's limit is
split into a numbered thread where the network has threads, otherwise shortened at a sentence or
word, keeping its link. A person's edit of a version is kept until they reset it; any edit is a new
revision of the item, so an approval never covers words the reviewer did not see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import regex
from django.conf import settings
from django.db import transaction

from carecast.accounts.models import User
from carecast.channels import profiles
from carecast.content import audit_actions as actions
from carecast.content.models import ChannelVariant, ContentItem
from carecast.core.audit import audit_log
from carecast.core.errors import ValidationError

# How many hashtags each network's readers expect; 0: none (they mean nothing there).
HASHTAGS = {
    "x": 2,
    "bluesky": 3,
    "mastodon": 5,
    "facebook": 3,
    "linkedin": 3,
    "instagram": 10,
    "youtube": 3,
}
# Channels that get the master text as it is: the organisation's own page and machine receivers.
AS_WRITTEN = {"brand_page", "webhook"}
HASHTAG = re.compile(r"(?<![\w&/])#([A-Za-z][\w-]*)")
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_PARTS = 10


@dataclass(frozen=True)
class Version:
    text: str
    thread: tuple[str, ...] = ()
    note: str = ""


def camel_case(tag: str) -> str:
    """'flu-shot_clinic' -> 'FluShotClinic'; a tag already in mixed case keeps its capitals."""
    parts = [p for p in re.split(r"[-_]+", tag) if p]
    return "".join(p[0].upper() + p[1:] for p in parts)


def _words(tag: str) -> str:
    """A hashtag as plain words, for channels without hashtags: 'FluShotClinic' -> 'flu shot clinic'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", camel_case(tag))
    return spaced.lower()


def _split_tags(text: str) -> tuple[str, list[str]]:
    """The text without its closing run of hashtags, and those tags (inline tags stay in the text)."""
    lines = text.rstrip().split("\n")
    tags: list[str] = []
    while lines and lines[-1].strip() and not HASHTAG.sub("", lines[-1]).strip(" ,"):
        tags = [m.group(1) for m in HASHTAG.finditer(lines[-1])] + tags
        lines.pop()
    body = "\n".join(lines).rstrip()
    # A last sentence ending in tags ("Book today. #flu #vaccines") gives those up too.
    tail = re.search(r"(?:\s+#[A-Za-z][\w-]*)+\s*$", body)
    if tail and HASHTAG.sub("", body[: tail.start()]).strip():
        tags = [m.group(1) for m in HASHTAG.finditer(tail.group(0))] + tags
        body = body[: tail.start()].rstrip()
    return body, list(dict.fromkeys(tags))


def _fits(text: str, profile: profiles.ChannelProfile, room: int = 0) -> bool:
    return profile.limit is None or profiles.length(text, profile) + room <= profile.limit


def _most(count: int, fits: Any) -> int:
    """The largest k <= count with fits(k) true (fits(k) holds for every smaller k too)."""
    low, high = 0, count
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _shorten(text: str, profile: profiles.ChannelProfile, keep: str = "") -> str:
    """The longest start of `text`, cut at a sentence or else a word, that fits with `keep` after it
    (an ellipsis marks a cut inside a sentence)."""
    dots = "..." if profile.unit == "segments" else "…"  # "…" would make a text message UCS-2: fewer letters
    tail = f"{dots} {keep}" if keep else dots
    cuts = [m.start() for m in SENTENCE_END.finditer(text)]
    for cut in reversed(cuts):
        candidate = f"{text[:cut].rstrip()} {keep}".strip()
        if _fits(candidate, profile):
            return candidate
    words = text.split(" ")
    count = _most(len(words), lambda k: _fits(" ".join(words[:k]).rstrip(",;:") + tail, profile))
    if count == 0:  # not even one word fits: cut inside it
        chars = regex.findall(r"\X", words[0])
        return "".join(chars[: _most(len(chars), lambda k: _fits("".join(chars[:k]) + tail, profile))]) + tail
    return (" ".join(words[:count]).rstrip(",;:") + tail).strip()


def _chunks(word: str, profile: profiles.ChannelProfile, room: int) -> list[str]:
    """A word too long for one part of a thread (a long address, a run of characters) cut where it must be."""
    if _fits(word, profile, room):
        return [word]
    chars = regex.findall(r"\X", word)
    size = max(1, _most(len(chars), lambda k: _fits("".join(chars[:k]), profile, room)))
    return ["".join(chars[:size]), *_chunks("".join(chars[size:]), profile, room)]


def _thread(text: str, profile: profiles.ChannelProfile) -> list[str]:
    """Numbered parts ('1/3') cut at sentences, or words inside a sentence too long for one part."""
    room = len(" 10/10")
    pieces: list[str] = []
    for sentence in SENTENCE_END.split(text):
        if _fits(sentence, profile, room):
            pieces.append(sentence)
            continue
        words, current = [w for word in sentence.split(" ") for w in _chunks(word, profile, room)], ""
        for word in words:
            joined = f"{current} {word}".strip()
            if current and not _fits(joined, profile, room):
                pieces.append(current)
                current = word
            else:
                current = joined
        pieces.append(current)
    parts: list[str] = []
    for piece in pieces:
        joined = f"{parts[-1]} {piece}" if parts else piece
        if parts and _fits(joined, profile, room):
            parts[-1] = joined
        else:
            parts.append(piece)
    if len(parts) == 1:
        return parts
    return [f"{part} {i}/{len(parts)}" for i, part in enumerate(parts, start=1)]


def adapt(text: str, network: str, *, links: dict[str, str] | None = None) -> Version:
    """The master text as `network` should get it (`links`: each long address and its short link)."""
    profile = profiles.PROFILES.get(network)
    if network in AS_WRITTEN:
        return Version(text)
    for long, short in (links or {}).items():
        text = text.replace(long, short)
    body, tags = _split_tags(text)
    budget = HASHTAGS.get(network, 0)
    if budget:
        body = HASHTAG.sub(lambda m: "#" + camel_case(m.group(1)), body)
    else:
        body = HASHTAG.sub(lambda m: _words(m.group(1)), body)
    tag_line = " ".join("#" + camel_case(t) for t in tags[:budget])
    whole = f"{body}\n\n{tag_line}" if tag_line else body
    if profile is None or _fits(whole, profile):
        return Version(whole)
    if profile.threads:
        parts = _thread(body, profile)
        if tag_line and _fits(f"{parts[-1]}\n\n{tag_line}", profile):
            parts[-1] = f"{parts[-1]}\n\n{tag_line}"
        if len(parts) > MAX_PARTS:
            return Version(_shorten(body, profile), note=f"Shortened: over {MAX_PARTS} parts as a thread.")
        return Version(parts[0], tuple(parts[1:]), note=f"Split into a thread of {len(parts)} parts.")
    found = URL.findall(body)
    keep = found[-1] if found else ""  # the link is what the reader acts on: it survives shortening
    rest = " ".join(body.replace(keep, " ").split()) if keep else body
    return Version(
        _shorten(rest, profile, keep),
        note=f"Shortened to fit {profile.label}'s {profile.limit} {profile.unit}: check it reads well.",
    )


def problems(
    version_text: str, thread: list[str] | tuple[str, ...], network: str, *, images: int = 0
) -> list[str]:
    """Why this version cannot go to `network` as it is (empty: it fits)."""
    profile = profiles.PROFILES.get(network)
    found = profiles.problems(version_text, network, images=images)
    if thread and profile is not None and not profile.threads:
        found.append(f"{profile.label} has no threads: put everything in one post.")
    for number, part in enumerate(thread, start=2):
        found += [f"Part {number}: {p}" for p in profiles.problems(part, network)]
    return found


# ------------------------------------------------------------------------------------------- services


def item_networks(item: ContentItem) -> list[str]:
    """The networks an item goes to: its brand page, then each chosen channel's network."""
    if item.pk is None or item.kind == ContentItem.Kind.REPLY:
        return []  # a reply is written for one conversation and goes as it is
    chosen = item.publish_targets.values_list("account__network", flat=True)
    return list(dict.fromkeys(["brand_page", *sorted(chosen)]))


def _short_links(*, actor: User, item: ContentItem, network: str) -> dict[str, str]:
    """A tracked short link per address in the master text, for this channel (made once, then reused)."""
    from carecast.content.links import tracked_link_for

    found: dict[str, str] = {}
    if network in AS_WRITTEN:
        return found
    base = settings.SITE_URL.rstrip("/")
    for url in dict.fromkeys(URL.findall(item.text)):
        if url.startswith(f"{base}/l/"):
            continue
        link = tracked_link_for(
            actor=actor, destination=url, channel=network, campaign=item.campaign, item=item
        )
        found[url] = f"{base}/l/{link.code}"
    return found


def content_item_variants_sync(*, actor: User, item: ContentItem) -> list[ChannelVariant]:
    """Make or remake the automatic version for each channel the item goes to; a person's edited
    version is kept, and versions for channels no longer chosen are removed."""
    networks = item_networks(item)
    with transaction.atomic():
        item.variants.exclude(network__in=networks).delete()
        kept = {v.network: v for v in item.variants.all()}
        for network in networks:
            current = kept.get(network)
            if current is not None and current.edited:
                continue
            version = adapt(item.text, network, links=_short_links(actor=actor, item=item, network=network))
            if current is None:
                kept[network] = ChannelVariant.objects.create(
                    item=item,
                    network=network,
                    text=version.text,
                    thread=list(version.thread),
                    note=version.note,
                )
            elif (current.text, current.thread, current.note) != (
                version.text,
                list(version.thread),
                version.note,
            ):
                current.text, current.thread, current.note = version.text, list(version.thread), version.note
                current.save(update_fields=["text", "thread", "note", "updated_at"])
    return [kept[n] for n in networks]


def channel_variant_edit(
    *, actor: User, item: ContentItem, network: str, text: str, thread: list[str] | None = None
) -> ChannelVariant:
    """A person's own version for one channel. Checked against the channel's limits (nothing saved
    when it does not fit); it is a new revision, so any approval ends."""
    from carecast.content.services import _require_editable, content_item_revise

    _require_editable(actor, item)
    variant = item.variants.filter(network=network).first()
    if variant is None:
        raise ValidationError("This item does not go to that channel.", field="network")
    text = text.strip()
    parts = [p.strip() for p in thread or [] if p.strip()]
    if not text:
        raise ValidationError("A version needs some text.", field="text")
    found = problems(text, parts, network)
    if found:
        raise ValidationError(" ".join(found), field="text")
    with transaction.atomic():
        variant.text, variant.thread, variant.edited, variant.note = text, parts, True, ""
        variant.save(update_fields=["text", "thread", "edited", "note", "updated_at"])
        item = content_item_revise(actor=actor, item=item)
        audit_log(
            action=actions.VARIANT_EDIT,
            actor=actor,
            obj=item,
            after={"network": network, "parts": 1 + len(parts), "revision": item.revision},
        )
    return variant


def channel_variant_reset(*, actor: User, item: ContentItem, network: str) -> ChannelVariant:
    """Back to the automatic version made from the master text (a new revision too)."""
    from carecast.content.services import _require_editable, content_item_revise

    _require_editable(actor, item)
    variant = item.variants.filter(network=network, edited=True).first()
    if variant is None:
        raise ValidationError("That version is already the automatic one.", field="network")
    with transaction.atomic():
        variant.edited = False
        variant.save(update_fields=["edited", "updated_at"])
        item = content_item_revise(actor=actor, item=item)
        content_item_variants_sync(actor=actor, item=item)
        audit_log(action=actions.VARIANT_RESET, actor=actor, obj=item, after={"network": network})
    return item.variants.get(network=network)


def remember_versions(item: ContentItem, versions: list[ChannelVariant]) -> None:
    """Keep versions read for a whole batch (the publishing engine) on the item, so `versions_of`
    does not ask the database again for each item."""
    item.__dict__["_versions"] = versions


def versions_of(item: ContentItem) -> list[ChannelVariant]:
    """The item's versions: those remembered for its batch, else read when asked for."""
    kept = item.__dict__.get("_versions")
    if kept is not None:
        return list(kept)
    return list(item.variants.all()) if item.pk else []


def variant_texts(item: ContentItem) -> list[tuple[str, str]]:
    """(network, text) of every part of every version, for the compliance scan."""
    found: list[tuple[str, str]] = []
    for variant in versions_of(item):
        found += [(variant.network, part) for part in [variant.text, *variant.thread]]
    return found


def for_network(item: ContentItem, network: str) -> Any:
    """The item's version for `network`, or None (a reply, or a channel without one)."""
    return next((v for v in versions_of(item) if v.network == network), None)
