"""When an event happened: a date range with its precision and basis, anchored on publication.

``resolve_time`` reads the time words of a sentence (explicit dates, weekdays, "yesterday", "last
week", "two days ago"), keeps the one in the trigger's clause when there are several, and resolves
it against the publication date so that a date is never after publication unless the words point
forward ("next week", "will"). With no time words the event is bounded by publication: a window
before it whose width follows tense and aspect (a simple past is recent news, a perfect may reach
back a month). Phrases such as "in the early days of Syria's revolution" mark the event as
historical, undated rather than dated on the publication day.

Where it fails: time words that belong to another event in the same clause ("after the strike on
Monday, people fled"), day-first versus month-first numeric dates (not read at all), and periods
whose dates the reader must know ("during the war").
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from spacy.tokens import Span, Token

from ..errors import KnowledgeError
from ..nlp.doccache import children_of, doc_text, memo
from ..records import DateInfo

log = logging.getLogger(__name__)

HISTORICAL_AFTER = dt.timedelta(days=365)  # an event further back than this is "historical"


@dataclass(frozen=True)
class TimeResult:
    """The resolved time of one event, and whether it lies well before publication."""

    date_info: DateInfo
    historical: bool = False


@dataclass(frozen=True)
class _Found:
    """A time expression in the sentence: where it is and what range it names."""

    start: int  # character offsets into the doc text
    end: int
    date: dt.date | None
    earliest: dt.date | None
    latest: dt.date | None
    precision: str
    basis: str
    historical: bool = False


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    try:
        text = resources.files("eventlens.knowledge").joinpath("time_words.json").read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(text)
    except (OSError, ValueError) as e:
        raise KnowledgeError("E021", f"cannot read knowledge file time_words.json: {e}; reinstall "
                                     "eventlens or restore the file from the repository") from e
    return data


def alternation(words: list[str]) -> str:
    """A regex alternation of knowledge-file words, longest first so that "hundreds of thousands" wins
    over "hundreds"; a space in a phrase matches any run of white space (line breaks in copied text)."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Patterns:
    day_month_year: re.Pattern[str]
    month_day_year: re.Pattern[str]
    month_year: re.Pattern[str]
    month_alone: re.Pattern[str]
    year: re.Pattern[str]
    iso: re.Pattern[str]
    weekday: re.Pattern[str]
    relative: re.Pattern[str]
    ago: re.Pattern[str]
    historical: re.Pattern[str]
    period: re.Pattern[str]
    future: re.Pattern[str]


@lru_cache(maxsize=1)
def _patterns() -> _Patterns:
    words = _words()
    month = rf"(?P<month>{alternation(list(words['months']))})(?![a-z])\.?"
    day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
    year = r"(?P<year>(?:1[89]|20)\d\d)"
    flags = re.IGNORECASE
    number = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a\s+few)"
    return _Patterns(
        day_month_year=re.compile(rf"\b{day}\s+(?:of\s+)?{month}(?:,?\s+{year})?\b", flags),
        month_day_year=re.compile(rf"\b{month}\s+{day}\b(?:,?\s+{year}\b)?", flags),
        month_year=re.compile(rf"\b{month},?\s+(?:of\s+)?{year}\b", flags),
        month_alone=re.compile(rf"\b(?P<lead>in|since|during|by|until|early|late|mid-?|last|this|next)\s+"
                               rf"(?:early\s+|late\s+|mid-?)?{month}"
                               r"(?!,?\s+(?:[0-3]?\d|(?:1[89]|20)\d\d)\b)", flags),
        year=re.compile(rf"\b(?P<lead>in|since|during|by|until|of|from|early|late|mid-?|summer|winter|spring|"
                        rf"autumn|fall)\s+(?:early\s+|late\s+|mid-?)?{year}\b", flags),
        iso=re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
        weekday=re.compile(rf"\b(?:(?P<lead>last|next|this|on|on\s+last)\s+)?(?P<weekday>"
                           rf"{alternation(list(words['weekdays']))})(?:'s)?\b", flags),
        relative=re.compile(rf"\b(?P<rel>{alternation(list(words['relative']))})\b", flags),
        ago=re.compile(rf"\b(?P<n>{number})\s+(?P<unit>{alternation(list(words['ago_units']))})\s+ago\b",
                       flags),
        historical=re.compile(rf"\b(?:{alternation(words['historical'])})\b", flags),
        period=re.compile(rf"\b(?:{alternation(words['periods'])})\b", flags),
        future=re.compile(rf"(?:{alternation(words['future_words'])})\b", flags),
    )


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _year_for(month: int, day: int, published: dt.date | None, future: bool) -> int | None:
    """The year of a date written without one: the latest on or before publication (or after, if future)."""
    if published is None:
        return None
    year = published.year
    candidate = _safe_date(year, month, min(day, calendar.monthrange(year, month)[1]))
    if candidate is None:
        return None
    if future:
        return year if candidate >= published else year + 1
    return year if candidate <= published else year - 1


