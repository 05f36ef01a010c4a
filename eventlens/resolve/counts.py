"""Counts of people (killed, injured, displaced, arrested, troops, ...) as ranges with their words.

A count is found in two steps. ``parse_quantity`` (:mod:`eventlens.resolve.quantities`) reads the
number words themselves ("at least 300,000", "hundreds of thousands", "12 to 15", "two-thirds of")
into a :class:`Quantity` range. ``find_counts`` then finds every quantity in a
sentence, the noun it counts and the words that govern it in the dependency parse, and looks both
up in ``knowledge/count_categories.json`` to decide what is counted. Numbers that are not counts of
people (dates, ages, money, percentages, ordinals, "34 strikes") are dropped or kept under a
category that is not people.

Where it fails: numbers split over a table ("IDPs total 122 387" works, a column of figures does
not), totals the reader has to add up across sentences (one sentence's figures for several places
are added in ``count_rules``), and languages other than English beyond the few words in the data
files, whose parse the small English model gets wrong (the next word then stands in for the noun).
"""
from __future__ import annotations

import logging
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, doc_text, memo, sentence_of, span_ents, span_tokens, tokens
from ..records import Count
from .quantities import Quantity, find_quantities, load_json, parse_quantity

log = logging.getLogger(__name__)

# Entity labels under which a number is not a count of people.
_NOT_COUNT_ENTS = frozenset({"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL", "QUANTITY"})
_CURRENCY = re.compile(r"[$£€¥₹]|\b(?:dollars?|euros?|pounds?|yuan|rupees?|usd|eur|gbp|riyals?|lira)\b",
                       re.IGNORECASE)
_MEASURE_AFTER = re.compile(
    r"\s*(?:-?\s*years?[\s-]old|-year|%|per ?cent|km|kilomet|mile|metre|meter|hectare|mm\b)", re.IGNORECASE)
_ATTACH_DEPS = frozenset({"nummod", "quantmod", "compound", "amod", "nmod", "det", "npadvmod"})
_CLIMB_DEPS = frozenset({"nummod", "quantmod", "pobj", "prep", "nsubj", "nsubjpass", "dobj", "attr",
                         "appos", "conj", "npadvmod", "nmod", "compound", "dative", "oprd", "agent"})
_COMPLEMENT_DEPS = frozenset({"xcomp", "acomp", "oprd", "ccomp", "advcl", "prep", "pobj", "conj", "dobj"})
_CALENDAR_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)[a-z]*\b\.?"
    r"|\b(?:day|week|month|year|decade|century|hour|minute|second|ago|night|morning|evening|today|"
    r"tonight|yesterday|tomorrow|season|quarter|o'clock|[ap]\.?m)s?\b|\d{4}s\b|/", re.IGNORECASE)
_MEASURE_WORDS = re.compile(
    r"\b(?:km|kilomet|mile|metre|meter|m|cm|mm|ft|feet|foot|inch|mph|kph|knot|ton|tonne|kg|kilo|gram|"
    r"pound|lb|litre|liter|gallon|barrel|hectare|ha|acre|degree|square|cubic|sq|kmh|km/h)[a-z]*\b|°|%",
    re.IGNORECASE)
_MODAL_WORDS = frozenset({"might", "may", "could", "can", "would", "will", "should"})
PEOPLE_CATEGORIES = frozenset({"killed", "injured", "displaced", "arrested", "abducted", "troops",
                               "affected", "missing", "casualties", "detained", "returned", "rescued",
                               "people"})
HOUSING_TERMS = {"destroyed": "destroyed_housing", "damaged": "damaged_housing"}


@lru_cache(maxsize=1)
def _categories() -> dict[str, Any]:
    return load_json("count_categories.json")



# --- counts in a parsed sentence -----------------------------------------------------------------

@dataclass
class CountMention:
    """A count found in a sentence, with the tokens it rests on (kept for the term and the chooser)."""

    count: Count
    quantity: Quantity
    noun: Token | None
    governor: Token | None
    term: str | None
    modal: bool = False


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


