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


# HIPAA-04: a reply that confirms or implies that someone is (or was) a patient. Generic words that
# any reply may use ("talk to your doctor", "check with your insurance") are left out on purpose.
_CARE_EVENT = (
    r"(?:visit|appointment|appt|procedure|treatment|surgery|operation|op|diagnosis|results?|test results|"
    r"lab results|labs?|bill|billing|claim|stay|hospital stay|chart|records?|file|scan|mri|ct|x-?ray|"
    r"ultrasound|biopsy|delivery|birth|labou?r|c-section|admission|discharge|follow-?up|check-?up|"
    r"physical|infusion|session|consult(?:ation)?|exam|screening|mammogram|colonoscopy|"
    r"recovery (?:after|from|since|following) (?:your |the )?(?:surgery|procedure|operation|stay"
    r"|delivery|op)|"
    r"care (?:team|with us|here)|time (?:with us|here)|experience (?:with us|here|at our|in our))"
)
_OUR_PLACE = (
    r"(?:emergency (?:department|room)|er|ed|a&e|clinic|hospital|unit|icu|nicu|picu|office|practice|"
    r"facility|center|centre|urgent care|wards?|floor|labou?r and delivery|maternity|birthing|"
    r"surgical|cancer|heart|imaging|lab|pharmacy|team|staff|nurses|doctors|physicians|providers|care)"
)
CONFIRMS_PATIENT = re.compile(
    rf"\b(?:your|ur|yr)\s+(?:recent\s+|last\s+|upcoming\s+|next\s+|latest\s+|\w+\s+)?{_CARE_EVENT}\b"
    rf"|\byou(?:r|'ve|'re| were| had| have)?\b[^.!?]{{0,60}}\b(?:in|at|with|from"
    rf"|by) our (?:\w+ )?{_OUR_PLACE}\b"
    r"|\b(?:the )?(?:care|treatment|wait|experience|delay|service|bill|visit|stay|surgery|procedure) "
    r"(?:you|u) (?:received|had|got|experienced|were given|went through|underwent)\b"
    r"|\b(?:when|while) (?:you|u) (?:were|was) (?:here|in|with us|admitted|our patient|seen|treated|under)"
    r"|\b(?:caring|care) for (?:you|u|your \w+)\b|\b(?:treating|looking after|taking care of) (?:you|u)\b"
    r"|\b(?:pleasure|privilege|honou?r) (?:to (?:care for|treat|meet|have)|(?:of )?(?:caring for|treating|"
    r"having)) (?:you|u)\b"
    r"|\b(?:thanks?|thank you|thx|ty) for (?:being|choosing|trusting"
    r"|letting us)\b[^.!?]{0,40}\b(?:patient|us|"
    r"care|surgery|procedure|treatment)"
    r"|\bfor choosing us for\b"
    r"|\bwe(?:'ve| have|'ll| will)? (?:checked|reviewed|looked (?:at|into)|look into|pulled up|pulled|found|"
    r"located|investigated|escalated|forwarded|corrected|adjusted|check|review|pull|correct|adjust|fix) "
    r"(?:on |up )?(?:your|ur)\b"
    r"|\b(?:we|i|team|staff|nurses|doctors) (?:still )?remembers? (?:you|your)\b|\bwelcome back\b"
    r"|\b(?:part of|on|in|with) (?:your|his|her|their|ur) care\b"
    r"|\b(?:see|saw|notice|noticed|know) (?:that )?(?:you|u|your \w+) (?:were|was|are|is) (?:admitted"
    r"|seen|here|treated|"
    r"in our|with us|discharged)"
    r"|\b(?:admitted|treated|seen|delivered|discharged|cared for|staying) (?:with|by|here with) us\b"
    r"|\b(?:according to|per|in|from) our (?:records|files|system|chart)\b|\bour records (?:show|indicate)"
    r"|\byou (?:missed|cancell?ed|rescheduled|no-showed|skipped) (?:your|ur)\b"
    r"|\bsorry (?:that |about |for )?(?:your|the) (?:procedure|surgery|visit|stay|treatment|bill|wait|care)"
    r"|\b(?:hope|hoping|glad|happy|wishing|pray\w*)\b[^.!?]{0,40}\b(?:after|since|following) (?:your|ur)\b",
    _I,
)

