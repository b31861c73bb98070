"""PHI detection for short social texts: the HIPAA Safe Harbor identifiers.

Formats with a structure are found by pattern and checked by their rules (IP addresses, SSN
ranges, phone numbering); identifiers without one (record, plan, account, licence, device and
vehicle numbers) need a context word before them. Names and places need a cue (a title, a family
word, "I'm", "name", a verb that follows people) and pass dictionaries of names and of ordinary
English words, so that hashtags, @handles, drug doses, clock times, bare years and public facts
are left alone.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterable, Sequence

from carecast.textscan import lexicon
from carecast.textscan.findings import Finding, Severity

Span = tuple[int, int, str]


class _Lists:
    """The dictionaries, looked up once (a cached function call per word adds up over many texts)."""

    def __getattr__(self, name: str) -> frozenset[str]:
        value = getattr(lexicon, name)()
        setattr(self, name, value)
        return value


_L = _Lists()

MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_I = re.IGNORECASE

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
URL_KEY = re.compile(r"www\.|://|\.(?:com|org|net|edu|gov|health|care|io|us|co|info|me|ly)")
URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"')]+"
    r"|(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|health|care|io|us|co|info|me|ly)"
    r"(?:/[^\s<>\"')]*)?(?![\w@-])",
    _I,
)
# Several patterns below start with a digit and check the character before it afterwards, in a
# lookbehind: a pattern that starts with a character class lets the regex engine skip ahead to the
# candidates instead of trying every position (the same matches, about twice as fast).
IPV4 = re.compile(r"\d(?<![\d.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{1,4}:){2,7}[0-9a-f]{1,4}(?![\w:])", _I)
# Phone numbers: (+1|1)? then (NNN) NNN-NNNN, NNN-NNN-NNNN, (NNN)NNN-NNNN, or ten digits. Written from
# the first character on (+, 1, "(" or a digit), as the alternatives of the plain pattern
#   (?<![\w+/-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/-])
#   | (?<![\w+/-])(?:\+?1[\s.-]?)?\(\d{3}\)\d{3}-?\d{4}(?![\w/-])
#   | (?<![\w+/.-])[2-9]\d{2}[2-9]\d{6}(?![\w/.-])
# in the same order, so that the regex engine can skip to those characters (three times faster).
PHONE = re.compile(
    r"[\d(+](?<![\w+/-].)(?:"
    r"(?<=\+)1[\s.-]?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/-])"
    r"|(?<=1)[\s.-]?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w/-])"
    r"|(?<=\()\d{3}\)\s?\d{3}[\s.-]\d{4}(?![\w/-])"
    r"|(?<=\d)\d\d[\s.-]\d{3}[\s.-]\d{4}(?![\w/-])"
    r"|(?<=\+)1[\s.-]?\(\d{3}\)\d{3}-?\d{4}(?![\w/-])"
    r"|(?<=1)[\s.-]?\(\d{3}\)\d{3}-?\d{4}(?![\w/-])"
    r"|(?<=\()\d{3}\)\d{3}-?\d{4}(?![\w/-])"
    r"|(?<=[2-9])(?<![.]\d)\d{2}[2-9]\d{6}(?![\w/.-])"
    r")"
)
SEVEN_DIGITS = re.compile(r"\d{3}[\s.-]?\d{4}")  # in every phone and card number
CARD = re.compile(r"\d(?<![\w-]\d)(?:\d{3}(?:[ -]\d{4}){3}|\d{12,18})(?![\w-])")  # 4x4 digits, or 13-19
SSN = re.compile(r"(\d{3})(?<![\w-]\d{3})-(\d{2})-(\d{4})(?![\w-])")
SSN_CONTEXT = re.compile(
    r"\b(?:ssn|social security(?: number| no\.?| #)?|ss#)\W{0,4}(\d{9}|\d{3} \d{2} \d{4})\b", _I
)

NUMERIC_DATE = re.compile(
    r"\d(?<![\w/.-]\d)(?:(?<=0)[1-9]|(?<=1)[0-2]|(?<=[1-9]))"  # a month, 1-12 or 01-12
    r"([/-])(?:0?[1-9]|[12]\d|3[01])(?:\1(?:\d{4}|\d{2}))?(?![\w/-])"
)
ISO_DATE = re.compile(r"(?:19|20)(?<![\w-]\d\d)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w-])")
NAMED_DATE = re.compile(
    rf"(?<![\w])(?:{MONTHS}\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d\d)?"
    rf"|(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}(?:,?\s+(?:19|20)\d\d)?)(?![\w])",
    _I,
)
MONTH_YEAR = re.compile(rf"(?<![\w])({MONTHS}\s+(?:19|20)\d\d)(?![\w])", _I)
STRONG_DATE_CUE = re.compile(
    r"\b(?:born|dob|d\.o\.b|birth(?:day|date)?|admitted|discharged|diagnosed|died|passed|surgery|"
    r"delivered|due|appointment|appt|procedure|seen|scheduled|rescheduled)\W{0,8}(?:on\W{1,3})?$",
    _I,
)
PERSONAL_DATE_CUE = re.compile(
    r"\b(?:born|dob|d\.o\.b|birth(?:day|date)?|since|admitted|discharged|diagnosed|died|passed|surgery|"
    r"delivered|due|visit(?:ed)?|seen|appointment|procedure|on|before|after|from|until|by|was|is|test|"
    r"arrived|started|began|married|fell|injured|scheduled|rescheduled|moved|effective|through|thru|till?)\W{0,3}$",
    _I,
)

AGE_YEARS_AFTER = re.compile(
    r"\s*(?:-|\s)?(?:years?[\s-]old|yrs?[\s-]old|yo\b|y/o|year-old|yr-old|\)?\s*years)", _I
)
AGE_WORD_BEFORE = re.compile(r"\b(?:age[sd]?|turned|turning|is now|she's|he's)\s+$", _I)
AGE_PERSON_BEFORE = re.compile(r"\b(?:he|she|they|i|who)\s+(?:is|was|'s|am|just turned)\s+$", _I)
AGE_PAREN_AFTER = re.compile(r"\s*(?:yo|y/o|years old)?!*\)", _I)
NOT_AN_AGE_AFTER = re.compile(r"\s*(?:%|mg|lbs?|pounds|kg|min|minutes|days|degrees|°|/|\.\d|percent|bpm)", _I)
_NAME_END = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")  # "Carrie Sutton, 104,"

STREET_TYPES = (
    r"st|street|ave|avenue|rd|road|dr|drive|ct|court|ln|lane|blvd|boulevard|way|pl|place|"
    r"ter|terr|terrace|trl|trail|cir|circle|pkwy|parkway|hwy|highway|sq|square|loop|row|run|path|pike|"
    r"crossing|xing|cv|cove|pt|point|ridge|view|alley|walk"
)
MAIN_STREET_TYPES = (
    r"st|street|ave|avenue|rd|road|dr|drive|ct|court|ln|lane|blvd|boulevard|way|pl|place|ter|terr|terrace|"
    r"trl|trail|cir|circle|pkwy|parkway|hwy|highway"
)
STREET_KEY = re.compile(rf"\d\s+(?:\S+\s+){{0,5}}?(?:{STREET_TYPES})\b")
ADDRESS = re.compile(
    rf"(?<![\w#:/.-])\d{{1,6}}\s+(?:[NSEW]|N[EW]|S[EW]|north|south|east|west)?\.?\s*"
    rf"(?P<name>(?:[A-Za-z0-9][\w'’.-]*\s+){{1,4}}?)(?:{STREET_TYPES})\b\.?"
    rf"(?:\s+(?:{MAIN_STREET_TYPES})\b\.?)?"  # "Quarry Ridge Ct", "Forest View Dr"
    rf"(?:,?\s+(?:apt|apartment|suite|ste|unit|#|no\.?|fl|floor|rm|room)\.?\s*#?\s*\w+)?"
    rf"|\bp\.?\s?o\.?\s+box\s+\d+",
    _I,
)
ZIP_CANDIDATE = re.compile(r"\d{5}(?<![\w-]\d{5})(?:-\d{4})?(?![\w-])")
STATE_BEFORE = re.compile(r"\b([A-Za-z]+(?: [A-Za-z]+)?)\.?,?\s+$")
CITY_AFTER_STREET = re.compile(r",?\s*([A-Za-z][A-Za-z .'-]{1,30}?)(?=,?\s+(?:[A-Za-z]{2}\b|\d{5}))")
KNOWN_TOWN_AFTER_STREET = re.compile(r",\s*([A-Z][a-z]+(?: [A-Z][a-z]+){0,2})")
ZIP_WORD = re.compile(r"\b(?:zip(?:\s?code)?|postal code)\W{0,4}(\d{5}(?:-\d{4})?)(?![\w-])", _I)

ID_CONTEXTS: dict[str, str] = {
    "MRN": r"mrn|medical record(?: number| no\.?| #)?|med(?:ical)? rec(?:ord)?(?: #| no\.?| number)?|"
    r"chart(?: number| #| no\.?)|patient id|patient number|patient #|mr ?#|mr (?:number|no\.?)|"
    r"record (?:number|#|no\.?)|hospital (?:number|id|#)",
    "HEALTH_PLAN_ID": r"(?:bcbs|blue cross|aetna|cigna|humana|united(?:healthcare)?|uhc|kaiser|anthem|"
    r"tricare|"
    r"molina|centene|ambetter|oscar)(?: member)? (?:id|#|number|no\.?)|member id|member number|member #|"
    r"policy(?: number| no\.?| #| id)?|insurance id|"
    r"insurance number|subscriber id|plan id|health plan(?: id| number)?|medicaid(?: id| number| #)?|"
    r"medicare(?: id| number| #)?|beneficiary(?: id| number)|group number",
    "ACCOUNT": r"acct|account(?: number| no\.?| #| id)?(?: (?:at|with|for|in) \w+)?|"
    r"billing (?:account|number)|invoice(?: number| #)?|"
    r"statement(?: number| #)|claim(?: number| no\.?| #| id)?|rx(?: number| no\.?| #)?|"
    r"prescription(?: number| no\.?| #)",
    "LICENSE": r"(?:driver'?s |nursing |medical |professional |dl )?licen[cs]e(?: number| no\.?| #)?|dl|"
    r"npi|dea(?: number| #)?|certificate(?: number| no\.?| #)?|permit(?: number| #)?",
    "DEVICE_ID": r"imei|serial(?: number| no\.?| #)?|s/?n|device id|device serial|mac address|udid|"
    r"pacemaker(?: serial)?|pump (?:serial|id)",
    "VEHICLE_ID": r"vin|plate(?: number| no\.?| #)?|license plate|licence plate|tag(?: number)?",
}
ID_VALUE = (
    r"([A-Za-z]{0,4}[-#]?\d[\w-]{2,24}(?:[ ]\d{3,5}){0,3}|[A-Z]{1,4}[ ]\d{3,4}(?:[ ]\d{3,4})?|[A-Z0-9]{5,17})"
)
# One pass for every context word; the vehicle words come first so "license plate" is a plate.
ID_ORDER = ("VEHICLE_ID", "MRN", "HEALTH_PLAN_ID", "DEVICE_ID", "ACCOUNT", "LICENSE")
ID_ANY = re.compile(
    r"\b(?:" + "|".join(f"(?P<{label}>{ID_CONTEXTS[label]})" for label in ID_ORDER) + r")"
    rf"\s*(?:is|was|:|#|number|no\.?|-|=)?\s*(?:#\s*)?{ID_VALUE}(?![\w-])",
    _I,
)
# The same, case-sensitive, for lower-cased text (an ignore-case scan of every position is slow).
ID_ANY_LOWER = re.compile(
    r"\b(?:" + "|".join(f"(?P<{label}>{ID_CONTEXTS[label]})" for label in ID_ORDER) + r")"
    rf"\s*(?:is|was|:|#|number|no\.?|-|=)?\s*(?:#\s*)?{ID_VALUE.replace('A-Z', 'a-z')}(?![\w-])"
)
# Starts with a character class so the regex engine skips quickly to candidate positions.
AGE_GATE = re.compile(r"[19](?<!\d[19])(?:(?<=9)\d|(?<=1)[0-2]\d)(?!\d)")
DIGIT = re.compile(r"\d")
ID_PATTERNS = {
    label: re.compile(rf"\b(?:{words})\s*(?:is|was|:|#|number|no\.?|-|=)?\s*(?:#\s*)?{ID_VALUE}(?![\w-])", _I)
    for label, words in ID_CONTEXTS.items()
}
PLATE_FORMAT = re.compile(r"^(?=.*\d)[A-Z0-9]{2,4}[ -]?[A-Z0-9]{2,5}$")

TITLE = re.compile(r"\b(?:dr|doctor|nurse|np|pa|mr|mrs|ms|miss|mx|prof|professor|pastor)\.?\s+$", _I)
KIN = (
    r"(?:mom|mother|mum|mama|dad|father|papa|son|daughter|brother|sister|aunt|auntie|uncle|grandma|grandpa|"
    r"grandmother|grandfather|granny|nana|gran|wife|husband|partner|fiance|fiancee|fiancé|fiancée|stepdad|"
    r"stepmom|stepson|stepdaughter|cousin|niece|nephew|friend|baby|kid|child|boyfriend|girlfriend|spouse|"
    r"neighbor|neighbour|coworker|boss|roommate|caregiver|grandson|granddaughter|twin|pop|pops|mommy|daddy|"
    r"grandad|granddad|gramps|nanna|abuela|abuelo|hubby|bestie|sis|bro|stepsister|stepbrother|godson|"
    r"goddaughter|godmother|godfather|toddler|newborn|infant|teen|classmate|colleague|landlord|tenant|"
    r"great-aunt|great-uncle|great-grandma|great-grandpa|great-grandmother|great-grandfather|"
    r"mother-in-law|father-in-law|sister-in-law|brother-in-law|son-in-law|daughter-in-law)"
)
_NOT_AN_AGE = r"(?!\s*(?:%|mg|lbs?|pounds|kg|min|minutes|days|degrees|°|/|\.\d|percent|bpm))"
# "my great-aunt is 97" (mom, dad, grandma...), and after a name found in the text: "Earl Whitfield is 96".
AGE_KIN_BEFORE = re.compile(rf"\b{KIN}\s+(?:is|was|'s|just turned|turned|turns|will be)\s+$", _I)
AGE_AFTER_NAME = re.compile(
    rf"\s+(?:is|was|just turned|turned|turns|will be|who is|who turned)\s+(9\d|1[0-2]\d)\b{_NOT_AN_AGE}", _I
)
STRONG_CUE = re.compile(
    rf"(?:\b(?:my|our|his|her|their)\s+(?:\w+\s+)?{KIN}s?|\b{KIN}|\bname(?:d|\s+is|:)?|\bpatient:?|\bpt\.?|"
    rf"\bi'?m|\bi am|\b(?:release|request|validation|copy|letter|note|money|raising money|appt|"
    rf"appointment|refill|results|prescription|referral|paperwork|forms?) for|"
    rf"\b(?:care of|returned by|signed by|referred by|seen by)|"
    rf"\bthis is|\bmeet|\bupdate on|\bpray(?:ers)? for|\bcongrat(?:ulation)?s to|\bin memory of|"
    rf"\bspotlight:|\bcaringbridge for|\bgofundme for)\s*[:,-]?\s*$",
    _I,
)
TITLE_AT = re.compile(r"\b(?:dr|doctor|nurse|np|pa|mr|mrs|ms|miss|mx|prof|professor|pastor)\.?\s+", _I)
STRONG_AT = re.compile(STRONG_CUE.pattern.removesuffix("\\s*[:,-]?\\s*$") + "\\s*[:,-]?\\s*", _I)
WEAK_AT = re.compile(r"\b(?:for|by|from|call|w/|with|to|and)\s+|[,.!?]\s+", _I)
PLACE_NEXT_AT = re.compile(r"\b(?:from|live[sd]? in|living in|moved to)\s+", _I)
PUNCT_AT = re.compile(r"[,.!?]\s+")
SAINT_AT = re.compile(r"\b(?:st|saint)\.?\s+", _I)
WEAK_CUE = re.compile(r"\b(?:for|by|from|call|w/|with|to|and|,)\s*$|^\s*$|[.!?]\s+$", _I)
RIGHT_CUE = re.compile(
    r"^(?:['’]s\b|\s+here\b|\s+(?:has|had|was|is|just|will|turned|needs|passed|got|went|born|plate|"
    r"survived|walked|diagnosed|admitted)\b|\s*,\s*(?:\d|dob|born|age|medical|mrn|patient|member|policy|"
    r"account|acct|ssn|call|[(+]?\d)|\s+\(|\s+\d{1,3}\s?(?:yo|yrs?|years|y/o|mos?|months)\b|\s+from\s+[A-Z])",
    _I,
)
# A word not glued to a number. It starts with its first letter (the check on the character before comes
# second) so that the regex engine can skip ahead to letters.
TOKEN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ](?<![0-9].)[A-Za-zÀ-ÖØ-öø-ɏ]*(?:['’-][A-Za-zÀ-ÖØ-öø-ɏ]+)*\.?")
INITIAL = re.compile(r"^[A-Za-z]\.$")
KIN_WORDS = frozenset(KIN.removeprefix("(?:").removesuffix(")").split("|"))
STRONG_RIGHT = re.compile(
    r"^(?:\s+(?:was diagnosed|has been|is finally|got diagnosed|turned|was admitted|was born|born)\b|"
    r"\s+\d{1,3}\s?(?:yo|yrs?|years|y/o)\b|\s*,\s*\d{2,3}\s*,|\s+here\s*,|\s+\(\d)",
    _I,
)
SIGN_OFF = re.compile(r"^\s*(?:[#@][\w]+\s*|[^\w\s]\s*)*$")
STOP_AFTER = frozenset(
    {
        "health",
        "clinic",
        "hospital",
        "medical",
        "center",
        "centre",
        "institute",
        "general",
        "university",
        "care",
        "children's",
        "heart",
        "cancer",
        "memorial",
        "regional",
        "here",
    }
)
PUBLIC_CUE = re.compile(
    r"\b(?:interview|says|reports?|announce[sd]?|urges?|visited|senator|governor|"
    r"president|actor|actress|singer|celebrity|princess|prince)\b",
    _I,
)
PUBLIC_CUE_LOWER = re.compile(PUBLIC_CUE.pattern)  # the same, on lower-cased text
_NOT_NAMES = frozenset(
    [
        "ucsf",
        "mychart",
        "duke",
        "vanderbilt",
        "mayo",
        "hopkins",
        "kettering",
        "sloan",
        "jude",
        "st",
        "saint",
        "mercy",
        "covid",
        "rsv",
        "icu",
        "nicu",
        "er",
        "ed",
        "or",
        "la",
        "ny",
        "nyc",
        "usa",
        "us",
        "uk",
        "uti",
        "als",
        "ms",
        "copd",
        "adhd",
        "ptsd",
        "ocd",
        "ibs",
        "ivf",
        "hiv",
        "aids",
        "ob",
        "gyn",
        "ent",
        "rn",
        "lpn",
        "np",
        "pa",
        "md",
        "do",
        "dds",
        "phd",
        "mrn",
        "dob",
        "ssn",
        "id",
        "ok",
        "lol",
        "omg",
        "pls",
        "plz",
        "thx",
        "ty",
        "btw",
        "fyi",
        "asap",
        "tbh",
        "imo",
        "idk",
        "smh",
        "draft",
        "reason",
        "ios",
        "android",
        "app",
        "ipad",
        "iphone",
        "tablet",
        "portal",
        "facebook",
        "instagram",
        "tiktok",
        "twitter",
        "youtube",
        "linkedin",
        "gofundme",
        "caringbridge",
        "bcbs",
        "medicare",
        "medicaid",
        "emory",
        "baylor",
        "cedars",
        "sinai",
        "kaiser",
        "lakeside",
        "riverside",
        "brightwater",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "tomorrow",
        "yesterday",
        "tonight",
        "today",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "hep",
        "crohn",
        "crohns",
        "parkinson",
        "parkinsons",
        "alzheimer",
        "alzheimers",
        "hodgkin",
        "hodgkins",
        "huntington",
        "huntingtons",
        "graves",
        "hashimoto",
        "addison",
        "cushing",
        "tourette",
        "asperger",
        "raynaud",
        "sjogren",
        "guillain",
        "barre",
        "kawasaki",
        "lyme",
        "bell",
        "pcos",
        "gerd",
    ]
)
# Words that never begin a name, whatever the lists say.
FUNCTION = frozenset(
    [
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "ours",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "hers",
        "they",
        "them",
        "their",
        "it",
        "its",
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "and",
        "or",
        "but",
        "nor",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "into",
        "onto",
        "about",
        "as",
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "here",
        "there",
        "where",
        "when",
        "what",
        "which",
        "who",
        "how",
        "why",
        "yes",
        "no",
        "not",
        "please",
        "pls",
        "thanks",
        "thank",
        "hi",
        "hello",
        "hey",
        "dear",
        "re",
        "car",
        "floor",
        "plate",
        "room",
        "bed",
        "unit",
        "building",
        "door",
        "lot",
        "garage",
        "parking",
        "valet",
        "ticket",
        "school",
        "work",
        "home",
        "else",
        "anyone",
        "someone",
        "everyone",
        "nobody",
        "everybody",
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "doctor",
        "nurse",
        "prof",
        "professor",
        "pastor",
    ]
)


LETTER_RUN = re.compile(r"[a-zà-öø-ɏ]+")
HANDLES = re.compile(r"[#@]\w+|https?://\S+|www\.\S+")


UPPER = re.compile(r"[A-ZÀ-Ö]")
LETTER = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")


# Letters and capitals as Latin-1 bytes: bytes.translate counts them far faster than a regex or a
# loop over characters (a character outside Latin-1 is neither, as with the patterns above).
_UPPER_BYTES = bytes([*range(0x41, 0x5B), *range(0xC0, 0xD7)])
_LETTER_BYTES = bytes(
    [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0xD7), *range(0xD8, 0xF7), *range(0xF8, 0x100)]
)
_DIGIT_BYTES = b"0123456789"


def _case_style(text: str) -> str:
    plain = HANDLES.sub("", text) if ("#" in text or "@" in text or "www" in text or "http" in text) else text
    raw = plain.encode("latin-1", "replace")
    letters = len(raw) - len(raw.translate(None, _LETTER_BYTES))
    upper = len(raw) - len(raw.translate(None, _UPPER_BYTES))
    if letters and upper / letters > 0.8:
        return "upper"
    if letters and upper / letters < 0.02:
        return "lower"
    return "mixed"


def _inside(position: int, spans: list[Span]) -> bool:
    return any(s <= position < e for s, e, _ in spans)


def _word(token: str) -> str:
    token = token.rstrip(".")
    if token[-2:].lower() in ("'s", "’s"):
        token = token[:-2]
    return token


def _capitalised(token: str, style: str) -> bool:
    return style != "mixed" or token[:1].isupper()


def _is_first(folded: str) -> bool:
    return folded in _L.first_names and folded not in _NOT_NAMES


def _unknown(folded: str) -> bool:
    """Not ordinary English, not a place, not a known non-name: most likely a name we have no list for."""
    return (
        folded not in _L.english_words
        and folded not in _L.places
        and folded not in _NOT_NAMES
        and len(folded) > 2
    )


def _extend(text: str, tokens: list[re.Match[str]], i: int, style: str) -> int:
    """How far a name that starts at token i runs (up to two more tokens: middle initial, surname)."""
    end = i
    mixed = style == "mixed"
    for j in range(i + 1, min(i + 3, len(tokens))):
        before = tokens[j - 1]
        if text[before.end() : tokens[j].start()] != " " or before.group()[-2:].lower() in ("'s", "’s"):
            break
        token = tokens[j].group()
        folded, _, initial, stop, english, first, surname, _, _, _ = _info(token)
        if initial and (not mixed or token[0].isupper()):
            end = j
            continue
        if (
            (mixed and not token[0].isupper())
            or stop
            or (len(folded) == 2 and token.isupper() and folded in _L.us_states)
        ):
            break  # "Lawrence KS": a state code ends it
        if english:
            if mixed and (surname or first):
                end = j  # "Emily White"
                continue
            if (
                mixed
                and j == end + 1
                and folded not in _L.common_words
                and (folded not in _L.places or surname)
                and not token.isupper()
                and not before.group().endswith(".")
            ):
                end = j  # "Gwendolyn Achterberg": in the CMU dictionary, but no everyday word
                continue
            break
        end = j  # a surname, another given name, or a name we have no list for
    return end


WordInfo = tuple[str, bool, bool, bool, bool, bool, bool, bool, bool, bool]
_INFO: dict[str, WordInfo] = {}


def _info(token: str) -> WordInfo:
    """What the dictionaries say about a token, remembered: the same words come back in every text.

    (folded word, never starts a name, initial, ends a name, ordinary English, first name, surname,
    unknown to every list, in capitals (an acronym in mixed-case text), a name only after a cue)"""
    info = _INFO.get(token)
    if info is None:
        folded = lexicon.fold(_word(token))
        initial = INITIAL.match(token) is not None
        never = (
            initial
            or folded in FUNCTION
            or folded in _NOT_NAMES
            or folded in KIN_WORDS
            or (len(folded) == 2 and folded in _L.us_states)
        )
        stop = folded in STOP_AFTER or folded in _NOT_NAMES or folded in FUNCTION
        english = folded in _L.english_words
        info = (
            folded,
            never,
            initial,
            stop,
            english,
            _is_first(folded),
            folded in _L.surnames,
            _unknown(folded),
            len(token) > 2 and token.isupper(),
            not (_is_first(folded) or _unknown(folded)),
        )
        if len(_INFO) > 200_000:  # bounded: a long-running process sees new words forever
            _INFO.clear()
        _INFO[token] = info
    return info


# What follows "doctor" or "nurse" in lower-case text when it is not a name ("my doctor said").
AFTER_TITLE_WORDS = frozenset(
    [
        "said",
        "says",
        "told",
        "tells",
        "thinks",
        "thought",
        "wants",
        "wanted",
        "never",
        "always",
        "just",
        "also",
        "was",
        "is",
        "has",
        "had",
        "will",
        "would",
        "could",
        "should",
        "did",
        "does",
        "gave",
        "put",
        "recommended",
        "suggested",
        "prescribed",
        "ordered",
        "called",
        "came",
        "left",
        "took",
        "mentioned",
        "explained",
        "asked",
        "office",
        "appointment",
        "appt",
        "visit",
        "visits",
        "today",
        "yesterday",
        "again",
    ]
)
PLACE_TAILS = frozenset(
    [
        "park",
        "square",
        "plaza",
        "street",
        "avenue",
        "road",
        "boulevard",
        "county",
        "heights",
        "hills",
        "village",
        "gardens",
        "mall",
        "center",
        "centre",
        "station",
        "airport",
        "bridge",
        "beach",
        "lake",
        "river",
        "valley",
    ]
)
TITLE_WORDS = frozenset(
    ["dr", "doctor", "nurse", "np", "pa", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "pastor"]
)
STRONG_WORDS = frozenset(["name", "named", "patient", "pt", "meet", "spotlight", "i'm", "im"])
STRONG_PAIRS = frozenset(
    tuple(p.split())
    for p in [
        "name is",
        "this is",
        "i am",
        "update on",
        "pray for",
        "prayers for",
        "congrats to",
        "congratulations to",
        "memory of",
        "care of",
        "returned by",
        "signed by",
        "referred by",
        "seen by",
        "release for",
        "request for",
        "validation for",
        "copy for",
        "letter for",
        "note for",
        "money for",
        "caringbridge for",
        "gofundme for",
        "appt for",
        "appointment for",
        "refill for",
        "results for",
        "prescription for",
        "referral for",
        "paperwork for",
        "form for",
        "forms for",
    ]
)
WEAK_WORDS = frozenset(["for", "by", "from", "call", "with", "to", "and", "w"])
# Words people use just before the name of someone they thank or talk to ("Thank you Jennifer",
# "spoke with Kwame"): a first name after them is a name; so is a word no list knows after the
# conversational ones (not after "thanks", which also precedes organisations and products).
THANKS_WORDS = frozenset(["thanks", "thx", "ty", "shoutout", "kudos", "hi", "hey", "hello", "dear"])
VOICE_ASSISTANTS = frozenset(["siri", "alexa", "cortana", "google", "bixby"])
THANKS_PAIRS = frozenset([("thank", "you"), ("out", "to"), ("kudos", "to"), ("off", "to")])
TALKED_PAIRS = frozenset(
    [
        ("spoke", "with"),
        ("spoke", "to"),
        ("talked", "to"),
        ("talked", "with"),
        ("speak", "to"),
        ("speak", "with"),
        ("asked", "for"),
        ("ask", "for"),
        ("asking", "for"),
    ]
)
# Every word that can stand just before an ordinary word that is still a name ("my Grace", "Dr. Bell").
NAME_CUE_WORDS = TITLE_WORDS | STRONG_WORDS | KIN_WORDS | frozenset(second for _, second in STRONG_PAIRS)
PLACE_NEXT_PAIRS = frozenset(
    {("live", "in"), ("lives", "in"), ("lived", "in"), ("living", "in"), ("moved", "to")}
    | {
        (verb, "to")
        for verb in [
            "moving",
            "move",
            "relocated",
            "relocating",
            "drove",
            "driving",
            "flew",
            "flying",
            "transferred",
            "airlifted",
            "commute",
            "commuting",
        ]
    }
)


def _cues(text: str, tokens: list[re.Match[str]], lows: list[str], i: int) -> tuple[str, str, str, str]:
    """The one or two words before token i, and the characters between them and it."""
    if i == 0:
        return "", "", text[: tokens[0].start()], ""
    prev = tokens[i - 1]
    gap = text[prev.end() : tokens[i].start()]
    if i == 1:
        return "", lows[0], gap, text[: prev.start()]
    return lows[i - 2], lows[i - 1], gap, text[tokens[i - 2].end() : prev.start()]


def _persons(
    text: str,
    lowered: str,
    taken: list[Span],
    style: str,
    tokens: list[re.Match[str]],
    lows: list[str],
    caps: Sequence[int],
) -> Iterable[Span]:
    public: bool | None = None  # looked up only when a name is found
    skip_to = 0
    info_of = _INFO.get
    mixed = style == "mixed"
    for i in caps:
        if i < skip_to:
            continue
        match = tokens[i]
        token = match.group()
        start = match.start()
        folded, never, _, _, english, first_name, surname, unknown, capitals, needs_cue = info_of(
            token
        ) or _info(token)
        if never:
            continue
        if needs_cue and (
            i == 0 or (lows[i - 1] not in NAME_CUE_WORDS and lows[i - 1].rstrip("s") not in KIN_WORDS)
        ):
            continue  # neither a first name nor an unknown word: a name only after a title or strong cue
        if capitals and mixed and (not i or lows[i - 1] not in TITLE_WORDS):
            continue  # "CPAP", "HLTH": in mixed-case text a word in capitals is an acronym
        if (start and text[start - 1] in "@#/_:.-") or (taken and _inside(start, taken)):
            continue
        if i == 0:
            word2, word1, gap1, gap2 = "", "", text[:start], ""
        else:
            prev = tokens[i - 1]
            gap1 = text[prev.end() : start]
            word1 = lows[i - 1]
            if i == 1:
                word2, gap2 = "", text[: prev.start()]
            else:
                word2, gap2 = lows[i - 2], text[tokens[i - 2].end() : prev.start()]
        if (gap1 != " " and any(c.isdigit() for c in gap1)) or word1 in ("st", "saint"):
            continue  # "17 yrs": a number just before is not a name's context
        spaced = gap1 == " " or gap1.strip(" ") in ("", ":", ",", "-", "–")
        if (
            english
            and not first_name
            and not (
                (word1 in TITLE_WORDS and gap1.strip() in ("", "."))
                or (
                    spaced
                    and (
                        word1 in STRONG_WORDS
                        or word1 in KIN_WORDS
                        or word1.rstrip("s") in KIN_WORDS
                        or (word2, word1) in STRONG_PAIRS
                    )
                )
            )
        ):
            continue  # an ordinary word is a name only right after a title or a strong cue
        last = _extend(text, tokens, i, style)
        end = tokens[last].end()
        name = text[start:end]
        end = start + len(name.rstrip("."))
        if name[-2:].lower() in ("'s", "’s"):
            end -= 2
        elif len(name) > 2 and name[-2:-1] == " " and name.endswith("."):
            end += 1  # "Monica W." keeps the initial's full stop
        if INITIAL.match(text[tokens[last].start() : tokens[last].end()]):
            end = tokens[last].end()
        right = RIGHT_CUE.match(text[end : end + 25]) is not None
        accepted = False
        after_punct = gap1 != " " and any(c in gap1 for c in ".,!?")
        title = (
            word1 in TITLE_WORDS
            and gap1.strip() in ("", ".")
            and not (style == "mixed" and tokens[i - 1].group().rstrip(".") in ("MS", "PA", "ED", "OR"))
        )
        if title and (
            (english and not surname and not first_name)
            or ((style != "mixed" or token[0].islower()) and folded in AFTER_TITLE_WORDS)
            or (style == "mixed" and token[0].islower() and english)  # "the visiting nurse go there"
        ):
            # "Nurse Practitioner Dana Whitaker", "my doctor said": a role or a verb, not a name
            continue
        if (
            last > i
            and not title
            and (
                (lows[last] in PLACE_TAILS and folded in _L.places)
                or lexicon.fold(text[start : tokens[last].end()].rstrip(".")) in _L.places
            )
        ):
            continue  # "Lincoln Park", "Des Moines": a place
        strong = spaced and (
            word1 in STRONG_WORDS
            or word1.rstrip("s") in KIN_WORDS
            or word1 in KIN_WORDS
            or ((word2, word1) in STRONG_PAIRS and gap2.strip() == "")
        )
        weak = i == 0 or after_punct or word1 in WEAK_WORDS
        place_next = word1 == "from" or (word2, word1) in PLACE_NEXT_PAIRS
        if place_next and (folded in _L.places or not first_name):
            continue  # "from Lincoln": a town (the location check takes it)
        if title:
            accepted = True
        elif strong:
            accepted = (
                first_name
                or unknown
                or (surname and not english)
                or (style == "mixed" and token[:1].isupper())
            )
        elif after_punct and SIGN_OFF.match(text[end:]):
            accepted = (first_name and not english) or unknown  # "... it never posted. Paulina"
        elif after_punct and "," in gap1 and text[end : end + 1] in ("!", "?", "."):
            accepted = first_name and not english  # "Thanks for writing, Maria!"
        elif STRONG_RIGHT.match(text[end : end + 25]):
            accepted = first_name or unknown
        elif right and unknown:
            accepted = True
        elif right and weak:
            accepted = (first_name and not english) or unknown
        elif right:
            accepted = first_name and not english
        elif last > i and style == "mixed" and first_name and not english:
            accepted = True  # "Reynaldo Montenegro": a first name and a second name, no cue needed
        elif spaced and (word1 in THANKS_WORDS or (word2, word1) in THANKS_PAIRS):
            accepted = first_name and not english and folded not in VOICE_ASSISTANTS  # not "Hey Siri"
        elif spaced and (word2, word1) in TALKED_PAIRS:
            accepted = (first_name and not english) or unknown
        if accepted and not strong:
            if public is None:
                public = PUBLIC_CUE_LOWER.search(lowered) is not None
            accepted = not public  # public figures in the news are not PHI
        if accepted:
            yield start, end, "PERSON"
            skip_to = last + 1


MONTH_WORDS = frozenset(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
    ]
)
DATE_SEPARATOR = re.compile(r"\d[/-]\d")  # every numeric date has one
MONTH_DAY = re.compile(rf"{MONTHS}\s+\d{{1,2}}", _I)
DOSE_OR_TIME_AFTER = re.compile(r"\s*(?:mg|ml|am|pm|a\.m|p\.m|%|hours?|mins?|minutes|days|weeks)", _I)


def _plainly_a_date(month_day: str) -> bool:
    """'11/02' and '3/14' are dates without a cue: fractions and scores are not written with a leading
    zero, and no one writes 3/14 of a tablet."""
    month, day = month_day.split("/")
    return month.startswith("0") or day.startswith("0") or int(day) >= 13


EVENT_BEFORE = re.compile(
    r"\b(?:re)?open(?:s|ing)?\b|\bclos(?:e|es|ed|ing)\b|\bholidays?\b|\bwebinar|\bseminar|\bfair\b|"
    r"\bevents?\b|\bregistration|\bdeadline|\bgala\b|\bfestival|\bclass(?:es)?\b|\bdrive\b|\bjoin us\b|"
    r"\bwalk\b|\brun\b|\brace\b|\b5k\b|\benrol(?:l)?ment\b|\bannual\b|\bends\b|\bbegins\b",
    _I,
)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|my|me|mine)\b", _I)


def _event_date(text: str, start: int) -> bool:
    """'our offices close at 5pm on Dec 24': an organisation's opening hours or event, not a person's date."""
    return EVENT_BEFORE.search(text, max(0, start - 40), start) is not None and not FIRST_PERSON.search(text)


def _dates(text: str, words: set[str]) -> list[Span]:
    found: list[Span] = []
    if DATE_SEPARATOR.search(text) is not None:
        if "-" in text:
            found += [(m.start(), m.end(), "DATE") for m in ISO_DATE.finditer(text)]
        for m in NUMERIC_DATE.finditer(text):
            value = m.group()
            if m.group(1) == "-" and value.count("-") == 1:
                continue  # "3-4 times"
            if (
                value.count("/") == 1
                and not _plainly_a_date(value)
                and not PERSONAL_DATE_CUE.search(text, max(0, m.start() - 24), m.start())
            ):
                continue  # "1/2 tab", "7/10 pain": a bare month/day needs a cue such as "since" or "DOB"
            found.append((m.start(), m.end(), "DATE"))
    if MONTH_WORDS.isdisjoint(words):
        return found
    for m in NAMED_DATE.finditer(text):
        if MONTH_DAY.fullmatch(m.group()) and DOSE_OR_TIME_AFTER.match(text, m.end()):
            continue  # "May 5 mg"
        if _event_date(text, m.start()):
            continue
        found.append((m.start(), m.end(), "DATE"))
    if "19" in text or "20" in text:  # "March 2019"
        for m in MONTH_YEAR.finditer(text):
            if PERSONAL_DATE_CUE.search(text[max(0, m.start() - 25) : m.start()]):
                found.append((m.start(1), m.end(1), "DATE"))
    return found


# The first word of every context phrase above: the full pattern is tried only where one stands.
ID_START = re.compile(
    r"\b(?:mrn|medical|med|chart|patient|bcbs|blue|aetna|cigna|humana|united|unitedhealthcare|uhc|kaiser|"
    r"anthem|tricare|molina|centene|ambetter|oscar|member|policy|insurance|subscriber|plan|health|medicaid|"
    r"medicare|beneficiary|group|acct|account|billing|invoice|statement|driver'?s|driver|nursing|"
    r"professional|dl|licen[cs]e|npi|dea|certificate|permit|imei|serial|s/?n|device|mac|udid|pacemaker|pump|"
    r"vin|plate|tag|claim|rx|prescription|mr|record|hospital)\b"
)


# The first word of every context phrase (ID_START), as the tokeniser sees it.
ID_FIRST_WORDS = frozenset(
    [
        "mrn",
        "medical",
        "med",
        "chart",
        "patient",
        "bcbs",
        "blue",
        "aetna",
        "cigna",
        "humana",
        "united",
        "unitedhealthcare",
        "uhc",
        "kaiser",
        "anthem",
        "tricare",
        "molina",
        "centene",
        "ambetter",
        "oscar",
        "member",
        "policy",
        "insurance",
        "subscriber",
        "plan",
        "health",
        "medicaid",
        "medicare",
        "beneficiary",
        "group",
        "acct",
        "account",
        "billing",
        "invoice",
        "statement",
        "driver",
        "drivers",
        "nursing",
        "professional",
        "dl",
        "license",
        "licence",
        "npi",
        "dea",
        "certificate",
        "permit",
        "imei",
        "serial",
        "s",
        "sn",
        "device",
        "mac",
        "udid",
        "pacemaker",
        "pump",
        "vin",
        "plate",
        "tag",
        "claim",
        "rx",
        "prescription",
        "mr",
        "record",
        "hospital",
    ]
)


def _id_matches(
    text: str, lowered: str, tokens: list[re.Match[str]], lows: list[str]
) -> Iterable[re.Match[str]]:
    if len(lowered) != len(text):  # a rare letter changed length when lower-cased: scan the slow way
        yield from ID_ANY.finditer(text)
        return
    if any("-" in low or "'" in low or "’" in low for low in lows):
        starts: Iterable[int] = (m.start() for m in ID_START.finditer(lowered))  # "patient-id"
    else:  # the context words start words: try the pattern only at the words that can begin one
        starts = [t.start() for t, low in zip(tokens, lows, strict=True) if low in ID_FIRST_WORDS]
    reached = 0
    for start in starts:
        if start < reached:
            continue
        m = ID_ANY_LOWER.match(lowered, start)
        if m is not None:
            reached = m.end()
            yield m


def _ids(text: str, lowered: str, tokens: list[re.Match[str]], lows: list[str]) -> Iterable[Span]:
    value_group = len(ID_ORDER) + 1
    for m in _id_matches(text, lowered, tokens, lows):
        label = next(name for name in ID_ORDER if m.group(name))
        value = text[m.start(value_group) : m.end(value_group)]
        if label == "VEHICLE_ID" and not (len(value) == 17 or PLATE_FORMAT.match(value.upper())):
            continue
        if label == "LICENSE" and value.isdigit() and len(value) < 5:
            continue
        if sum(c.isdigit() for c in value) < 3:
            continue
        yield m.start(value_group), m.end(value_group), label


def _ages(text: str) -> list[Span]:
    """Ages over 89: each number from 90 to 129 is checked against the words around it (faster than
    one pattern with every context, tried at every position of every text)."""
    found: list[Span] = []
    for m in AGE_GATE.finditer(text):
        s, e = m.span()
        before = text[s - 1] if s else ""
        after = text[e] if e < len(text) else ""
        free_before = before != "." and not (before.isalnum() or before == "_")
        free_after = not (after.isalnum() or after == "_")
        lo = max(0, s - 30)
        if (
            (free_before and AGE_YEARS_AFTER.match(text, e))  # "94 years old", "101yo"
            or (free_after and AGE_WORD_BEFORE.search(text, lo, s))  # "turned 95", "aged 90"
            or (before == " " and after == "," and s >= 3 and text[s - 2] == "," and text[s - 3] in _NAME_END)
            or (
                free_after
                and not NOT_AN_AGE_AFTER.match(text, e)
                and (AGE_PERSON_BEFORE.search(text, lo, s) or AGE_KIN_BEFORE.search(text, lo, s))
            )
            or (before == "(" and AGE_PAREN_AFTER.match(text, e))  # "(92)"
        ):
            found.append((s, e, "AGE_OVER_89"))
    return found


def _addresses(text: str) -> Iterable[Span]:
    for m in ADDRESS.finditer(text):
        name = m.group("name")
        if name is not None and not _street_name(name):
            continue  # "2024 in Chicago. Proud of Dr. Patel", "10:30 with Dr. Nguyen"
        yield m.start(), m.end(), "ADDRESS"


# Words that do not occur in a street's name but do occur between a number and "Dr."/"Way"/"Park".
NOT_STREET_WORDS = frozenset(
    [
        "in",
        "with",
        "at",
        "the",
        "to",
        "for",
        "of",
        "and",
        "on",
        "from",
        "by",
        "is",
        "was",
        "are",
        "my",
        "your",
        "our",
        "his",
        "her",
        "their",
        "me",
        "you",
        "we",
        "i",
        "it",
        "this",
        "that",
        "or",
        "but",
        "if",
        "so",
        "per",
        "every",
        "times",
        "am",
        "pm",
        "mg",
        "ml",
        "hours",
        "hrs",
        "days",
        "weeks",
        "years",
        "mins",
        "minutes",
    ]
)


def _street_name(name: str) -> bool:
    """Whether the words between the house number and the street type can be a street's name: no
    sentence break inside ("Chicago. Proud of Dr."), no ordinary small words ("at the")."""
    for word in name.split():
        if word.lower() in NOT_STREET_WORDS:
            return False
        if word[-1] == "." and len(word) > 3:
            return False  # "Chicago." ends a sentence; "N." and "St." are abbreviations
    return True


def _zip_and_city(text: str, lowered: str, addresses: list[Span]) -> Iterable[Span]:
    states = _L.us_states
    for m in ZIP_CANDIDATE.finditer(text):
        before = STATE_BEFORE.search(text[max(0, m.start() - 25) : m.start()])
        if before:
            words = before.group(1).split()
            if lexicon.fold(" ".join(words)) in states or lexicon.fold(words[-1]) in states:
                yield m.start(), m.end(), "ZIP"
    for m in ZIP_WORD.finditer(text) if ("zip" in lowered or "postal" in lowered) else ():
        yield m.start(1), m.end(1), "ZIP"


def _towns_after_streets(text: str, addresses: list[Span], with_zip: bool) -> Iterable[Span]:
    """'12 Oak St, Springfield, IL': the town after the street, before a state or a ZIP code, or any
    town the gazetteer knows ('7 Harbor View Terr, Gloucester — can the nurse go there?')."""
    for _, end, _ in addresses:
        # without a ZIP code in the text, a comma must set the town off ("… Hwy closes early on" is none)
        city = CITY_AFTER_STREET.match(text, end) if with_zip or text[end : end + 1] == "," else None
        if city and lexicon.fold(city.group(1)) not in _L.us_states:
            yield city.start(1), city.end(1), "LOCATION"
            continue
        known = KNOWN_TOWN_AFTER_STREET.match(text, end)
        if known:
            words = known.group(1).split()
            for n in range(len(words), 0, -1):  # the longest run of words that names a place
                name = " ".join(words[:n])
                if lexicon.fold(name) in _L.places and lexicon.fold(name) not in _L.us_states:
                    yield known.start(1), known.start(1) + len(name), "LOCATION"
                    break


PLACE_CUE = re.compile(r"\b(?:live[sd]? in|living in|moved to|from|in|near|of|based in|outside)\s+$", _I)
STRONG_PLACE_CUE = re.compile(r"\b(?:live[sd]? in|living in|moved to|from|based in|outside|of)\s+$", _I)
ORG_BEFORE_CITY = re.compile(
    r"\b(?:health|clinic|hospital|jude|medical|children'?s|general|kettering|kaiser|center|ucsf|"
    r"institute|memorial|vascular)\s+$",
    _I,
)
PLACE_WORDS = frozenset(["in", "from", "near", "of", "outside"])
ORG_WORDS = frozenset(
    [
        "health",
        "clinic",
        "hospital",
        "jude",
        "medical",
        "children's",
        "childrens",
        "general",
        "kettering",
        "kaiser",
        "center",
        "ucsf",
        "institute",
        "memorial",
        "vascular",
    ]
)
PLACE_AT = re.compile(r"\b(live[sd]? in|living in|moved to|from|in|near|of|based in|outside)\s+", _I)
ORG_AT = re.compile(ORG_BEFORE_CITY.pattern.removesuffix("\\s+$") + "\\s+", _I)
AT_WORD = re.compile(r"\bat\s+", _I)
AT_ORG = re.compile(r"\bat\s+(?:[\w.&'’-]+\s+){1,5}$", _I)
PLACE_PREFIX = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "new",
        "port",
        "lake",
        "fort",
        "mount",
        "mt",
        "san",
        "santa",
        "st",
        "los",
        "las",
        "el",
        "la",
        "upper",
        "lower",
        "old",
    ]
)
_NOT_PLACES = frozenset(
    [
        "home",
        "school",
        "work",
        "church",
        "town",
        "city",
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "this",
        "that",
        "labor",
        "delivery",
        "oncology",
        "cardiology",
        "radiology",
        "neurology",
        "surgery",
        "rehab",
        "icu",
        "nicu",
        "er",
        "pain",
        "march",
        "may",
        "june",
        "august",
        "university",
        "hospice",
        "room",
        "bed",
        "hospital",
        "clinic",
        "network",
        "peds",
        "endo",
        "ortho",
        "onc",
        "neuro",
        "cardio",
        "derm",
        "gi",
        "obgyn",
        "ob",
        "psych",
        "pt",
        "ot",
        "picu",
        "er",
        "icu",
        "triage",
        "lab",
        "imaging",
        "pharmacy",
        "billing",
        "records",
    ]
)
TOPONYM = re.compile(
    r"(?:mouth|stad|burgh|burg|berg|ton|ville|haven|side|furt|fort|port|view|land|chester|"
    r"borough|shire|bury|field|town|ford|wood|dale|mont|ham|stead|wick)$",
    _I,
)
# On lower-cased text. "we", "our" and "us" are as often the organisation's voice ("our offices",
# "the panel in Las Vegas") as a family's: with only those, a place needs a strong cue ("we live in").
PERSONAL_WORDS = (
    frozenset(["i", "i'm", "i’m", "my", "me", "patient", "family"]) | KIN_WORDS | {f"{k}s" for k in KIN_WORDS}
)
PERSONAL_WE = frozenset(["live", "lived", "moved", "rent", "stay"])  # "we live in ..."
PERSONAL_WEAK = frozenset(["we", "our", "us", "we're", "we’re", "we've", "we’ve"])


def _after_at_org(text: str, tokens: list[re.Match[str]], lows: list[str], i: int) -> bool:
    """'at <organisation words> <town>': an 'at' up to five words back, with plain spaces in between."""
    if "at" not in lows[max(0, i - 6) : i]:
        return False
    for j in range(i - 1, max(-1, i - 7), -1):
        if text[tokens[j].end() : tokens[j + 1].start()] != " ":
            return False
        if lows[j] == "at":
            return j < i - 1
    return False


# "I'm from", "originally from": the words that make "from X" a person's home town.
ORIGIN_WORDS = frozenset(
    [
        "i'm",
        "im",
        "am",
        "is",
        "are",
        "was",
        "were",
        "originally",
        "we're",
        "they're",
        "he's",
        "she's",
        "hails",
    ]
)
FROM_TO = re.compile(r"\s+to\s", _I)
PLACE_TRIGGERS = PLACE_WORDS | ORG_WORDS | {"in", "to"}
PLACE_CUE_PAIRS = PLACE_NEXT_PAIRS | {("based", "in")}


def _locations(
    text: str,
    text_words: set[str],
    taken: list[Span],
    style: str,
    tokens: list[re.Match[str]],
    lows: list[str],
    caps: Sequence[int],
) -> Iterable[Span]:
    # A town in the news is not PHI; it is when it is tied to a person (2), or only to "we"/"our" (1).
    if (
        not PERSONAL_WORDS.isdisjoint(text_words)
        or any(label == "PERSON" for *_, label in taken)
        or ("we" in text_words and not PERSONAL_WE.isdisjoint(text_words))
    ):
        personal = 2
    elif PERSONAL_WEAK.isdisjoint(text_words):
        return
    else:
        personal = 1
    has_at = "at" in lows
    # A place follows a cue word, or comes up to five words after "at" ("at Lakeside Health Seattle").
    candidates = [
        i
        for i in caps
        if i and (lows[i - 1] in PLACE_TRIGGERS or (has_at and "at" in lows[max(0, i - 6) : i - 1]))
    ]
    place_ended = -1  # the index of the last token of the last place found
    for i in candidates:
        match = tokens[i]
        s = match.start()
        word2, word1, gap1, _ = _cues(text, tokens, lows, i)
        plain = gap1 == " " or gap1.strip() == ""
        cue_word = word1 if plain and word1 in PLACE_WORDS else None
        if plain and (word2, word1) in PLACE_CUE_PAIRS:
            cue_word = f"{word2} {word1}"
            if word2 == "live" and (
                i == 2 or any(c in ".!?" for c in text[tokens[i - 3].end() : tokens[i - 2].start()])
            ):
                continue  # "Live in Fargo? Our mammography van visits ...": said to every reader
        elif plain and word1 == "to" and place_ended == i - 2:
            cue_word = "from to"  # "from Tacoma to Spokane"
        after_at = has_at and _after_at_org(text, tokens, lows, i)
        at_org_word = plain and word1 in ORG_WORDS
        if cue_word is None and not at_org_word and not after_at:
            continue
        if (s and text[s - 1] in "@#/.:_") or _inside(s, taken):
            continue
        cue = cue_word is not None
        org = at_org_word or (
            after_at and re.match(r"\s*[?,]", text[match.end() : match.end() + 2]) is not None
        )
        if not (cue or org):
            continue
        if cue_word == "of" and not any(label == "PERSON" and 0 <= s - b <= 5 for _, b, label in taken):
            continue  # "of Eliquis" is a dose; "Santiago Sanabria of Springfield" is a place
        words = [match.group().rstrip(".")]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt and text[match.end() : nxt.start()] == " " and _capitalised(nxt.group(), style):
            two = f"{words[0]} {nxt.group().rstrip('.')}"
            if lexicon.fold(two) in _L.places or lexicon.fold(words[0]) in PLACE_PREFIX:
                words = two.split()
        candidate = " ".join(words)
        folded = lexicon.fold(candidate)
        if folded in _L.us_states or folded in _NOT_PLACES or folded in _NOT_NAMES:
            continue
        known = folded in _L.places
        shaped = len(words) == 2 and lexicon.fold(words[0]) in PLACE_PREFIX
        strong = cue_word is not None and cue_word not in ("in", "near")
        if personal == 1 and not (strong and cue_word != "of"):
            continue  # "our hearts go out to the families in Moore"
        toponym = TOPONYM.search(words[-1]) is not None
        # A word no gazetteer knows is a town when shaped like one ("Aaronport") or after a strong cue;
        # after a bare "from" it is as often a drug or a shop ("switched from Lexapro", "from CVS").
        made_up = (
            _unknown(folded)
            and not _is_first(folded)
            and cue_word != "from to"
            and (toponym or (strong and (cue_word != "from" or word2 in ORIGIN_WORDS)))
        )
        if known and org and not (cue or after_at) and folded in _L.english_words:
            continue  # "medical bills": an ordinary word after an organisation word
        if cue_word == "from" and not known and FROM_TO.match(text, s + len(candidate)):
            continue  # "switching from Wegovy to Zoloft" (but "from Tacoma to Spokane" is a move)
        if (known and (org or cue) and (strong or org or cue_word in ("in", "near"))) or (
            (shaped or made_up) and cue
        ):
            place_ended = i + len(words) - 1
            yield s, s + len(candidate), "LOCATION"
        elif (
            org and (_unknown(folded) or shaped) and not _is_first(folded) and folded not in _L.english_words
        ):
            yield s, s + len(candidate), "LOCATION"  # "at Mount Sinai Millsmouth?"


def find_phi(text: str) -> list[Span]:
    """All PHI spans in `text`, without overlaps (the longest wins)."""
    spans: list[Span] = []
    lowered = text.lower()
    tokens = list(TOKEN.finditer(text))
    lows = [t.group().rstrip(".").lower() for t in tokens]
    # Every run of letters: a cheap test of whether a pattern that needs a certain word can match at all.
    words = set(lows)
    if "-" in lowered or "'" in lowered or "’" in lowered:  # "mid-march", "patient-id": their parts too
        words.update(LETTER_RUN.findall(lowered))
    if "@" in text:
        spans += [(m.start(), m.end(), "EMAIL") for m in EMAIL.finditer(text)]
    if URL_KEY.search(lowered):
        spans += [
            (m.start(), m.end(), "URL")
            for m in URL.finditer(text)
            if not any(s <= m.start() < e for s, e, _ in spans)
        ]
    if text.count(".") >= 3:
        for m in IPV4.finditer(text):
            try:
                ipaddress.IPv4Address(m.group())
            except ValueError:
                continue
            spans.append((m.start(), m.end(), "IP"))
    if text.count(":") >= 2:
        spans += [(m.start(), m.end(), "IP") for m in IPV6.finditer(text)]
    raw = text.encode("latin-1", "replace")
    digits = len(raw) - len(raw.translate(None, _DIGIT_BYTES))  # each identifier below needs this many
    if digits >= 9:
        for m in SSN.finditer(text):
            area, group, serial = m.groups()
            if area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000":
                spans.append((m.start(), m.end(), "SSN"))
        if "ss" in lowered or "social" in lowered:
            spans += [(m.start(1), m.end(1), "SSN") for m in SSN_CONTEXT.finditer(text)]
    if digits >= 3 and not ID_FIRST_WORDS.isdisjoint(words):
        spans += list(_ids(text, lowered, tokens, lows))
    if digits >= 10 and SEVEN_DIGITS.search(text):
        if digits >= 13:
            spans += [(m.start(), m.end(), "ACCOUNT") for m in CARD.finditer(text) if _luhn(m.group())]
        spans += [(m.start(), m.end(), "PHONE") for m in PHONE.finditer(text)]
    if digits:
        addresses = list(_addresses(text)) if "box" in lowered or STREET_KEY.search(lowered) else []
        if addresses:
            spans += addresses
            spans += _towns_after_streets(text, addresses, digits >= 5)
        if digits >= 5:
            spans += list(_zip_and_city(text, lowered, addresses))
        spans += _dates(text, words)
        spans += _ages(text)
    spans = _resolve(spans)
    style = _case_style(text)
    # Names and places start with a capital in mixed-case text; in all-caps or all-lower text, anywhere.
    # In mixed case, also a lower-case word right after a title ("(dr reyes)").
    if style != "mixed":
        caps: Sequence[int] = range(len(tokens))
    elif TITLE_WORDS.isdisjoint(words):
        caps = [j for j, t in enumerate(tokens) if t.group()[0].isupper()]
    else:
        caps = [
            j for j, t in enumerate(tokens) if t.group()[0].isupper() or (j and lows[j - 1] in TITLE_WORDS)
        ]
    people = list(_persons(text, lowered, spans, style, tokens, lows, caps))
    spans += people
    if people:
        if digits:
            for _, end, _ in people:
                age = AGE_AFTER_NAME.match(text, end)
                if age:
                    spans.append((age.start(1), age.end(1), "AGE_OVER_89"))
        spans = _resolve(spans)
    if not people and digits and PERSONAL_WORDS.isdisjoint(words):
        spans = [span for span in spans if not _impersonal_date(text, span)]
    places = list(_locations(text, words, spans, style, tokens, lows, caps))
    return _resolve(spans + places) if places else spans


def _impersonal_date(text: str, span: Span) -> bool:
    """A written-out date ("Nov 27") in a text with no person in it (no name, no I/my/family word) and
    no date cue before it ("born", "admitted", "surgery") is an event's date, not a person's."""
    start, end, label = span
    return (
        label == "DATE"
        and any(c.isalpha() for c in text[start:end])
        and not STRONG_DATE_CUE.search(text, max(0, start - 24), start)
    )


def _luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(reversed(digits)))
    return len(digits) >= 13 and total % 10 == 0


def _resolve(spans: list[Span]) -> list[Span]:
    """Keep the longest of overlapping spans; earlier detectors win ties."""
    if len(spans) < 2:
        return spans
    ordered = sorted(spans)
    if all(a[1] <= b[0] for a, b in itertools.pairwise(ordered)):
        return ordered  # nothing overlaps: the common case
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    kept.sort()
    return kept


def phi_findings(text: str, *, allow: Iterable[str] = ()) -> list[Finding]:
    """PHI as findings, less what the organisation allows (its numbers, pages, consenting clinicians)."""
    allowed = {_normal(a) for a in allow if a.strip()}
    return [
        Finding(
            s,
            e,
            label,
            f"phi.{label.lower()}",
            Severity.BLOCK,
            f"This looks like {_DESCRIBE[label]}, which identifies a person (HIPAA Safe Harbor).",
            fix="Remove it, or move the conversation to a private channel.",
        )
        for s, e, label in find_phi(text)
        if _normal(text[s:e]) not in allowed
    ]


def _normal(value: str) -> str:
    return (
        re.sub(r"[\s().+-]", "", value.lower())
        .removeprefix("https://")
        .removeprefix("http://")
        .removeprefix("www.")
        .rstrip("/")
    )


_DESCRIBE = {
    "PERSON": "a person's name",
    "DATE": "a date tied to a person",
    "AGE_OVER_89": "an age over 89",
    "PHONE": "a phone number",
    "EMAIL": "an email address",
    "ADDRESS": "a street address",
    "LOCATION": "a town or place tied to a person",
    "ZIP": "a ZIP code",
    "SSN": "a Social Security number",
    "MRN": "a medical record number",
    "HEALTH_PLAN_ID": "a health plan number",
    "ACCOUNT": "an account number",
    "LICENSE": "a licence or certificate number",
    "URL": "a web address",
    "IP": "an IP address",
    "DEVICE_ID": "a device serial number",
    "VEHICLE_ID": "a vehicle number or plate",
}