def _noun_entry(noun: Token) -> tuple[str | None, str] | None:
    """The noun's row in the data: (category or None, unit); None when it does not count people."""
    nouns = _categories()["nouns"]
    for key in (noun.lower_, _lemma(noun)):
        if key in nouns:
            cat, unit = nouns[key]
            return None if cat == "housing" and _held_by_fighters(noun) else (cat, unit)
    if noun.ent_type_ == "NORP" or (noun.tag_ == "NNPS") or _plural_name(noun):
        return None, "people"
    return None if noun.pos_ in ("NOUN", "PROPN") else (None, "people")


def _held_by_fighters(noun: Token) -> bool:
    """ "Three ISIL-held buildings" are military targets, not homes: a housing noun whose modifier says
    who holds it ("-held", "-controlled", from the data) is not housing that displaces anyone."""
    before = doc_text(noun.doc)[noun.left_edge.idx:noun.idx].lower()
    return any(re.search(rf"-\s*{re.escape(word)}\b", before) for word in _categories()["held_by_words"])


def _plural_name(noun: Token) -> bool:
    """A counted people's name the model knows neither as a group nor as plural: "35,326 Brus took
    shelter". Only a capitalised name ending in -s with no entity label, counted by a number and
    standing as subject or object; fails on names of things with a plural look ("3 Days")."""
    return (noun.pos_ == "PROPN" and not noun.ent_type_ and noun.text[:1].isupper()
            and noun.lower_.endswith("s") and not noun.lower_.endswith("ss")
            and noun.dep_ in ("nsubj", "nsubjpass", "dobj")
            and any(c.dep_ == "nummod" and c.i < noun.i for c in children_of(noun)))


def _word_entry(tok: Token) -> tuple[str, str | None] | None:
    words = _categories()["words"]
    for key in (tok.lower_, _lemma(tok)):
        if key in words:
            cat, term = words[key]
            return cat, term
    return None


def _phrase_entry(text: str) -> tuple[str, str] | None:
    low = re.sub(r"\s+", " ", text.lower())
    for phrase, cat, term in _categories()["phrases"]:
        if phrase in low:
            return cat, term
    return None


def _counted_noun(anchor: Token, qty_tokens: list[Token], until: int | None = None) -> Token | None:
    """The noun the quantity counts: "hundreds of thousands of Syrians" -> Syrians, "nine civilians"."""
    for child in children_of(anchor):
        if child.dep_ == "prep" and child.lower_ == "of" and child.i > anchor.i:
            objs = [c for c in children_of(child) if c.dep_ == "pobj"]
            if objs:
                obj = objs[0]
                for cand in [obj, *obj.conjuncts]:
                    if _noun_entry(cand) is not None and cand.lower_ in _categories()["nouns"]:
                        return cand
                return obj
    head = anchor.head
    if not any(ch.isalpha() for ch in head.text):
        head = anchor  # a bullet or a stray symbol the parser hung the number on: "• 158,316 IDPs"
    nxt = anchor.nbor(1) if anchor.i + 1 < len(anchor.doc) else None
    nouns = _categories()["nouns"]
    if nxt is not None and nxt.lower_ in nouns and nxt.pos_ != "ADJ" and (nxt == head or (
            head.lower_ not in nouns and _lemma(head) not in nouns)):
        return nxt  # a parse of a language the model does not know: "diez familias han sido evacuadas"
    if anchor.dep_ in _ATTACH_DEPS and head.pos_ in ("NOUN", "PROPN") and head not in qty_tokens:
        between = anchor.doc[min(anchor.i, head.i) + 1:max(anchor.i, head.i)]
        if not any(t.like_num and t not in qty_tokens and t.lower_ not in ("one",) for t in between):
            return head  # "nine missing and 61,000 people": the people are the 61,000's
    if nxt is not None and nxt.pos_ in ("NOUN", "PROPN") and nxt.lower_ in nouns:
        return nxt  # a parse that missed the nummod arc: "61, 000 people"
    if head == anchor:
        return _noun_after(anchor, until)
    return None