# Individual medical advice or a diagnosis: a named condition put on this person, or a change to
# their medicines, doses or care.
_CONDITION = (
    r"(?:[a-z]+(?:itis|osis|emia|aemia|oma|pathy|algia|plasia)|(?:an? )?(?:\w+ )?(?:infection|virus|"
    r"syndrome|disorder|disease|deficiency|allergy|allergic reaction|intolerance)|(?:thyroid|heart|kidney|"
    r"liver|sinus|skin|hormone|gut|stomach|bladder|prostate|blood sugar|circulation|nerve|back|knee|hip|"
    r"joint|lung|breathing|ear|eye) (?:problem|issue|condition)|strep|flu|"
    r"covid|uti|eczema|psoriasis|shingles|migraines?|concussion|sprain|fracture|hernia|ulcer|reflux|gerd|"
    r"ibs|anxiety|depression|adhd|asthma|diabetes|prediabetes|hypertension|anemia|anaemia|a cold|"
    r"pneumonia|cancer|tumou?r|melanoma|cyst|kidney stones?|gallstones?|stroke|heart attack|panic attacks?|"
    r"dehydration|food poisoning|vertigo|sciatica|carpal tunnel|a pulled muscle|a slipped disc|"
    r"hormonal|hormones|stress|long covid|mono|lyme|pink eye|ringworm|scabies|lice|a sinus \w+"
    r"|nothing serious|"
    r"benign|normal|harmless)"
)
# "looks like flu season", "it's cancer awareness month": about the world, not the person.
_NOT_A_DIAGNOSIS = (
    r"(?!\s+(?:season|shots?|clinics?|vaccines?|awareness|month|week|day|prevention|screening|research|walk|"
    r"run|care|centers?|centres?|services?|team|units?|patients|survivors?))"
)
_MEDICINE = (
    r"(?:meds?|medications?|medicines?|pills?|tablets?|capsules?|doses?|dosage|insulin|inhaler|statins?|"
    r"antibiotics?|antidepressants?|steroids?|prescriptions?|drugs?|blood thinners?|birth control|"
    r"supplements?|vitamins?|shots?|injections?|patch|\w+(?:pril|sartan|statin|olol|azole|cillin|mycin|"
    r"cycline|oxetine|pram|zepam|glutide|gliflozin|profen|formin|dipine|prazole|triptan)|ibuprofen|"
    r"tylenol|advil|aspirin|benadryl|motrin|aleve|acetaminophen|paracetamol|prednisone|melatonin|"
    r"\d+\s?(?:mg|mcg|ml|units?))"
)
# Advice is said to someone: at the start of a clause ("Skip your next dose"), after "you should"
# and the like, or after a softener ("try", "just"). "do I stop the 5 mg?" and "adults skip their
# statins" are not advice.
_ADVICE_LEAD = (
    r"(?:(?:^|(?<=[.!?,;:\n]))\s*|\b(?:you|u) (?:should|could|can|need to|must|might want to|may want to|"
    r"have to|gotta|ought to) |\b(?:try|just|then|so|maybe|please|i'?d|i would) )"
)
_CHANGE = (  # the imperative: "skip your next dose", "you should double up on insulin"
    r"(?:stop|quit|skip|double(?: up(?: on)?)?|halve|cut (?:back|down)(?: on)?|increase|decrease|lower|raise|"
    r"up|switch|wean off|come off|go off|drop|split|crush)"
)
_CHANGING = (  # after "try", "consider" or with "your": "try stopping your blood pressure meds"
    r"(?:stopping|quitting|skipping|doubling(?: up(?: on)?)?|halving|cutting (?:back|down)(?: on)?|"
    r"increasing|decreasing|lowering|raising|upping|switching|weaning off|coming off|going off|dropping|"
    r"splitting|crushing)"
)
MEDICAL_ADVICE = re.compile(
    rf"\b(?:sounds|looks|seems|reads) like (?:you(?:'ve| have)? (?:got |have |had )?|it(?:'s| is) |"
    rf"(?:a |an |the )?)?{_CONDITION}\b{_NOT_A_DIAGNOSIS}"
    r"|\b(?:sounds|looks|seems) like (?:you|your \w+) (?:have|has|had|are having|might have|may have)\b"
    r"|\byou (?:probably|definitely|likely|might|may|most likely|clearly|almost certainly) (?:have|had|"
    r"are having|need)\b"
    r"|\byou(?:'ve| have) got (?:a |an )?\w+itis\b"
    rf"|\b(?:it'?s|that'?s|this is|it is|that is|(?:is|are) (?:almost certainly|most likely))"
    rf" (?:almost certainly |most likely |probably |definitely |likely |just |only |clearly |nothing but |"
    rf"classic |textbook |typical |totally |100% )"
    rf"{_CONDITION}\b{_NOT_A_DIAGNOSIS}"
    r"|\b(?:your|ur|the|that|this|his|her) (?:symptoms?|rash|pain|cough|mole|lump|bump|spot|swelling|fever|"
    r"headaches?|results?|levels?|numbers?|readings?|bloodwork|ecg|ekg) (?:points? to|suggests?|indicates?|"
    r"means?|sounds? like|looks? like|(?:is|are|sounds?|looks?) (?:probably|likely|almost certainly|"
    r"definitely|just|nothing|totally|perfectly|completely)|(?:is|are) (?:a sign|signs) of)\b"
    r"|\bnothing to worry about\b|\bno need to (?:see|call|visit) (?:a|your|the) (?:doctor|dr|gp|er)\b"
    r"|\byou don'?t need (?:to see |to go to |to call )?(?:a doctor|the er|the hospital|antibiotics|stitches|"
    r"an x-?ray|a scan)\b"
    rf"|{_ADVICE_LEAD}(?:stop|quit|start|keep|try|skip|avoid) (?:taking|using|giving)\b"
    rf"|\b(?:stop|quit|start|keep|skip|avoid) (?:taking|using|giving) (?:your|ur|yr)\b"
    rf"|{_ADVICE_LEAD}{_CHANGE} (?:of |on |off |up |to )?(?:your|ur|yr|his|her|their|the|that|a|an|some|"
    rf"another|two|2|extra|half)? ?(?:\w+ )?(?:\w+ )?{_MEDICINE}\b"
    rf"|\b(?:try|consider|think about|start) {_CHANGING} (?:of |on |off |up |to )?(?:your|ur|yr|the|that|"
    rf"some)? ?(?:\w+ )?(?:\w+ )?{_MEDICINE}\b"
    rf"|\b(?:{_CHANGE}|{_CHANGING}) (?:of |on |off |up |to )?(?:your|ur|yr) (?:\w+ )?(?:\w+ )?{_MEDICINE}\b"
    rf"|{_ADVICE_LEAD}(?:take|give (?:him|her|them)) (?:\d+|two|three|a couple(?: of)?|some|an?|extra"
    r"|another|"
    rf"more) (?:\w+ )?{_MEDICINE}\b"
    rf"|\b(?:give|giving) (?:him|her|them|your \w+|the (?:baby|kid|child)) (?:some |an? |more )?(?:\w+ )?"
    rf"{_MEDICINE}\b"
    rf"|\b{_MEDICINE}\b[^.!?]{{0,25}}\b(?:is|are|should be|will be) (?:totally |perfectly |completely |"
    rf"probably |prob |100% )?(?:fine|ok|okay|safe|harmless)\b"
    r"|\bdon'?t (?:bother|need to|have to) (?:with )?(?:get(?:ting)? (?:it|that|this) (?:checked|looked at)|"
    r"see(?:ing)? (?:a|the|your) (?:doctor|dr|gp)|go(?:ing)? (?:in|to the (?:er|doctor|hospital)))"
    r"|\b(?:you|u) (?:prob(?:ably)? |probs |likely |just )+need (?:to )?(?:cut|stop|drink|take|rest"
    r"|eat|avoid|"
    r"quit|lay off)\b"
    r"|\b(?:increase|decrease|double|halve|lower|raise) (?:your|the) dose\b"
    r"|\byou (?:should|need to|must|have to|gotta|ought to|could|can) (?:take|stop|start|increase|decrease|"
    r"skip|try|double|cut|avoid|switch|get off|go off|come off)\b"
    r"|\b(?:put|apply|rub|use|try|dab) (?:some |a little |a bit of |an? |the )?(?:\w+ )?(?:cream|ointment|"
    r"lotion|hydrocortisone|neosporin|vaseline|ice|heat|heating pad|compress|drops|spray|gel|aloe) "
    r"(?:on|to|for)\b"
    r"|\b(?:sleep|walk|wait) it off\b"
    r"|\b(?:it|that|this)(?:'ll| will) (?:go away|clear up|heal) on (?:its|it'?s) own\b",
    _I,
)

