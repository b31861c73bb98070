from __future__ import annotations

import pytest

from carecast.textscan import Media, Policy, Severity, scan


def labels(text, **kw):
    return [f.label for f in scan(text, **kw) if not f.rule.startswith("phi.")]


@pytest.mark.parametrize(
    "reply",
    [
        "Thanks for choosing us for your surgery!",
        "We've checked your chart and everything looks fine.",
        "Sorry your procedure didn't go well.",
        "According to our records you missed your appointment.",
    ],
)
def test_replies_that_confirm_a_patient_relationship_are_blocked(reply):
    findings = [
        f
        for f in scan(reply, kind="reply", context="I was a patient of Dr X and...")
        if f.label == "REPLY_CONFIRMS_PATIENT"
    ]
    assert findings and findings[0].severity == Severity.BLOCK and findings[0].fix


def test_a_general_reply_passes():
    reply = "We're sorry to hear about this experience. Please call our Patient Relations team at 555-0100."
    assert "REPLY_CONFIRMS_PATIENT" not in labels(
        reply, kind="reply", context="My knee replacement was awful"
    )


def test_a_reply_that_repeats_a_health_detail_or_name_is_flagged():
    found = scan(
        "We're sorry about your knee replacement, Maria.",
        kind="reply",
        context="Maria Lopez here, my knee replacement was awful",
    )
    echoed = {f.label for f in found}
    assert "REPLY_ECHOES_PHI" in echoed
    assert "knee replacement" in [
        "We're sorry about your knee replacement, Maria."[f.start : f.end]
        for f in found
        if f.label == "REPLY_ECHOES_PHI"
    ]


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Sounds like you have strep, get some rest.", True),
        ("Stop taking the lisinopril until you feel better.", True),
        ("Talk to your doctor about whether a flu shot is right for you.", False),
    ],
)
def test_individual_medical_advice(text, flagged):
    assert ("MEDICAL_ADVICE" in labels(text, kind="reply")) is flagged


def test_benefit_claims_need_risk_information_for_manufacturers_only():
    claim = "Zentrava reduces migraine days by half."
    assert "CLAIM_WITHOUT_RISK" in labels(claim, policy=Policy(org_kind="manufacturer"))
    balanced = claim + " Side effects may include nausea. See important safety information."
    assert "CLAIM_WITHOUT_RISK" not in labels(balanced, policy=Policy(org_kind="manufacturer"))
    assert "CLAIM_WITHOUT_RISK" not in labels(claim, policy=Policy(org_kind="provider"))


def test_health_information_needs_the_disclaimer():
    policy = Policy(disclaimer="Not medical advice. Talk to your doctor.")
    text = "Flu vaccine clinics are open this week."
    assert "DISCLAIMER_MISSING" in labels(text, policy=policy)
    assert "DISCLAIMER_MISSING" not in labels(
        text + " Not medical advice. Talk to your doctor.", policy=policy
    )
    assert "DISCLAIMER_MISSING" not in labels("Our parking garage reopens Monday.", policy=policy)


def test_advocate_posts_need_a_disclosure_near_the_start():
    policy = Policy(advocate=True, org_tag="Riverside")
    assert "DISCLOSURE_MISSING" in labels("Loved the new cardiac wing tour today!", policy=policy)
    assert "DISCLOSURE_MISSING" not in labels("#RiversideEmployee Loved the new cardiac wing!", policy=policy)
    late = "Loved the new cardiac wing tour today, the staff were wonderful and kind. #ad"
    assert "DISCLOSURE_MISSING" in labels(late, policy=policy)


def test_readability_above_grade_eight_is_advised():
    hard = (
        "Comprehensive cardiovascular evaluations facilitate individualized therapeutic "
        "interventions, substantially ameliorating longitudinal morbidity outcomes."
    )
    easy = "Walk every day. It is good for your heart. Ask us how to start. We can help you."
    assert "READABILITY" in labels(hard)
    assert "READABILITY" not in labels(easy)


def test_images_need_alt_text():
    assert "ALT_TEXT_MISSING" in labels("New clinic!", media=[Media(name="clinic.jpg")])
    assert "ALT_TEXT_MISSING" not in labels(
        "New clinic!", media=[Media(name="c.jpg", alt_text="The entrance")]
    )