def _noun_after(anchor: Token, until: int | None = None) -> Token | None:
    """The counted noun a few words on, past its modifiers: "158,316 internally displaced persons".

    Only for numbers the parse left without a noun head; stops at the first word that is not an
    adverb, adjective or participle, so it does not run into the next phrase.
    """
    nouns = _categories()["nouns"]
    words = [t for t in tokens(anchor.doc)[anchor.i + 1:until or sentence_of(anchor).end] if not t.is_space]
    for tok in words[:4]:
        if tok.lower_ in nouns or _lemma(tok) in nouns:
            return tok if tok.pos_ in ("NOUN", "PROPN") else None
        if tok.pos_ not in ("ADV", "ADJ", "VERB") or tok.dep_ not in ("advmod", "amod", "compound"):
            return None
    return None


def _entry_of_modifiers(tok: Token) -> tuple[str, str | None, Token] | None:
    """Category words on the token: "displaced persons", "people evacuated", "1 000 rendered homeless"."""
    for child in children_of(tok):
        if child.dep_ in ("amod", "acl", "relcl", "compound") and child.i != tok.i:
            for cand in [child, *(c for c in children_of(child) if c.dep_ in ("oprd", "acomp", "xcomp"))]:
                entry = _word_entry(cand)
                if entry:
                    return entry[0], entry[1], cand
    return None


def _victim_of(noun: Token) -> tuple[str, Token] | None:
    """The casualty verb whose victim ``noun`` is: (category, verb), else None.

    "killed one U.S. soldier" counts a soldier, but the count is the object of "killed", so it is one
    killed: for the verbs in ``victim_verbs`` the verb decides before the noun. Only the victim's
    place counts: the object, the passive subject, or the subject of "die"; "five gunmen killed
    three" keeps the gunmen as troops. Fails on victims the parser hangs elsewhere ("killed were
    three children").
    """
    cur = noun
    while cur.dep_ in ("conj", "appos") and cur.head != cur and cur.head.pos_ in ("NOUN", "PROPN", "NUM"):
        cur = cur.head  # "killed three soldiers and two civilians"
    verb = cur.head
    if verb == cur or verb.pos_ not in ("VERB", "AUX"):
        return None
    return _victim_role(cur, verb)


def _victim_role(arg: Token, verb: Token) -> tuple[str, Token] | None:
    data = _categories()
    lemma = _lemma(verb)
    if lemma not in data["victim_verbs"]:
        return None
    is_victim = arg.dep_ in ("dobj", "nsubjpass") or (
        arg.dep_ == "nsubj" and lemma in data["intransitive_victim_verbs"]
        and not any(c.dep_ == "dobj" for c in children_of(verb)))
    entry = _word_entry(verb)
    return (entry[0], verb) if is_victim and entry else None


def _category_near(tok: Token) -> tuple[tuple[str, str | None, Token] | None, Token | None]:
    """Look for a category word on the counted word, then up the tree and into the complements.

    Returns what was found (category, term, the word) and the verb the climb stopped at, whose
    clause the caller may still search for phrases.
    """
    found = _entry_of_modifiers(tok)
    if found:
        return found, None
    cur = tok
    for _ in range(4):
        if cur.dep_ not in _CLIMB_DEPS or cur.head == cur:
            break
        head = cur.head
        if head.pos_ in ("VERB", "AUX", "ADJ", "NOUN", "PROPN") and cur.dep_ != "compound":
            for comp in children_of(head):  # "left 483 homeless", "forcing thousands to ... move"
                if comp.dep_ in ("xcomp", "acomp", "oprd") and comp.i > tok.i:
                    for cand in [comp, *comp.conjuncts]:
                        entry = _word_entry(cand)
                        if entry:
                            return (entry[0], entry[1], cand), head
            entry = _word_entry(head)
            if entry and not (head.pos_ == "NOUN" and cur.dep_ not in ("pobj", "prep", "nummod")):
                if entry[0] == "affected":  # "affected and evacuated": the displacement word wins
                    for conj in head.conjuncts:
                        if any(c.dep_ in ("nsubj", "nsubjpass") for c in children_of(conj)):
                            continue  # its own subject: another count
                        other = _word_entry(conj)
                        if other and other[0] == "displaced":
                            return (other[0], other[1], conj), head
                return (entry[0], entry[1], head), head
            if head.pos_ in ("VERB", "AUX"):
                if _lemma(head) in _categories()["figure_verbs"]:
                    return _figure_subject(head), head
                return None, head
        cur = head
    return None, cur.head if cur.head != cur else None