_BENEFIT_VERB = (
    r"(?:reduc|lower|cut|prevent|cur|treat|reliev|improv|clear|stop|eliminat|boost|restor|heal|repair|"
    r"protect|control|manag|fight|block|shrink|slow|revers|beat|eas|sooth|calm|strengthen|regrow|tackl|"
    r"kill|banish|erase)(?:e|es|s|ed|ing)?"
)
BENEFIT_CLAIM = re.compile(
    rf"\b{_BENEFIT_VERB}\b"
    r"|\bhelps? (?:you |your \w+ |patients |people |adults |kids |children )?(?:to )?(?:lower|reduce|manage|"
    r"control|prevent|improve|relieve|ease|protect|fight|keep|get|feel|sleep|breathe|walk|lose|stay|heal|"
    r"regain|restore|clear|stop|beat|avoid|live)\b"
    r"|\b(?:proven to|clinically (?:proven|shown|tested)|works? (?:in|fast|quickly|within)|fast(?:-| )acting|"
    r"fast relief|long(?:-| )lasting|all(?:-| )day|results in|safe and effective|effective|"
    r"(?:pain|symptom|itch|flare|seizure|migraine)(?:-| )free|say (?:goodbye|bye) to|goodbye to|no more \w+|"
    r"better control|back to (?:normal|life|doing|your)|feel (?:better|like yourself|great|normal|your best)|"
    r"(?:walk|run|sleep|breathe|live|move|see|hear|eat) (?:again|freely|better|easier|normally|pain-free)|"
    r"lets? you|so you can|\d+(?:\.\d+)?\s?% (?:fewer|less|lower|more|reduction|improvement"
    r"|of (?:patients|people|"
    r"users|adults))|\d+ (?:out )?of (?:every )?\d+ (?:patients|people|users|adults|women|men)|"
    r"hit (?:their|your) (?:\w+ )?goals?|\d+(?:\.\d+)?\s?% (?:accura\w+|effective\w*|success\w*)|"
    r"(?:relief|protection|control|results?|comfort) (?:that )?lasts?|lasts? (?:up to "
    r"|for )?\d+ (?:hours|hrs|days|"
    r"weeks)|detects?|gets? (?:your )?\w+ (?:down|under control)|peace of mind|works? (?:fast|quickly"
    r"|better))\b",
    _I,
)
RISK_INFORMATION = re.compile(
    r"\b(?:side effects?|risks?|warnings?|contraindicat\w*|adverse (?:reactions?|events?)|boxed warning|"
    r"important safety information|safety info(?:rmation)?|isi|prescribing information|full (?:pi|label)|"
    r"may cause|can cause|could cause|not for (?:everyone|people)|not (?:right|suitable|recommended) for|"
    r"do not (?:use|take)|don'?t (?:use|take) if|serious (?:side effects|risks|reactions|infections)|"
    r"allergic reactions?"
    r"|talk to your (?:doctor|healthcare provider|hcp) about (?:the )?(?:risks|side effects))\b",
    _I,
)

