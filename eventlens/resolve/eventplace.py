"""Which place an event happened at: the place its own clause attaches, not simply the nearest toponym.

Every place of the sentence gets a rank (``attach_event_place``), lowest first:
0. a locative prepositional phrase on the trigger or its clause head ("shelled ... in Idlib",
   "bombings across the province of Homs"), the place the trigger acts on and what its object holds
   ("shelled Aleppo", "liberated the village of Tamthil", "Idlib's hospitals were bombed", "the
   compound in Jerusalem's Old City"), or a town that names a nominal trigger ("the Helmand battle");
1. a place inside a clause that hangs on the trigger ("killed while filming in Oaxaca", "killed when
   militants attacked a centre in Piranshahr"), or where a participant is ("civilians in Douma");
2. a place elsewhere in the sentence that no other clause claims.
Inside a rank the finest place wins: news names the town and then its province or country ("in
Syria's Aleppo province", "Lubumbashi in Shaba province", "the Belarus capital Minsk"), and the event
happened in the town. A place that only gives a bearing or a distance ("50 km west of Baghdad") ranks
after the others of its rank.
Never the event's place: a place named inside an organisation ("the Toronto Police"), the agent or a
place that only says where the agent comes from ("Serbs from Croatia bombed the area", "by a Staten
Island police officer"), a place describing a person ("Sanogo, a cab driver from Abidjan, was shot"),
and a country used as an adjective on a noun ("a U.S. airstrike").
When the sentence names no place at all, a town or region of the previous sentence of the same
paragraph is taken ("Clashes broke out in Daraa. Five soldiers were killed."): stories name a place
once and tell several events there.
Fails when the parse attaches a phrase to the wrong verb, which the small English model does with long
coordinated sentences, and on sentences that mention a place in a non-spatial sense.
"""
from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from ..nlp.doccache import (
    children_of,
    doc_text,
    head_ids,
    memo,
    sentence_of,
    span_tokens,
    tokens,
)
from ..records import Place
from .placenames import place_nouns, place_verbs
from .places import EMBEDDED, token_places

_LOCATIVE = frozenset({"in", "near", "outside", "from", "across", "at", "inside", "around", "throughout",
                       "into", "on", "within", "towards", "toward", "to", "over", "off", "north", "south",
                       "east", "west", "between", "along", "through", "out", "upon", "against", "onto",
                       "during", "amid", "among", "behind", "beyond", "by", "outside of", "via"})
_AGENT_DEPS = frozenset({"nsubj", "agent", "csubj"})
_HELD_DEPS = frozenset({"dobj", "nsubjpass", "obj", "attr", "pobj", "oprd", "appos", "npadvmod"})
# Prepositions that put a noun somewhere ("soldiers in Iraq"), as opposed to saying where it comes
# from or what it is for ("Serbs from Croatia", "the envoy for Iraq").
_SCENE = frozenset({"in", "at", "inside", "near", "on", "across", "throughout", "around", "outside",
                    "within"})
# An adverbial clause tells where the event happened when it runs at the same time ("killed while
# filming in Oaxaca"), not when it only dates it ("since the war began in Syria").
_SAME_TIME = frozenset({"while", "whilst", "when", "as", "during", "where"})
# Prepositions whose phrase never holds the scene: a source, a time, a comparison.
_NOT_SCENE = frozenset({"according", "since", "before", "until", "till", "despite", "for", "like", "unlike",
                        "than", "about", "of", "as", "because", "including", "except", "regarding"})
_SKIP_DEPS = frozenset({"relcl", "advcl", "ccomp", "acl"})
# Words that make a place a point of reference rather than the scene: "20 km north of Homs".
_REFERENCE = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
                        "north-east", "north-west", "south-east", "south-west", "km", "kilometers",
                        "kilometres", "miles", "mile", "meters", "metres", "kms", "away", "far", "from"})
# ... and these when they hang on a noun: "the village of Jdeideh near Jenin", "the plant outside Baghdad"
# (on the verb they are the scene: "shot outside his home in Amman").
_NEAR = frozenset({"near", "outside", "close", "nearby"})
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
_TOWNISH = frozenset({"city", "sub-city", None})
# Finer places first; an unresolved name (a village or a facility the gazetteer lacks) counts as a town.
_FINENESS = {"sub-city": 0, "city": 1, None: 1, "admin2": 2, "admin1": 3, "country": 4, "region": 5}


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