def _clip(found: _Found, published: dt.date | None, future: bool) -> _Found:
    """Keep a range from running past publication unless the words point forward."""
    if published is None or future or found.latest is None or found.latest <= published:
        return found
    if found.earliest is not None and found.earliest > published:
        return found  # wholly after publication and not marked future: leave it, the words said so
    return _Found(found.start, found.end, min(found.date, published) if found.date else None,
                  found.earliest, published, found.precision, found.basis, found.historical)


def _period(unit: str, offset: int, published: dt.date) -> tuple[dt.date, dt.date, str]:
    """The calendar period ``offset`` units from the publication date's own period."""
    if unit == "day":
        day = published + dt.timedelta(days=offset)
        return day, day, "day"
    if unit == "days":
        return published + dt.timedelta(days=offset), published, "week" if abs(offset) <= 7 else "month"
    if unit == "week":
        monday = published - dt.timedelta(days=published.weekday()) + dt.timedelta(weeks=offset)
        return monday, monday + dt.timedelta(days=6), "week"
    if unit == "month":
        first = _months_before(published.replace(day=1), -offset)
        return first, _month_end(first.year, first.month), "month"
    year = published.year + offset
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


# The only characters outside ASCII that an IGNORECASE pattern of ASCII letters matches (Python's re):
# dotted and dotless I, the Kelvin sign and the long s.
_ASCII_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u212a": "k", "\u017f": "s"})


def _folded(text: str) -> str:
    """``text`` lowered so that every match of a case-insensitive time pattern is a substring of it, and
    a matched word is the key of its knowledge entry ("AUGUſT" -> "august")."""
    return text.lower() if text.isascii() else text.translate(_ASCII_FOLD).lower()


def _pieces(phrases: Any) -> tuple[str, ...]:
    """Literal pieces one of which every match of an alternation of ``phrases`` contains: the longest
    word of each phrase (the rarest, as a rule: "yesterday" of "the day before yesterday"; a space in a
    phrase matches any white space, so only whole words are literal), minus words that contain another
    piece ("jan" covers "january")."""
    longest = {max(str(p).lower().split(), key=len) for p in phrases}
    return tuple(sorted(w for w in longest if not any(o != w and o in w for o in longest)))


@lru_cache(maxsize=1)
def _needles() -> dict[str, tuple[str, ...]]:
    """For each pattern, pieces of text one of which any match must contain (in ``_folded`` text).

    Most sentences name no date; twelve regex alternations cost about 0.25 ms a sentence, a substring
    test a microsecond, so a pattern runs only on a sentence that holds one of its pieces. The pieces
    come from the same word lists as the patterns, so a rule added there is never skipped."""
    words = _words()
    months = _pieces(words["months"])
    centuries = ("18", "19", "20")  # every year the patterns read starts so
    return {"month": months, "year": centuries, "iso": centuries,
            "weekday": _pieces(words["weekdays"]), "relative": _pieces(words["relative"]),
            "ago": ("ago",), "historical": _pieces(words["historical"]),
            "period": _pieces(words["periods"]), "future": _pieces(words["future_words"])}


def _has(low: str, needles: tuple[str, ...]) -> bool:
    return any(n in low for n in needles)