HEALTH_INFO = re.compile(
    r"\b(?:symptoms?|treatment|screening|vaccine|vaccinat\w+|diagnos\w+|condition|disease|cancer|diabetes|"
    r"blood pressure|cholesterol|heart|stroke|medication|dose|infection|flu|covid|mammogram|prevent\w*|"
    r"risk factors?|health (?:tips?|advice|information|benefits?)|pain|relief|ldl|a1c|afib"
    r"|blood sugar|glucose|"
    r"sleep\w*|insomnia|sunscreen|spf|sunburn|mammograms|coughs?|asthma|reflux|arthritis|migraines?"
    r"|allerg\w+|"
    r"vitamins?|supplements?|immun\w+|mental health|depression|anxiety|colonoscop\w+|checkups?|check-ups?|"
    r"vaccines|screenings|symptom|hydrat\w+|nutrition|exercise|obesity|weight loss)\b",
    _I,
)

# FTC endorsement guides: what counts as a clear disclosure, and what shows there is something to
# disclose even when the policy does not say the author is an advocate.
DISCLOSURE = re.compile(
    r"#(?:ad|ads|advert|advertisement|sponsored|sponsor|paid|paidpartner\w*|partner|gifted|\w*employee|"
    r"\w*partner|\w*ambassador)\b|\bpaid partnership\b|(?:^|[\[(])\s*ad\s*[\]):]|\badvertisement\b|"
    r"\b(?:i work (?:at|for)|as an employee of|sponsored by|in (?:paid )?partnership with|paid by|"
    r"i(?:'m| am) (?:a |an )?(?:employee|nurse|doctor|physician|ambassador|partner) (?:at|of|with|for))\b",
    _I,
)
ENDORSEMENT_SIGNAL = re.compile(
    r"#(?:ad|ads|sponsored|sponsor|paid|gifted|partner\w*|collab|affiliate|ambassador|\w*employee|"
    r"\w*ambassador|promo|spon|sp)\b"
    r"|\b(?:use|with|try) (?:my|our|the) (?:code|link|promo code|discount code|referral code|coupon)\b"
    r"|\b(?:my|our) (?:discount|promo|referral|coupon|affiliate) (?:code|link)\b|\bcode [A-Z0-9]{4,}\b"
    r"|\blink in my bio\b|\bcollab(?:oration)? (?:w|with|w/) @?\w+|\bgiveaway\b[^.!?]{0,80}@\w+"
    r"|\b(?:gifted|sponsored|compensated|paid to|partnered with|partnering with|"
    r"affiliate link|brand ambassador|in exchange for)\b"
    r"|\bthanks? (?:to )?\S+(?: \S+){0,3} for (?:sponsoring|partnering|gifting|sending me|the free|"
    r"having me|inviting me)\b",
    _I,
)

