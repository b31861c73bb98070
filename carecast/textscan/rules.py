"""Checks beyond PHI: what a health organisation must not say in public, and what it must add.

Each rule returns findings with the rule's label, a severity, a span (the whole text when the
finding is about the text as a whole), a plain-English reason and, where there is one, a fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from carecast.textscan.findings import Finding, Severity
from carecast.textscan.policy import Media, Policy

_I = re.IGNORECASE


def _each(
    pattern: re.Pattern[str],
    text: str,
    label: str,
    rule: str,
    severity: Severity,
    reason: str,
    fix: str | None = None,
) -> Iterable[Finding]:
    for m in pattern.finditer(text):
        yield Finding(m.start(), m.end(), label, rule, severity, reason, fix)


# HIPAA-04: a reply that confirms or implies that someone is (or was) a patient.
CONFIRMS_PATIENT = re.compile(
    r"\b(?:your|ur)\s+(?:recent\s+|last\s+)?(?:visit|appointment|appt|procedure|treatment|surgery|operation|"
    r"diagnosis|results?|test results|bill|claim|insurance|stay|doctor|nurse|care team|medications?|chart|"
    r"records?|scan|mri|x-?ray|labs?|biopsy|delivery|admission|discharge|follow-?up|prescription|therapy)\b"
    r"|\bwhen you were (?:here|in our|with us|admitted|our patient)"
    r"|\b(?:thanks?|thank you) for (?:being|choosing|trusting)\b[^.!?]{0,40}\b(?:patient|us|care|surgery|"
    r"procedure|treatment)"
    r"|\bfor choosing us for\b"
    r"|\bwe(?:'ve| have)? (?:checked|reviewed|looked at|pulled up|found) (?:your|ur) "
    r"|\b(?:we|i) remember (?:you|your)\b"
    r"|\b(?:according to|per) our records\b|\bour records (?:show|indicate)"
    r"|\byou (?:missed|cancell?ed|rescheduled|no-showed) (?:your|ur)\b"
    r"|\bsorry (?:that )?your (?:procedure|surgery|visit|stay|treatment)",
    _I,
)

# Individual medical advice or a diagnosis.
MEDICAL_ADVICE = re.compile(
    r"\b(?:sounds|looks|seems) like (?:you|your \w+) (?:have|has|had|are having|might have|may have)\b"
    r"|\byou (?:probably|definitely|likely|might|may) have\b"
    r"|\byou(?:'ve| have) got (?:a |an )?\w+itis\b"
    r"|\b(?:stop|quit|start|keep) taking\b"
    r"|\b(?:increase|decrease|double|halve|lower|raise) (?:your|the) dose\b"
    r"|\byou (?:should|need to|must) (?:take|stop|start|increase|decrease|skip|try)\b"
    r"|\b(?:it'?s|that'?s|this is) (?:probably|definitely|likely|just) (?:a |an )?(?:infection|virus|allergy|"
    r"migraine|flu|strep|uti|sprain|fracture|anxiety|reflux|cancer|tumou?r|stroke|heart attack)"
    r"|\bno need to see a doctor\b|\byou don'?t need (?:to see )?a doctor\b",
    _I,
)

BENEFIT_CLAIM = re.compile(
    r"\b(?:reduces?|lowers?|cuts?|prevents?|cures?|treats?|relieves?|improves?|clears?|stops?|eliminates?|"
    r"boosts?|proven to|clinically proven|works? in|fast relief|results in)\b",
    _I,
)
RISK_INFORMATION = re.compile(
    r"\b(?:side effects?|risks?|warnings?|contraindicat\w*|adverse (?:reactions?|events?)|boxed warning|"
    r"important safety information|isi|prescribing information|may cause|can cause|not for (?:everyone|"
    r"people)|talk to your (?:doctor|healthcare provider) about)\b",
    _I,
)

HEALTH_INFO = re.compile(
    r"\b(?:symptoms?|treatment|screening|vaccine|vaccinat\w+|diagnos\w+|condition|disease|cancer|diabetes|"
    r"blood pressure|cholesterol|heart|stroke|medication|dose|infection|flu|covid|mammogram|prevent\w*|"
    r"risk factors?|health (?:tips?|advice|information|benefits?))\b",
    _I,
)

DISCLOSURE = re.compile(
    r"#(?:ad|sponsored|paid|partner|employee|\w+employee|\w+partner|\w+ambassador)\b|\bpaid partnership\b|"
    r"\b(?:i work (?:at|for)|as an employee of|sponsored by|in partnership with|i(?:'m| am) (?:a |an )?"
    r"(?:employee|nurse|doctor|physician) (?:at|of|with))\b",
    _I,
)

SELF_HARM = re.compile(
    r"\b(?:kill(?:ing)? my ?self|end(?:ing)? (?:my|it all|my life)|suicid\w*|want(?:ing)? to die|wanna die|"
    r"better off dead|self[- ]harm\w*|cut(?:ting)? myself|hurt(?:ing)? myself|no reason to live|"
    r"can'?t go on|don'?t want to (?:live|be here|wake up)|overdos(?:e|ing) on purpose|"
    r"take all my (?:pills|meds))\b",
    _I,
)
EMERGENCY = re.compile(
    r"\b(?:can'?t breathe|cannot breathe|chest pain|crushing (?:chest )?pain|not breathing|unconscious|"
    r"unresponsive|passed out|seizing|having a seizure|stroke symptoms?|face (?:is )?drooping|"
    r"slurr(?:ed|ing) speech|bleeding (?:heavily|badly|a lot|won'?t stop)|overdos(?:e|ed|ing)|anaphyla\w+|"
    r"throat (?:is )?closing|call(?:ing)? 911|heart attack right now|severe allergic reaction)\b",
    _I,
)

ADVERSE_EVENT = re.compile(
    r"\b(?:since (?:i|he|she|we|they|my \w+) (?:started|began|took|switched to)|"
    r"since (?:starting|taking|using)|after (?:taking|starting|my|"
    r"the (?:first|second|third) dose|the shot|the vaccine|the injection)|(?:gave|gives|giving) me|"
    r"side effects? (?:from|of)|reaction to|made me|caused (?:me|my)|ended up in the (?:er|hospital|icu))\b"
    r"[^.!?]{0,80}",
    _I,
)
EVENT_WORDS = re.compile(
    r"\b(?:rash|hives|swelling|swollen|dizzy|dizziness|faint\w*|nause\w+|vomit\w*|headaches?|migraines?|"
    r"seizures?|bleeding|palpitations|chest pain|short(?:ness)? of breath|hair loss|numb\w*|blurr\w+ vision|"
    r"liver|kidney|pancreatitis|hospital\w*|er\b|icu|died|death|passed away|reaction|side effects?|"
    r"insomnia|depress\w*|suicidal|anxiety|tremors?|itch\w*|blisters?)\b",
    _I,
)
PRODUCT_WORDS = re.compile(
    r"\b(?:\w+(?:mab|nib|pril|sartan|statin|olol|azole|cillin|mycin|cycline|oxetine|pram|zepam|glutide|"
    r"gliflozin|tide|vir|profen|done|pine|zole|xaban)|insulin|vaccine|shot|booster|injection|pill|pills|"
    r"medication|med|meds|drug|implant|pump|device|stent|pacemaker|humira|ozempic|wegovy|mounjaro|"
    r"eliquis|xarelto|keytruda|lexapro|zoloft|adderall|prednisone|metformin|tylenol|advil|ibuprofen)\b",
    _I,
)

MISINFORMATION = re.compile(
    r"\b(?:vaccines? (?:cause|causes|caused) autism|vaccines? (?:are|is) (?:poison|toxic|a hoax)|"
    r"covid (?:is|was) (?:a hoax|fake|just (?:a|the) flu)|5g (?:causes|spreads?) \w+|"
    r"ivermectin cures|bleach (?:cures|kills the virus)|cures? (?:cancer|diabetes|autism) naturally|"
    r"(?:big pharma|doctors) (?:hide|are hiding) the cure|masks? (?:cause|causes) (?:oxygen|co2)|"
    r"fluoride (?:is|causes) (?:poison|cancer)|microchips? in (?:the )?vaccines?)\b",
    _I,
)

HASHTAG = re.compile(r"(?<![\w#])#([A-Za-z][A-Za-z0-9]*)")


def _whole(
    text: str, label: str, rule: str, severity: Severity, reason: str, fix: str | None = None
) -> Finding:
    return Finding(0, len(text), label, rule, severity, reason, fix)


def reply_rules(text: str, context: str, phi_in_context: Sequence[tuple[int, int, str]]) -> Iterable[Finding]:
    yield from _each(
        CONFIRMS_PATIENT,
        text,
        "REPLY_CONFIRMS_PATIENT",
        "hipaa.reply_confirms_patient",
        Severity.BLOCK,
        "A public reply must not confirm or imply that the person is a patient, even if they said so.",
        "Thank them, speak about general standards, and invite them to contact Patient Relations privately.",
    )
    yield from _echoes(text, context, phi_in_context)


_HEALTH_DETAIL = re.compile(
    r"\b(?:[a-z]+ (?:replacement|surgery|transplant|procedure|scan|biopsy|diagnosis|cancer|disease|disorder|"
    r"infection|injury|fracture|attack|failure)|chemo\w*|dialysis|pregnan\w+|miscarriage|diabetes|"
    r"depression|anxiety|hiv|covid|cancer|stroke|overdose|rehab|mri|colonoscopy|mammogram)\b",
    _I,
)


def _echoes(text: str, context: str, phi_in_context: Sequence[tuple[int, int, str]]) -> Iterable[Finding]:
    """HIPAA-05: a reply repeats a name or a health detail from the thread it answers."""
    if not context:
        return
    lowered = text.lower()
    details = {context[s:e] for s, e, label in phi_in_context}
    details |= {part for s, e, label in phi_in_context if label == "PERSON" for part in context[s:e].split()}
    details |= {m.group() for m in _HEALTH_DETAIL.finditer(context)}
    for detail in sorted(details, key=len, reverse=True):
        needle = detail.lower().strip()
        if len(needle) < 3:
            continue
        at = lowered.find(needle)
        while at != -1:
            yield Finding(
                at,
                at + len(needle),
                "REPLY_ECHOES_PHI",
                "hipaa.reply_echoes_thread",
                Severity.BLOCK,
                "The reply repeats a name or health detail from the thread; that discloses it again.",
                "Leave the detail out and speak in general terms.",
            )
            at = lowered.find(needle, at + len(needle))


def advice_rules(text: str) -> Iterable[Finding]:
    yield from _each(
        MEDICAL_ADVICE,
        text,
        "MEDICAL_ADVICE",
        "clinical.individual_advice",
        Severity.REVIEW,
        "This reads as individual medical advice or a diagnosis, which social media cannot give.",
        "Share general information and suggest talking to their own clinician.",
    )


def claim_rules(text: str, policy: Policy) -> Iterable[Finding]:
    if policy.org_kind != "manufacturer":
        return
    claim = BENEFIT_CLAIM.search(text)
    if claim and not RISK_INFORMATION.search(text):
        yield Finding(
            claim.start(),
            claim.end(),
            "CLAIM_WITHOUT_RISK",
            "fda.fair_balance",
            Severity.BLOCK,
            "A benefit claim needs its most important risk information in the same post (fair balance).",
            "Add the key risks and a link to the full safety information in this post.",
        )


def disclaimer_rules(text: str, policy: Policy) -> Iterable[Finding]:
    if not policy.disclaimer_required or not HEALTH_INFO.search(text):
        return
    if policy.disclaimer and policy.disclaimer.lower() in text.lower():
        return
    if not policy.disclaimer and re.search(
        r"\bnot (?:medical|a substitute for (?:professional )?medical) advice\b", text, _I
    ):
        return
    yield _whole(
        text,
        "DISCLAIMER_MISSING",
        "policy.disclaimer",
        Severity.REVIEW,
        "Health information needs the organisation's disclaimer.",
        policy.disclaimer or "General information, not medical advice.",
    )


def disclosure_rules(text: str, policy: Policy) -> Iterable[Finding]:
    if not policy.advocate:
        return
    found = DISCLOSURE.search(text)
    if found is None or found.start() > policy.disclosure_within:
        yield _whole(
            text,
            "DISCLOSURE_MISSING",
            "ftc.endorsement_disclosure",
            Severity.BLOCK,
            "An advocate's or influencer's post must disclose the connection near its start.",
            "Start with #ad or #" + (policy.org_tag or "Org") + "Employee.",
        )


def readability_rules(text: str, policy: Policy, kind: str) -> Iterable[Finding]:
    if kind == "inbound" or len(text.split()) < 12:
        return  # too short for a grade to mean anything
    import textstat

    grade = textstat.flesch_kincaid_grade(text)
    if grade > policy.max_grade:
        yield _whole(
            text,
            "READABILITY",
            "a11y.readability",
            Severity.ADVICE,
            f"Reading grade {grade:.0f}; patient-facing text should be grade {policy.max_grade} or lower.",
            "Use shorter sentences and everyday words.",
        )


def media_rules(media: Sequence[Media], text: str) -> Iterable[Finding]:
    for item in media:
        if not item.alt_text.strip():
            name = f" {item.name}" if item.name else ""
            yield _whole(
                text,
                "ALT_TEXT_MISSING",
                "a11y.alt_text",
                Severity.BLOCK,
                f"The image{name} has no alt text; people using screen readers cannot see it.",
                "Describe what the image shows.",
            )


def _split_hashtag(tag: str) -> list[str] | None:
    """Split an all-lower-case hashtag into dictionary words ('hearthealth' → heart, health)."""
    from carecast.textscan import lexicon

    words = lexicon.english_words()
    best: list[list[str] | None] = [None] * (len(tag) + 1)
    best[0] = []
    for end in range(1, len(tag) + 1):
        for start in range(max(0, end - 15), end):
            piece = tag[start:end]
            prefix = best[start]
            if prefix is not None and (piece in words and (len(piece) > 1 or piece in ("a", "i"))):
                candidate = [*prefix, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(tag)]


def hashtag_rules(text: str) -> Iterable[Finding]:
    for m in HASHTAG.finditer(text):
        tag = m.group(1)
        if tag != tag.lower() and tag != tag.upper():
            continue  # already has capitals
        parts = _split_hashtag(tag.lower())
        if parts and len(parts) > 1 and all(len(p) > 1 for p in parts):
            fixed = "#" + "".join(p.capitalize() for p in parts)
            yield Finding(
                m.start(),
                m.end(),
                "HASHTAG_CASE",
                "a11y.hashtag_case",
                Severity.ADVICE,
                "Screen readers read a multi-word hashtag as one word unless each word is capitalised.",
                fixed,
            )


def safety_rules(text: str) -> Iterable[Finding]:
    yield from _each(
        SELF_HARM,
        text,
        "SELF_HARM",
        "safety.self_harm",
        Severity.BLOCK,
        "Possible self-harm or suicide risk: escalate to the on-call safety contact now; never hide it.",
        "Reply with care and the 988 Suicide & Crisis Lifeline (call or text 988).",
    )
    yield from _each(
        EMERGENCY,
        text,
        "EMERGENCY",
        "safety.emergency",
        Severity.BLOCK,
        "This may be a medical emergency: escalate now; never hide it.",
        "Tell them to call 911 or go to the nearest emergency department.",
    )


# A brand name people write after the verb ("after taking Zorvex"): a product no list can hold.
NAMED_PRODUCT = re.compile(
    r"\b(?:taking|took|started|starting|switched to|using|injecting|on)\s+[A-Z][a-z]{3,}"
)


def adverse_event_rules(text: str, products: Sequence[str] = ()) -> Iterable[Finding]:
    for m in ADVERSE_EVENT.finditer(text):
        window = text[max(0, m.start() - 80) : m.end()]
        product = (
            PRODUCT_WORDS.search(window)
            or NAMED_PRODUCT.search(window)
            or any(name.lower() in window.lower() for name in products if name)
        )
        if product and EVENT_WORDS.search(window):
            yield Finding(
                m.start(),
                m.end(),
                "ADVERSE_EVENT",
                "pv.adverse_event",
                Severity.BLOCK,
                "Possible adverse event (a person, a product and an event): route to pharmacovigilance.",
                "Record it for safety reporting and reply with the approved adverse-event response.",
            )
            return


def misinformation_rules(text: str) -> Iterable[Finding]:
    yield from _each(
        MISINFORMATION,
        text,
        "MISINFORMATION",
        "clinical.misinformation",
        Severity.REVIEW,
        "A common health-misinformation claim: answer with the approved, evidence-linked response.",
        None,
    )
