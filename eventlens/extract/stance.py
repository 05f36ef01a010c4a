"""Statements about action as PLOVER codes them: intent, obligation and conditional threat.

PLOVER codes what a statement does, not only what it is about. "Portugal will support Turkey's bid" and
"Norway is willing to send material" express an intent to cooperate: AGREE. "Libya must hand over the
suspects", said by a minister, is a demand: REQUEST, from the speaker to Libya. "Nigeria will withdraw its
force unless a ceasefire is arranged" is a conditional threat: THREATEN. A hostile act announced for the
future without a condition keeps its type with modality ``future``, so users can still find planned
attacks by type.

Where it fails: intent stated across sentences, and irony; obligation without a speaker ("troops must
leave") is coded with no actor.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, head_ids, token_words, tokens
from ..records import ActorEntity, Event
from .ontology import Ontology

COOPERATIVE = {"SUPPORT", "COOPERATE", "AID", "CONSULT", "CONCEDE", "RETREAT", "AGREE"}
HOSTILE = {"ASSAULT", "COERCE", "SANCTION", "MOBILIZE", "DISPLACE", "REJECT", "PROTEST"}
OBLIGATION_AUX = {"must", "should", "ought"}
OBLIGATION_VERBS = {"have", "need"}  # "have to", "need to"
CONDITION_MARKS = ("unless", "if")
APPEAL_VERBS = {"want", "wish", "ask", "urge", "request", "press", "pressure", "encourage", "invite", "beg"}


def _governors(token: Token, limit: int = 4) -> list[Token]:
    toks, heads = tokens(token.doc), head_ids(token.doc)
    out = []
    cur = token
    while heads[cur.i] != cur.i and len(out) < limit and cur.dep_ in (
            "xcomp", "ccomp", "conj", "acl", "pcomp", "pobj", "prep", "advcl"):
        cur = toks[heads[cur.i]]
        out.append(cur)
    return out


def _intent_governed(token: Token, ontology: Ontology) -> bool:
    intent = ontology.words("intent_words")
    return any(g.lemma_.lower() in intent or g.lower_ in intent for g in _governors(token))


def _obliged(token: Token) -> bool:
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    if any(c.dep_ == "aux" and c.lower_ in OBLIGATION_AUX for c in children_of(verb)):
        return True
    head = verb.head
    # "have to"/"need to" oblige; "had to be evacuated" reports what happened
    return (verb.dep_ == "xcomp" and head.lemma_.lower() in OBLIGATION_VERBS
            and head.tag_ in ("VBP", "VBZ", "VB") and any(c.lower_ == "to" for c in children_of(verb)))


def _conditional(token: Token, marks: tuple[str, ...] = tuple(CONDITION_MARKS)) -> bool:
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    for v in (verb, *_governors(verb, 2)):
        for child in children_of(v):
            if child.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in marks
                                             for m in children_of(child)):
                return True
    return False


def _speaker(event: Event) -> list[ActorEntity]:
    if event.attribution and event.attribution.source:
        return [ActorEntity(entity_text=event.attribution.source)]
    return []


def apply_stance(event: Event, token: Token, ontology: Ontology,
                 speakers: list[ActorEntity] | None = None,
                 resolve: Callable[[Token], list[ActorEntity]] | None = None) -> Event:
    """Recode one event by what its statement does; returns the event unchanged if nothing applies."""
    said = "reported" if event.attribution else "asserted"
    refused = any(g.lemma_.lower() in ontology.words("refusal_words") for g in _governors(token, 2))
    if event.event in COOPERATIVE and (refused or (event.modality == "negated" and _announced(token))):
        # "Obama said he would not provide support": a refusal
        return replace(event, event="REJECT", cameo="12", acled=None, modality=said)
    if event.modality in ("negated", "counterfactual"):
        return event
    requester = _appeal(token)
    if requester is not None:
        # "Obama wants Putin to attack": an appeal from the one who wants to the one asked
        subj = [c for c in children_of(requester) if c.dep_ == "nsubj"]
        askers = [a for t in subj for a in resolve(t)] if resolve else []
        return replace(event, event="REQUEST", mode=event.event.lower(), cameo="02", acled=None,
                       actor=askers, recipient=event.actor or event.recipient,
                       modality=said, specificity="specific")
    if event.actor and any(a.kind in ("protesters", "rioters") for a in event.actor) and (
            event.event in ("ASSAULT", "COERCE")):
        # violence by protesters is a riot (CAMEO 145, ACLED "Riots")
        return replace(event, event="PROTEST", mode="riot", cameo="145",
                       acled={"disorder_type": "Demonstrations", "event_type": "Riots",
                              "sub_event_type": "Violent demonstration"})
    if _obliged(token) and event.event not in ("REQUEST",):
        return replace(event, event="REQUEST", mode="demand", cameo="10", acled=None,
                       actor=speakers or _speaker(event), recipient=event.actor or event.recipient,
                       modality=said, specificity="specific")
    if event.event in COOPERATIVE and event.event != "AGREE" and (
            event.modality == "future" or _intent_governed(token, ontology)):
        return replace(event, event="AGREE", cameo="03", acled=None, modality=said)
    if event.modality in ("future", "hypothetical") and _conditional(token, ("unless",)):
        # "will withdraw its force unless a ceasefire is arranged": a threat, whatever is threatened
        return replace(event, event="THREATEN", cameo="13", acled=None, modality=said,
                       mode=(event.mode or event.event.lower()))
    if event.event in HOSTILE and (
            (event.modality in ("future", "hypothetical")
             and (_conditional(token) or (speakers and not event.actor)
                  or _same_actor(speakers or [], event.actor)))
            or _intent_governed(token, ontology)):
        # a hostile act announced by its own actor, or made conditional, is a threat
        return replace(event, event="THREATEN", cameo="13", acled=None, modality=said,
                       mode=(event.mode or event.event.lower()))
    return event


def _announced(token: Token) -> bool:
    """An act the actor says it will or would (not) do."""
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    return any(c.dep_ == "aux" and c.lower_ in ("will", "would", "shall", "'ll", "wo")
               for c in children_of(verb))


def _appeal(token: Token) -> Token | None:
    """The governing verb of "X wants/asks/urges Y to <event>" (object control), or None."""
    verb = token if token.pos_ in ("VERB", "AUX") else token.head
    head = verb.head
    if verb.dep_ == "xcomp" and head.lemma_.lower() in APPEAL_VERBS and any(
            c.dep_ in ("dobj", "nsubj") and c.i < verb.i and c.i > head.i for c in children_of(head)):
        return head
    if verb.dep_ == "ccomp" and head.lemma_.lower() in APPEAL_VERBS and any(
            c.dep_ == "nsubj" for c in children_of(verb)):
        return head
    return None


def _same_actor(speakers: list[ActorEntity], actors: list[ActorEntity]) -> bool:
    for a in speakers:
        for b in actors:
            if a.actor_id and a.actor_id == b.actor_id:
                return True
            if a.country and a.country == b.country and a.sector == b.sector:
                return True
    return False


def obligations(sent: Span, triggered: set[int]) -> list[Token]:
    """Verbs under "must/should/have to" that no trigger covers: demands with no event word
    ("the rebels must reach an agreement")."""
    toks, w = tokens(sent.doc), token_words(sent.doc)
    poses, deps = w.pos, w.dep
    return [toks[i] for i in range(sent.start, sent.end) if poses[i] == "VERB" and i not in triggered
            and _obliged(toks[i]) and deps[i] in ("ccomp", "ROOT", "conj", "xcomp")]
