"""Actor-to-actor relations: supports, leads, part_of, proxy_of, allied_with, opposes.

Three sources. Events: a SUPPORT event between two actors is a "supports" relation; an attack by one
armed actor on another is "opposes". Stated relations (``stated_relations``): "the fight against Y",
"efforts to defeat Y", "in support of Y", "X, together with Y", with the doer found in the parse; where
they name another doer for an event's words, they win. Patterns over the parse: "X, the leader of Y" /
"Y leader X" (leads), "the Quds Force of the IRGC" / "X, a unit of Y" (part_of), "its proxy force
Hezbollah" (proxy_of), "X and its allies Y" / "X, an ally of Y" (allied_with). Relation words are
data-light lists here because they are closed classes of English, not knowledge about actors.

Where it fails: relations stated across sentences, and possessive pronouns whose antecedent is not the
subject of the same sentence.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, head_ids, span_tokens, token_words, tokens
from ..records import ActorEntity, Event, Relation, stable_id
from .stated_relations import (
    GROUP_PRONOUNS,
    GROUP_WORDS,
    SYMMETRIC,
    by_peaceful_means,
    combatant,
    individual,
    is_actor,
    is_operation,
    make_relation,
    named_antecedent,
    official,
    resolve_token,
    same_actor,
    stated_relations,
)

if TYPE_CHECKING:
    from .events import DocContext

LEADER_NOUNS = {"leader", "commander", "head", "chief", "founder", "president", "chairman", "emir",
                "general", "secretary-general", "spokesman", "spokesperson", "minister", "boss", "director"}
PART_NOUNS = {"unit", "branch", "wing", "arm", "faction", "division", "brigade", "battalion", "member",
              "affiliate", "offshoot", "subsidiary", "part", "element", "force", "forces"}
PROXY_NOUNS = {"proxy", "proxies"}
ALLY_NOUNS = {"ally", "allies", "partner", "partners"}
BACKING_MODES = {"backing"}
def _hostile(event: Event) -> bool:
    return event.event in ("ASSAULT", "THREATEN") or (event.event == "COERCE" and event.mode == "seize")


def _peaceful(event: Event, sent: Span) -> bool:
    trigger = sent.doc.char_span(event.trigger_start, event.trigger_end, alignment_mode="expand")
    return trigger is not None and len(trigger) > 0 and by_peaceful_means(trigger.root)


def _modifier_only(a: ActorEntity, sent: Span) -> bool:
    """The actor's words are one adjective modifying something else ("the Syrian town")."""
    if a.start is None or a.end is None:
        return False
    span = sent.doc.char_span(a.start, a.end)
    return span is not None and len(span) == 1 and span[0].pos_ == "ADJ" and span[0].dep_ == "amod"


def _from_events(events: list[Event], sent: Span) -> list[Relation]:
    out: list[Relation] = []
    for event in events:
        first = len(out)
        for src in event.actor:
            for tgt in event.recipient:
                if not (is_actor(src) and is_actor(tgt)) or same_actor(src, tgt):
                    continue
                if _modifier_only(src, sent) or _modifier_only(tgt, sent):
                    continue  # "liberated the Syrian town": the adjective names a place, not a party
                if event.event in ("SUPPORT", "COOPERATE") and (
                        event.mode not in BACKING_MODES or "person" in (src.kind, tgt.kind)):
                    continue  # praise and recognition are no support; ministers meeting are no allies
                if event.event in ("SUPPORT", "AID", "COOPERATE") and (
                        individual(src, sent) or individual(tgt, sent) or is_operation(tgt)):
                    continue
                if event.event == "SUPPORT" or (event.event == "AID" and event.mode == "military"):
                    out.append(make_relation("supports", src, tgt, sent, event.modality))
                elif event.event == "COOPERATE":
                    out.append(make_relation("allied_with", src, tgt, sent, event.modality))
                elif (_hostile(event) and combatant(src) and combatant(tgt)
                      and not (official(src, sent) or official(tgt, sent) or _peaceful(event, sent))):
                    # fighting between two parties that can fight: not an attack on civilians or things
                    out.append(make_relation("opposes", src, tgt, sent, event.modality))
        for rel in out[first:]:  # the trigger is the evidence
            rel.evidence_start, rel.evidence_end = event.trigger_start, event.trigger_end
        # "a spate of bombings by the Assad regime, backed by Russia and Iran": SUPPORT whose recipient
        # is not an actor supports the agent of the noun it modifies
        if (event.event == "SUPPORT" and not any(is_actor(r) for r in event.recipient)
                and event.event_text.lower().endswith("ed")):
            for other in events:
                if other is event or other.event != "ASSAULT":
                    continue
                for src in event.actor:
                    for tgt in other.actor:
                        if is_actor(src) and is_actor(tgt) and not same_actor(src, tgt):
                            rel = make_relation("supports", src, tgt, sent, event.modality)
                            rel.evidence_start, rel.evidence_end = event.trigger_start, event.trigger_end
                            out.append(rel)
    return out


