"""Personal-data guard: free text that looks like child-level data is held back before saving.

The tracker must never hold child-level data (names, dates of birth, case numbers), and free
text (progress summaries, reasons, evidence) is where it leaks in. Plan text is full of
deadlines, counts, percentages and action refs, so every pattern needs a second signal (a cue
word, a check digit, an identifier next to an age) before it warns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DATE_OF_BIRTH = "date_of_birth"
NHS_NUMBER = "nhs_number"
NAMED_CHILD_AGE = "named_child_age"
CASE_NUMBER = "case_number"

_DESCRIPTIONS = {
    DATE_OF_BIRTH: ("a date of birth", "dates of birth"),
    NHS_NUMBER: ("an NHS number", "NHS numbers"),
    NAMED_CHILD_AGE: (
        "a named or identifiable child with their age",
        "named or identifiable children with their ages",
    ),
    CASE_NUMBER: ("a case or system reference number", "case or system reference numbers"),
}
_WHY = "the tracker must never hold child-level data."
_EXCERPT_LENGTH = 60
_EXCERPTS_PER_KIND = 3


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True)
class PersonalDataWarning:
    """One stretch of free text that looks like child-level personal data."""

    kind: str  # "date_of_birth" | "nhs_number" | "named_child_age" | "case_number"
    excerpt: str
    message: str


# --- dates of birth -------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?:\d{4}|\d{2})"
    r"|\d{4}-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    rf"|(?:(?P<td>\d{{1,2}})(?:st|nd|rd|th)?\s+)?\b{_MONTH}\b\.?,?\s+\d{{4}}"
    r")(?![\w/-]|\.\d)",
    re.IGNORECASE,
)
_DOB_CUE = re.compile(r"(?<![\w.])(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date)", re.I)
_BORN_CUE = re.compile(r"\b(?i:born)\b|(?<![\w.])b\.")
# Words that may sit between a cue and the date ("DOB is 03/04/2009", "date of birth: ...").
_DOB_FILLERS = _word_set(
    "is was on of the his her their child's childs recorded given as stated dated"
)
_BORN_FILLERS = frozenset({"on", "in"})
_SENTENCE_BREAK = re.compile(r"[.;!?\n]")
_WORDS = re.compile(r"[^\s:=,()\-–—\"“”]+")
_CUE_CLOSES = re.compile(r"\s*(?:[),;:.!?]|$)")
_NEAR = 60  # characters either side of a date that a DOB cue may sit in


def _is_real_date(match: re.Match[str]) -> bool:
    day, month = match.group("d") or match.group("id"), match.group("m") or match.group("im")
    if day is None:
        day = match.group("td") or "1"
    return 1 <= int(day) <= 31 and (month is None or 1 <= int(month) <= 12)


def _joined_by_fillers(between: str, fillers: frozenset[str], most: int) -> bool:
    if _SENTENCE_BREAK.search(between):
        return False
    words = [w.lower().replace("’", "'") for w in _WORDS.findall(between)]
    return len(words) <= most and all(w in fillers for w in words)


def _dates_of_birth(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for date in _DATE.finditer(text):
        if not _is_real_date(date):
            continue
        start, end = date.span()
        # Cues are only searched near the date, so long text stays linear.
        for cue in _DOB_CUE.finditer(text, max(0, start - _NEAR), start):  # "DOB: 03/04/2009"
            if _joined_by_fillers(text[cue.end() : start], _DOB_FILLERS, 3):
                spans.append((cue.start(), end))
        for cue in _DOB_CUE.finditer(text, end, end + _NEAR):  # "03/04/2009 (DOB)" if it ends
            closes = _CUE_CLOSES.match(text, cue.end())
            if closes and _joined_by_fillers(text[end : cue.start()], _DOB_FILLERS, 3):
                spans.append((start, cue.end() + text.startswith(")", cue.end())))
        for cue in _BORN_CUE.finditer(text, max(0, start - _NEAR), start):
            # "born" only counts right before the date: "born on 3 April 2009", not "born out
            # of the board's meeting on 27/03/2025".
            most = 0 if cue.group() == "b." else 1  # "b. 03/04/2009", "born on 3 April 2009"
            if _joined_by_fillers(text[cue.end() : start], _BORN_FILLERS, most):
                spans.append((cue.start(), end))
    return spans


# --- NHS numbers ----------------------------------------------------------------------------

_TEN_DIGITS = re.compile(r"(?<![\d£$€])(?<!\d[.,/-])(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\d|[.,/-]\d)")
_NHS_CUE = re.compile(r"\bNHS\s*(?:no\b\.?|number|num\b\.?|#)?\s*[:.#-]?\s*$", re.I)


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS modulus-11 rule: weights 10..2 on the first nine digits give the tenth."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _TEN_DIGITS.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        window = max(0, match.start() - 20)
        cue = _NHS_CUE.search(text[window : match.start()])
        if cue:  # "NHS no: ..." is an NHS number even when the check digit is wrong
            spans.append((window + cue.start(), match.end()))
        # A leading 0 is a phone number ("0800 123 4567" style) unless someone says NHS.
        elif not digits.startswith("0") and nhs_check_digit_ok(digits):
            spans.append((match.start(), match.end()))
    return spans


# --- a named or identified child with an age -------------------------------------------------

_NAME = r"[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?"
_NOUN = (
    r"(?i:child|young\s+person|yp|cyp|baby|infant|toddler|boy|girl|sibling|brother|sister"
    r"|son|daughter|teenager|teen|care\s+leaver|young\s+carer|pupil|young\s+man|young\s+woman)"
)
_UNIT = r"(?i:years?|yrs?|months?|mths?|weeks?|wks?)"
# An age, never a range or a threshold: "aged 10-17", "16+", "16 and over" are cohorts.
_N = (
    r"\d{1,2}(?!\d|\s*(?:[-–—/]\s*\d|\+|%|\.\d"
    r"|(?i:to|or|and)\s+(?:\d|(?i:over|under|above|below|older|younger)\b)))"
)
_AGE_AFTER = (
    rf"(?:(?i:aged)\s+{_N}(?:\s*{_UNIT})?(?:\s+old)?"
    rf"|{_N}[\s-]*{_UNIT}[\s-]*(?i:old)\b"
    rf"|{_N}\s*(?i:y/?o)\b"
    rf"|\(\s*(?:(?i:aged)\s+)?{_N}(?:\s*{_UNIT})?(?:\s+old)?\s*\))"
)
_SEP = r"(?:\s*,\s*|\s+(?:who\s+)?(?:is|was)\s+(?:now\s+)?|\s*)"
_AGE_ADJECTIVE = rf"{_N}[\s-]*{_UNIT}[\s-]*(?i:old)\b"
_CALLED = r"(?i:called|named|known\s+as)"

_IDENTIFIED_CHILD = re.compile(  # "Child A (aged 14)", "young person B, 15", "YP C aged 12"
    rf"\b{_NOUN}\s+(?P<id>[A-Z]\d?|\d{{1,2}}|{_NAME})\b{_SEP}"
    rf"(?P<age>{_AGE_AFTER}|,\s*{_N}(?:\s*{_UNIT}(?:\s+old)?)?"
    r"(?=\s*(?:[,.;:)]|$)|\s+(?:is|was|has|had|who|and|lives|lived|went|remains|attends)\b))"
)
_AGED_CHILD_CALLED = re.compile(  # "girl aged 13 named Amy"
    rf"\b{_NOUN}\s*,?\s+(?:(?i:aged)\s+{_N}(?:\s*{_UNIT})?|\(\s*(?:(?i:aged)\s+)?{_N}\s*\)"
    rf"|{_AGE_ADJECTIVE})\s*,?\s+{_CALLED}\s+(?P<id>{_NAME})\b"
)
_AGE_BEFORE_CHILD = re.compile(  # "a 9 year old boy called Tom", "9-year-old Tom"
    rf"\b{_AGE_ADJECTIVE}\s+(?:(?P<noun>{_NOUN})\s+(?P<called>{_CALLED}\s+)?)?"
    rf"(?P<id>[A-Z]\d?|{_NAME})\b"
)
_NAME_WITH_AGE = re.compile(  # "Jack (7)", "Tom, aged 9", "Amy is 13 years old", "Tom, 15,"
    rf"(?<![\w'’-])(?P<id>{_NAME})\b{_SEP}(?P<age>{_AGE_AFTER}|,\s*{_N}(?=\s*(?:[,;)]|$)))"
)
_BARE_PAREN_AGE = re.compile(r"\(\s*(\d{1,2})\s*\)")
_PLACE_WORDS = _word_set("in at from across within outside to of for")
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)\W*$")

# Capitalised words that are not names in plan text: sentence openers, calendar words, and
# the vocabulary of action plans, boards and services ("Heads of Service (4)"). Place words are
# generic (compass points, England's regions): no council's own town is listed here.
_NOT_NAMES = _word_set(
    """
    a an the this that these those all any anyone everyone each every some most many none only
    both few several other others another one two three four five six seven eight nine ten no
    not also and or but if when where which who while with within without for from in into on
    of at by to as over under above below about around approximately approx nearly almost just
    aged age ages before after since until between among including currently now still then
    however overall total during per up there here it we they he she his her their our is was
    are were be been has have had due target new further
    january february march april may june july august september october november december jan
    feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday today yesterday tomorrow
    action recommendation priority phase stage step cycle locality localities team appendix
    table section paragraph para page quarter year week month day measure trust council board
    panel group service services staff north south east west central children child people
    person young boys families family carers police health education school academy college
    good outstanding inadequate requires improvement plan item report audit visit review
    meeting cohort sample question objective outcome indicator risk issue milestone workstream
    theme area level tier band grade rating score version part point number ward unit hub
    centre center forum committee authority agency office court network partnership door help
    care need protection leaver red amber green blue grey case rag sef round wave batch option
    scenario slide annex schedule clause standard principle criterion element strand key line
    row column figure chart box tab sheet file list foster fostering adoption residential home
    placement region county borough city district yorkshire england ofsted term
    session course training class baby infant toddler girl boy pupil teen teenager sibling
    brother sister son daughter mother father mum dad parent carer looked sexual exploitation
    criminal missing abuse neglect poverty death safeguarding development support friendly
    closed open overdue complete completed blocked superseded evidenced emerging started
    progress delayed slipping achieved met missed pending draft submitted signed approved
    rejected returned late done yes agreed unclear unknown mixed partial joint cafcass
    """
)


def _is_name(word: str) -> bool:
    lower = word.lower()
    # A plural ("Leavers", "Adults") is a group, not a child; "James" and "Lucas" stay names.
    plural = len(lower) > 3 and lower.endswith("s") and lower[-2] not in "aeiusy"
    return lower not in _NOT_NAMES and not plural


def _is_identifier(word: str) -> bool:
    return len(word) <= 2 or _is_name(word)  # "A", "B2", "1", or a name


def _is_count(age: str) -> bool:
    """A bare "(N)" over 18 is a count, not a child's age."""
    bare = _BARE_PAREN_AGE.fullmatch(age)
    return bare is not None and int(bare.group(1)) > 18


