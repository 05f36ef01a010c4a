"""Doc -> event records: triggers, their participants resolved to actors, place, time, counts, modality.

This is the body of the ``eventlens_events`` spaCy component. It reads what earlier components left on
the Doc (entities with actor ids from ``eventlens_actors``, ``Doc._.places`` from ``eventlens_places``)
and writes ``Doc._.events`` and ``Doc._.relations``. Records carry an empty ``doc_id`` here; the
pipeline stamps the article id and derives stable record ids (``pipeline.finalize``).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Span, Token

from ..records import ActorEntity, Count, Event, Place, Relation
from ..resolve.acled import acled_for
from ..resolve.actors import ActorKnowledge, DocActors, resolve_actor
from ..resolve.counts import displacement_term, find_counts
from ..resolve.places import attach_event_place
from ..resolve.time import resolve_time
from .modality import modality_of, specificity_of
from .ontology import Ontology
from .participants import participants, phrase_span
from .relations import find_relations
from .triggers import TriggerMatch, find_triggers

log = logging.getLogger(__name__)

_PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
_OTHER_PRONOUNS = {"it", "its", "they", "them", "their", "this", "that", "these", "those", "who",
                   "which", "we", "us", "i", "me", "you", "one", "itself", "themselves"}
# the counts that belong with each event type when the count is not inside a participant phrase
_COUNT_FOR_TYPE = {
    "ASSAULT": {"killed", "injured", "abducted", "dead", "wounded", "missing"},
    "DISPLACE": {"displaced", "affected", "homeless", "evacuated", "returned"},
    "COERCE": {"arrested", "detained", "abducted"},
    "MOBILIZE": {"troops", "fighters"},
    "PROTEST": {"protesters", "participants"},
}


@dataclass
class DocContext:
    """What the extractor remembers across the sentences of one article."""

    knowledge: ActorKnowledge
    ontology: Ontology
    published: dt.date | None
    places: list[Place]
    doc_actors: DocActors
    last_person: ActorEntity | None = None
    historical_frame: bool = False  # an earlier sentence set the narrative in the past
    events: list[Event] = field(default_factory=list)


def _places_in(places: list[Place], start: int, end: int) -> list[Place]:
    return [p for p in places if p.start >= start and p.end <= end]


def _is_place(token: Token, places: list[Place]) -> bool:
    return any(p.start <= token.idx < p.end for p in places)


def _entity_for(head: Token, ctx: DocContext, *, as_recipient: bool) -> ActorEntity | None:
    low = head.lower_
    if head.pos_ == "PRON" or low in _OTHER_PRONOUNS:
        if low in _PERSON_PRONOUNS and ctx.last_person is not None:
            return replace(ctx.last_person, entity_text=head.text, start=head.idx,
                           end=head.idx + len(head.text))
        return None
    if _is_place(head, ctx.places) and not head.ent_id_:
        # a place is never an actor; a country used as an agent is resolved by the actor knowledge
        span = phrase_span(head)
        actor = resolve_actor(span, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if actor is not None and actor.kind == "state" and actor.actor_id:
            return actor
        return None
    span = phrase_span(head)
    actor = resolve_actor(span, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
    if actor is not None:
        return actor
    if as_recipient and head.pos_ in ("NOUN", "PROPN") and not head.like_num:
        # a target that is not an actor ("hospitals, schools and houses"): kept with its words only
        return ActorEntity(entity_text=span.text, start=span.start_char, end=span.end_char)
    return None


def _update_person(sent: Span, ctx: DocContext) -> None:
    for ent in sent.ents:
        if ent.label_ != "PERSON":
            continue
        actor = resolve_actor(ent, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if actor is not None:
            ctx.last_person = actor


def _tense_is_past(token: Token) -> bool:
    verbs = [token] if token.pos_ in ("VERB", "AUX") else [token.head]
    for v in verbs:
        if v.tag_ == "VBD" and not any(c.lower_ in ("have", "has") for c in v.children):
            return True
        if any(c.tag_ == "VBD" and c.dep_ in ("aux", "auxpass") and c.lower_ not in ("had",)
               for c in v.children):
            return True
    return False


def _counts_for(match: TriggerMatch, sent: Span, spans: list[Span]) -> dict[str, Count]:
    size: dict[str, Count] = {}
    wanted = _COUNT_FOR_TYPE.get(match.trigger.event, set())
    for count in find_counts(sent, trigger=match.token):
        inside = any(s.start_char <= count.start and count.end <= s.end_char for s in spans)
        if (inside or count.category in wanted) and count.category not in size:
            size[count.category] = count
    return size


def _mode(match: TriggerMatch, sent: Span) -> str | None:
    if match.trigger.event == "DISPLACE":
        term = displacement_term(sent, match.token)
        if term:
            return term.lower()
    return match.trigger.mode


def extract_sentence(sent: Span, ctx: DocContext) -> tuple[list[Event], list[Relation]]:
    events: list[Event] = []
    doc = sent.doc
    sent_places = _places_in(ctx.places, sent.start_char, sent.end_char)
    for match in find_triggers(sent, ctx.ontology):
        parts = participants(match)
        actors = [a for h in parts.agents if (a := _entity_for(h, ctx, as_recipient=False))]
        recipients = [a for h in parts.patients if (a := _entity_for(h, ctx, as_recipient=True))]
        spans = [phrase_span(h) for h in parts.agents + parts.patients]
        size = _counts_for(match, sent, spans)
        place = attach_event_place(match.token, sent_places,
                                   participants=[*parts.agents, *parts.patients])
        timing = resolve_time(sent, match.token, ctx.published)
        date_info, historical = timing.date_info, timing.historical
        if (not historical and ctx.historical_frame and date_info.basis == "publication"
                and _tense_is_past(match.token)):
            historical = True  # the narrative is still in the past the article set earlier
        modality = modality_of(match.token, ctx.ontology)
        low = max((c.low or 0 for c in size.values()), default=None)
        plural = len(parts.patients) > 1 or any(t.tag_ in ("NNS", "NNPS") for t in parts.patients)
        specificity = specificity_of(match.token, ctx.ontology, count_low=low, plural_patients=plural)
        trig_start = min(t.idx for t in match.tokens)
        trig_end = max(t.idx + len(t.text) for t in match.tokens)
        if trig_end - trig_start > 40:  # a phrasal verb spread over a clause: quote the verb alone
            trig_start, trig_end = match.start_char, match.end_char
        confidence = 0.45 + 0.15 * bool(actors) + 0.1 * bool(recipients) + 0.1 * bool(place) + (
            0.1 if match.is_verb else 0.05) - (0.1 if modality.modality != "asserted" else 0.0)
        event = Event(
            id="", doc_id="", event=match.trigger.event, mode=_mode(match, sent),
            context=list(match.trigger.context),
            actor=actors, recipient=recipients, event_loc=place, date_info=date_info, size=size,
            modality=modality.modality, specificity=specificity, historical=historical,
            attribution=modality.attribution,
            event_text=doc.text[trig_start:trig_end], text=sent.text,
            start=sent.start_char, end=sent.end_char, trigger_start=trig_start, trigger_end=trig_end,
            cameo=match.trigger.cameo, acled=None, confidence=max(0.05, min(confidence, 0.95)),
        )
        event.acled = acled_for(match.trigger, event)
        events.append(event)
    relations = find_relations(sent, events, ctx)
    return events, relations


def extract_doc(doc: Doc, ctx: DocContext) -> tuple[list[Event], list[Relation]]:
    events: list[Event] = []
    relations: list[Relation] = []
    for sent in doc.sents:
        if not sent.text.strip():
            continue
        _update_person(sent, ctx)
        sent_events, sent_relations = extract_sentence(sent, ctx)
        events += sent_events
        relations += sent_relations
        # the narrative frame: explicit historical time sets it, a present-tense or dated-now sentence ends it
        root = sent.root
        if any(e.historical and e.date_info and e.date_info.basis != "publication" for e in sent_events):
            ctx.historical_frame = True
        elif _sentence_sets_history(sent, ctx):
            ctx.historical_frame = True
        elif root.tag_ in ("VBZ", "VBP") or any(c.lower_ in ("has", "have") for c in root.children):
            ctx.historical_frame = False
    ctx.events = events
    return events, relations


def _sentence_sets_history(sent: Span, ctx: DocContext) -> bool:
    """A sentence with no event can still move the narrative into the past ("In the early days of …")."""
    timing = resolve_time(sent, sent.root, ctx.published)
    return bool(timing.historical)