def _figure_subject(verb: Token) -> tuple[str, str | None, Token] | None:
    """ "The number of displaced families is estimated to be 349": the subject says what is counted."""
    for node in [verb, *verb.ancestors][:3]:
        for child in children_of(node):
            if child.dep_ in ("nsubj", "nsubjpass"):
                found = _figure_words(child)  # "the number of displaced families", "IDPs total"
                if found:
                    return found
    return None


def _figure_words(noun: Token) -> tuple[str, str | None, Token] | None:
    """ "The number of people forced out of their homes", "IDPs total": the figure's own words."""
    for tok in noun.subtree:
        entry = _word_entry(tok) or (_categories()["nouns"].get(tok.lower_, [None, None])[0], None)
        if entry[0] is not None and entry[0] in PEOPLE_CATEGORIES:
            return entry[0], entry[1], tok
    phrase = _phrase_entry(_subtree_text(noun))
    return (phrase[0], phrase[1], noun) if phrase else None


def _antecedent_entry(previous: CountMention) -> tuple[str | None, str] | None:
    """ "Others" after a count of homes or families counts more of them: the earlier noun's row, when it
    counts households; people are the default of "others" already."""
    if previous.noun is None:
        return None
    entry = _noun_entry(previous.noun)
    return entry if entry is not None and entry[1] == "households" else None


def _unit_near(word: Token) -> str:
    """The unit of a figure stated apart from its noun, from the noun its category word modifies:
    "the number of displaced families is estimated to be 349" counts households."""
    nouns = _categories()["nouns"]
    cur = word
    for _ in range(2):
        row = nouns.get(cur.lower_) or nouns.get(_lemma(cur))
        if row is not None and cur.pos_ in ("NOUN", "PROPN"):
            return str(row[1]) if row[1] in ("people", "households") else "people"
        if cur.dep_ not in ("amod", "compound", "acl") or cur.head == cur:
            break
        cur = cur.head
    return "people"


def _nearest_word(sent: Span, anchor: Token, noun: Token | None = None,
                  limit: int = 15) -> tuple[str, str | None, Token] | None:
    """The closest category word in the sentence: a fallback for parses that lost the arc.

    Used only when the tree gives nothing; wrong when two events share a sentence, which is why the
    window is short and the tree is always asked first.
    """
    best: tuple[int, tuple[str, str | None, Token]] | None = None
    for tok in span_tokens(sent):
        if tok.i == anchor.i or abs(tok.i - anchor.i) > limit or (tok == noun and _misread_noun(tok)):
            continue
        entry = _word_entry(tok)
        if entry and entry[0] in PEOPLE_CATEGORIES | {"destroyed", "damaged"}:
            dist = abs(tok.i - anchor.i) + (0 if tok.i > anchor.i else 1)
            if best is None or dist < best[0]:
                best = (dist, (entry[0], entry[1], tok))
    return best[1] if best else None


_LINE_END = re.compile(r"[.!?;:)\]]\s*$")


def _wrapped_lines(sent: Span, most: int = 3) -> Span:
    """The sentence with the lines that go on with it when the text is wrapped at a fixed width.

    Text cut from PDFs and tables breaks lines mid-clause ("2,759 persons became\nhomeless"), and a
    line break starts a sentence for the parser, so the words that say what a figure counts can sit
    in the next "sentence". A sentence that ends without closing punctuation at a single line break,
    or before a word in lower case, goes on over the next ones (at most ``most``); the parse is not
    joined, so only the noun lookup, the phrases and the nearest category word use them. Fails on a
    heading followed by unrelated text.
    """
    doc = sent.doc
    text = doc_text(doc)
    end = sent.end
    for _ in range(most):
        if end >= len(doc):
            break
        gap = text[doc[end - 1].idx:doc[end].idx]
        body = text[sent.start_char:doc[end].idx].rstrip()
        wrapped = "\n" in gap and "\n\n" not in gap.replace(" ", "")
        if _LINE_END.search(body) or not (wrapped or doc[end].is_lower):
            break
        end = sentence_of(tokens(doc)[end]).end
    return doc[sent.start:end]


