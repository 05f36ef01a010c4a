"""Which place an event happened at: the place its own clause attaches, not simply the nearest toponym.

Order of evidence (``attach_event_place``):
1. a locative prepositional phrase on the trigger or its clause head ("shelled ... in Idlib",
   "cleansed from Idlib", "bombings across the province of Homs"), or a place that owns the trigger's
   object ("Idlib's hospitals were bombed");
2. a place the trigger acts on directly ("shelled Aleppo") or the location attached to one of its
   participants ("civilians in Douma");
3. the nearest place in the same sentence that no other clause claims.
A place that is the *agent* ("backed by Russia", "Iran used Syria") is never the location. Fails when
the parse attaches the phrase to the wrong verb, which the small English model does with long
coordinated sentences.
"""
from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Token

from ..records import Place
from .places import EMBEDDED, token_places

_LOCATIVE = frozenset({"in", "near", "outside", "from", "across", "at", "inside", "around", "throughout",
                       "into", "on", "within", "towards", "toward", "to", "over", "off", "north", "south",
                       "east", "west", "between", "along", "through", "out"})
_AGENT_DEPS = frozenset({"nsubj", "agent", "csubj"})
_OBJECT_DEPS = frozenset({"dobj", "nsubjpass", "obj", "attr", "pobj"})


def _clause_heads(trigger: Token) -> list[Token]:
    """The trigger and the verbs whose clause it belongs to (a nominal trigger's verb, an xcomp's
    governor): "a spate of bombings ... targeting" looks at "bombings" then its verb."""
    heads = [trigger]
    tok = trigger
    for _ in range(3):
        if tok.dep_ in ("xcomp", "conj", "pobj", "dobj", "nsubj", "nsubjpass", "prep", "acomp") \
                and tok.head.i != tok.i:
            tok = tok.head
            heads.append(tok)
            if tok.pos_ in ("VERB", "AUX"):
                break
        else:
            break
    return heads


def _places_under(tok: Token, by_token: dict[int, Place], *, skip_clauses: bool = True) -> list[Place]:
    """Places in ``tok``'s subtree, not descending into relative or adverbial clauses of other verbs."""
    found: list[Place] = []
    stack = [tok]
    while stack:
        cur = stack.pop()
        place = by_token.get(cur.i)
        if place is not None and place not in found:
            found.append(place)
        for child in cur.children:
            if skip_clauses and child.dep_ in ("relcl", "advcl", "ccomp", "acl"):
                continue
            stack.append(child)
    return sorted(found, key=lambda p: p.start)


def _is_agent(tok: Token) -> bool:
    if tok.dep_ in _AGENT_DEPS:
        return True
    return tok.dep_ == "pobj" and tok.head.lower_ == "by"


def attach_event_place(trigger: Token, places: list[Place], *,
                       participants: Sequence[Token] = ()) -> Place | None:
    """The place of the event whose trigger is ``trigger``, or None when the sentence gives none.
    A place named inside an organisation ("the Toronto Police") is never the event's place."""
    places = [p for p in places if not (p.reason or "").startswith(EMBEDDED)]
    if not places:
        return None
    doc = trigger.doc
    by_token = token_places(places, doc)
    sent = trigger.sent
    heads = _clause_heads(trigger)
    # 1. Locative phrases and possessors on the trigger or its clause head.
    for head in heads:
        for child in head.children:
            if child.dep_ == "prep" and child.lower_ in _LOCATIVE:
                found = _places_under(child, by_token)
                if found:
                    return found[0]
            if child.dep_ in ("dobj", "nsubjpass", "nsubj"):
                owners = [by_token[g.i] for g in child.children if g.dep_ == "poss" and g.i in by_token]
                if owners:
                    return owners[0]
                for grand in child.children:
                    if grand.dep_ == "prep" and grand.lower_ in _LOCATIVE:
                        found = _places_under(grand, by_token)
                        if found:
                            return found[0]
        if head.dep_ == "poss" and head.i in by_token:
            return by_token[head.i]
    # 2. The place acted upon, or where a participant is.
    for head in heads:
        for child in head.children:
            if child.dep_ in _OBJECT_DEPS and child.i in by_token:
                return by_token[child.i]
    for part in participants:
        if part.i in by_token and not _is_agent(part) and part.dep_ in _OBJECT_DEPS:
            return by_token[part.i]
        for child in part.children:
            if child.dep_ == "prep" and child.lower_ in _LOCATIVE:
                found = _places_under(child, by_token)
                if found:
                    return found[0]
    # 3. The nearest unclaimed place in the sentence.
    own = {t.i for t in heads}
    best: tuple[int, Place] | None = None
    for tok in sent:
        place = by_token.get(tok.i)
        if place is None or _is_agent(tok):
            continue
        if not _unclaimed(tok, own):
            continue
        distance = abs(tok.i - trigger.i)
        if best is None or distance < best[0]:
            best = (distance, place)
    return best[1] if best else None


def _unclaimed(tok: Token, own: set[int]) -> bool:
    """A place is claimed by another clause when the first verb above it is not the trigger's clause
    and that verb is not an ancestor of the trigger (the trigger's own clause may sit inside it)."""
    cur = tok.head
    while cur.i != cur.head.i and cur.pos_ not in ("VERB", "AUX") and cur.i not in own:
        cur = cur.head
    if cur.i in own:
        return True
    trigger_ancestors = {a.i for i in own for a in tok.doc[i].ancestors}
    return cur.i in trigger_ancestors and cur.pos_ in ("VERB", "AUX") and tok.dep_ not in _AGENT_DEPS