def _is_agent(tok: Token) -> bool:
    if tok.dep_ in _AGENT_DEPS:
        return True
    return tok.dep_ == "pobj" and tok.head.lower_ == "by"


def _transitive(verb: Token) -> bool:
    return any(c.dep_ in ("dobj", "obj", "dative") for c in children_of(verb))


def _describes_actor(tok: Token, trigger: Token) -> bool:
    """Is the place only part of the description of who acts or who is acted on? Walks up the noun
    phrase to its verb: through the agent of a transitive verb ("Serbs from Croatia bombed the area"),
    through a by-agent ("shot by a Staten Island police officer"), or through an apposition on a
    person ("Sanogo, a cab driver from Abidjan"). The subject of an intransitive verb keeps its place
    ("Hong Kong people demonstrated"): there the subject's place is the scene; so does a place that a
    scene preposition puts the actor in ("captured by soldiers in northern Iraq"), but not one inside a
    clause describing the actor ("by troops which have their bases in Turkey")."""
    toks, heads = tokens(tok.doc), head_ids(tok.doc)
    cur = tok
    scene = False
    for _ in range(8):
        head = toks[heads[cur.i]]
        if head.i == cur.i:
            return False
        if (cur.dep_ == "pobj" and head.lower_ in _SCENE
                and toks[heads[head.i]].pos_ in ("NOUN", "PROPN", "PRON")):
            scene = True
        if cur.dep_ == "appos" and (head.ent_type_ == "PERSON" or head.pos_ == "PRON" or _aged(head)):
            return True
        if cur.dep_ == "pobj" and head.lower_ == "by" and toks[heads[head.i]].pos_ in ("VERB", "AUX"):
            return not scene
        if head.pos_ in ("VERB", "AUX") and head.dep_ in ("relcl", "acl") and head.i != trigger.i:
            scene = False  # "troops which have their bases in Turkey": the clause describes the noun
            cur = head
            continue
        if head.pos_ in ("VERB", "AUX"):
            return cur.dep_ in _AGENT_DEPS and _transitive(head) and not scene
        cur = head
    return False


def _aged(tok: Token) -> bool:
    """"Kupczyk, 44, an officer": a name with an age in apposition is a person."""
    return any(c.dep_ == "appos" and c.like_num for c in children_of(tok))


def _adjectival_country(tok: Token, place: Place) -> bool:
    """A country name in front of a noun is a nationality ("a U.S. airstrike", "the US firm"), unless
    the noun is a kind of place ("a Hong Kong hotel", "the Taiwan capital")."""
    return place.resolution == "country" and tok.dep_ in ("compound", "amod", "nmod") \
        and tok.head.pos_ in ("NOUN", "PROPN") and tok.head.i > tok.i \
        and tok.head.lower_ not in place_nouns()


def _hyphen_modifier(place: Place, text: str) -> bool:
    """A name joined by a hyphen to the next word makes a modifier that says who, not where
    ("a US-Kurdish operation", "Hindi-speaking migrants", "Aleppo-based fighters")."""
    after = text[place.end:place.end + 2]
    return len(after) == 2 and after[0] in "-‐‑" and after[1].isalpha()


def _is_reference(tok: Token, stop: Token) -> bool:
    """"50 km west of Baghdad", "north of the capital": the place locates another place."""
    cur = tok
    for _ in range(4):
        if cur.i in (stop.i, cur.head.i):
            return False
        cur = cur.head
        if cur.lower_ in _REFERENCE or (cur.lower_ in _NEAR and cur.head.pos_ in ("NOUN", "PROPN")):
            return True
    return False


