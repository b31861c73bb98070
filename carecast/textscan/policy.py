"""What an organisation asks of its texts: which rules run, its disclaimer, its allow-list."""

from __future__ import annotations

from dataclasses import dataclass, field

ALL_RULES = frozenset(
    {
        "PHI",
        "REPLY_CONFIRMS_PATIENT",
        "REPLY_ECHOES_PHI",
        "MEDICAL_ADVICE",
        "CLAIM_WITHOUT_RISK",
        "DISCLAIMER_MISSING",
        "DISCLOSURE_MISSING",
        "READABILITY",
        "ALT_TEXT_MISSING",
        "HASHTAG_CASE",
        "SELF_HARM",
        "EMERGENCY",
        "ADVERSE_EVENT",
        "MISINFORMATION",
    }
)


@dataclass(frozen=True)
class Media:
    name: str = ""
    alt_text: str = ""


@dataclass(frozen=True)
class Policy:
    org_kind: str = "provider"  # or "manufacturer": benefit claims need risk information
    disclaimer: str = ""  # the organisation's own words; empty accepts a standard "not medical advice"
    disclaimer_required: bool = True
    allow: tuple[str, ...] = ()  # the organisation's own numbers, addresses, pages, consenting clinicians
    rules: frozenset[str] = field(default=ALL_RULES)
    max_grade: int = 8
    advocate: bool = False  # an advocate's or influencer's post: a disclosure is required
    org_tag: str = ""
    disclosure_within: int = 40  # characters from the start
    products: tuple[str, ...] = ()  # the organisation's product names, for adverse events
