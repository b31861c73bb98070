from __future__ import annotations

import pytest

from carecast.textscan import scan
from carecast.textscan.phi import find_phi
from carecast.textscan.policy import Policy


def found(text):
    return [(text[s:e], label) for s, e, label in find_phi(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please call my mom Jane Doe about her results", ("Jane Doe", "PERSON")),
        ("Records for patient Tomasz Nowak please", ("Tomasz Nowak", "PERSON")),
        ("Is Dr. Okafor taking new patients?", ("Okafor", "PERSON")),
        ("Her MRN 00123456 is wrong on the bill", ("00123456", "MRN")),
        ("DOB 03/04/1950, can you check", ("03/04/1950", "DATE")),
        ("grandma turned 93 last week", ("93", "AGE_OVER_89")),
        ("my dad is 97 years old and still driving", ("97", "AGE_OVER_89")),
        ("call me at (617) 555-0148 after lunch", ("(617) 555-0148", "PHONE")),
        ("email me jane.doe@example.com", ("jane.doe@example.com", "EMAIL")),
        ("send it to 12 Oak St Apt 4, Springfield, IL 62704", ("12 Oak St Apt 4", "ADDRESS")),
        ("send it to 12 Oak St Apt 4, Springfield, IL 62704", ("62704", "ZIP")),
        ("send it to 12 Oak St Apt 4, Springfield, IL 62704", ("Springfield", "LOCATION")),
        ("we live in Chattanooga and my son needs a doctor", ("Chattanooga", "LOCATION")),
        ("my ssn is 123-45-6789", ("123-45-6789", "SSN")),
        ("member id XJH123456789 on my card", ("XJH123456789", "HEALTH_PLAN_ID")),
        ("account number 55120934 was charged twice", ("55120934", "ACCOUNT")),
        ("paid with card 4111 1111 1111 1111 yesterday", ("4111 1111 1111 1111", "ACCOUNT")),
        ("my nursing license RN445566 expires", ("RN445566", "LICENSE")),
        ("see facebook.com/jane.doe.77 for updates", ("facebook.com/jane.doe.77", "URL")),
        ("it says my IP 203.0.113.77 is blocked", ("203.0.113.77", "IP")),
        ("pump serial number A742246029DA keeps alarming", ("A742246029DA", "DEVICE_ID")),
        ("VIN 1HGCM82633A004352 is my car in lot B", ("1HGCM82633A004352", "VEHICLE_ID")),
        ("plate 8XTM673 is blocking the ambulance bay", ("8XTM673", "VEHICLE_ID")),
    ],
)
def test_each_identifier_is_found_with_its_label(text, expected):
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Join us Friday at 3pm for a free diabetes cooking class #HeartHealth @RiversideHealth",
        "Can I take 500 mg of metformin twice a day?",
        "Open 24/7. Walk-ins welcome Monday-Thursday 10:30 am to midnight.",
        "In 2019 the hospital opened a new wing.",
        "Tennessee reports 1 in 10 new flu cases this week per @CDCgov",
        "Serena Williams announces she had a pulmonary embolism, urges fans to know the signs",
        "BP was 120/79 this morning and A1C 6.8, should I worry?",
        "Our L&D team delivered its 45,377th baby this February!",
        "Is parking free after 11:00? heading to St. Luke's Medical Center for a consult",
        "switching from Wegovy to Zoloft, do I stop the 25 mcg right away?",
    ],
)
def test_look_alikes_are_not_phi(text):
    assert found(text) == []


def test_the_organisations_own_contact_details_are_allowed():
    text = "Questions? Call 1-800-555-0199 or visit riversidehealth.org/flu. Jane Doe called us too."
    policy = Policy(allow=("1-800-555-0199", "https://riversidehealth.org/flu"))
    labels = [
        (text[f.start : f.end], f.label) for f in scan(text, policy=policy) if f.rule.startswith("phi.")
    ]
    assert labels == [("Jane Doe", "PERSON")]
    unallowed = [f.label for f in scan(text) if f.rule.startswith("phi.")]
    assert {"PHONE", "URL", "PERSON"} <= set(unallowed)