def _misread_noun(noun: Token) -> bool:
    """A counted noun whose spelling is also a category word of another category: "321 Houses" are
    homes, not people housed; "1300 evacuados" are the evacuated themselves."""
    entry, word = _noun_entry(noun), _word_entry(noun)
    return entry is not None and word is not None and entry[0] != word[0]


def _subtree_text(tok: Token) -> str:
    """The words a token dominates, as one string (phrases are matched on it)."""
    first = min(t.idx for t in tok.subtree)
    last = max(t.idx + len(t) for t in tok.subtree)
    return doc_text(tok.doc)[first:last]


def _housing_in(sent: Span) -> bool:
    nouns = _categories()["nouns"]
    return any(nouns.get(_lemma(t), nouns.get(t.lower_, [None]))[0] == "housing" for t in span_tokens(sent))


def _is_modal(tok: Token | None) -> bool:
    """Counts under "might have to be evacuated" or "can be evacuated" are not reports of fact."""
    while tok is not None:
        if any(c.dep_ == "aux" and c.lower_ in _MODAL_WORDS for c in children_of(tok)):
            return True
        tok = tok.head if tok.dep_ == "xcomp" and tok.head != tok else None  # "might have to be evacuated"
    return False


def _entity_of(tok: Token) -> Span | None:
    return next((e for e in span_ents(sentence_of(tok)) if e.start <= tok.i < e.end), None)


def _skip_number(doc_text: str, start: int, end: int, tokens: list[Token], quantity: Quantity) -> bool:
    """Dates, ages, money, ordinals and measures: numbers that are not counts of people.

    The small model's entity labels are trusted only with a reason: "122 387" is not money without
    a currency, "116129" or "1057 people" is not a date without a calendar word or a year's shape, and
    "over 25,000 mud-and-thatch homes" is not a measure without a unit.
    """
    for tok in tokens:
        if tok.ent_type_ == "MONEY" and not _CURRENCY.search(doc_text[max(0, start - 4):end + 12]):
            continue
        if tok.ent_type_ in ("DATE", "TIME", "QUANTITY") and quantity.share is None:
            ent = _entity_of(tok)
            cue = _MEASURE_WORDS if tok.ent_type_ == "QUANTITY" else _CALENDAR_WORDS
            year = re.fullmatch(r"\d{4}", tok.text) and 1000 <= int(tok.text) <= 2100 and not (
                tok.head.pos_ in ("NOUN", "PROPN") and tok.dep_ == "nummod" and tok.head.i > tok.i)
            if ent is not None and not year and not cue.search(ent.text):
                continue
        if tok.ent_type_ in _NOT_COUNT_ENTS and quantity.share is None:
            return True
    before = doc_text[max(0, start - 8):start].lower()
    after = doc_text[end:end + 12].lower()
    if re.search(r"[$£€]\s*$|\baged?\s*$|\bage of\s*$|\b(?:no|any|every|each)\s+$", before):
        return True
    if _MEASURE_AFTER.match(after):
        return True
    value = quantity.value
    is_year = bool(re.fullmatch(r"\d{4}", quantity.words.strip()))
    counted = tokens[-1].dep_ == "nummod" and tokens[-1].head.i > tokens[-1].i  # "2000 people"
    return value is not None and is_year and 1900 <= value <= 2100 and not counted


@dataclass
class _Scan:
    """One scan of a sentence, and the places where a trigger could still have lent its category:
    (the number's anchor, the word a trigger must govern) for each count that found no category word."""

    mentions: list[CountMention]
    open_slots: list[tuple[int, Token]]


def scan_counts(sent: Span, *, trigger: Token | None = None) -> list[CountMention]:
    """Every count in ``sent`` with the tokens behind it; :func:`find_counts` keeps the records.

    The sentence is scanned once per Doc without a trigger (each event of the sentence and the
    displacement figures ask again). A trigger changes the result only where a count found no
    category word and the trigger governs it, so the sentence is scanned again with the trigger only
    then. Callers get fresh copies: records built on one call do not share their counts with another.
    """
    return [replace(m, count=replace(m.count)) for m in _kept_scan(sent, trigger).mentions]


