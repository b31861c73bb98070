"""What each network accepts: how it counts characters, and its limits. The editor and the engine
check text against these before anything is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

URL = re.compile(
    r"https?://\S+|(?<![@\w.])(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|health|io|us)"
    r"(?:/\S*)?",
    re.IGNORECASE,
)
HASHTAG = regex.compile(r"(?<![\w#])#\w+")
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


@dataclass(frozen=True)
class ChannelProfile:
    network: str
    label: str
    limit: int | None  # None: no practical limit
    unit: str = "characters"  # characters, graphemes, weighted, segments
    url_length: int | None = None  # networks that count every link as a fixed length
    max_images: int = 4
    threads: bool = False
    max_hashtags: int | None = None  # None: no limit


PROFILES: dict[str, ChannelProfile] = {
    p.network: p
    for p in (
        ChannelProfile("brand_page", "Brand page and feed", 5000, max_images=1),
        ChannelProfile("webhook", "Signed webhook", None, max_images=4),
        ChannelProfile("bluesky", "Bluesky", 300, "graphemes", threads=True),
        ChannelProfile("mastodon", "Mastodon", 500, url_length=23, threads=True),
        ChannelProfile("x", "X", 280, "weighted", url_length=23, threads=True),
        ChannelProfile("facebook", "Facebook Page", 63206, max_images=10),
        ChannelProfile("instagram", "Instagram", 2200, max_images=10, max_hashtags=30),
        ChannelProfile("google_business", "Google Business Profile", 1500, max_images=1),
        ChannelProfile("linkedin", "LinkedIn Page", 3000, max_images=9),
        # The description's limit; the title (the text's first line) is cut to 100 characters.
        ChannelProfile("youtube", "YouTube", 5000, max_images=0),
        ChannelProfile("sms", "Text message", 3, "segments", max_images=0),
        ChannelProfile("newsletter", "Email newsletter", None, max_images=0),
    )
}


def _x_weight(char: str) -> int:
    """X counts Latin-script and common punctuation as 1, everything else (CJK, emoji) as 2."""
    code = ord(char)
    light = code <= 0x10FF or 0x2000 <= code <= 0x200D or 0x2010 <= code <= 0x201F or 0x2032 <= code <= 0x2037
    return 1 if light else 2


def _sms_segments(text: str) -> int:
    if all(c in GSM7 for c in text):
        per, single = 153, 160
    else:
        per, single = 67, 70
    return 1 if len(text) <= single else -(-len(text) // per)


def length(text: str, profile: ChannelProfile) -> int:
    """The length as the network counts it."""
    if profile.unit == "segments":
        return _sms_segments(text)
    counted = URL.sub("x" * profile.url_length, text) if profile.url_length else text
    if profile.unit == "graphemes":
        return len(regex.findall(r"\X", counted))
    if profile.unit == "weighted":
        return sum(_x_weight(g[0]) if len(g) == 1 else 2 for g in regex.findall(r"\X", counted))
    return len(counted)


def problems(text: str, network: str, *, images: int = 0) -> list[str]:
    """Why this text cannot go to `network` as it is, in plain words (empty: it fits)."""
    profile = PROFILES.get(network)
    if profile is None:
        return []
    found = []
    size = length(text, profile)
    if profile.limit is not None and size > profile.limit:
        found.append(f"{profile.label} takes {profile.limit} {profile.unit} at most; this is {size}.")
    if images > profile.max_images:
        found.append(
            f"{profile.label} takes {profile.max_images} image{'s' if profile.max_images != 1 else ''} "
            "at most."
        )
    tags = len(HASHTAG.findall(text)) if profile.max_hashtags is not None else 0
    if profile.max_hashtags is not None and tags > profile.max_hashtags:
        found.append(f"{profile.label} takes {profile.max_hashtags} hashtags at most; this has {tags}.")
    return found
