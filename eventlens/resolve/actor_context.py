"""What the words around an actor say about its country: a place its phrase puts it in ("rebels in the
Ivory Coast"), the countries its sentence names, the article's dominant country, and the perpetrator an
unattributed attack implies. Used by the event extractor after ``resolve_actor`` has read the phrase.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, memo, span_ents, token_words, tokens
from ..records import ActorEntity, Place
from .actor_knowledge import ActorKnowledge

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})

_LOCATED_PREPS = frozenset({"in", "inside", "throughout", "across", "of", "from"})
_LOCATED_VERBS = frozenset({"base", "operate", "station", "live", "deploy", "active"})
NO_COUNTRY_CODES = ("IGO", "NGO", "IMG", "MNC")  # CAMEO codes of actors of no one country


def location_country(head: Token, *, knowledge: ActorKnowledge, places: Sequence[Place]) -> str | None:
    """The country a phrase places its actor in: "rebels in the Ivory Coast", "students throughout
    Indonesia", "a group based in Trinidad", "Albanians of southern Serbia". Read from the places found
    in the sentence, else from a country name."""
    # the head, and the people a quantity counts ("one third of the guerrillas operating in Macedonia")
    heads = [head, *(o for c in children_of(head) if c.dep_ == "prep" and c.lower_ == "of"
                     for o in children_of(c) if o.dep_ == "pobj" and head.lower_ in knowledge.quantity_heads)]
    preps = [c for h in heads for c in children_of(h) if c.dep_ == "prep" and c.lower_ in _LOCATED_PREPS]
    preps += [p for h in heads for c in children_of(h)
              if c.dep_ in ("acl", "amod") and c.lemma_.lower() in _LOCATED_VERBS
              for p in children_of(c) if p.dep_ == "prep" and p.lower_ in _LOCATED_PREPS]
    for prep in preps:
        for obj in (c for c in children_of(prep) if c.dep_ == "pobj"):
            place = next((p for p in places if p.start <= obj.idx < p.end and p.country), None)
            if place is not None:
                return place.country
            words = " ".join(t.text for t in obj.subtree if t.dep_ not in ("det", "amod") or t.i == obj.i)
            hit = knowledge.country_word(words) or knowledge.country_word(obj.text)
            if hit is not None and hit[1] == "name":
                return hit[0]
    return None


def locate(actors: list[ActorEntity], head: Token, *, knowledge: ActorKnowledge,
           places: Sequence[Place]) -> list[ActorEntity]:
    """Actors with no country of their own take the one their phrase places them in; a people named by
    its plural is counted where it lives, as CAMEO codes it: "ethnic Albanians in Serbia" are Serbia's,
    while "Syrian refugees in Turkey" stay Syrian. Where it fails: "Syrians in Turkey" become Turkey's."""
    if not actors or (actors[0].actor_id and actors[0].kind != "civilians"):
        return actors
    first = actors[0]
    plural = knowledge.country_word(head.text)
    ethnic = any(t.lower_ == "ethnic" for t in head.subtree)  # "ethnic Albanian guerrillas in Macedonia"
    if first.country and not ethnic and (first.kind != "civilians" or not plural or plural[1] != "plural"):
        return actors
    if (first.code or "")[:3] in NO_COUNTRY_CODES:
        return actors
    country = location_country(head, knowledge=knowledge, places=places)
    if country is None or country == first.country:
        return actors
    code = country + (first.sector or "")
    if first.code and first.country and first.code.startswith(first.country):
        code = country + first.code[len(first.country):]
    return [replace(first, country=country, code=code, actor_id=None), *actors[1:]]


def sentence_countries(sent: Span, *, knowledge: ActorKnowledge, places: Sequence[Place]) -> set[str]:
    """The countries a sentence names (by name, adjective or demonym) or names a place in.

    Asked once per event, answered once per sentence (kept per Doc for this knowledge and place list)."""
    key = ("sentence_countries", sent.start, sent.end)
    table = memo(sent.doc)
    kept = table.get(key)
    if kept is not None and kept[0] is knowledge and kept[1] is places:
        return set(kept[2])
    found = set()
    toks, texts = tokens(sent.doc), token_words(sent.doc).text
    for i in range(sent.start, sent.end):
        if texts[i][:1].isupper() and toks[i].is_alpha:
            hit = knowledge.country_word(texts[i])
            if hit is not None:
                found.add(hit[0])
    ents = span_ents(sent)
    for ent in ents:
        if len(ent) > 1 and ent.label_ == "GPE" and (hit := knowledge.country_word(ent.text)):
            found.add(hit[0])  # "Sierra Leone", "the Ivory Coast"
    # places the tagger also calls places: a gazetteer match inside a name ("Umma party") is none
    located = [(e.start_char, e.end_char) for e in ents if e.label_ in PLACE_LABELS]
    found |= {p.country for p in places
              if p.country and sent.start_char <= p.start and p.end <= sent.end_char
              and any(a <= p.start < b for a, b in located)}
    table[key] = (knowledge, places, frozenset(found))
    return found


def context_country(roles: Iterable[list[ActorEntity]], countries: set[str], dominant: str | None) -> None:
    """A person or group the knowledge gives no country ("President Dos Sontas", "Judge Alejandro
    Rivera", "rebels") belongs to the one country its sentence names (``countries``), else, if the
    sentence names none, to the article's dominant country. News about one country's politics names that
    country and rarely another; where a sentence names two, nothing is guessed. Where it fails: a foreign
    visitor in a sentence that names only his host. Changes the lists in place."""
    country = next(iter(countries)) if len(countries) == 1 else (None if countries else dominant)
    if not country:
        return
    for role in roles:
        for i, ent in enumerate(role):
            if ent.country or ent.actor_id or (ent.code or "")[:3] in NO_COUNTRY_CODES:
                continue
            if not (ent.sector or ent.kind or ent.name):
                continue  # words that named no actor ("the rights of Palestinians")
            code = ent.code or ent.sector or ""
            role[i] = replace(ent, country=country, code=code if code.startswith(country) else country + code)


def unattributed_attacker(country: str | None, text: str, start: int, end: int) -> ActorEntity | None:
    """The perpetrator of an attack nobody is named for ("a roadside bomb killed …", "was killed in a car
    bomb explosion"): an unidentified armed group of the country it happened in, as ACLED and CAMEO code it
    (UAF). ``text`` and the offsets are the attack's own words, the only evidence there is of it."""
    if not country:
        return None
    return ActorEntity(entity_text=text, name=f"Unidentified armed group ({country})", code=country + "UAF",
                       country=country, sector="UAF", kind="political_militia", start=start, end=end)