def test_multi_word_hashtags_get_a_camel_case_fix():
    found = [f for f in scan("Know the signs #hearthealth #flu #HeartMonth") if f.label == "HASHTAG_CASE"]
    assert [(f.fix, f.severity) for f in found] == [("#HeartHealth", Severity.ADVICE)]


def test_self_harm_and_emergencies_are_always_escalated():
    inbound = scan("I can't go on anymore, I want to die", kind="inbound")
    assert {f.label for f in inbound} == {"SELF_HARM"}
    assert all(f.severity == Severity.BLOCK for f in inbound)
    assert "988" in (inbound[0].fix or "")
    assert "EMERGENCY" in labels("my dad has crushing chest pain right now", kind="inbound")


def test_adverse_events_need_a_product_and_an_event():
    assert "ADVERSE_EVENT" in labels(
        "Since I started Ozempic I've had terrible pancreatitis pain", kind="inbound"
    )
    assert "ADVERSE_EVENT" not in labels("Since I started walking I feel great", kind="inbound")
    # a brand no list holds, named after the verb; the organisation's own product names from the policy
    assert "ADVERSE_EVENT" in labels("after taking Zorvex I got a terrible rash and hives", kind="inbound")
    ours = Policy(products=("Lumora",))
    assert "ADVERSE_EVENT" in labels("since starting lumora I have had seizures", kind="inbound", policy=ours)
    assert "ADVERSE_EVENT" not in labels("since starting lumora I have had seizures", kind="inbound")


def test_an_organisations_name_is_not_health_information():
    assert "DISCLAIMER_MISSING" not in labels("Love working at Lakeside Health, great team")
    assert "DISCLAIMER_MISSING" in labels("Flu shots prevent serious illness. Get yours today.")


def test_misinformation_is_flagged_for_the_approved_answer():
    assert "MISINFORMATION" in labels("everyone knows vaccines cause autism", kind="inbound")
    assert "MISINFORMATION" not in labels("Vaccines are safe and effective", kind="inbound")


def test_rules_can_be_limited_by_policy():
    only_phi = Policy(rules=frozenset({"PHI"}))
    found = scan("Sounds like you have strep, my sister Jane Doe", kind="reply", policy=only_phi)
    assert [f.label for f in found] == ["PERSON"]


# Said differently: each rule on phrasings that share no template with the ones above.
MANUFACTURER = Policy(org_kind="manufacturer")