class _Ranking:
    """Collects candidate places with their rank; ``best`` applies rank, then fineness, then distance."""

    def __init__(self, trigger: Token, by_token: dict[int, Place]) -> None:
        self.trigger = trigger
        self.by_token = by_token
        self.ranks: dict[tuple[int, int], tuple[float, int, int, int]] = {}
        self.places: dict[tuple[int, int], Place] = {}

    def offer(self, tok: Token, rank: float, stop: Token) -> None:
        place = self.by_token.get(tok.i)
        if place is None or _describes_actor(tok, self.trigger) or _adjectival_country(tok, place) \
                or _hyphen_modifier(place, doc_text(tok.doc)):
            return
        phrase = tok
        while phrase.dep_ in ("compound", "flat") and phrase.head.i != phrase.i:
            phrase = phrase.head
        called_place = any(c.dep_ == "appos" and c.lower_ in place_nouns() for c in children_of(phrase))
        if _aged(phrase) or (phrase.head.i == self.trigger.i and phrase.dep_ in ("nsubjpass", "dobj")
                             and self.trigger.lemma_.lower() not in place_verbs()
                             and place.resolution in _TOWNISH and not called_place):
            return  # "Noor Jehan was shot": a town name as the victim of a verb done to people is a person
        if _is_reference(tok, stop):
            rank += 1.5  # after the places of the next rank, before those of the one after
        if tok.dep_ == "poss" and any(t.i in self.by_token and self.by_token[t.i] is not place
                                      for t in tok.head.subtree):
            rank += 0.25  # "Jerusalem's walled Old City", "Syria's Aleppo province": the part is finer
        key = (place.start, place.end)
        value = (rank, _FINENESS.get(place.resolution, 1), abs(tok.i - self.trigger.i), place.start)
        if key not in self.ranks or value < self.ranks[key]:
            self.ranks[key] = value
            self.places[key] = place

    def offer_under(self, tok: Token, rank: float) -> None:
        """Offer the places in ``tok``'s subtree; those inside a clause that describes a noun ("a shop
        they ran in Colombo", "a taxi parked in Florencia") one rank later. Reported speech and
        clauses of other verbs are left out."""
        stack = [(tok, rank)]
        while stack:
            cur, at = stack.pop()
            self.offer(cur, at, tok)
            for child in children_of(cur):
                if child.dep_ == "ccomp":
                    continue
                # a clause describing a noun, or a phrase that is no scene ("a ship en route to Kenya")
                later = child.dep_ in _SKIP_DEPS or (child.dep_ == "prep" and child.lower_ not in _SCENE
                                                     and child.lower_ != "of")
                stack.append((child, at + 1 if later else at))

    def best(self) -> Place | None:
        if not self.ranks:
            return None
        return self.places[min(self.ranks, key=lambda k: self.ranks[k])]


def attach_event_place(trigger: Token, places: list[Place], *,
                       participants: Sequence[Token] = ()) -> Place | None:
    """The place of the event whose trigger is ``trigger``, or None when the sentence gives none.
    A place named inside an organisation ("the Toronto Police") is never the event's place."""
    places = [p for p in places if not (p.reason or "").startswith(EMBEDDED)]
    if not places:
        return _from_previous_sentence(trigger)
    by_token = token_places(places, trigger.doc)
    ranking = _Ranking(trigger, by_token)
    heads = _clause_heads(trigger)
    for head in heads:
        _offer_clause(ranking, head, 0)
        if head.dep_ in ("poss", "compound") and head.i in by_token:
            ranking.offer(head, 0, head)
        for conj in children_of(head):
            if conj.dep_ == "conj" and conj.pos_ in ("VERB", "AUX"):
                # "shot one and wounded five in Fallujah"; with a subject of its own ("nine were killed
                # and 24 others wounded in X") it is a sibling event, mostly at the same place
                own_subject = any(g.dep_ in _SUBJECT_DEPS for g in children_of(conj))
                _offer_clause(ranking, conj, 1 if own_subject else 0, objects=not own_subject)
    for part in participants:
        for child in children_of(part):
            if child.dep_ == "prep" and child.lower_ in _LOCATIVE:
                ranking.offer_under(child, 1)
    own = {t.i for t in heads}
    for tok in span_tokens(sentence_of(trigger)):
        if tok.i in by_token and not _is_agent(tok) and _unclaimed(tok, own):
            ranking.offer(tok, 2, tok)
    return ranking.best()


