"""One entry point that runs every enabled rule on a text."""

from __future__ import annotations

from collections.abc import Sequence

from carecast.textscan import rules
from carecast.textscan.findings import Finding
from carecast.textscan.phi import find_phi, phi_findings
from carecast.textscan.policy import Media, Policy

DEFAULT_POLICY = Policy()


def scan(
    text: str,
    *,
    kind: str = "post",
    context: str = "",
    policy: Policy = DEFAULT_POLICY,
    media: Sequence[Media] = (),
) -> list[Finding]:
    """All findings for `text`, in text order.

    kind: "post" (outbound), "reply" (outbound, answering `context`) or "inbound" (what people send us:
    PHI, safety, adverse events and misinformation are found; the outbound rules do not apply).
    """
    on = policy.rules
    found: list[Finding] = []
    if "PHI" in on:
        found += phi_findings(text, allow=policy.allow)
    if kind == "reply" and ({"REPLY_CONFIRMS_PATIENT", "REPLY_ECHOES_PHI"} & on):
        context_phi = find_phi(context) if context else []
        found += [f for f in rules.reply_rules(text, context, context_phi) if f.label in on]
    outbound = kind in ("post", "reply")
    if outbound and "MEDICAL_ADVICE" in on:
        found += rules.advice_rules(text)
    if outbound and "CLAIM_WITHOUT_RISK" in on:
        found += rules.claim_rules(text, policy)
    if kind == "post" and "DISCLAIMER_MISSING" in on:
        found += rules.disclaimer_rules(text, policy)
    if outbound and "DISCLOSURE_MISSING" in on:
        found += rules.disclosure_rules(text, policy)
    if outbound and "READABILITY" in on:
        found += rules.readability_rules(text, policy, kind)
    if outbound and "ALT_TEXT_MISSING" in on:
        found += rules.media_rules(media, text)
    if outbound and "HASHTAG_CASE" in on:
        found += rules.hashtag_rules(text)
    if {"SELF_HARM", "EMERGENCY"} & on:
        found += [f for f in rules.safety_rules(text, kind) if f.label in on]
    if "ADVERSE_EVENT" in on:
        found += rules.adverse_event_rules(text, policy.products)
    if "MISINFORMATION" in on:
        found += rules.misinformation_rules(text)
    return sorted(found, key=lambda f: (f.start, f.end, f.label))
