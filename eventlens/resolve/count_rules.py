"""Count rules that read a whole sentence's mentions: totals over places and single victims.

They sit beside :mod:`eventlens.resolve.counts`, which finds each number and calls them at the end of
``scan_counts``; they only add or merge mentions, never re-read the numbers.
"""
from __future__ import annotations

import itertools
import re

from spacy.tokens import Span

from ..nlp.doccache import children_of, doc_text, span_ents, span_tokens, token_words, tokens
from ..records import Count
from .counts import CountMention, Quantity, _categories, _is_modal, _lemma, _victim_role, _word_entry

_SUMMABLE = frozenset({"displaced", "destroyed_housing", "damaged_housing"})
_NOT_A_PART = re.compile(
    r"\b(?:total|totals|totalling|bringing|brings|including|includes|among|of whom|of them|of which|out of|"
    r"now|rose|risen|increased|up from|down from|compared|against|than|previous|earlier|before|while only|"
    r"instead|another|further|additional|according)\b|[(\[]", re.IGNORECASE)


def _place_between(sent: Span, start: int, end: int) -> bool:
    """A place named between two figures: what makes them parts of one total rather than rivals."""
    places = _categories()["place_nouns"]
    return any(start <= t.idx < end and (t.ent_type_ in ("GPE", "LOC", "FAC") or _lemma(t) in places or (
        t.tag_ == "NNP" and t.dep_ == "pobj" and t.head.lower_ in ("in", "from", "at")))
        for t in span_tokens(sent))


def _masked(text: str, mentions: list[CountMention]) -> str:
    """The text with every count blanked out, so that a figure's own qualifier between two others
    ("31 houses destroyed and more than 300 damaged, while in Battambang, 36 houses destroyed") is
    not read as a word that makes them rivals."""
    chars = list(text)
    for m in mentions:
        chars[m.count.start:m.count.end] = " " * (m.count.end - m.count.start)
    return "".join(chars)


def summed(sent: Span, mentions: list[CountMention]) -> list[CountMention]:
    """One sentence's displacement figures for several places, added: "709,841 people displaced in
    Jajpur and 363,832 in Puri district" is 1,073,673 displaced.

    Only figures of one category, unit and reporting term, none under a modal, none open-ended
    ("up to"), and nothing between them that makes one a part or a restatement of another
    ("including", "bringing the total to", "(27,919 households)"). The parts are replaced by the
    total, whose words run from the first figure to the last. Fails where a sentence restates a
    figure without such a word.
    """
    groups: dict[tuple[str, str, str | None], list[CountMention]] = {}
    for m in mentions:
        c = m.count
        if c.category in _SUMMABLE and not m.modal and c.low is not None and m.quantity.share is None and (
                c.qualifier not in ("up to", "fewer than")):
            groups.setdefault((c.category, c.unit, m.term), []).append(m)
    text_of_doc = doc_text(sent.doc)
    if all(len(parts) < 2 for parts in groups.values()):
        return mentions  # nothing to add up (and no need to blank the text)
    masked = _masked(text_of_doc, mentions)
    for parts in groups.values():
        if len(parts) < 2 or any(_NOT_A_PART.search(masked[a.count.end:b.count.start])
                                 or not _place_between(sent, a.count.end, b.count.start)
                                 for a, b in itertools.pairwise(parts)):
            continue
        if any(m.noun is not None and _lemma(m.noun) in _categories()["figure_nouns"] for m in parts):
            continue
        first, last = parts[0].count, parts[-1].count
        highs = [m.count.high for m in parts]
        quals = {m.count.qualifier for m in parts}
        low = sum(m.count.low or 0 for m in parts)
        high = sum(h for h in highs if h is not None) if all(h is not None for h in highs) else None
        total = Count(category=first.category, low=low, high=high,
                      qualifier=quals.pop() if len(quals) == 1 else None,
                      text=text_of_doc[first.start:last.end], start=first.start, end=last.end,
                      unit=first.unit)
        merged = CountMention(count=total, quantity=Quantity(low, high, total.qualifier, total.text),
                              noun=parts[0].noun, governor=parts[0].governor, term=parts[0].term)
        at = mentions.index(parts[0])
        mentions = [m for m in mentions if m not in parts]
        mentions.insert(min(at, len(mentions)), merged)
    return mentions


def singular_victims(sent: Span, taken: list[tuple[int, int]]) -> list[CountMention]:
    """One person a kill or wound verb befalls is a count of one: "a journalist has been killed".

    Wire copy states a single victim by the noun alone ("a Palestinian prisoner died", "killed the
    deputy chief"), and PLOVER codes it as one dead. Only singular person nouns from the data or
    named persons, with an article, a possessive or a name, under a verb that is neither negated nor
    modal. Fails on victims named only by pronoun ("he was killed") and on generic ones ("a soldier
    who is killed in action").
    """
    out: list[CountMention] = []
    nouns, persons = _categories()["nouns"], frozenset(_categories()["person_nouns"])
    victim_verbs = _categories()["victim_verbs"]
    toks, w = tokens(sent.doc), token_words(sent.doc)
    for i in range(sent.start, sent.end):
        # a verb outside ``victim_verbs`` has no victim (``_victim_role``): skip it before the tree walks
        if w.pos[i] not in ("VERB", "AUX") or w.lemma[i] not in victim_verbs:
            continue
        verb = toks[i]
        if _is_modal(verb) or any(
                c.dep_ == "neg" or (c.dep_ == "aux" and c.lower_ == "to") for c in children_of(verb)):
            continue  # "was not killed", "could be killed", "attempted to assassinate"
        for arg in children_of(verb):
            if _victim_role(arg, verb) is None:
                continue
            for cand in [arg, *arg.conjuncts]:
                named = cand.ent_type_ == "PERSON"
                row = nouns.get(cand.lower_) or nouns.get(_lemma(cand))
                person = named or cand.lower_ in persons or _lemma(cand) in persons or (
                    row is not None and row[1] == "people" and row[0] in (None, "troops", "detained"))
                if not person or cand.tag_ not in ("NN", "NNP") or any(
                        c.dep_ in ("nummod", "quantmod") for c in children_of(cand)):
                    continue
                if not named and not any(c.dep_ in ("det", "poss") and c.lower_ not in ("no", "every", "each",
                                                                                       "any", "which")
                                         for c in children_of(cand)):
                    continue  # "police killed protester" headlines aside, a bare singular is generic
                ent = next((e for e in span_ents(sent) if e.start <= cand.i < e.end), None) if named else None
                start = ent.start_char if ent is not None else cand.left_edge.idx
                end = ent.end_char if ent is not None else cand.idx + len(cand)
                if any(start < t_end and t_start < end for t_start, t_end in taken):
                    continue
                category = _word_entry(verb)[0]  # type: ignore[index]
                count = Count(category=category, low=1, high=1, qualifier=None,
                              text=doc_text(sent.doc)[start:end],
                              start=start, end=end, unit="people")
                out.append(CountMention(count=count, quantity=Quantity(1, 1, None, count.text), noun=cand,
                                        governor=verb, term=None))
    return out