def _named_children(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _IDENTIFIED_CHILD.finditer(text):
        if _is_identifier(m.group("id")) and not _is_count(m.group("age")):
            spans.append(m.span())
    spans += [m.span() for m in _AGED_CHILD_CALLED.finditer(text) if _is_name(m.group("id"))]
    for m in _AGE_BEFORE_CHILD.finditer(text):
        word = m.group("id")
        if m.group("noun") and not m.group("called"):
            ok = _is_identifier(word)  # "a 15 year old girl A"
        else:
            ok = len(word) > 1 and _is_name(word)  # "9-year-old Tom", "boy called Tom"
        if ok:
            spans.append(m.span())
    for m in _NAME_WITH_AGE.finditer(text):
        if not _is_name(m.group("id")) or _is_count(m.group("age")):
            continue
        # "(N)" after a place or a body is a count: "seen in Barnsley (3)", "Heads of Service (4)".
        before = _PREVIOUS_WORD.search(text[: m.start()])
        after_place = before is not None and before.group(1).lower() in _PLACE_WORDS
        if after_place and _BARE_PAREN_AGE.fullmatch(m.group("age")):
            continue
        spans.append(m.span())
    return spans


# --- case numbers and system ids ------------------------------------------------------------

_ID = r"(?P<id>[A-Za-z]{0,3}[/-]?\d[\w/-]*)"
_CASE_CUE = re.compile(
    rf"\b(?i:case)\s*(?i:no\b\.?|number\b|num\b\.?|ref\b\.?|reference\b|id\b)\s*[:#.]?\s*{_ID}"
)
_CASE_BARE = re.compile(r"\b(?i:case)\s+[:#]?\s*(?P<id>\d{5,})\b")
_RECORD_ID = re.compile(  # "child ID 12345", "person ID 123456", "UPN A123456789012"
    r"\b(?i:child|person|client|pupil|subject|family|referral|record|file|young\s+person"
    r"|service\s+user)\s*(?i:id\b|no\b\.?|number\b|ref\b\.?|reference\b)\s*[:#.]?\s*"
    rf"{_ID}|\bUPN\s*[:#]?\s*(?P<upn>[A-Z]\d{{11}}[\dA-Z])\b"
)
_SYSTEM_ID = re.compile(  # "LCS 123456", "Mosaic ID 12345", "CIN/12345", "CP-2025-0042"
    r"\b(?:LCS|Mosaic|Liquidlogic|CareFirst|Carefirst|Frameworki|ICS|EHM|Azeus|SystmOne"
    r"|CP|CIN|CiN|LAC|CLA|CSC)\b\s*(?:(?i:no\b\.?|number\b|ref\b\.?|reference\b|id\b)\s*)?"
    r"[:#./-]?\s*(?P<id>\d[\d/-]*\d)\b"
)
_GENERIC_REF = re.compile(r"\b(?i:ref|reference|id)\b\.?\s*[:#]?\s*(?P<id>[A-Za-z]{0,3}\d{5,})\b")
# References that name a provider, a contract or a member of staff, not a child.
_NOT_CHILD_REFS = _word_set(
    """ofsted urn foi invoice po purchase order contract tender staff employee payroll post
    vacancy job requisition budget cost ledger dfe ico"""
)
_YEARISH = re.compile(r"(?:19|20)\d{2}(?:[/-](?:(?:19|20)\d{2}|\d{2}))?")


def _digits(ref: str) -> int:
    return sum(c.isdigit() for c in ref)


def _case_numbers(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for m in _CASE_CUE.finditer(text):
        ref = m.group("id").rstrip("/-")
        if _digits(ref) >= 3 and not _YEARISH.fullmatch(ref):  # not "case no. 3 of 40"
            spans.append((m.start(), m.start("id") + len(ref)))
    spans += [m.span() for m in _CASE_BARE.finditer(text)]
    for m in _RECORD_ID.finditer(text):
        if m.group("upn") or _digits(m.group("id")) >= 4:
            spans.append(m.span())
    for m in _SYSTEM_ID.finditer(text):
        ref = m.group("id")
        if _digits(ref) >= 5 and not _YEARISH.fullmatch(ref):  # not "CIN census 2024/25"
            spans.append(m.span())
    for m in _GENERIC_REF.finditer(text):
        before = _PREVIOUS_WORD.search(text[: m.start()])
        if before is None or before.group(1).lower() not in _NOT_CHILD_REFS:
            spans.append(m.span())
    return spans


# --- the guard ------------------------------------------------------------------------------


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_LENGTH else text[: _EXCERPT_LENGTH - 1] + "…"


def _warning(kind: str, excerpt: str) -> PersonalDataWarning:
    message = f"This looks like {_DESCRIPTIONS[kind][0]} (“{excerpt}”). Remove it: {_WHY}"
    return PersonalDataWarning(kind, excerpt, message)


_FINDERS = (
    (DATE_OF_BIRTH, _dates_of_birth),
    (NHS_NUMBER, _nhs_numbers),
    (NAMED_CHILD_AGE, _named_children),
    (CASE_NUMBER, _case_numbers),
)


def find_personal_data(text: str) -> list[PersonalDataWarning]:
    """Child-level data must never be saved: list what in `text` looks like it, in order."""
    found = sorted(
        ((start, -end, kind) for kind, finder in _FINDERS for start, end in finder(text or "")),
    )
    warnings: list[PersonalDataWarning] = []
    reached = 0
    for start, negative_end, kind in found:
        if start >= reached:  # overlapping hits are one thing: keep the earliest, longest
            warnings.append(_warning(kind, _excerpt(text[start:-negative_end])))
            reached = -negative_end
    return warnings


def personal_data_message(text: str) -> str | None:
    """One message summarising all warnings for a field, or None when the text is clean."""
    warnings = find_personal_data(text)
    if not warnings:
        return None
    if len(warnings) == 1:
        return warnings[0].message
    parts: list[str] = []
    for kind, (one, many) in _DESCRIPTIONS.items():
        excerpts = [w.excerpt for w in warnings if w.kind == kind]
        if excerpts:
            quoted = ", ".join(f"“{e}”" for e in excerpts[:_EXCERPTS_PER_KIND])
            more = len(excerpts) - _EXCERPTS_PER_KIND
            quoted += f" and {more} more" if more > 0 else ""
            parts.append(f"{one if len(excerpts) == 1 else many} ({quoted})")
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"This looks like {listed}. Remove them: {_WHY}"
