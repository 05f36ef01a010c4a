"""Actor-to-actor relations: supports, leads, part_of, proxy_of, allied_with, opposes.

Two sources. Events: a SUPPORT event between two actors is a "supports" relation; an attack by one armed
actor on another is "opposes". Patterns over the parse: "X, the leader of Y" / "Y leader X" (leads),
"the Quds Force of the IRGC" / "X, a unit of Y" (part_of), "its proxy force Hezbollah" (proxy_of),
"X and its allies Y" / "X, an ally of Y" (allied_with). Relation words are data-light lists here because
they are closed classes of English, not knowledge about actors.

Where it fails: relations stated across sentences, and possessive pronouns whose antecedent is not the
subject of the same sentence.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from spacy.tokens import Span, Token

from ..records import ActorEntity, Event, Relation, stable_id
from ..resolve.actors import resolve_actor
from .participants import phrase_span

if TYPE_CHECKING:
    from .events import DocContext

LEADER_NOUNS = {"leader", "commander", "head", "chief", "founder", "president", "chairman", "emir",
                "general", "secretary-general", "spokesman", "spokesperson", "minister", "boss", "director"}
PART_NOUNS = {"unit", "branch", "wing", "arm", "faction", "division", "brigade", "battalion", "member",
              "affiliate", "offshoot", "subsidiary", "part", "element", "force", "forces"}
PROXY_NOUNS = {"proxy", "proxies"}
ALLY_NOUNS = {"ally", "allies", "partner", "partners"}
ARMED = {"state", "rebel", "political_militia", "identity_militia", "external", "military"}


def _is_actor(a: ActorEntity | None) -> bool:
    return a is not None and bool(a.actor_id or a.code or a.country)


def _resolve(tok: Token, ctx: DocContext) -> ActorEntity | None:
    if tok.pos_ == "PRON":
        return None
    return resolve_actor(phrase_span(tok), knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)


def _hostile(event: Event) -> bool:
    return event.event in ("ASSAULT", "THREATEN") or (event.event == "COERCE" and event.mode == "seize")


def _combatant(a: ActorEntity) -> bool:
    return a.kind in ARMED or (a.kind not in ("civilians", "protesters", "media", "ngo", "igo", "person")
                               and a.sector in ("MIL", "REB", "INS", "UAF", "COP", "GOV", "SPY"))


def _same(a: ActorEntity, b: ActorEntity) -> bool:
    if a.actor_id and b.actor_id:
        return a.actor_id == b.actor_id
    return (a.name or a.entity_text) == (b.name or b.entity_text)


def _relation(kind: str, src: ActorEntity, tgt: ActorEntity, sent: Span, modality: str = "asserted",
              ) -> Relation:
    return Relation(id="", doc_id="", kind=kind, source=src, target=tgt, text=sent.text,
                    start=sent.start_char, end=sent.end_char, modality=modality)


def _from_events(events: list[Event], sent: Span) -> list[Relation]:
    out: list[Relation] = []
    for event in events:
        for src in event.actor:
            for tgt in event.recipient:
                if not (_is_actor(src) and _is_actor(tgt)) or _same(src, tgt):
                    continue
                if event.event == "SUPPORT" or (event.event == "AID" and event.mode == "military"):
                    out.append(_relation("supports", src, tgt, sent, event.modality))
                elif event.event == "COOPERATE":
                    out.append(_relation("allied_with", src, tgt, sent, event.modality))
                elif _hostile(event) and _combatant(src) and _combatant(tgt):
                    # fighting between two parties that can fight: not an attack on civilians or things
                    out.append(_relation("opposes", src, tgt, sent, event.modality))
        # "a spate of bombings by the Assad regime, backed by Russia and Iran": SUPPORT whose recipient
        # is not an actor supports the agent of the noun it modifies
        if event.event == "SUPPORT" and not any(_is_actor(r) for r in event.recipient):
            for other in events:
                if other is event or other.event != "ASSAULT":
                    continue
                for src in event.actor:
                    for tgt in other.actor:
                        if _is_actor(src) and _is_actor(tgt) and not _same(src, tgt):
                            out.append(_relation("supports", src, tgt, sent, event.modality))
    return out


def _owner(tok: Token, sent: Span, ctx: DocContext) -> ActorEntity | None:
    """The possessor of a relation noun: a name, or for "its"/"their" the subject of the sentence."""
    for child in tok.children:
        if child.dep_ == "poss":
            if child.pos_ == "PRON":
                # "its"/"their": the nearest subject before it that names an actor
                for subj in reversed([t for t in sent if t.dep_ == "nsubj" and t.i < child.i
                                      and t.pos_ != "PRON"]):
                    actor = _resolve(subj, ctx)
                    if _is_actor(actor):
                        return actor
                return None
            return _resolve(child, ctx)
    return None


def _named(tok: Token, ctx: DocContext) -> list[ActorEntity]:
    """The actors a relation noun names: appositions and compound names ("its proxy force Hezbollah")."""
    found: list[ActorEntity] = []
    cands = [c for c in tok.children if c.dep_ in ("appos",)]
    if tok.dep_ in ("compound", "appos") and tok.head.pos_ == "PROPN":
        cands.append(tok.head)
    for c in list(cands):
        cands += c.conjuncts
    for c in cands:
        a = _resolve(c, ctx)
        if _is_actor(a):
            found.append(a)  # type: ignore[arg-type]
    return found


def _patterns(sent: Span, ctx: DocContext) -> list[Relation]:
    out: list[Relation] = []
    for tok in sent:
        low = tok.lemma_.lower()
        if low in LEADER_NOUNS or tok.lower_ in LEADER_NOUNS:
            # "Soleimani, the leader of the Quds Force" (appos) / "Hezbollah leader Nasrallah" (compound)
            led = [p for prep in tok.children if prep.dep_ == "prep" and prep.lower_ == "of"
                   for p in prep.children if p.dep_ == "pobj"]
            person: Token | None = None
            if tok.dep_ == "appos":
                person = tok.head
            elif tok.dep_ == "compound" and tok.head.ent_type_ == "PERSON":
                person = tok.head
                led += [c for c in tok.children if c.dep_ in ("compound", "poss")]
            if person is not None:
                src = _resolve(person, ctx)
                for org in led:
                    tgt = _resolve(org, ctx)
                    if _is_actor(src) and _is_actor(tgt) and not _same(src, tgt):  # type: ignore[arg-type]
                        out.append(_relation("leads", src, tgt, sent))  # type: ignore[arg-type]
        if tok.lower_ in PROXY_NOUNS or low in PROXY_NOUNS:
            owner = _owner(tok, sent, ctx)
            head = tok.head if tok.dep_ in ("compound", "amod") else tok
            proxies = _named(head, ctx) + (_named(tok, ctx) if head is not tok else [])
            if head is not tok:
                owner = owner or _owner(head, sent, ctx)
            for proxy in proxies:
                if _is_actor(owner) and not _same(proxy, owner):  # type: ignore[arg-type]
                    out.append(_relation("proxy_of", proxy, owner, sent))  # type: ignore[arg-type]
        if tok.lower_ in ALLY_NOUNS or low in ALLY_NOUNS:
            owner = _owner(tok, sent, ctx)
            allies = _named(tok, ctx)
            if tok.dep_ == "appos":
                a = _resolve(tok.head, ctx)
                allies = [a] if _is_actor(a) else []  # type: ignore[list-item]
                of = [p for prep in tok.children if prep.lower_ == "of" for p in prep.children]
                owner = _resolve(of[0], ctx) if of else owner
            for ally in allies:
                if _is_actor(owner) and not _same(ally, owner):  # type: ignore[arg-type]
                    out.append(_relation("allied_with", ally, owner, sent))  # type: ignore[arg-type]
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.dep_ == "prep":
            # "the Quds Force of the Islamic Revolutionary Guard Corps": an organisation of another
            part = tok.head.head
            if part.pos_ == "PROPN" or part.lemma_.lower() in PART_NOUNS:
                whole_a = _resolve(tok, ctx)
                part_a = _resolve(part if part.pos_ == "PROPN" else part.head, ctx)
                if (_is_actor(whole_a) and _is_actor(part_a) and not _same(part_a, whole_a)  # type: ignore[arg-type]
                        and whole_a.kind not in (None, "civilians")  # type: ignore[union-attr]
                        and part_a.kind not in (None, "civilians")):  # type: ignore[union-attr]
                    out.append(_relation("part_of", part_a, whole_a, sent))  # type: ignore[arg-type]
    return out


def find_relations(sent: Span, events: list[Event], ctx: DocContext) -> list[Relation]:
    rels = _from_events(events, sent) + _patterns(sent, ctx)
    seen: set[tuple[str, str, str]] = set()
    out: list[Relation] = []
    for rel in rels:
        key = (rel.kind, rel.source.actor_id or rel.source.entity_text,
               rel.target.actor_id or rel.target.entity_text)
        if key not in seen:
            seen.add(key)
            out.append(rel)
    return out


def relation_id(doc_id: str, rel: Relation) -> str:
    return stable_id("rel", doc_id, rel.kind, rel.start, rel.source.entity_text, rel.target.entity_text)