@pytest.mark.parametrize(
    ("text", "kw", "label", "found"),
    [
        (
            "We hope your recovery after your surgery is going smoothly!",
            {"kind": "reply"},
            "REPLY_CONFIRMS_PATIENT",
            True,
        ),
        (  # wishing someone well is not saying they were our patient
            "Congratulations on your recovery, 90 days is huge!",
            {"kind": "reply"},
            "REPLY_CONFIRMS_PATIENT",
            False,
        ),
        (
            "Our team loved caring for you and your baby girl!",
            {"kind": "reply"},
            "REPLY_CONFIRMS_PATIENT",
            True,
        ),
        (
            "We're sorry about the wait you experienced in our emergency department.",
            {"kind": "reply"},
            "REPLY_CONFIRMS_PATIENT",
            True,
        ),
        (
            "Please talk to your own doctor about any changes in your medication.",
            {"kind": "reply"},
            "REPLY_CONFIRMS_PATIENT",
            False,
        ),
        ("Try stopping your blood pressure meds for a few days.", {"kind": "reply"}, "MEDICAL_ADVICE", True),
        (
            "That rash is almost certainly eczema, put some hydrocortisone on it.",
            {"kind": "reply"},
            "MEDICAL_ADVICE",
            True,
        ),
        ("You could double up on your insulin tonight.", {"kind": "reply"}, "MEDICAL_ADVICE", True),
        ("Skip your next dose and call us if it happens again.", {"kind": "reply"}, "MEDICAL_ADVICE", True),
        ("Your symptoms point to a thyroid problem.", {"kind": "reply"}, "MEDICAL_ADVICE", True),
        ("switching from Zoloft to Lexapro, do I stop the 50 mg right away?", {}, "MEDICAL_ADVICE", False),
        ("Study: 40% of adults over 65 skip their statins.", {}, "MEDICAL_ADVICE", False),
        ("Looks like flu season is here: book your shot.", {}, "MEDICAL_ADVICE", False),
        (
            "Our new knee implant lets you walk pain-free in 2 weeks!",
            {"policy": MANUFACTURER},
            "CLAIM_WITHOUT_RISK",
            True,
        ),
        (
            "With GlucoSure, 9 out of 10 patients hit their A1C goal.",
            {"policy": MANUFACTURER},
            "CLAIM_WITHOUT_RISK",
            True,
        ),
        ("Say goodbye to migraines with Cephalix.", {"policy": MANUFACTURER}, "CLAIM_WITHOUT_RISK", True),
        (
            "Cephalix may help prevent migraines. Side effects include nausea; see full safety info.",
            {"policy": MANUFACTURER},
            "CLAIM_WITHOUT_RISK",
            False,
        ),
        (
            "Loved my visit, fast and friendly! Use my code LAKE10 for a free consult. #ad",
            {},
            "DISCLOSURE_MISSING",
            True,
        ),
        (
            "Loved my visit to the new urgent care, fast and friendly! Thanks to the team. #sponsored",
            {},
            "DISCLOSURE_MISSING",
            True,
        ),
        ("#ad Loved my visit to the new urgent care, fast and friendly!", {}, "DISCLOSURE_MISSING", False),
        ("Loved my visit to the new urgent care, fast and friendly!", {}, "DISCLOSURE_MISSING", False),
        ("My husband took XyloMax and broke out in hives", {"kind": "inbound"}, "ADVERSE_EVENT", True),
        (
            "Two days into the new injection and my mom has been throwing up nonstop",
            {"kind": "inbound"},
            "ADVERSE_EVENT",
            True,
        ),
        (
            "Ever since my doctor put me on Lipitor my legs ache all the time",
            {"kind": "inbound"},
            "ADVERSE_EVENT",
            True,
        ),
        (
            "The patch left a burning rash on my arm, is that normal?",
            {"kind": "inbound"},
            "ADVERSE_EVENT",
            True,
        ),
        (
            "Got my flu shot today at the pharmacy, easy and quick!",
            {"kind": "inbound"},
            "ADVERSE_EVENT",
            False,
        ),
        ("honestly i just want it all to stop, nobody would miss me", {"kind": "inbound"}, "SELF_HARM", True),
        ("I've been saving up my pills for when it gets too much", {"kind": "inbound"}, "SELF_HARM", True),
        ("My wife's lips are turning blue and she's gasping", {"kind": "inbound"}, "EMERGENCY", True),
        ("my son swallowed a bunch of my pills what do I do", {"kind": "inbound"}, "EMERGENCY", True),
        ("The flu vaccine gives you the flu, don't get it", {"kind": "inbound"}, "MISINFORMATION", True),
        ("Drinking bleach kills covid, my cousin swears by it", {"kind": "inbound"}, "MISINFORMATION", True),
    ],
)
def test_rules_hold_for_phrasings_written_differently(text, kw, label, found):
    assert (label in labels(text, **kw)) is found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pt Siobhan O'Malley, MR# 88231904", ("MRN", "88231904")),
        ("My account number at billing is 4410098721", ("ACCOUNT", "4410098721")),
        ("Appt for Kwame Mensah moved to Friday", ("PERSON", "Kwame Mensah")),
    ],
)
def test_phi_context_written_differently(text, expected):
    found = {(f.label, text[f.start : f.end]) for f in scan(text, kind="inbound")}
    assert expected in found


def test_context_turns_a_match_off_only_where_it_should():
    teaching = "Know the signs of stroke: face drooping, arm weakness, slurred speech. Call 911."
    assert "EMERGENCY" not in labels(teaching)  # the organisation's own teaching post
    assert "EMERGENCY" in labels("my dad's face is drooping and his speech is slurred", kind="inbound")
    assert "EMERGENCY" not in labels("had chest pain last year, turned out to be reflux", kind="inbound")
    assert "SELF_HARM" not in labels("two years free from self-harm thanks to my therapist", kind="inbound")
    assert "SELF_HARM" in labels("I keep thinking about hurting myself again", kind="inbound")
    assert "MISINFORMATION" not in labels("is it true that vaccines cause autism?", kind="inbound")
    assert "MISINFORMATION" in labels("vaccines cause autism and everyone knows it", kind="inbound")
