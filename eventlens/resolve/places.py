"""Toponyms: find place mentions in a Doc, resolve them against the offline gazetteer, and register
the ``eventlens_places`` spaCy component that sets ``Doc._.places``.

Recognition takes spaCy's GPE/LOC/FAC entities and adds gazetteer matches on capitalised proper-noun
n-grams, because the small English model misses many Middle-Eastern names or calls them PERSON
("Maarat al Numan"). Guards keep out known actors (an ``ent_id_`` from the actor ruler), person names
used elsewhere in the article, demonyms ("Iranian soil") and organisations that the gazetteer does not
know. Disambiguation runs twice: once without context to find the countries and regions an article is
about, then again with them (see ``_score``). The event-location rule lives in ``eventplace.py``.
"""
from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from ..knowledge.gazetteer import GazEntry, Gazetteer, load_gazetteer
from ..records import Place
from ..settings import Settings
from .placenames import (
    level_prefixes_by_size,
    level_words,
    normalise_placename,
    place_stopwords,
    scene_object,
    split_level,
    syntax_level,
)

log = logging.getLogger(__name__)

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
_RELABEL_FROM = frozenset({"PERSON", "ORG", "NORP", "LANGUAGE", "PRODUCT", "WORK_OF_ART", "EVENT"})
_CONNECTORS = frozenset({"al", "el", "an", "ar", "as", "ash", "ad", "at", "az", "ez", "es", "ed", "de",
                         "du", "del", "la", "le", "bin", "bani", "abu", "umm", "um", "ibn", "sur", "-"})
_MAX_NGRAM = 5
# A bare town name found by the gazetteer alone (spaCy saw no entity) must be this big to count,
# unless it lies in a country the article already mentions: small villages are named like words.
_MIN_POP_UNTAGGED = 15_000
_LEVEL_RANK = {"country": 0.3, "region": 0.3, "city": 0.2, "admin1": 0.1, "admin2": 0.0, "sub-city": 0.0}
_WIDE = frozenset({"country", "region"})
# One-word region names that are compass words: never a place inside a longer name ("River North")
_COMPASS = frozenset({"north", "south", "east", "west", "central", "centre", "center", "northern",
                      "southern", "eastern", "western", "middle", "upper", "lower"})