def test_spans_follow_the_corpus_conventions():
    text = "Meet Mrs. Charles Reynolds, 96, who walked out of rehab"
    assert found(text) == [("Charles Reynolds", "PERSON"), ("96", "AGE_OVER_89")]  # title outside the span


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you Jennifer and the whole 5th floor team", [("Jennifer", "PERSON")]),
        ("Spoke with Kwame from patient relations, he said to email us", [("Kwame", "PERSON")]),
        ("We moved from Tacoma to Spokane last year", [("Tacoma", "LOCATION"), ("Spokane", "LOCATION")]),
        (
            "my neighbor Earl Whitfield is 96 and still mows",
            [("Earl Whitfield", "PERSON"), ("96", "AGE_OVER_89")],
        ),
        ("my great-aunt is 97, still sharp", [("97", "AGE_OVER_89")]),
        ("Baby Amara arrived 11/02 weighing 7 lbs", [("Amara", "PERSON"), ("11/02", "DATE")]),
        ("Nurse Practitioner Dana Whitaker was named Nurse of the Year!", [("Dana Whitaker", "PERSON")]),
        ("surgeon (dr reyes) removed it, home by friday", [("reyes", "PERSON")]),
        ('"Dr Kłosiewicz gave me my life back"', [("Kłosiewicz", "PERSON")]),
        ("Member ID: W2849 11873, claim denied", [("W2849 11873", "HEALTH_PLAN_ID")]),
        ("Appt confirmed for 10:30 with Dr. Nguyen", [("Nguyen", "PERSON")]),  # not the address "30 with Dr."
        ("my mother-in-law Ruth is 99", [("Ruth", "PERSON"), ("99", "AGE_OVER_89")]),
        ("Thx! my claim # is CLM-2024-558812", [("CLM-2024-558812", "ACCOUNT")]),
        ("Thanks for choosing us for your surgery, Maria!", [("Maria", "PERSON")]),
        (
            "My sister lives at 7 Harbor View Terr, Gloucester — can the visiting nurse go there?",
            [("7 Harbor View Terr", "ADDRESS"), ("Gloucester", "LOCATION")],
        ),
        # an organisation's street is labelled too (corpus convention), but no town after it
        ("The lab at 2200 Kirkwood Hwy closes early on Fridays", [("2200 Kirkwood Hwy", "ADDRESS")]),
        ("Patient #A-77812-C called twice about her biopsy", [("A-77812-C", "MRN")]),
        ("Hi, I'm Gwendolyn Achterberg, I need my records", [("Gwendolyn Achterberg", "PERSON")]),
        (
            "pls update my address to 1530 Quarry Ridge Ct, Lawrence KS 66049",
            [("1530 Quarry Ridge Ct", "ADDRESS"), ("Lawrence", "LOCATION"), ("66049", "ZIP")],
        ),
        ("dialysis centers near Joliet? my dad needs one", [("Joliet", "LOCATION")]),
    ],
)
def test_phrasings_beyond_the_corpus(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Our team presented at ASCO 2024 in Chicago this week. @ASCO",  # a year and a sentence, not a street
        "Our pharmacy is open 24/7 at the Elm Street entrance.",
        "I switched from Lexapro last month and feel better",  # a drug, not a town
        "got my refill from CVS, any tips from Wegovy users?",
        "Our hearts go out to the families affected by the tornado in Moore.",  # news, organisation voice
        "Reminder that our offices close at 5pm on Dec 24 and reopen Dec 26.",  # opening hours
        "Join us Saturday for a free health fair at Lincoln Park, 10am-2pm",  # a park, not a person
        "my sons doctor said his iron is low, take 325 mg daily?",  # "said" after "doctor"
        "I'm 32 and just got diagnosed with MS. Scared.",  # MS the disease, not Ms. the title
        "Take 2 tablets, 1/2 if you weigh under 50 kg; rate your pain 7/10",
        "Is it normal for a CPAP to leak this much? my mask is new",  # an acronym, not a name
        "Des Moines hospitals at capacity as RSV surges",
        "Hey Siri remind me to take my 10mg at 9pm",
        "Medicare Part D enrollment ends Dec 7. Questions? Call us.",
        "Volunteers needed for our Thanksgiving meal delivery on Nov 27!",  # no person: an event's date
        "Live in Fargo? Our mobile mammography unit visits Oct 12-14.",  # said to every reader
        "We're raising money for our hospice at Mercy General. Updates soon",
    ],
)
def test_more_look_alikes_are_not_phi(text):
    assert found(text) == []


def test_texts_written_differently_from_the_corpus():
    """A floor on hand-written texts in other styles (see written_differently.py): rules, not the
    generated corpus's sentences, must carry the detector."""
    from tests.textscan.written_differently import CASES

    tp = fp = fn = false_alarms = negatives = 0
    for text, gold in CASES:
        want = set()
        for value, label in gold:
            start = text.index(value)
            want.add((start, start + len(value), label))
        got = set(find_phi(text))
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
        if not gold:
            negatives += 1
            false_alarms += bool(got)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.95, (precision, recall)  # measured 0.98 (after the rules these texts led to)
    assert false_alarms <= 1, f"{false_alarms} of {negatives} PHI-free texts flagged"  # measured 0
