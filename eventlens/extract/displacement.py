"""Displacement claims that no displacement verb states: figures of displaced people standing alone
("144,044 evacuated people"), and homes destroyed or damaged, which IDMC counts as displacement.

Homes lost say less about people than a figure of people displaced does (a house may stand empty, a
family may stay with relatives), so records built on housing rank below every record built on
people: IDMC's excerpts give the people figure whenever the text has one.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from spacy.tokens import Span

from ..nlp.doccache import span_text
from ..records import Event, Place
from ..resolve.counts import CountMention, scan_counts
from ..resolve.eventplace import attach_event_place
from ..resolve.time import resolve_time
from .modality import modality_of
from .ontology import Ontology

_HOUSING_TERMS = {"destroyed_housing": "destroyed housing", "damaged_housing": "partially destroyed housing"}
# Confidence of a record built on housing alone: below the 0.45 of a bare figure of people.
_HOUSING_CONFIDENCE = 0.4
_PEOPLE_FIGURE_CONFIDENCE = 0.45


def _first_figure(sent: Span) -> CountMention | None:
    """The sentence's displacement figure: people displaced first, then homes destroyed, then damaged;
    none under a modal ("might have to be evacuated")."""
    mentions = [m for m in scan_counts(sent) if not m.modal and (m.governor or m.noun) is not None]
    for category in ("displaced", *_HOUSING_TERMS):
        found = [m for m in mentions if m.count.category == category]
        if found:
            return found[0]
    return None


def figures_without_event(sent: Span, events: list[Event], places: list[Place], published: dt.date | None,
                          ontology: Ontology) -> list[Event]:
    """A figure of displaced people is a displacement claim even when no verb says so ("144,044
    evacuated people", "25,081 IDPs identified"): a DISPLACE record anchored on the figure's words.
    Homes buried or collapsed ("77 houses collapsed") are one too, when no trigger made a record of
    them. A DISPLACE record built on housing does not stop a figure of people from getting its own."""
    if any(e.event == "DISPLACE" and "displaced" in e.size and e.mode not in _HOUSING_TERMS.values()
           for e in events):
        return []
    mention = _first_figure(sent)
    if mention is None:
        return []
    count = mention.count
    housing = count.category in _HOUSING_TERMS
    if housing and any(e.event == "DISPLACE" and "displaced" in e.size for e in events):
        return []
    anchor = mention.governor or mention.noun
    assert anchor is not None  # _first_figure keeps only mentions with one
    timing = resolve_time(sent, anchor, published)
    modality = modality_of(anchor, ontology)
    inside = [p for p in places if p.start >= sent.start_char and p.end <= sent.end_char]
    place = attach_event_place(anchor, inside)
    mode = _HOUSING_TERMS[count.category] if housing else (mention.term or "displaced").lower()
    displaced = replace(count, category="displaced")
    return [Event(
        id="", doc_id="", event="DISPLACE", mode=mode,
        context=["migration"], event_loc=place, date_info=timing.date_info,
        size={"displaced": displaced}, modality=modality.modality, specificity="aggregate",
        historical=timing.historical, attribution=modality.attribution, event_text=count.text,
        text=span_text(sent), start=sent.start_char, end=sent.end_char, trigger_start=count.start,
        trigger_end=count.end,
        confidence=_HOUSING_CONFIDENCE * 0.9 if housing else _PEOPLE_FIGURE_CONFIDENCE)]


def housing_loss(event: Event) -> Event | None:
    """Homes destroyed or damaged are displacement as IDMC counts it (its "Destroyed Housing" and
    "Partially Destroyed Housing" terms, in households): the destruction keeps its own record and a
    DISPLACE record carries the housing figure, ranked below any record of people displaced."""
    if event.event not in ("COERCE", "ASSAULT"):
        return None
    for category, term in _HOUSING_TERMS.items():
        count = event.size.get(category)
        if count is not None:
            return replace(event, event="DISPLACE", mode=term, context=["migration"],
                           size={"displaced": count}, cameo=None, acled=None,
                           confidence=min(event.confidence * 0.9, _HOUSING_CONFIDENCE))
    return None