def _scan(text: str, base: int, published: dt.date | None, future: bool) -> list[_Found]:
    """Every time expression in ``text`` (a sentence), longest first where they overlap."""
    pats, words, needles = _patterns(), _words(), _needles()
    low = _folded(text)
    months = words["months"]
    found: list[_Found] = []
    has_month = _has(low, needles["month"])

    Dates = tuple[dt.date | None, dt.date | None, dt.date | None]  # date, earliest, latest

    def add(m: re.Match[str], dates: Dates, precision: str, basis: str, historical: bool = False) -> None:
        found.append(_Found(base + m.start(), base + m.end(), *dates, precision, basis, historical))

    for m in (pats.iso.finditer(text) if _has(low, needles["iso"]) else ()):
        day = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
        if day:
            add(m, (day, day, day), "day", "explicit")
    for pat in ((pats.day_month_year, pats.month_day_year) if has_month else ()):
        for m in pat.finditer(text):
            month, day_n = months[_folded(m["month"])], int(m["day"])
            year = int(m["year"]) if m["year"] else _year_for(month, day_n, published, future)
            day = _safe_date(year, month, day_n) if year else None
            if day is None and year is not None:
                continue  # "31 February" or a number that is not a day
            add(m, (day, day, day), "day", "explicit")
    for m in (pats.month_year.finditer(text) if has_month else ()):
        month, year = months[_folded(m["month"])], int(m["year"])
        first = dt.date(year, month, 1)
        add(m, (first, first, _month_end(year, month)), "month", "explicit")
    for m in (pats.month_alone.finditer(text) if has_month else ()):
        if _folded(m["month"]) == "may" and _folded(m["lead"]) in ("by", "until", "in", "this", "since"):
            nxt = text[m.end():m.end() + 12]
            if not re.match(r"\s*(?:[,.;]|$|and\b|when\b|to\b)", nxt):
                continue  # "may" as a modal: "in May" is rare next to a verb
        if published is None:
            continue
        month = months[_folded(m["month"])]
        fwd = future or _folded(m["lead"]) == "next"
        year = _year_for(month, 1, published, fwd)
        if year is None:
            continue
        first = dt.date(year, month, 1)
        add(m, (first, first, _month_end(year, month)), "month", "explicit")
    for m in (pats.year.finditer(text) if _has(low, needles["year"]) else ()):
        year = int(m["year"])
        add(m, (dt.date(year, 1, 1), dt.date(year, 1, 1), dt.date(year, 12, 31)), "year", "explicit")
    if published is not None:
        for m in (pats.weekday.finditer(text) if _has(low, needles["weekday"]) else ()):
            lead = _folded(m["lead"] or "")
            target = words["weekdays"][_folded(m["weekday"])]
            if lead == "next" or (future and lead != "last"):
                delta = (target - published.weekday()) % 7 or 7
                day = published + dt.timedelta(days=delta)
            else:
                day = published - dt.timedelta(days=(published.weekday() - target) % 7)
            add(m, (day, day, day), "day", "relative")
        for m in (pats.relative.finditer(text) if _has(low, needles["relative"]) else ()):
            spec = words["relative"][re.sub(r"\s+", " ", _folded(m["rel"]))]
            lo, hi, precision = _period(spec["unit"], spec["offset"], published)
            add(m, (hi if spec["offset"] <= 0 else lo, lo, hi), precision, "relative")
        for m in (pats.ago.finditer(text) if _has(low, needles["ago"]) else ()):
            n_text = _folded(m["n"])
            n = int(n_text) if n_text.isdigit() else {"several": 3, "a few": 3}.get(
                re.sub(r"\s+", " ", n_text), _small_number(n_text))
            days = n * words["ago_units"][_folded(m["unit"])]
            day = published - dt.timedelta(days=days)
            unit = _folded(m["unit"]).rstrip("s")
            precision = {"day": "day", "week": "week", "month": "month", "year": "year"}[unit]
            slack = dt.timedelta(days={"day": 0, "week": 3, "month": 15, "year": 182}[unit])
            add(m, (day, day - slack, min(day + slack, published)), precision, "relative",
                historical=days >= HISTORICAL_AFTER.days)
    for m in (pats.historical.finditer(text) if _has(low, needles["historical"]) else ()):
        hi = published - HISTORICAL_AFTER if published else None
        add(m, (None, None, hi), "unknown", "unknown", historical=True)
    for m in (pats.period.finditer(text) if _has(low, needles["period"]) else ()):
        add(m, (None, None, published), "unknown", "unknown")
    found = [_clip(f, published, future) for f in found]
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[_Found] = []
    for f in found:  # drop expressions inside a longer one ("January 2015" inside "8 January 2015")
        if any(k.start <= f.start and f.end <= k.end for k in kept):
            continue
        kept = [k for k in kept if not (f.start <= k.start and k.end <= f.end)]
        kept.append(f)
    return kept


def _small_number(word: str) -> int:
    numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve"]
    if word in ("a", "an"):
        return 1
    return numbers.index(word) if word in numbers else 1


def _clause_head(tok: Token) -> Token:
    """The verb that heads the clause a token sits in (a noun trigger climbs to its verb)."""
    cur = tok
    for _ in range(12):
        if cur.pos_ in ("VERB", "AUX") or cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur


