"""Several number patterns in phi.py are written from their first character so that the regex engine
can skip ahead to it (a pattern that starts with a lookbehind is tried at every position). These
tests hold the fast forms to the plain ones they replace, on random strings made of the characters
that matter, so a later edit cannot change what they match unnoticed."""

from __future__ import annotations

import random
import re

import pytest

from carecast.textscan import phi

PLAIN = {
    "PHONE": re.compile(
        r"(?<![\w+/-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/-])"
        r"|(?<![\w+/-])(?:\+?1[\s.-]?)?\(\d{3}\)\d{3}-?\d{4}(?![\w/-])"
        r"|(?<![\w+/.-])[2-9]\d{2}[2-9]\d{6}(?![\w/.-])"
    ),
    "CARD": re.compile(r"(?<![\w-])(?:\d{4}[ -]){3}\d{4}(?![\w-])|(?<![\w-])\d{13,19}(?![\w-])"),
    "SSN": re.compile(r"(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])"),
    "IPV4": re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"),
    "ISO_DATE": re.compile(r"(?<![\w-])(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w-])"),
    "NUMERIC_DATE": re.compile(
        r"(?<![\w/.-])(?:0?[1-9]|1[0-2])([/-])(?:0?[1-9]|[12]\d|3[01])(?:\1(?:\d{4}|\d{2}))?(?![\w/-])"
    ),
    "ZIP_CANDIDATE": re.compile(r"(?<![\w-])\d{5}(?:-\d{4})?(?![\w-])"),
    "AGE_GATE": re.compile(r"(?<!\d)(?:9\d|1[0-2]\d)(?!\d)"),
    "TOKEN": re.compile("(?<![0-9])[A-Za-zÀ-ÖØ-öø-ɏ]+(?:['\u2019-][A-Za-zÀ-ÖØ-öø-ɏ]+)*\\.?"),
}
ALPHABET = "0123456789" * 4 + "12" * 4 + " -./()+:" * 2 + "aZ_é#"


def _random_texts(seed: int, count: int = 4000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_fast_pattern_matches_exactly_what_the_plain_one_does(name):
    fast, plain = getattr(phi, name), PLAIN[name]
    samples = [
        *_random_texts(sum(map(ord, name))),
        "call 617-555-0148 or +1 (617) 555-0148, 1-800-555-0199, (617)555-0148, 6175550148",
        "card 4111 1111 1111 1111, 4111111111111111, ssn 123-45-6789, ip 10.0.0.1 and 1.2.3.4.5",
        "DOB 03/04/1950, 2023-02-29, 3-4 times, 24/7, 12/31/99, zip 62704-1234, 1999, aged 101, 99.5",
        "\u0141ukasz O\u2019Brien-Smith\u2019s 3rd visit, Zo\u00eb's mum",
    ]
    for text in samples:
        got = [(m.span(), m.groups()) for m in fast.finditer(text)]
        want = [(m.span(), m.groups()) for m in plain.finditer(text)]
        assert got == want, text