def _kept_scan(sent: Span, trigger: Token | None) -> _Scan:
    table = memo(sent.doc)
    key = ("counts.scan", sent.start, sent.end)
    scan = table.get(key)
    if scan is None:
        scan = table[key] = _scan(sent, None)
    if trigger is not None and _lends_category(trigger, scan.open_slots):
        tkey = (*key, trigger.i)
        scan = table.get(tkey)
        if scan is None:
            scan = table[tkey] = _scan(sent, trigger)
    return scan  # type: ignore[no-any-return]


def _lends_category(trigger: Token, open_slots: list[tuple[int, Token]]) -> bool:
    """Whether ``trigger`` would give a category to one of the counts that found none."""
    return any(trigger.i != anchor_i and trigger in root.ancestors for anchor_i, root in open_slots) and (
        _word_entry(trigger) is not None)


def _scan(sent: Span, trigger: Token | None) -> _Scan:
    doc = sent.doc
    text = doc_text(doc)
    sent_text = text[sent.start_char:sent.end_char]
    sent_tokens = span_tokens(sent)
    token_starts = [t.idx for t in sent_tokens]
    token_ends = [t.idx + len(t) for t in sent_tokens]
    lines = _wrapped_lines(sent)
    out: list[CountMention] = []
    open_slots: list[tuple[int, Token]] = []
    for match in find_quantities(sent_text):
        start, end = sent.start_char + match.start(), sent.start_char + match.end()
        quantity = parse_quantity(match.group(0))
        if quantity is None:
            continue
        # the tokens overlapping [start, end): token offsets rise through the sentence
        tokens = sent_tokens[bisect_right(token_ends, start):bisect_left(token_starts, end)]
        if not tokens or _skip_number(text, start, end, tokens, quantity):
            continue
        anchors = [t for t in tokens if t.head not in tokens or t.head == t]
        anchor = anchors[-1] if anchors else tokens[-1]
        noun = _counted_noun(anchor, tokens, until=lines.end)
        category: str | None = None
        unit = "people"
        victim = _victim_of(noun) if noun is not None else None
        if noun is not None:
            entry = _noun_entry(noun)
            if entry is None and _lemma(noun) in _categories()["figure_nouns"] and _figure_words(noun):
                entry = (None, "people")  # "100,000 to 120,000 – the number of people forced out"
            if entry is None and victim is None:
                continue  # "18 districts", "10 hectares": not people, not a category we keep
            if entry is not None and _lemma(noun) in _categories()["anaphoric_nouns"] and out:
                entry = _antecedent_entry(out[-1]) or entry  # "damaged 80 houses, destroyed 20 others"
            category, unit = entry or (None, "people")  # what a kill verb befalls is people
            if unit != "people":
                victim = None
        root = noun if noun is not None else anchor
        found, verb = (victim[0], None, victim[1]) if victim else None, None
        if noun is not None and _lemma(noun) in _categories()["figure_nouns"]:
            found = _figure_words(noun)
        if found is None and category in (None, "housing", "displaced"):
            found, verb = _category_near(root)
            if found is None:
                open_slots.append((anchor.i, root))
            if found is None and trigger is not None and trigger.i != anchor.i and (
                    trigger in root.ancestors):
                entry = _word_entry(trigger)
                found = (entry[0], entry[1], trigger) if entry else None
            if found is None and verb is not None:
                phrase = _phrase_entry(_subtree_text(verb))
                found = (phrase[0], phrase[1], verb) if phrase else None
            if found is None and lines.end > sent.end:  # the clause goes on after a line break
                phrase = _phrase_entry(text[anchor.idx:lines.end_char])
                found = (phrase[0], phrase[1], anchor) if phrase else None
            if found is None:
                found = _nearest_word(lines, anchor, noun)
        if noun is None and found is None:
            continue  # a bare number with nothing to say it counts people ("13 in Hirat")
        if noun is None and found is not None:
            unit = _unit_near(found[2])
        term = None
        governor = found[2] if found else (verb or root.head)
        if found:
            new_cat, term = found[0], found[1]
            if category == "housing" or (noun is None and new_cat in HOUSING_TERMS and _housing_in(sent)):
                unit = "households"
                category = HOUSING_TERMS.get(new_cat, "displaced" if new_cat == "displaced" else "housing")
                if category == "housing":
                    term = None
            elif category is None or victim is not None or category == new_cat == "displaced":
                category = new_cat
        if category in ("destroyed", "damaged"):
            category = None  # "destroyed 20 people" makes no sense: keep it as plain people
            term = None
        if category is None:
            category = "people"
        if category == "displaced":
            clause = governor if governor is not None else root
            phrase = _phrase_entry(_subtree_text(clause))
            if phrase and term is None:
                term = phrase[1]
            if term == "Sheltered":  # "accommodated" in a sentence about relief camps
                phrase = _phrase_entry(sent_text)
                term = phrase[1] if phrase and phrase[1] == "In Relief Camp" else term
            term = term or "Displaced"
        span_end = end
        if noun is not None and noun.i > tokens[-1].i and noun.i - tokens[-1].i <= 8:
            span_end = max(end, noun.idx + len(noun))
        count = Count(category=category, low=quantity.low, high=quantity.high,
                      qualifier=quantity.qualifier, text=text[start:span_end], start=start,
                      end=span_end, unit=unit)
        out.append(CountMention(count=count, quantity=quantity, noun=noun, governor=governor, term=term,
                                modal=_is_modal(governor)))
    from .count_rules import singular_victims, summed  # rules that read this module's mentions

    out = summed(sent, out)
    out.extend(singular_victims(sent, [(m.count.start, m.count.end) for m in out]))
    return _Scan(out, open_slots)