SELF_HARM = re.compile(
    r"\b(?:kill(?:ing)? my ?self|kms|unaliv\w+|end(?:ing)? (?:my life|it all|things|my own life)|"
    r"take my (?:own )?life|suicid\w*|want(?:ing)? to die|wanna die|wish i (?:was|were) (?:dead|never born)|"
    r"better off (?:dead|without me)|self[- ]harm\w*|cut(?:ting)? (?:myself|my (?:arms?|wrists?|legs?))|"
    r"hurt(?:ing)? myself|no reason to (?:live|keep going|go on)|no point (?:in )?(?:living|going on"
    r"|anymore)|"
    r"can'?t (?:go on|do this anymore|take (?:it|this) anymore|keep going)|"
    r"don'?t want to (?:live|be here|wake up|exist)|not (?:be|being) (?:here|around) (?:anymore|much longer)|"
    r"overdos(?:e|ing) on purpose|take all (?:my|of my|the) (?:pills|meds)|"
    r"(?:saving|saved|stockpil\w+|hoard\w*) (?:up )?(?:my |all my )?(?:pills|meds|tablets)|"
    r"nobody (?:would|will|'d) (?:miss|care|notice)|no one (?:would|will|'d) (?:miss|care|notice)|"
    r"(?:want|need) (?:it all |everything )?to (?:stop|end|be over)|disappear (?:forever|for good)|"
    r"(?:giving|gave|give) away (?:all )?my (?:stuff|things)|goodbye (?:everyone|world|forever)|"
    r"thinking (?:about|of) (?:ending|killing|hurting) (?:it|myself|my)|sleep and never wake|"
    r"(?:took|swallowed|downed|taking) (?:a whole|an entire|the whole|all (?:of )?(?:my"
    r"|the)) (?:bottle|pack|box|"
    r"packet) of|how many (?:of (?:my|these) )?(?:\w+ )?(?:pills|meds|tablets|pens"
    r"|\w+s) (?:it )?(?:would|will|"
    r"does it|to) (?:take|kill))\b",
    _I,
)
EMERGENCY = re.compile(
    r"\b(?:can'?t breathe|cannot breathe|can'?t catch (?:my|his|her) breath|(?:trouble|difficulty"
    r"|struggling) "
    r"(?:breathing|to breathe)|hard to breathe|gasping|choking|not breathing|stopped breathing|"
    r"(?:lips|face|skin) (?:are |is )?(?:turning )?(?:blue|grey|gray)|turning blue|no pulse|unconscious|"
    r"unresponsive|not responding|won'?t wake up|can'?t wake (?:him|her|them|my)|passed out|collapsed|"
    r"seizing|having a seizure|convulsing|stroke symptoms?|(?:face|mouth|smile) (?:is )?(?:drooping|droopy|"
    r"crooked)|slurr(?:ed|ing)(?: (?:his|her|my|their) words| speech)?|chest pain|crushing (?:chest )?pain|"
    r"pain (?:radiating|spreading|shooting) (?:to|down|into)|worst headache of (?:my|his|her|their) life|"
    r"coughing up blood|vomiting blood|throwing up blood|bleeding (?:heavily|badly|a lot|won'?t stop|"
    r"everywhere|through)|severe bleeding|overdos(?:e|ed|ing)|swallowed (?:a bunch of |all (?:of )?|some |"
    r"a |the |my |his |her )?(?:\w+ )?(?:pills|meds|tablets|bleach|batter(?:y|ies)|detergent|pods?|poison)|"
    r"poison(?:ed|ing)|anaphyla\w+|throat (?:is )?(?:closing|swelling)|call(?:ing)? 911|"
    r"heart attack right now|severe allergic reaction|sudden (?:numbness|weakness|confusion)|"
    r"can'?t (?:feel|move) (?:my|his|her) (?:arm|leg|face|side)|(?:face|lips|tongue|throat"
    r"|mouth) (?:is |are )?"
    r"(?:swelling|swollen|puffing)|wheezing|(?:took|swallowed|downed) (?:a whole|an entire|the whole"
    r"|all (?:of )?"
    r"(?:my|the|his|her)) (?:bottle|pack|box|packet) of|hit (?:his|her|my|their) head\b[^.!?]{0,60}"
    r"(?:vomit\w*|throwing up|drows\w+|confused|passed out|unconscious|won'?t wake))\b",
    _I,
)