def _offer_clause(ranking: _Ranking, head: Token, rank: float, *, objects: bool = True) -> None:
    """Offer the places of one clause: locative phrases and (with ``objects``) what the verb acts on at
    ``rank``, same-time clauses and the other phrases one rank later."""
    for child in children_of(head):
        held = objects and (child.dep_ in _HELD_DEPS or child.dep_ == "poss")
        if held or (child.dep_ == "prep" and child.lower_ in _LOCATIVE):
            ranking.offer_under(child, rank)
        elif objects and child.dep_ == "compound" and head.pos_ == "NOUN":
            ranking.offer(child, rank, head)  # "the Helmand battle"
        elif child.dep_ == "agent":  # "wounded by a bomb in Khaldiyah"; the agent's origin is dropped
            ranking.offer_under(child, rank)
        elif child.dep_ == "nsubj":
            for prep in children_of(child):  # "battles in Basra killed 66"
                if prep.dep_ == "prep" and prep.lower_ in _SCENE:
                    ranking.offer_under(prep, rank)
        elif child.dep_ == "advcl" and _same_time(child):
            ranking.offer_under(child, rank + 1)
        elif child.dep_ == "prep" and child.lower_ not in _NOT_SCENE:
            ranking.offer_under(child, rank + 1)  # "shot with a gun ... in Moscow", "after clashes in X"


def _same_time(clause: Token) -> bool:
    """"while filming", "when gunmen attacked", "hiding in a hole" (a participle with no conjunction)."""
    markers = [c.lower_ for c in children_of(clause) if c.dep_ in ("mark", "advmod") and c.i < clause.i]
    if markers:
        return any(m in _SAME_TIME for m in markers)
    return clause.tag_ in ("VBG", "VBN") and clause.i > clause.head.i


def _unclaimed(tok: Token, own: set[int]) -> bool:
    """A place is claimed by another clause when the first verb above it is not the trigger's clause
    and that verb is not an ancestor of the trigger (the trigger's own clause may sit inside it)."""
    toks, heads = tokens(tok.doc), head_ids(tok.doc)
    cur = heads[tok.i]
    while cur != heads[cur] and toks[cur].pos_ not in ("VERB", "AUX") and cur not in own:
        cur = heads[cur]
    if cur in own:
        return True
    trigger_ancestors = {a for i in own for a in _ancestors(heads, i)}
    return cur in trigger_ancestors and toks[cur].pos_ in ("VERB", "AUX") and tok.dep_ not in _AGENT_DEPS


def _ancestors(heads: list[int], i: int) -> list[int]:
    """``[a.i for a in doc[i].ancestors]``: the heads above token ``i`` up to its root."""
    out = []
    while heads[i] != i and len(out) < len(heads):
        i = heads[i]
        out.append(i)
    return out


def _from_previous_sentence(trigger: Token) -> Place | None:
    """The place of the story so far, for a sentence that names none: the finest town or region of the
    previous sentence, if it is in the same paragraph and the trigger's own sentence has no place at
    all (not even one the caller set aside as part of an actor). Countries are not carried over: a
    country in the previous sentence is mostly an actor ("Russia said ...").

    The answer depends on the trigger's sentence only, so it is kept per sentence of the Doc."""
    doc = trigger.doc
    sent = sentence_of(trigger)
    table = memo(doc)
    key = ("eventplace.previous", sent.start)
    if key not in table:
        table[key] = _previous_sentence_place(doc, sent)
    return table[key]  # type: ignore[no-any-return]


def _previous_sentence_place(doc: Doc, sent: Span) -> Place | None:
    all_places = [p for p in (getattr(doc._, "places", None) or [])
                  if not (p.reason or "").startswith(EMBEDDED)] if doc.has_extension("places") else []
    if not all_places or sent.start == 0:
        return None
    if any(sent.start_char <= p.start < sent.end_char for p in all_places):
        return None
    previous = sentence_of(tokens(doc)[sent.start - 1])
    if "\n" in doc_text(doc)[previous.end_char:sent.start_char] or any(
            t.is_space and "\n" in t.text for t in span_tokens(previous)):
        return None
    inside = [p for p in all_places if previous.start_char <= p.start < previous.end_char
              and p.resolution in ("sub-city", "city", "admin2", "admin1")]
    if not inside:
        return None
    by_token = token_places(inside, doc)
    root = previous.root
    ranking = _Ranking(root, by_token)
    for tok in span_tokens(previous):
        if tok.i in by_token:
            ranking.offer(tok, 0 if _unclaimed(tok, {root.i}) else 1, tok)
    return ranking.best()