_LOCAL = frozenset({"city", "sub-city", "admin2"})  # levels whose names outrank any town of the same name
# Entities whose names often hold a place ("the Kentucky Department of Education", "Toronto Police").
_HOSTS = frozenset({"ORG", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART"})
_EMBEDDED_MIN_POP = 100_000
_BIG_PLACE = 100_000  # a town this big is rarely also a one-word person's name
# Words between two names that make the second a point of reference, not a container ("40 km north of")
_BEARINGS = frozenset({"km", "kilometres", "kilometers", "miles", "north", "south", "east", "west", "near",
                       "northeast", "northwest", "southeast", "southwest", "outside", "from"})
_WORLD_CITY = 1_000_000
_NEAR_DEG = 0.5  # about 50 km: towns of one local story
_NEAR_BONUS = 0.4  # a first guess confirmed by another town of the article within _NEAR_DEG
_ADMIN1_OWN_NAME = 1.0  # a region by its own name, bigger than every town of that name
_NAMESAKE_RATIO = 50  # a town this many times smaller than a world city of its name is its namesake
EMBEDDED = "inside the name of an organisation"  # reason prefix: a place named, not where things happen


def _common_word(span: Span, key: str, gaz: Gazetteer) -> bool:
    """Is a mention a title, office or common noun rather than a toponym ("Minister", "Centre",
    "Ms Raggi")? Country and region names are never common words; a longer name that only starts
    with a compass word ("South Sudan") is not one either."""
    words, honorifics = place_stopwords()
    if any(gaz.entry(i).level in _WIDE for i in gaz.lookup(key)):
        return False
    if key in words:
        return True
    if len(span) == 1 and span.text.isupper() and len(span.text.replace(".", "")) <= 4 \
            and gaz.abbreviation(span.text) is None:
        return True  # an acronym ("BA", "AI", "P.A."); country ones ("US", "UAE") returned above
    first = normalise_placename(span[0].text)
    return len(span) > 1 and first in honorifics


@dataclass
class Mention:
    """A toponym candidate before resolution: token span, how it was found, the level its words ask."""

    span: Span
    key: str
    source: str  # "ner" | "gazetteer" | "relabel"
    label: str
    level: str | None = None
    within: list[GazEntry] = field(default_factory=list)  # "Town, Region": the region after the comma


def _trim(span: Span) -> Span:
    """Drop a leading determiner and a trailing possessive: "the Idlib's" -> "Idlib"."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in ("the", "a", "an") and doc[start].pos_ == "DET":
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("'s", "’s")):
        end -= 1
    return doc[start:end]


def _level_hint(span: Span, gaz: Gazetteer) -> tuple[Span, str | None]:
    """The level a mention's own words or its neighbours ask for ("Idlib province", "city of Homs").
    A level word that the gazetteer knows as part of the name stays in it ("Kansas City", "Quebec
    City", "Suffolk County"): only the level is taken from it; for "City" only when the whole name
    is a town at least as big as any town of the bare name."""
    text = span.text
    name, level = split_level(text)
    if level and name != text:
        whole = gaz.lookup(normalise_placename(text))
        if whole and (level != "city" or _town_size(whole, gaz) >= _town_size(
                gaz.lookup(normalise_placename(name)), gaz)):
            return span, level
        words = len(text.split()) - len(name.split())
        lowered = text.lower()
        inner = span[: len(span) - words] if lowered.rsplit(None, 1)[-1] in level_words() \
            and name == text[: len(name)] else span[words:]
        return inner, level
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    words_after = level_words()
    if after in words_after:
        return span, words_after[after]
    for size, prefixes in level_prefixes_by_size():
        if span.start >= size:
            level = prefixes.get(" ".join(t.lower_ for t in doc[span.start - size: span.start]))
            if level:
                return span, level
    return span, None


def _town_size(idxs: tuple[int, ...], gaz: Gazetteer) -> int:
    """The population of the biggest town among these places ("London City" names a small district
    of London, while "London" alone names the world city the airport is named after)."""
    return max((gaz.entry(i).population for i in idxs if gaz.entry(i).level == "city"), default=0)


def _person_words(doc: Doc, gaz: Gazetteer) -> set[str]:
    """Normalised names of people in the article, whole and by word: "Qasem Soleimani" blocks a
    later "Soleimani" that the tagger calls GPE. A lone word the tagger calls PERSON that names a
    big place ("Aleppo", "Edmonton": the small model labels one city PERSON, NORP and GPE in one
    article), or a known place that the article tags a place at least as often as a person ("Samos",
    "Douma"), is no person's name unless a full name holds it ("Michael Jordan")."""
    words: set[str] = set()
    votes: dict[str, int] = {}  # key -> times tagged a place minus times tagged a person, lone words
    for ent in doc.ents:
        if len(ent) == 1 and ent.label_ in ("PERSON", "GPE", "LOC"):
            key = normalise_placename(ent.text)
            votes[key] = votes.get(key, 0) + (-1 if ent.label_ == "PERSON" else 1)
    for ent in doc.ents:
        if ent.label_ == "PERSON":
            key = normalise_placename(ent.text)
            if len(ent) > 1 or not (_big_place(key, gaz) or (votes[key] >= 0 and gaz.lookup(key))):
                words.add(key)
            if len(ent) > 1:
                words.update(normalise_placename(t.text) for t in ent if t.is_title)
    return words


def _big_place(key: str, gaz: Gazetteer) -> bool:
    return any(e.level == "country" or ((e.level == "admin1" or e.population >= _BIG_PLACE)
               and _own_name(e) == key)
               for e in (gaz.entry(i) for i in gaz.lookup(key)))


def find_toponyms(doc: Doc, gaz: Gazetteer) -> list[Mention]:
    """Toponym mentions in ``doc``, in text order, before resolution."""
    persons = _person_words(doc, gaz)
    # words of full names ("William Barr"): the same word alone later is the person again
    surnames = {normalise_placename(t.text) for e in doc.ents if e.label_ == "PERSON" and len(e) > 1
                for t in e if t.is_title}
    mentions: list[Mention] = []
    taken = [False] * len(doc)
    for ent in doc.ents:
        span = _trim(ent)
        if not len(span):
            continue
        span, level = _level_hint(span, gaz)
        key = normalise_placename(span.text)
        if not key:
            continue
        is_country = any(gaz.entry(i).level in _WIDE for i in gaz.lookup(key))
        if ent.ent_id_ and not is_country:
            continue  # a known actor ("Hezbollah"); a country name stays a toponym even as an actor
        if _common_word(span, key, gaz):
            continue
        if ent.label_ in PLACE_LABELS:
            if (key in persons and not is_country) or not any(t.is_title or t.is_upper for t in span):
                continue  # a person's name; "the eastern coast" (a description, not a name)
            if len(span) == 1 and span[0].pos_ == "ADJ" and not gaz.lookup(key):
                continue  # an unknown word used as an adjective: a nationality ("a Slovak mountain hut")
            if any(t.text == "," for t in span):  # "Thruxton, Hampshire": two names, a comma missed
                mentions.extend(_comma_parts(span, gaz))
                continue
            parts = _known_parts(span, gaz, persons) if len(span) > 1 and not gaz.lookup(key) else []
            mentions.extend(parts or [Mention(span, key, "ner", ent.label_, level)])
        elif ent.label_ in _RELABEL_FROM and not ent.ent_id_ and _confident_name(span, key, gaz, ent.label_):
            if key not in persons or (ent.label_ == "PERSON" and (len(span) > 1 or key not in surnames)):
                mentions.append(Mention(span, key, "relabel", ent.label_, level))
        elif ent.label_ in _RELABEL_FROM and not ent.ent_id_ and (
                said := _said_place(span, key, gaz, ent.label_)):
            mentions.append(Mention(span, key, "relabel" if gaz.lookup(key) else "syntax", ent.label_,
                                    level or (said if said != "?" else None)))
        else:
            continue
        for i in range(ent.start, ent.end):
            taken[i] = True
    for ent in doc.ents:
        for i in range(ent.start, ent.end):
            taken[i] = True
    mentions.extend(_syntax_names(doc, gaz, taken, persons))
    mentions.extend(_gazetteer_ngrams(doc, gaz, taken, persons))
    mentions.extend(_embedded(doc, gaz, persons))
    mentions.extend(_abbreviations(doc, gaz, mentions))
    mentions.sort(key=lambda m: m.span.start)
    _link_pairs(mentions, gaz)
    return mentions


def _comma_parts(span: Span, gaz: Gazetteer) -> list[Mention]:
    """The names of an entity that holds a comma ("Donington Park, Leicestershire"), each on its own,
    so that the second becomes the first's container (``_link_pairs``)."""
    out = []
    start = span.start
    for k in range(span.start, span.end + 1):
        if k == span.end or span.doc[k].text == ",":
            part = _trim(span.doc[start:k])
            if len(part) and any(_capitalised(t) for t in part):
                part, level = _level_hint(part, gaz)
                key = normalise_placename(part.text)
                if key:
                    out.append(Mention(part, key, "ner", "GPE", level))
            start = k + 1
    return out


def _capitalised(tok: Token) -> bool:
    return tok.is_title or tok.is_upper


def _known_parts(span: Span, gaz: Gazetteer, persons: set[str]) -> list[Mention]:
    """The known places inside a place name the gazetteer lacks as a whole, when they end it:
    "Nazi Germany", "north west London", "Republic of Armenia", "Greece Italy" (a missed comma),
    "Asia-Pacific". Only countries, regions, admin1 and big towns by their own name count, and the
    last word must be one's, so that "Manila Cathedral" or "Mississippi River" (another thing
    named after a place) stay whole. Empty when the name holds no such place."""
    doc = span.doc
    out: list[Mention] = []
    i = span.start
    while i < span.end:
        found = None
        for end in range(min(span.end, i + _MAX_NGRAM), i, -1):
            part = doc[i:end]
            if not _capitalised(doc[i]) or not _capitalised(doc[end - 1]):
                continue
            key = normalise_placename(part.text)
            if key and key not in persons and _big_place(key, gaz) and not _common_word(part, key, gaz) \
                    and not (len(part) == 1 and part[0].lower_ in _COMPASS):
                found = Mention(part, key, "ner", "GPE")
                break
        if found is None:
            i += 1
        else:
            out.append(found)
            i = found.span.end
    return out if out and out[-1].span.end == span.end else []


def _said_place(span: Span, key: str, gaz: Gazetteer, label: str) -> str | None:
    """The level the syntax gives a name spaCy called ORG/PERSON/PRODUCT…, "?" for a place of no
    particular level, None when the syntax says nothing. A known name as the object of "in"/"near"
    ("demonstrated in Beslan") is a place; any name next to a kind-of-place noun is one ("the
    Aziziyah district", "the village of Tamthil"), even unknown to the gazetteer. For PERSON names only
    settlement and district nouns count ("the Bush camp" stays a person's)."""
    if label in ("NORP", "LANGUAGE") or _common_word(span, key, gaz):
        return None  # "the Turkish southern city of Gaziantep": a demonym before a place noun
    said = syntax_level(span, prefix_only=label == "PERSON")
    if said:
        return said
    return "?" if label != "PERSON" and gaz.lookup(key) and scene_object(span) else None


def _syntax_names(doc: Doc, gaz: Gazetteer, taken: list[bool], persons: set[str]) -> list[Mention]:
    """Capitalised names outside any entity that a kind-of-place noun marks as a place ("Khanasir
    town", "the town of Sheykler"), known to the gazetteer or not. Found before the gazetteer n-grams
    so the small-town guard there does not drop them: here the words say place."""
    out = []
    i, n = 0, len(doc)
    while i < n:
        if taken[i] or not doc[i].is_title or doc[i].pos_ != "PROPN" or doc[i].is_stop:
            i += 1
            continue
        end = i + 1
        while end < n and end - i < _MAX_NGRAM and not taken[end] and (
                (doc[end].is_title and doc[end].pos_ == "PROPN") or
                (doc[end].lower_ in _CONNECTORS and end + 1 < n and doc[end + 1].is_title)):
            end += 1
        span = doc[i:end]
        key = normalise_placename(span.text)
        level = syntax_level(span) if key and key not in persons else None
        if level and not _common_word(span, key, gaz):
            out.append(Mention(span, key, "syntax", "GPE", level))
            for k in range(i, end):
                taken[k] = True
        i = end
    return out


def _embedded(doc: Doc, gaz: Gazetteer, persons: set[str]) -> list[Mention]:
    """Places named inside organisation and facility names: "the Kentucky Department of Education",
    "University of Alberta", "Air Zimbabwe". Only countries, regions, admin1 and cities of 100,000+,
    never the entity's last word unless "of" comes before it, so the organisation's head noun (the
    word actor and event rules read) is never taken for a place. Such places are recorded, but
    ``eventplace`` never makes them where an event happened."""
    out = []
    for ent in doc.ents:
        if ent.label_ not in _HOSTS or len(ent) < 2:
            continue
        i = ent.start
        while i < ent.end:
            best = None
            for end in range(min(ent.end, i + _MAX_NGRAM), i, -1):
                last_ok = end < ent.end or (i > ent.start and doc[i - 1].lower_ == "of")
                if not last_ok or not doc[i].is_title or not doc[end - 1].is_title:
                    continue
                span = doc[i:end]
                key = normalise_placename(span.text)
                if key in persons or _common_word(span, key, gaz):
                    continue
                if any(e.level in ("country", "region", "admin1") or e.population >= _EMBEDDED_MIN_POP
                       for e in (gaz.entry(j) for j in gaz.lookup(key))):
                    best = Mention(span, key, "embedded", ent.label_)
                    break
            if best is None:
                i += 1
            else:
                out.append(best)
                i = best.span.end
    return out


def _abbreviations(doc: Doc, gaz: Gazetteer, mentions: list[Mention]) -> list[Mention]:
    """Region abbreviations with their dot after a comma ("Louisville, Ky.", "Kelowna, B.C."), which
    the tagger rarely calls a place. Several spell words ("Miss.", "Pa."), hence the comma."""
    covered = {i for m in mentions for i in range(m.span.start, m.span.end)}
    out = []
    for tok in doc:
        if tok.i in covered or tok.i == 0 or doc[tok.i - 1].text != ",":
            continue
        entry = gaz.abbreviation(tok.text)
        if entry is not None:
            out.append(Mention(doc[tok.i: tok.i + 1], f"\x00abbr {tok.text}", "abbreviation", "GPE", "admin1",
                               within=[entry]))
    return out


def _link_pairs(mentions: list[Mention], gaz: Gazetteer) -> None:
    """"Springfield, Illinois", "London, Ontario": a place right after a comma holds the one before it.
    The second name's candidates of a wider level become the first one's container."""
    for first, second in itertools.pairwise(mentions):
        doc = first.span.doc
        if second.span.start != first.span.end + 1 or doc[first.span.end].text != ",":
            continue
        wider = second.within or [e for e in (gaz.entry(i) for i in gaz.lookup(second.key))
                                  if e.level in ("country", "admin1", "admin2")]
        if wider:
            first.within = wider


def _confident_name(span: Span, key: str, gaz: Gazetteer, label: str) -> bool:
    """Is an entity that spaCy called PERSON/ORG/NORP really a place? Only for whole-span gazetteer
    matches: several words (a person's name rarely equals a multi-word town), or a big place. Demonyms
    (NORP "Lebanese") never match because the gazetteer holds no adjectives."""
    entries = [gaz.entry(i) for i in gaz.lookup(key)]
    if not entries:
        return False
    if label == "NORP":  # "Aleppo" is often NORP; a demonym never matches, the gazetteer has none
        return any(e.level in _WIDE or e.population >= 100_000 for e in entries)
    if len(span) > 1 and all(t.is_title or t.lower_ in _CONNECTORS for t in span):
        return True
    # one word: a country by any of its names ("UAE"), or a big place by its own name, not by one of
    # its many alternate names ("Leelah" folds to an old name of Lille, "Tanna" to one of Antananarivo)
    # ... unless it stands where places stand ("bombed an office at Birgunj", Birganj by its own name)
    big = [e for e in entries if e.level == "country" or e.population >= 100_000 or e.level == "admin1"]
    return any(e.level == "country" or _own_name(e) == key for e in big) or bool(big and scene_object(span))


def _gazetteer_ngrams(doc: Doc, gaz: Gazetteer, taken: list[bool], persons: set[str]) -> list[Mention]:
    """Longest capitalised proper-noun n-grams that the gazetteer knows, outside spaCy's entities."""
    out = []
    i = 0
    n = len(doc)
    while i < n:
        tok = doc[i]
        if taken[i] or not tok.is_title or tok.pos_ != "PROPN" or tok.is_stop:
            i += 1
            continue
        best = None
        end = i + 1
        while end <= n and end - i <= _MAX_NGRAM and not taken[end - 1]:
            last = doc[end - 1]
            if not (last.is_title or last.lower_ in _CONNECTORS) or (last.is_space or last.is_punct):
                break
            if last.is_title and last.pos_ == "PROPN":
                key = normalise_placename(doc[i:end].text)
                if gaz.lookup(key) and key not in persons and not _common_word(doc[i:end], key, gaz):
                    best = (end, key)
            end += 1
        if best is None:
            i += 1
            continue
        span = doc[i: best[0]]
        span, level = _level_hint(span, gaz)
        # in a place slot ("demonstrated in Beslan") a small town needs no other support
        out.append(Mention(span, best[1], "syntax" if scene_object(span) else "gazetteer", "GPE", level))
        i = best[0]
    return out


@dataclass
class _Context:
    """What the first pass learnt: which names point to which countries and admin1 regions, and the
    level the article gives a name anywhere ("Idlib province" makes a later bare "Idlib" a province)."""

    countries: dict[str, set[str]]  # ISO2 -> names (keys) that resolved there
    admin1: dict[str, set[str]]  # "CC.A1" -> names
    levels: dict[str, str]
    points: list[tuple[float, float, str]] = field(default_factory=list)  # towns found: lat, lon, key

    def neighbours(self, entry: GazEntry, key: str) -> list[str]:
        """Other names of the article that resolved to towns within ``_NEAR_KM`` of this place."""
        lat, lon = entry.lat, entry.lon
        dlon = _NEAR_DEG / max(0.2, math.cos(math.radians(lat)))
        return [k for plat, plon, k in self.points
                if k != key and abs(plat - lat) < _NEAR_DEG and abs(plon - lon) < dlon]

    def country_votes(self, cc: str, key: str) -> int:
        return len(self.countries.get(cc, set()) - {key})

    def admin1_votes(self, code: str, key: str) -> int:
        return len(self.admin1.get(code, set()) - {key})


def _score(entry: GazEntry, mention: Mention, ctx: _Context | None,
           largest: int = 0) -> tuple[float, list[str]]:
    """Rank a candidate: country names first, the asked level, then document context, then size.

    Where it fails: a small town named like a big foreign city in an article that never names its
    country ("Paris, Texas" written as "Paris" alone) goes to the big city.
    """
    why: list[str] = []
    score = math.log10(entry.population + 10) / 8
    score += _LEVEL_RANK.get(entry.level, 0.0)
    own = _own_name(entry) == mention.key
    if own:
        score += 0.3  # its own name, not a former or alternate one ("Manchester" is not Richmond, VA)
        if entry.level == "admin1" and largest < _WORLD_CITY and entry.population > 2 * largest:
            # a state or province outranks the smaller towns named after it ("California", a village
            # in England; "Wyoming", Ohio), not a capital or a world city ("Washington", "Hanoi")
            score += _ADMIN1_OWN_NAME
            why.append("region bigger than any town of its name")
    if entry.level in _WIDE:
        score += 3.0
        why.append(f"{entry.level} name")
    within = getattr(mention, "within", None)
    if within and any(_contains(outer, entry) for outer in within):
        score += 2.0
        why.append(f"in {within[0].name}, named after it")
    if entry.feature_code == "PPLC":
        score += 0.2
    elif entry.feature_code == "PPLA":
        score += 0.1
    asked = mention.level or (ctx.levels.get(mention.key) if ctx else None)
    if asked:
        if entry.level == asked:
            score += 2.0 if mention.level else 1.0
            why.append(f"{asked} asked by the words" if mention.level else f"called a {asked} elsewhere")
        elif entry.level != "country":
            score -= 0.5
    if ctx:
        votes = ctx.country_votes(entry.country, mention.key) if entry.country else 0
        if entry.level not in _WIDE and votes:
            # A world city keeps its name against a small namesake in a country the article names
            # (Paris, Texas in an American story): the namesake needs its region named too.
            overshadowed = largest >= _WORLD_CITY and entry.population * _NAMESAKE_RATIO < largest
            score += (0.1 if overshadowed else 0.6) + 0.1 * min(votes, 5)
            why.append(f"in {entry.country3}, which the article names")
        if entry.level in _LOCAL and ctx.points and (near := ctx.neighbours(entry, mention.key)):
            # local news names towns near one another: "Edmonton" beside Enfield is the London one
            score += _NEAR_BONUS
            why.append(f"near {near[0]}, which the article names")
        if entry.admin1_code and ctx.admin1_votes(f"{entry.country}.{entry.admin1_code}", mention.key) \
                and entry.level not in ("admin1", "country"):
            # counties share names across states ("Plymouth County", Iowa or Massachusetts): for a
            # district the state the article names is nearly all there is to go by
            score += 1.0 if entry.level == "admin2" and asked == "admin2" else 0.3
            why.append(f"in {entry.admin1}, which the article names")
    return score, why


def _own_name(entry: GazEntry) -> str:
    """The key of a place's main name without its level word ("New York City" -> "new york")."""
    return normalise_placename(split_level(entry.name)[0])


def _contains(outer: GazEntry, entry: GazEntry) -> bool:
    if outer.idx == entry.idx or outer.country != entry.country or entry.level in _WIDE:
        return False
    if outer.level == "country":
        return True
    if outer.admin1_code != entry.admin1_code:
        return False
    return outer.level == "admin1" or outer.admin2_code == entry.admin2_code


def _resolve(mention: Mention, gaz: Gazetteer, ctx: _Context | None) -> tuple[GazEntry | None, float, str]:
    if mention.source == "abbreviation":
        return mention.within[0], 0.9, "abbreviation of a region after a town"
    span = getattr(mention, "span", None)
    # "Va.", "Man.", "Ill.": with its dot a region abbreviation outranks the towns its letters spell
    # ("Wa", "Il"); the dot keeps the rule off words ("Miss" without one stays a word or a town)
    abbreviated = gaz.abbreviation(span.text) if span is not None else None
    if abbreviated is not None and span.text.endswith("."):
        return abbreviated, 0.9, "abbreviation of a region"
    entries = [gaz.entry(i) for i in gaz.lookup(mention.key)]
    if not entries:
        if abbreviated is not None:
            return abbreviated, 0.9, "abbreviation of a region"
        return None, 0.1, "not in the gazetteer"
    largest = max((max(e.population, _WORLD_CITY if e.feature_code == "PPLC" else 0)
                   for e in entries if e.level == "city"), default=0)
    scored = sorted(((*_score(e, mention, ctx, largest), e) for e in entries), key=lambda t: -t[0])
    best_score, why, best = scored[0]
    if len(scored) == 1:
        conf, reasons = 0.9, ["only place of that name", *why]
    else:
        margin = best_score - scored[1][0]
        conf = 0.5 + 0.4 * min(1.0, max(0.0, margin))
        reasons = [*why, f"largest-scoring of {len(scored)} places named so"]
        asked = mention.level or (ctx.levels.get(mention.key) if ctx else None)
        region = [e for _, _, e in scored if e.level in ("admin1", "admin2") and e.country == best.country
                  and e.admin1_code == best.admin1_code]
        if not asked and region and best.level in ("admin1", "admin2", "city"):
            seat = [e for _, _, e in scored if e.level == "city" and e.country == best.country
                    and e.admin1_code == best.admin1_code and _own_name(e) == mention.key]
            if seat:
                best = seat[0]
                reasons.append(f"a bare name of both a town and its {region[0].level} is taken as the "
                               "town; 'province'/'district' next to it would ask for the region")
    if mention.source == "gazetteer" and best.level == "city" and best.population < _MIN_POP_UNTAGGED \
            and not (ctx and ctx.country_votes(best.country, mention.key)):
        return None, 0.0, "small town found by the gazetteer alone, outside the article's countries"
    if mention.source == "embedded":
        reasons.insert(0, EMBEDDED)
    return best, round(conf, 3), "; ".join(reasons)


def _resolve_all(mentions: list[Mention], gaz: Gazetteer,
                 ctx: _Context | None) -> list[tuple[GazEntry | None, float, str]]:
    """``_resolve`` for each mention, once per distinct name: an article repeats its places."""
    done: dict[tuple[object, ...], tuple[GazEntry | None, float, str]] = {}
    out = []
    for m in mentions:
        key = (m.key, m.level, m.source, m.span.text, tuple(e.idx for e in m.within))
        hit = done.get(key)
        if hit is None:
            hit = done[key] = _resolve(m, gaz, ctx)
        out.append(hit)
    return out


def _context(mentions: list[Mention], results: list[tuple[GazEntry | None, float, str]]) -> _Context:
    """What a pass found, as context for the next: confident countries and regions, every town."""
    ctx = _Context({}, {}, {})
    for m, (entry, conf, _) in zip(mentions, results, strict=True):
        if m.level:
            ctx.levels.setdefault(m.key, m.level)
        if entry is not None and entry.level in _LOCAL:
            # every guess, even an unsure one: two guesses that lie together confirm each other
            ctx.points.append((entry.lat, entry.lon, m.key))
        if entry is None or conf < 0.6 or not entry.country:
            continue
        ctx.countries.setdefault(entry.country, set()).add(m.key)
        if entry.level != "country" and entry.admin1_code:
            ctx.admin1.setdefault(f"{entry.country}.{entry.admin1_code}", set()).add(m.key)
    return ctx


def _place(mention: Mention, entry: GazEntry | None, score: float, reason: str) -> Place:
    span = mention.span
    if entry is None:
        # the words around it still say what it is ("the Aziziyah district", "the village of X")
        level = mention.level or ("sub-city" if mention.label == "FAC" else None)
        return Place(entity_text=span.text, start=span.start_char, end=span.end_char, score=score,
                     resolution=level, reason=reason)
    return Place(entity_text=span.text, start=span.start_char, end=span.end_char, name=entry.name,
                 geonameid=entry.geonameid, lat=round(entry.lat, 5), lon=round(entry.lon, 5),
                 country=entry.country3 or None, admin1=entry.admin1 if entry.level not in _WIDE else None,
                 admin2=entry.admin2_code or None, feature_code=entry.feature_code,
                 resolution=entry.level, score=score, reason=reason)


def geoparse(doc: Doc, gaz: Gazetteer | None = None) -> list[Place]:
    """Places mentioned in ``doc``, sorted by start offset. Unresolved NER toponyms are kept with
    ``geonameid`` None; gazetteer-only matches that do not resolve are dropped.

    Resolution runs twice: without context, then with what the first pass found (countries, regions,
    nearby towns), so that a confident name settles the doubtful ones around it. A third pass was
    measured and gains nothing."""
    gaz = gaz or load_gazetteer()
    mentions = find_toponyms(doc, gaz)
    results = _resolve_all(mentions, gaz, _context(mentions, _resolve_all(mentions, gaz, None)))
    places = []
    for m, (entry, conf, reason) in zip(mentions, results, strict=True):
        if entry is None and m.source not in ("ner", "syntax"):
            continue
        places.append(_place(m, entry, conf, reason))
    _inside_containers(places, doc)
    _article_focus(places, doc)
    return places


def _article_focus(places: list[Place], doc: Doc) -> None:
    """A name the words call a place but the gazetteer lacks ("Frenchmen Street", "Lake Manassas",
    "Rogers Centre") and that no named town stands beside takes the point of the article's focus: the
    town it names most often (the first of equals). Local news is about one town, and its streets,
    parks and buildings lie in or near it; a wrong guess costs nothing that no point did not cost
    already. Fails for an article that roams (a travel piece, a national round-up); the score says
    how little the point is worth, and ``geonameid`` stays None."""
    counts: dict[tuple[str | None, float, float], int] = {}
    first: dict[tuple[str | None, float, float], Place] = {}
    for p in places:
        if p.lat is not None and p.lon is not None and p.geonameid is not None and p.resolution in _LOCAL \
                and not (p.reason or "").startswith(EMBEDDED):
            key = (p.name, p.lat, p.lon)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, p)
    if not counts:
        return
    focus = first[max(counts, key=lambda k: counts[k])]
    for i, place in enumerate(places):
        if place.lat is None and not _measured_from_a_place(place, places, doc):
            places[i] = replace(place, name=place.entity_text, lat=focus.lat, lon=focus.lon,
                                country=focus.country, admin1=focus.admin1, score=round(focus.score * 0.3, 3),
                                reason=f"{place.reason}; placed at {focus.name}, the article's main town")


def _inside_containers(places: list[Place], doc: Doc) -> None:
    """A name the gazetteer lacks but the words call a neighbourhood, village or facility takes the
    point of the town named right with it ("al-Zahawi school in western Baghdad", "Mecca's Al-Nur
    hospital", "the Thantho district of Yala province"): it lies inside that town, so the town's point
    is the best one known. The resolution stays the finer level. Looks three tokens before (possessive,
    compound) and seven after ("in", ",", "of"), within the sentence; a country is too coarse."""
    resolved = [p for p in places if p.lat is not None and p.resolution not in ("country", "region")]
    for i, place in enumerate(places):
        if place.lat is not None or place.resolution not in ("sub-city", "city", "admin2"):
            continue
        span = doc.char_span(place.start, place.end, alignment_mode="expand")
        if span is None:
            continue
        sent = span.sent
        lo = doc[max(sent.start, span.start - 3)].idx
        hi_tok = doc[min(sent.end, span.end + 7) - 1]
        hi = hi_tok.idx + len(hi_tok.text)
        near = [p for p in resolved if lo <= p.start < hi and p.start != place.start
                and not any(t.lower_ in _BEARINGS for t in doc[span.end:doc.char_span(
                    p.start, p.end, alignment_mode="expand").start])]
        if not near:
            continue
        host = min(near, key=lambda p: (p.start < place.start, abs(p.start - place.start)))
        places[i] = replace(place, name=place.entity_text, lat=host.lat, lon=host.lon, country=host.country,
                            admin1=host.admin1, admin2=host.admin2, score=round(host.score * 0.8, 3),
                            reason=f"not in the gazetteer; inside {host.name}, whose point it takes")


def _measured_from_a_place(place: Place, places: list[Place], doc: Doc) -> bool:
    """Is the place given by its bearing from another ("Kafr Nabudah, 40 km northwest of Hama")? Then
    the words say it is not at that place, and no other point is better than none."""
    span = doc.char_span(place.start, place.end, alignment_mode="expand")
    if span is None:
        return False
    window = doc[span.end: min(span.sent.end, span.end + 8)]
    bearing = next((t for t in window if t.lower_ in _BEARINGS), None)
    if bearing is None:
        return False
    return any(p.lat is not None and bearing.idx < p.start <= window.end_char for p in places)


def resolve_placename(text: str, *, country: str | None = None, level: str | None = None,
                      settings: Settings | None = None) -> Place | None:
    """Resolve a bare place name outside any Doc (a user query, a gold label). ``country`` (ISO2/3)
    acts as document context; ``level`` as the asked level."""
    gaz = load_gazetteer(settings)
    name, asked = split_level(text)
    key = normalise_placename(name)
    if not gaz.lookup(key):
        return None
    ctx = _Context({}, {}, {})
    if country:
        found = gaz.country(country)
        if found:
            ctx.countries[found.country] = {"\x00query"}
    nlp_free = _FreeMention(text, key, level or asked)
    entry, conf, reason = _resolve(nlp_free, gaz, ctx)  # type: ignore[arg-type]
    if entry is None:
        return None
    return Place(entity_text=text, start=0, end=len(text), name=entry.name, geonameid=entry.geonameid,
                 lat=round(entry.lat, 5), lon=round(entry.lon, 5), country=entry.country3 or None,
                 admin1=entry.admin1 if entry.level not in _WIDE else None, feature_code=entry.feature_code,
                 resolution=entry.level, score=conf, reason=reason)


@dataclass
class _FreeMention:
    text: str
    key: str
    level: str | None
    source: str = "query"
    within: tuple[GazEntry, ...] = ()


class PlaceResolver:
    """The ``eventlens_places`` component: sets ``Doc._.places`` and lets confident gazetteer places
    that spaCy called PERSON/ORG/NORP (or missed) become GPE entities. Known actors (``ent_id_``) are
    never relabelled."""

    def __init__(self, name: str, *, gazetteer: str | None, user_gazetteers: Iterable[str],
                 relabel: bool, min_relabel_score: float) -> None:
        self.name = name
        self.settings = Settings(gazetteer=gazetteer or None, user_gazetteers=tuple(user_gazetteers))
        self.relabel = relabel
        self.min_relabel_score = min_relabel_score
        self._gaz: Gazetteer | None = None

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gaz is None:
            self._gaz = load_gazetteer(self.settings)
        return self._gaz

    def __call__(self, doc: Doc) -> Doc:
        places = geoparse(doc, self.gazetteer)
        doc._.places = places
        if self.relabel:
            self._relabel(doc, places)
        return doc

    def _relabel(self, doc: Doc, places: list[Place]) -> None:
        confident = {(p.start, p.end) for p in places
                     if p.geonameid is not None or p.lat is not None if p.score >= self.min_relabel_score}
        if not confident:
            return
        ents = list(doc.ents)
        new_ents: list[Span] = []
        changed = False
        for ent in ents:
            span = _trim(ent)
            where = (span.start_char, span.end_char)
            if not ent.ent_id_ and ent.label_ in _RELABEL_FROM and where in confident:
                new_ents.append(Span(doc, ent.start, ent.end, label="GPE"))
                changed = True
            else:
                new_ents.append(ent)
        covered = {i for ent in new_ents for i in range(ent.start, ent.end)}
        for start, end in confident:
            span = doc.char_span(start, end)
            if span is not None and not any(i in covered for i in range(span.start, span.end)):
                new_ents.append(Span(doc, span.start, span.end, label="GPE"))
                changed = True
        if changed:
            doc.ents = sorted(new_ents, key=lambda s: s.start)


def _ensure_extension() -> None:
    if not Doc.has_extension("places"):
        Doc.set_extension("places", default=None)


@Language.factory(
    "eventlens_places",
    default_config={"gazetteer": None, "user_gazetteers": [], "relabel": True, "min_relabel_score": 0.6},
    assigns=["doc._.places", "doc.ents"],
    requires=["doc.ents"],
)
def make_place_resolver(nlp: Language, name: str, *, gazetteer: str | None, user_gazetteers: list[str],
                        relabel: bool, min_relabel_score: float) -> PlaceResolver:
    _ensure_extension()
    return PlaceResolver(name, gazetteer=gazetteer, user_gazetteers=user_gazetteers, relabel=relabel,
                         min_relabel_score=min_relabel_score)


def token_places(places: Iterable[Place], doc: Doc) -> dict[int, Place]:
    """Token index -> place covering it (for rules that walk the parse)."""
    out: dict[int, Place] = {}
    for place in places:
        span = doc.char_span(place.start, place.end, alignment_mode="expand")
        if span is not None:
            for tok in span:
                out[tok.i] = place
    return out


__all__ = ["PLACE_LABELS", "Mention", "PlaceResolver", "Token", "find_toponyms", "geoparse",
           "resolve_placename", "token_places"]