# Pharmacovigilance: a person, a product and an event, linked in time or cause.
ADVERSE_EVENT = re.compile(
    r"\b(?:since (?:i|he|she|we|they|my \w+) (?:started|began|took|switched to|got|had)|"
    r"(?:ever )?since (?:starting|taking|using|getting|the)|after (?:taking|starting|using|getting|my"
    r"|his|her|"
    r"the|a|an|that)|(?:gave|gives|giving|left) (?:me|him|her|them|my \w+)|"
    r"side effects? (?:from|of)|reaction (?:to|from)|(?:made|makes|making) (?:me|him|her|them|my \w+)|"
    r"caused (?:me|my|him|her)|ended up in the (?:er|hospital|icu)|"
    r"(?:days?|weeks?|months?|hours?) (?:into|on|after)|put (?:me|him|her|them) on|"
    r"(?:left|caused|causes|triggered|triggers|gave) (?:me |him |her |them |my \w+ )?(?:a |an |with |some )|"
    r"(?:stopped|quit|failed|malfunction\w*|broke) (?:working|delivering|pumping|on me|overnight)?|"
    r"(?:got|had|took|take|taking|started|used|using|tried|began|on) \S+(?: \S+){0,5} and (?:now "
    r"|then |since |"
    r"ever since )?(?:i |my |he |she |they |it |his |her )?"
    r"(?:broke out|got|developed|had|started|ended up|feel|felt|became|went|have|has|can'?t)|"
    r"broke out in|from (?:the|my|his|her|this) (?:\w+ )?(?:shot|vaccine|jab|pill|pills|meds|injection|"
    r"patch|cream|implant|device|pump|inhaler))\b"
    r"[^.!?]{0,100}",
    _I,
)
EVENT_WORDS = re.compile(
    r"\b(?:rash|hives|swelling|swollen|dizzy|dizziness|faint\w*|nause\w+|vomit\w*|throwing up|puking|"
    r"headaches?|migraines?|seizures?|bleeding|bruis\w+|palpitations|heart racing|racing heart|chest pain|"
    r"short(?:ness)? of breath|trouble breathing|hair (?:loss|falling out)|numb\w*|tingl\w+|"
    r"blurr\w+ vision|blurry|liver|kidney|pancreatitis|hospital\w*|er\b|icu|died|death|passed away|"
    r"reaction|side effects?|insomnia|can'?t sleep|depress\w*|suicidal|anxiety|tremors?|shak\w+|itch\w*|"
    r"blisters?|burn\w*|aches?|aching|sore\w*|pain\w*|hurts?|cramp\w*|diarrh\w+|constipat\w+|fevers?|"
    r"chills|fatigue|exhausted|weak\w*|confus\w+|hallucinat\w+|mood swings|weight gain|ringing|"
    r"sick|ill\b|infection|swelled|peeling|sores?|falling out|fell out|bleed\w*|wheez\w+|sugar was \d+|"
    r"stopped (?:working|delivering)|malfunction\w*)\b",
    _I,
)
PRODUCT_WORDS = re.compile(
    r"\b(?:\w+(?:mab|nib|pril|sartan|statin|olol|azole|cillin|mycin|cycline|oxetine|pram|zepam|glutide|"
    r"gliflozin|tide|vir|profen|done|pine|zole|xaban|formin|prazole|triptan|lukast)|insulin|vaccines?|"
    r"shots?|jabs?|boosters?|injections?|pills?|tablets?|capsules?|medications?|med|meds|medicine|drugs?|"
    r"prescriptions?|antibiotics?|steroids?|patch|cream|ointment|inhaler|pen|drops|spray|supplements?|"
    r"birth control|iud|implant|pump|device|stent|pacemaker|monitor|cpap|lens(?:es)?|hearing aid|"
    r"humira|ozempic|wegovy|mounjaro|eliquis|xarelto|keytruda|lexapro|zoloft|adderall|prednisone|"
    r"metformin|lipitor|tylenol|advil|ibuprofen)\b",
    _I,
)