def _owner(tok: Token, sent: Span, ctx: DocContext) -> ActorEntity | None:
    """The possessor of a relation noun: a name, or for "its"/"their" the subject of the sentence."""
    for child in children_of(tok):
        if child.dep_ == "poss":
            if child.pos_ == "PRON":
                # "its"/"their": the nearest subject before it that names an actor
                for subj in reversed([t for t in span_tokens(sent) if t.dep_ == "nsubj" and t.i < child.i
                                      and t.pos_ != "PRON"]):
                    actor = resolve_token(subj, ctx)
                    if is_actor(actor):
                        return actor
                return None
            return resolve_token(child, ctx)
    return None


def _named(tok: Token, ctx: DocContext) -> list[ActorEntity]:
    """The actors a relation noun names: appositions and compound names ("its proxy force Hezbollah")."""
    found: list[ActorEntity] = []
    cands = [c for c in children_of(tok) if c.dep_ in ("appos",)]
    if tok.dep_ in ("compound", "appos") and tok.head.pos_ == "PROPN":
        cands.append(tok.head)
    for c in list(cands):
        cands += c.conjuncts
    for c in cands:
        a = resolve_token(c, ctx)
        if is_actor(a):
            found.append(a)  # type: ignore[arg-type]
    return found


_PATTERN_WORDS = LEADER_NOUNS | PROXY_NOUNS | ALLY_NOUNS


def _patterns(sent: Span, ctx: DocContext) -> list[Relation]:
    out: list[Relation] = []
    toks, heads, w = tokens(sent.doc), head_ids(sent.doc), token_words(sent.doc)
    lemmas, lowers, deps = w.lemma, w.lower, w.dep
    for i in range(sent.start, sent.end):
        low, lower = lemmas[i], lowers[i]
        if not (low in _PATTERN_WORDS or lower in _PATTERN_WORDS or (
                deps[i] == "pobj" and lowers[heads[i]] == "of" and deps[heads[i]] == "prep")):
            continue  # no relation noun and no "of" phrase: none of the patterns below can apply
        tok = toks[i]
        if low in LEADER_NOUNS or tok.lower_ in LEADER_NOUNS:
            # "Soleimani, the leader of the Quds Force" (appos) / "Hezbollah leader Nasrallah" (compound)
            led = [p for prep in children_of(tok) if prep.dep_ == "prep" and prep.lower_ == "of"
                   for p in children_of(prep) if p.dep_ == "pobj"]
            person: Token | None = None
            if tok.dep_ == "appos":
                person = tok.head
            elif tok.dep_ == "compound" and tok.head.ent_type_ == "PERSON":
                person = tok.head
                led += [c for c in children_of(tok) if c.dep_ in ("compound", "poss")]
            if person is not None:
                src = resolve_token(person, ctx)
                for org in led:
                    tgt = resolve_token(org, ctx)
                    if is_actor(src) and is_actor(tgt) and not same_actor(src, tgt):  # type: ignore[arg-type]
                        out.append(make_relation("leads", src, tgt, sent))  # type: ignore[arg-type]
        if tok.lower_ in PROXY_NOUNS or low in PROXY_NOUNS:
            owner = _owner(tok, sent, ctx)
            head = tok.head if tok.dep_ in ("compound", "amod") else tok
            proxies = _named(head, ctx) + (_named(tok, ctx) if head is not tok else [])
            if head is not tok:
                owner = owner or _owner(head, sent, ctx)
            for proxy in proxies:
                if is_actor(owner) and not same_actor(proxy, owner):  # type: ignore[arg-type]
                    out.append(make_relation("proxy_of", proxy, owner, sent))  # type: ignore[arg-type]
        if tok.lower_ in ALLY_NOUNS or low in ALLY_NOUNS:
            owner = _owner(tok, sent, ctx)
            allies = _named(tok, ctx)
            if tok.dep_ == "appos":
                a = resolve_token(tok.head, ctx)
                allies = [a] if is_actor(a) else []  # type: ignore[list-item]
                of = [p for prep in children_of(tok) if prep.lower_ == "of" for p in children_of(prep)]
                owner = resolve_token(of[0], ctx) if of else owner
            for ally in allies:
                if is_actor(owner) and not same_actor(ally, owner):  # type: ignore[arg-type]
                    out.append(make_relation("allied_with", ally, owner, sent))  # type: ignore[arg-type]
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.dep_ == "prep":
            # "the Quds Force of the Islamic Revolutionary Guard Corps": an organisation of another
            part = tok.head.head
            if part.pos_ == "PROPN" or part.lemma_.lower() in PART_NOUNS:
                whole_a = resolve_token(tok, ctx)
                part_a = resolve_token(part if part.pos_ == "PROPN" else part.head, ctx)
                if (is_actor(whole_a) and is_actor(part_a) and not same_actor(part_a, whole_a)  # type: ignore[arg-type]
                        and whole_a.kind not in (None, "civilians")  # type: ignore[union-attr]
                        and part_a.kind not in (None, "civilians")):  # type: ignore[union-attr]
                    out.append(make_relation("part_of", part_a, whole_a, sent))  # type: ignore[arg-type]
    return out


