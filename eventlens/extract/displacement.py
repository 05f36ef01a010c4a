"""Displacement claims that no displacement verb states: figures of displaced people standing alone
("144,044 evacuated people"), and homes destroyed or damaged, which IDMC counts as displacement."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

from spacy.tokens import Span

from ..records import Event, Place
from ..resolve.counts import scan_counts
from ..resolve.eventplace import attach_event_place
from ..resolve.time import resolve_time
from .modality import modality_of
from .ontology import Ontology


def figures_without_event(sent: Span, events: list[Event], places: list[Place], published: dt.date | None,
                          ontology: Ontology) -> list[Event]:
    """A figure of displaced people is a displacement claim even when no verb says so ("144,044
    evacuated people", "25,081 IDPs identified"): a DISPLACE record anchored on the figure's words."""
    if any(e.event == "DISPLACE" and "displaced" in e.size for e in events):
        return []
    out = []
    for mention in scan_counts(sent):
        count = mention.count
        if count.category != "displaced" or mention.modal:
            continue
        anchor = mention.governor or mention.noun
        if anchor is None:
            continue
        timing = resolve_time(sent, anchor, published)
        modality = modality_of(anchor, ontology)
        inside = [p for p in places if p.start >= sent.start_char and p.end <= sent.end_char]
        place = attach_event_place(anchor, inside)
        out.append(Event(
            id="", doc_id="", event="DISPLACE", mode=(mention.term or "displaced").lower(),
            context=["migration"], event_loc=place, date_info=timing.date_info,
            size={"displaced": count}, modality=modality.modality, specificity="aggregate",
            historical=timing.historical, attribution=modality.attribution, event_text=count.text,
            text=sent.text, start=sent.start_char, end=sent.end_char, trigger_start=count.start,
            trigger_end=count.end, confidence=0.45))
        break
    return out


_HOUSING_TERMS = {"destroyed_housing": "destroyed housing", "damaged_housing": "partially destroyed housing"}


def housing_loss(event: Event) -> Event | None:
    """Homes destroyed or damaged are displacement as IDMC counts it (its "Destroyed Housing" and
    "Partially Destroyed Housing" terms, in households): the destruction keeps its own record and a
    DISPLACE record carries the housing figure."""
    if event.event not in ("COERCE", "ASSAULT"):
        return None
    for category, term in _HOUSING_TERMS.items():
        count = event.size.get(category)
        if count is not None:
            return replace(event, event="DISPLACE", mode=term, context=["migration"],
                           size={"displaced": count}, cameo=None, acled=None,
                           confidence=event.confidence * 0.9)
    return None