def find_counts(sent: Span, *, trigger: Token | None = None) -> list[Count]:
    """Every count in the sentence with its category (killed, injured, displaced, troops, ...).

    ``trigger`` lends its category to a count it governs that has no category word of its own.
    Offsets index ``sent.doc.text``.
    """
    return [replace(m.count) for m in _kept_scan(sent, trigger).mentions]  # fresh copies of the counts alone


def displacement_term(sent: Span, trigger: Token | None = None) -> str | None:
    """IDMC's reporting term for the displacement in ``sent`` (Evacuated, Forced to Flee, ...).

    With a trigger, the trigger's own words decide; without one, the best displacement count of the
    sentence does; failing both, the first displacement word in the sentence.
    """
    if trigger is not None:
        entry = _word_entry(trigger)
        if entry and entry[0] == "displaced":
            phrase = _phrase_entry(doc_text(sent.doc)[trigger.idx:sent.end_char])
            if phrase and phrase[1] in ("In Relief Camp", "Sheltered", "Homeless"):
                return phrase[1]
            return entry[1]
    best = best_displacement(sent)
    if best is not None:
        return best.term
    phrase = _phrase_entry(doc_text(sent.doc)[sent.start_char:sent.end_char])
    if phrase:
        return phrase[1]
    for tok in span_tokens(sent):
        entry = _word_entry(tok)
        if entry and entry[0] == "displaced":
            return entry[1]
    return None


_DISPLACEMENT_RANK = {"displaced": 0, "destroyed_housing": 1, "damaged_housing": 2}


def best_displacement(span: Span) -> CountMention | None:
    """The displacement figure a span reports: the first stated displaced count, else housing lost.

    People displaced beat houses destroyed, which beat houses damaged; counts under a modal ("might
    have to be evacuated") come last. Totals split over sentences are not added.
    """
    sents = list(span.sents) if span.start < span.end else []
    candidates: list[tuple[tuple[int, int, int], CountMention]] = []
    for sent in sents:
        for mention in scan_counts(sent):
            rank = _DISPLACEMENT_RANK.get(mention.count.category)
            if rank is None:
                continue
            candidates.append(((int(mention.modal), rank, mention.count.start), mention))
    if not candidates:
        return None
    return min(candidates, key=lambda pair: pair[0])[1]