def find_relations(sent: Span, events: list[Event], ctx: DocContext) -> list[Relation]:
    stated = stated_relations(sent, ctx)
    rels = stated + _agree(_from_events(events, sent), stated) + _patterns(sent, ctx)
    # a pronoun whose antecedent is named in the sentence is stated through the names, not the pronoun
    lowers, toks = token_words(sent.doc).lower, tokens(sent.doc)
    named = {toks[i].idx for i in range(sent.start, sent.end)
             if lowers[i] in GROUP_PRONOUNS and named_antecedent(toks[i], sent, ctx)}
    # an attacker known only by the attack's own words ("a roadside bomb killed ...") is no named party
    triggers = {(e.trigger_start, e.trigger_end) for e in events}
    seen: set[tuple[str, ...]] = set()
    out: list[Relation] = []
    for rel in rels:
        if any((end.start in named and end.entity_text in GROUP_WORDS) or (end.start, end.end) in triggers
               for end in (rel.source, rel.target)):
            continue
        ends = (f"{rel.source.actor_id or rel.source.entity_text}@{rel.source.start}",
                f"{rel.target.actor_id or rel.target.entity_text}@{rel.target.start}")
        # opposes and allied_with are symmetric: one record per pair of mentions
        key = (rel.kind, *(sorted(ends) if rel.kind in SYMMETRIC else ends))
        if key not in seen:
            seen.add(key)
            out.append(rel)
    return out


def _agree(from_events: list[Relation], stated: list[Relation]) -> list[Relation]:
    """Event relations the stated ones do not contradict. The stance reading of a trigger climbs the
    parse to its doer ("enemy fighters firing on Iraqi forces"); where it names another doer for the same
    words and target, it wins. Two parties stated to be on one side are not opposed."""
    def who(a: ActorEntity) -> str:
        return a.actor_id or (a.name or a.entity_text or "").lower()

    doers: dict[tuple[int | None, int | None], set[int | None]] = {}
    for r in stated:
        if r.kind == "opposes":
            doers.setdefault((r.evidence_start, r.target.start), set()).add(r.source.start)
    friends = {frozenset((who(r.source), who(r.target))) for r in stated
               if r.kind in ("supports", "allied_with")}
    out = []
    for rel in from_events:
        if rel.kind == "opposes":
            doer = doers.get((rel.evidence_start, rel.target.start))
            if ((doer is not None and rel.source.start not in doer)
                    or frozenset((who(rel.source), who(rel.target))) in friends):
                continue
        out.append(rel)
    return out


def relation_id(doc_id: str, rel: Relation) -> str:
    return stable_id("rel", doc_id, rel.kind, rel.start, rel.source.entity_text, rel.target.entity_text)