MISINFORMATION = re.compile(
    r"\b(?:(?:vaccines?|vaxx?|jabs?|shots?|the (?:flu|covid|mmr|hpv|polio) (?:shot|vaccine|jab)s?|"
    r"mmr|flu shots?|covid shots?) (?:cause|causes|caused|gives? you|give kids|will give you|gave \w+) "
    r"(?:autism|the flu|covid|cancer|turbo cancer|infertility|sids|death|the disease|strokes?|"
    r"heart attacks)|vaccines? (?:are|is) (?:poison|toxic|a hoax|a scam|useless|more dangerous than)|"
    r"(?:(?:mrna|covid|flu|hpv|mmr|the) )?(?:vaccines?|shots?|jabs?|vaxx?) (?:make|makes|made"
    r"|will make) (?:\w+ )?"
    r"(?:infertile|sterile|autistic|magnetic)|(?:(?:mrna|covid|flu|hpv|mmr|the) )?(?:vaccines?|shots?"
    r"|jabs?|vaxx?) "
    r"(?:has|have|contain|contains|are full of) (?:microchips|chips|trackers|tracking devices|5g"
    r"|graphene|nanobots)|"
    r"(?:(?:mrna|covid) )?(?:vaccines?|shots?|jabs?|vaxx?) (?:alters?|changes?|rewrites?"
    r"|modif\w+) (?:your |our )?dna|"
    r"fluoride (?:in (?:the|our|your) water )?(?:is (?:a )?poison|lowers \w*'? ?iq|causes)|"
    r"(?:vaccines?|vaxx?|mrna|the jab|the shot) (?:alters?|changes?|rewrites?) (?:your )?dna|"
    r"covid (?:is|was) (?:a hoax|fake|just (?:a|the) flu|a lie)|5g (?:causes?|spreads?) \w+|"
    r"ivermectin (?:cures|treats|kills)|hydroxychloroquine cures|(?:drinking |mms |chlorine dioxide )?"
    r"bleach (?:cures|kills (?:the )?(?:virus|covid)|treats)|(?:drinking |injecting )bleach|"
    r"cures? (?:cancer|diabetes|autism|covid|hiv) naturally|"
    r"(?:big pharma|doctors|the government|the cdc) (?:hide|hides|are hiding|is hiding|don'?t want you to "
    r"know)(?: the cure)?|masks? (?:cause|causes) (?:oxygen|co2|hypoxia)|"
    r"fluoride (?:is|causes) (?:poison|cancer|a neurotoxin)|microchips? in (?:the )?vaccines?|"
    r"(?:shedding|shed) from (?:vaccinated|the vaccine)|natural immunity is (?:always )?better|"
    r"(?:chemo|chemotherapy) (?:kills more|is poison)|sunscreen causes cancer|"
    r"(?:apple cider vinegar|garlic|lemon water|baking soda|essential oils?|colloidal silver) "
    r"(?:cures?|kills|treats|reverses) \w+|hiv (?:doesn'?t|does not) cause aids|"
    r"antibiotics (?:cure|treat|work on|kill) (?:the flu|colds?|viruses))\b",
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
    r"depression|anxiety|hiv|covid|cancer|stroke|overdose|rehab|mri|colonoscopy|mammogram|chlamydia|herpes|"
    r"hpv|syphilis|gonorrh?oea|std|sti|alcohol\w*|sober\w*|addiction|opioids?|adhd|autism|bipolar|"
    r"schizophrenia|eating disorder|anorexia|bulimia|ptsd|asthma|epilepsy|seizures?|dementia|alzheimer'?s|"
    r"parkinson'?s|lupus|crohn'?s|ibs|endometriosis|pcos|infertility|ivf|abortion|pregnan\w*|diabet\w+)\b",
    _I,
)