def _tense(verb: Token) -> str:
    """simple_past | present_perfect | past_perfect | present | future, from the verb and its auxiliaries."""
    auxes = [c for c in children_of(verb) if c.dep_ in ("aux", "auxpass")]
    lowers = {a.lower_ for a in auxes}
    if lowers & {"will", "shall", "'ll"} or any(a.lower_ == "going" for a in auxes):
        return "future"
    if lowers & {"had", "'d"}:
        return "past_perfect"
    if lowers & {"has", "have", "'ve", "'s"} and any(a.lemma_ == "have" for a in auxes):
        return "present_perfect"
    if verb.tag_ == "VBD" or lowers & {"was", "were", "did"}:
        return "simple_past"
    if verb.tag_ in ("VBZ", "VBP") or lowers & {"is", "are", "am"}:
        return "present"
    if verb.tag_ == "VBN":
        return "simple_past"
    return "simple_past"


def _choose(candidates: list[_Found], sent: Span, trigger: Token | None) -> _Found:
    """The time expression for the trigger's event: in its clause first, then the nearest."""
    if trigger is None or len(candidates) == 1:
        return candidates[0]
    doc = sent.doc
    head = _clause_head(trigger)

    def score(found: _Found) -> tuple[int, int]:
        span = doc.char_span(found.start, found.end, alignment_mode="expand")
        if span is None or len(span) == 0:
            return (2, 10**6)
        own = _clause_head(span.root)
        rank = 0 if own == head else (1 if span.root in head.subtree else 2)
        return (rank, abs(span.root.i - trigger.i))

    return min(candidates, key=score)


def resolve_time(sent: Span, trigger: Token | None, published: dt.date | None) -> TimeResult:
    """The date of the event that ``trigger`` (or, without one, the sentence) reports.

    Never after ``published`` unless the words point forward; with no time words, a window before
    publication whose width follows the verb's tense and aspect.
    """
    verb = _clause_head(trigger) if trigger is not None else sent.root
    tense = _tense(verb)
    doc = sent.doc
    cache = memo(doc)
    future = tense == "future" or (tense == "present" and _future_words(sent))
    key = ("time", sent.start_char, sent.end_char, published, future)
    candidates = cache.get(key)
    if candidates is None:  # the sentence's own words, read once per reading (its events share them)
        sent_text = doc_text(doc)[sent.start_char:sent.end_char]
        candidates = cache[key] = _scan(sent_text, sent.start_char, published, future)
    if candidates:
        found = _choose(candidates, sent, trigger)
        text = doc_text(doc)[found.start:found.end]
        historical = found.historical or bool(
            published and found.latest is not None and found.latest < published - HISTORICAL_AFTER)
        info = DateInfo(date=found.date, earliest=found.earliest, latest=found.latest,
                        precision=found.precision, basis=found.basis, text=text)
        return TimeResult(info, historical)
    if published is None:
        return TimeResult(DateInfo(None, None, None, "unknown", "unknown"), False)
    window = _words()["tense_windows"][tense]
    if tense == "future":
        return TimeResult(DateInfo(None, published, None, "unknown", "publication"), False)
    earliest = (_months_before(published, window["months"]) if "months" in window
                else published - dt.timedelta(days=window["days"]))
    return TimeResult(DateInfo(published, earliest, published, window["precision"], "publication"), False)


def _future_words(sent: Span) -> bool:
    """Whether the sentence has words that point forward; asked once per sentence. The scan of a sentence
    depends on its text, the publication date and this reading only, so events of one sentence whose verbs
    differ in tense but not in this reading share one scan."""
    key = ("time.future", sent.start_char, sent.end_char)
    cache = memo(sent.doc)
    found = cache.get(key)
    if found is None:
        sent_text = doc_text(sent.doc)[sent.start_char:sent.end_char]
        found = cache[key] = _has(_folded(sent_text), _needles()["future"]) and bool(
            _patterns().future.search(sent_text))
    return found  # type: ignore[no-any-return]


def finite_verb(token: Token) -> Token:
    """The finite verb that carries the tense of a trigger: itself, or the verb its clause hangs on."""
    cur = token
    for _ in range(8):
        if cur.tag_ in ("VBD", "VBZ", "VBP", "MD") or any(
                c.dep_ in ("aux", "auxpass") and c.tag_ in ("VBD", "VBZ", "VBP", "MD")
                for c in children_of(cur)):
            return cur
        if cur.head.i == cur.i:
            break
        cur = cur.head
    return cur


def tense_is_past(token: Token) -> bool:
    """The trigger's clause is told in the simple past ("has attacked" is not): such a sentence stays in
    the past an earlier sentence set. Fails where the parser tags a past participle as a past."""
    verb = finite_verb(token)
    if verb.tag_ == "VBD" and not any(c.lower_ in ("have", "has") for c in children_of(verb)):
        return True
    return any(c.tag_ == "VBD" and c.dep_ in ("aux", "auxpass") and c.lower_ != "had"
               for c in children_of(verb))