_PERSONAL = re.compile(
    r"\b(?:i|i'?m|i'?ve|i'?d|me|my|mine|we|our|us|im|ive|he|she|his|her|him|they|their|mom|dad|son|daughter|"
    r"wife|husband|baby|kid|child)\b",
    _I,
)


def _echoes(text: str, context: str, phi_in_context: Sequence[tuple[int, int, str]]) -> Iterable[Finding]:
    """HIPAA-05: a reply repeats a name or a health detail from the thread it answers."""
    if not context:
        return
    lowered = text.lower()
    details = {context[s:e] for s, e, label in phi_in_context}
    details |= {part for s, e, label in phi_in_context if label == "PERSON" for part in context[s:e].split()}
    if _PERSONAL.search(context):  # "my chlamydia", "mom's stroke"; not "congrats on the cancer wing"
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
    """An advocate's post (by policy), or any post that shows a paid, gifted or coded relationship
    (a late #ad, "use my code", "thanks to X for sponsoring"), needs a clear disclosure near its start."""
    if not policy.advocate and not ENDORSEMENT_SIGNAL.search(text):
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
        if parts and len([p for p in parts if len(p) > 1]) > 1 and all(len(p) > 1 or p == "a" for p in parts):
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


# Words around a match that say it is not happening to someone now: recovery ("two years free from
# self-harm"), the past ("had chest pain last year, turned out to be reflux") or teaching ("signs of
# stroke: face drooping ... call 911").
_RECOVERED = re.compile(
    r"\b(?:free (?:from|of)|recover(?:ed|ing|y) from|clean (?:from|of)|no more|stopped|quit)\W+\S*\W*$", _I
)
_PAST = re.compile(
    r"\b(?:last (?:year|month|week|summer|winter)|(?:years|months|weeks) ago|turned out|used to"
    r"|they said it was|was diagnosed)\b",
    _I,
)
_TEACHING = re.compile(
    r"\b(?:signs?|symptoms?|warning signs?) of\b|\bknow the\b|\bif (?:you|someone|anyone|they)\b"
    r"|\blearn\b|\bact fast\b",
    _I,
)


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(stop, 0, start) for stop in ".!?\n")
    rights = [i for i in (text.find(stop, end) for stop in ".!?\n") if i != -1]
    return text[left + 1 : min(rights) if rights else len(text)]


def safety_rules(text: str, kind: str = "inbound") -> Iterable[Finding]:
    for m in SELF_HARM.finditer(text):
        if _RECOVERED.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        yield Finding(
            m.start(),
            m.end(),
            "SELF_HARM",
            "safety.self_harm",
            Severity.BLOCK,
            "Possible self-harm or suicide risk: escalate to the on-call safety contact now; never hide it.",
            "Reply with care and the 988 Suicide & Crisis Lifeline (call or text 988).",
        )
    for m in EMERGENCY.finditer(text):
        sentence = _sentence(text, m.start(), m.end())
        if _PAST.search(sentence) or (kind != "inbound" and _TEACHING.search(text)):
            continue
        yield Finding(
            m.start(),
            m.end(),
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


# A claim asked about or taken apart is not a claim made: "is it true that vaccines cause autism?"
_QUESTIONED = re.compile(
    r"\b(?:is it true|true that|is it a myth|myth|debunk\w*|false(?:ly)?|not true|fact[- ]check\w*|no,|"
    r"(?:people|they|some) (?:say|claim|think)|claims? that|heard that|rumou?r)\b",
    _I,
)


def misinformation_rules(text: str) -> Iterable[Finding]:
    for m in MISINFORMATION.finditer(text):
        sentence = _sentence(text, m.start(), m.end())
        if (
            _QUESTIONED.search(sentence)
            or text[m.end() :].lstrip().startswith("?")
            or sentence.rstrip().endswith("?")
        ):
            continue
        yield Finding(
            m.start(),
            m.end(),
            "MISINFORMATION",
            "clinical.misinformation",
            Severity.REVIEW,
            "A common health-misinformation claim: answer with the approved, evidence-linked response.",
            None,
        )
