"""Toponym recognition: the place mentions of a Doc, before they are resolved (``places.py``).

Recognition takes spaCy's GPE/LOC/FAC entities and adds gazetteer matches on capitalised proper-noun
n-grams, because the small English model misses many Middle-Eastern names or calls them PERSON
("Maarat al Numan"). Guards keep out known actors (an ``ent_id_`` from the actor ruler), person names
used elsewhere in the article, demonyms ("Iranian soil") and organisations that the gazetteer does not
know. The small model labels one name differently across an article (a city PERSON once, GPE twice),
so the guards read the whole article, not one entity.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from ..knowledge.gazetteer import GazEntry, Gazetteer
from ..nlp.doccache import doc_ents, sentence_bounds, span_text, tokens
from .placenames import (
    level_prefixes_by_size,
    level_words,
    normalise_placename,
    place_nouns,
    place_stopwords,
    scene_object,
    split_level,
    syntax_level,
)

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
RELABEL_FROM = frozenset({"PERSON", "ORG", "NORP", "LANGUAGE", "PRODUCT", "WORK_OF_ART", "EVENT"})
_CONNECTORS = frozenset({"al", "el", "an", "ar", "as", "ash", "ad", "at", "az", "ez", "es", "ed", "de",
                         "du", "del", "la", "le", "bin", "bani", "abu", "umm", "um", "ibn", "sur", "-"})
_MAX_NGRAM = 5
WIDE = frozenset({"country", "region"})  # levels whose names outrank any town of the same name
# One-word region names that are compass words: never a place inside a longer name ("River North")
_COMPASS = frozenset({"north", "south", "east", "west", "central", "centre", "center", "northern",
                      "southern", "eastern", "western", "middle", "upper", "lower", "northeast", "northwest",
                      "southeast", "southwest"})
_WITHIN_TOWN = frozenset({"greater", "downtown", "inner", "outer", "old", "metropolitan", "metro", "rural",
                          "suburban", "coastal"})
# Entities whose names often hold a place ("the Kentucky Department of Education", "Toronto Police").
_HOSTS = frozenset({"ORG", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART"})
_EMBEDDED_MIN_POP = 100_000
_BIG_PLACE = 100_000  # a town this big is rarely also a one-word person's name


def common_word(span: Span, key: str, gaz: Gazetteer) -> bool:
    """Is a mention a title, office or common noun rather than a toponym ("Minister", "Centre",
    "Ms Raggi")? Country and region names are never common words; a longer name that only starts
    with a compass word ("South Sudan") is not one either."""
    words, honorifics = place_stopwords()
    if any(gaz.entry(i).level in WIDE for i in gaz.lookup(key)):
        return False
    if key in words:
        return True
    if len(span) == 1 and span.text.isupper() and len(span.text.replace(".", "")) <= 4 \
            and gaz.abbreviation(span.text) is None and region_initials(span, gaz) is None:
        return True  # an acronym ("BA", "AI", "P.A."); country ones ("US", "UAE") returned above
    first = normalise_placename(span[0].text)
    if len(span) == 1 and first in honorifics and dotted(span).endswith(".") \
            and gaz.abbreviation(dotted(span)) is None:
        # an abbreviated title alone ("Sen.", "Gov."), the tagger took for a place; not "Miss."
        # (Mississippi), and not a word that may begin a name cut short ("the village of Sheikh ...")
        return True
    return len(span) > 1 and first in honorifics


@dataclass
class Mention:
    """A toponym candidate before resolution: token span, how it was found, the level its words ask."""

    span: Span
    key: str
    source: str  # "ner" | "gazetteer" | "relabel" | "syntax" | "dateline" | "embedded" | "abbreviation"
    label: str
    level: str | None = None
    within: list[GazEntry] = field(default_factory=list)  # "Town, Region": the region after the comma
    container: bool = False  # the "Region" of "Town, Region": a state or district rather than a town


def trim_span(span: Span) -> Span:
    """Drop a leading determiner and a trailing possessive: "the Idlib's" -> "Idlib".

    Reads the Doc's token list (``doccache.tokens``): called during the geoparse only."""
    start, end = span.start, span.end
    doc = span.doc
    toks = tokens(doc)
    while start < end and toks[start].lower_ in ("the", "a", "an") and toks[start].pos_ == "DET":
        start += 1
    while end > start and (toks[end - 1].tag_ == "POS" or toks[end - 1].text in ("'s", "’s")):
        end -= 1
    return doc[start:end]


_GOVERNOR = frozenset({"gov.", "governor", "governors"})


def _level_hint(span: Span, gaz: Gazetteer) -> tuple[Span, str | None]:
    """The level a mention's own words or its neighbours ask for ("Idlib province", "city of Homs").
    A level word that the gazetteer knows as part of the name stays in it ("Kansas City", "Quebec
    City", "Suffolk County"): only the level is taken from it; for "City" only when the whole name
    is a town at least as big as any town of the bare name. Reads the words around the span from the
    Doc's token list (``doccache.tokens``): called during the geoparse only."""
    text = span_text(span)
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
    toks = tokens(span.doc)
    after = toks[span.end].lower_ if span.end < len(toks) else ""
    words_after = level_words()
    if after in words_after:
        if words_after[after] == "city" and span.end + 1 < len(toks) and toks[span.end + 1].lower_ == "of":
            # "the Hunan city of Yueyang", "the Kurdish town of Kobani": the town is the name after
            # "of", and the name before only says where it lies
            return span, None
        return span, words_after[after]
    if after in _GOVERNOR:
        # "New York Gov. Andrew Cuomo", "the Kandahar governor": a governor governs a state or province
        return span, "admin1"
    for size, prefixes in level_prefixes_by_size():
        if span.start >= size:
            level = prefixes.get(" ".join(t.lower_ for t in toks[span.start - size: span.start]))
            if level:
                noun = toks[span.start - 2] if size >= 2 and toks[span.start - 1].lower_ == "of" else None
                if noun is not None and noun.is_title and noun.i > 0 and toks[noun.i - 1].is_title \
                        and not toks[noun.i - 1].is_sent_start:
                    # "the Southern District of Ohio", "the Eastern Province of Saudi Arabia": the noun
                    # belongs to another name, and what follows "of" is where that lies, at any level
                    return span, None
                return span, level
    return span, None


def _town_size(idxs: tuple[int, ...], gaz: Gazetteer) -> int:
    """The population of the biggest town among these places ("London City" names a small district
    of London, while "London" alone names the world city the airport is named after)."""
    return max((gaz.entry(i).population for i in idxs if gaz.entry(i).level == "city"), default=0)


def person_words(doc: Doc, gaz: Gazetteer) -> set[str]:
    """Normalised names of people in the article, whole and by word: "Qasem Soleimani" blocks a
    later "Soleimani" that the tagger calls GPE. A lone word the tagger calls PERSON that names a
    big place ("Aleppo", "Edmonton": the small model labels one city PERSON, NORP and GPE in one
    article), or a known place that the article tags a place at least as often as a person ("Samos",
    "Douma"), is no person's name unless a full name holds it ("Michael Jordan")."""
    words: set[str] = set()
    votes: dict[str, int] = {}  # key -> times tagged a place minus times tagged a person, lone words
    ents = doc_ents(doc)
    for ent in ents:
        if len(ent) == 1 and ent.label_ in ("PERSON", "GPE", "LOC"):
            key = normalise_placename(ent.text)
            votes[key] = votes.get(key, 0) + (-1 if ent.label_ == "PERSON" else 1)
    nouns = place_nouns()
    for ent in ents:
        if ent.label_ == "PERSON" and not (len(ent) > 1 and ent[-1].lower_ in nouns):
            # a name that ends in a kind-of-place noun ("Karak Castle", "Tilal Street") is no person's
            key = normalise_placename(ent.text)
            if len(ent) > 1 or not (_big_place(key, gaz) or (votes[key] >= 0 and gaz.lookup(key))):
                words.add(key)
            if len(ent) > 1:
                words.update(normalise_placename(t.text) for t in ent if t.is_title)
    return words


# words before a name that read it as a place ("in Georgia", "the people of Georgia")
_PLACE_PREPOSITIONS = frozenset({"in", "to", "from", "at", "into", "across", "near", "of", "throughout",
                                 "inside", "outside", "toward", "towards", "around"})


def first_names(doc: Doc, gaz: Gazetteer) -> set[str]:
    """Country and region names the article uses as a person's first name ("Georgia Stevens", then
    "Georgia began skating"): the lone word is the person again, unless the article also writes it
    as a place somewhere ("in Georgia", "the people of Georgia", "Atlanta, Georgia"). The full name
    must be a first name and a surname, neither an office nor a big place ("Georgia Governor Kemp" and
    "Georgia Atlanta" tell of no one named Georgia)."""
    words, honorifics = place_stopwords()
    ents = doc_ents(doc)
    names: set[str] = set()
    for ent in ents:
        if ent.label_ != "PERSON" or len(ent) not in (2, 3) \
                or not all(t.is_title and t.is_alpha for t in ent):
            continue
        key = normalise_placename(ent[0].text)
        rest = [normalise_placename(t.text) for t in ent[1:]]
        if any(w in words or w in honorifics or _big_place(w, gaz) for w in rest):
            continue
        if any(gaz.entry(i).level in (*WIDE, "admin1") for i in gaz.lookup(key)):
            names.add(key)
    if not names:
        return names
    in_person = {i for e in ents if e.label_ == "PERSON" and len(e) > 1 for i in range(e.start, e.end)}
    toks = tokens(doc)
    for tok in toks:
        key = normalise_placename(tok.text)
        if key not in names or tok.i in in_person or tok.i == 0:
            continue
        before = toks[tok.i - 1]
        possessive = tok.i + 1 < len(toks) and toks[tok.i + 1].lower_ in ("'s", "’s")
        if (before.lower_ in _PLACE_PREPOSITIONS and not possessive) \
                or (before.text == "," and tok.i >= 2 and toks[tok.i - 2].ent_type_ in PLACE_LABELS):
            names.discard(key)  # written as a place too: each mention is read on its own
    return names


# prepositions of place that a sentence can begin with; "in" and "at" are not here: they begin names
# ("In Amenas", "At-Tanf")
_LEADING_PREPOSITIONS = frozenset({"near", "outside", "around", "inside", "across", "throughout"})


def _after_preposition(span: Span, gaz: Gazetteer) -> Span:
    """The tagger takes a sentence-initial preposition of place for a proper noun and the entity
    swallows it ("Near Ar Raqqah, 15 strikes engaged ...", often labelled a person): the name is what
    follows. A name the gazetteer knows whole keeps its first word ("Near East")."""
    if len(span) > 1 and span[0].lower_ in _LEADING_PREPOSITIONS and span[1].is_title \
            and not gaz.lookup(normalise_placename(span.text)):
        return span[1:]
    return span


def _big_place(key: str, gaz: Gazetteer) -> bool:
    return any(e.level == "country" or ((e.level == "admin1" or e.population >= _BIG_PLACE)
               and own_name(e) == key)
               for e in (gaz.entry(i) for i in gaz.lookup(key)))


def _joined_names(doc: Doc, ents: Sequence[Span], gaz: Gazetteer) -> list[Span]:
    """"Trinidad and Tobago", "Jammu and Kashmir", "Bosnia and Herzegovina": two entities joined by
    "and" that together name a country or a region are one name (the tagger splits them); so are two
    places around a dot or a hyphen that together name a known place ("ST. LOUIS", "Miami-Dade")."""
    out: list[Span] = []
    k = 0
    while k < len(ents):
        ent = ents[k]
        if k + 1 < len(ents):
            nxt = ents[k + 1]
            between = doc[ent.end: nxt.start]
            if len(between) == 1 and between[0].text in (".", "-") and not ent[-1].whitespace_ \
                    and (between[0].text == "." or not between[0].whitespace_) \
                    and ent.label_ in PLACE_LABELS and nxt.label_ in PLACE_LABELS \
                    and gaz.lookup(normalise_placename(doc[ent.start: nxt.end].text)):
                # "ST. LOUIS" in capitals: the tokenizer split the dot off and the tagger made two places;
                # "Miami-Dade": the hyphen split off, and two places where the county is one
                out.append(Span(doc, ent.start, nxt.end, label="GPE"))
                k += 2
                continue
            if len(between) == 1 and between[0].lower_ in ("and", "&") and not (ent.ent_id_ or nxt.ent_id_) \
                    and {ent.label_, nxt.label_} & PLACE_LABELS \
                    and {ent.label_, nxt.label_} <= PLACE_LABELS | RELABEL_FROM:
                # one half may be mislabelled ("Tobago" as a person): the whole name settles it
                key = normalise_placename(doc[ent.start: nxt.end].text)
                if any(gaz.entry(i).level in (*WIDE, "admin1") for i in gaz.lookup(key)):
                    out.append(Span(doc, ent.start, nxt.end, label="GPE"))
                    k += 2
                    continue
        out.append(ent)
        k += 1
    return out


def _cut_short(doc: Doc, ents: Sequence[Span], gaz: Gazetteer) -> list[Span]:
    """A one-word entity the tagger cut from a longer place name ("Boa" and "Vista" tagged apart in
    "living in Boa Vista", "San" without "Marcos", "Miami" without "-Dade", "California" without
    "Baja", "U.S." without "Virgin Islands"): with the capitalised word next to it (or across a hyphen,
    or the two or three after it), untagged or a one-word entity itself, not starting a sentence, it
    makes a place's own name; together they are that place when it has more people than any place the
    entity alone names, or when it is a country or a region by its own name."""
    toks = tokens(doc)
    in_ent = {i for e in ents for i in range(e.start, e.end)}

    def size(key: str) -> int:
        return max((e.population for e in (gaz.entry(i) for i in gaz.lookup(key)) if own_name(e) == key),
                   default=-1)

    def single(ent: Span) -> bool:
        return len(ent) == 1 and ent.label_ in PLACE_LABELS | RELABEL_FROM and not ent.ent_id_

    def political(key: str) -> bool:
        return any(e.level in ("country", "admin1") and own_name(e) == key
                   for e in (gaz.entry(i) for i in gaz.lookup(key)))

    def joins(i: int) -> bool:
        """Can token ``i`` join an entity next to it?"""
        t = toks[i]
        return i not in in_ent and t.is_title and t.is_alpha and not t.is_sent_start and not t.is_stop

    out: list[Span] = []
    k = 0
    while k < len(ents):
        ent = ents[k]
        if single(ent):
            alone = size(normalise_placename(ent.text))
            nxt = ents[k + 1] if k + 1 < len(ents) else None
            both = normalise_placename(doc[ent.start:nxt.end].text) if nxt is not None else ""
            if nxt is not None and single(nxt) and nxt.start == ent.end and not nxt[0].is_sent_start \
                    and nxt[0].is_title and (size(both) > max(alone, size(normalise_placename(nxt.text)))
                                             or political(both)):
                out.append(Span(doc, ent.start, nxt.end, label="GPE"))
                k += 2
                continue
            # (start, end, the tokens that join): a word before, one to three after
            sides = [(ent.start - 1, ent.end, [ent.start - 1])]
            sides += [(ent.start, ent.end + n, list(range(ent.end, ent.end + n))) for n in (1, 2, 3)]
            # "Miami-Dade": the word on the other side of a hyphen written without spaces
            if ent.end + 1 < len(toks) and toks[ent.end].text == "-" and not ent[-1].whitespace_ \
                    and not toks[ent.end].whitespace_:
                sides.append((ent.start, ent.end + 2, [ent.end + 1]))
            if ent.start >= 2 and toks[ent.start - 1].text == "-" and not toks[ent.start - 1].whitespace_ \
                    and not toks[ent.start - 2].whitespace_:
                sides.append((ent.start - 2, ent.end, [ent.start - 2]))
            for start, end, joining in sides:
                if start < 0 or end > len(toks) or not all(joins(i) for i in joining) \
                        or toks[start].is_sent_start or toks[end - 1].is_sent_start:
                    continue
                key = normalise_placename(doc[start:end].text)
                if size(key) > alone or political(key):
                    ent = Span(doc, start, end, label="GPE")
                    break
        out.append(ent)
        k += 1
    return out


def find_toponyms(doc: Doc, gaz: Gazetteer) -> list[Mention]:
    """Toponym mentions in ``doc``, in text order, before resolution."""
    persons = person_words(doc, gaz)
    named = first_names(doc, gaz)
    ents = _cut_short(doc, _joined_names(doc, doc_ents(doc), gaz), gaz)
    # words of full names ("William Barr"): the same word alone later is the person again
    surnames = {normalise_placename(t.text) for e in ents if e.label_ == "PERSON" and len(e) > 1
                for t in e if t.is_title}
    mentions: list[Mention] = []
    taken = [False] * len(doc)
    for ent in ents:
        span = _after_preposition(trim_span(ent), gaz)
        if not len(span):
            continue
        span, level = _level_hint(span, gaz)
        key = normalise_placename(span.text)
        if not key:
            continue
        is_country = any(gaz.entry(i).level in WIDE for i in gaz.lookup(key))
        if ent.ent_id_ and not is_country:
            continue  # a known actor ("Hezbollah"); a country name stays a toponym even as an actor
        if common_word(span, key, gaz):
            continue
        if ent.label_ in PLACE_LABELS:
            if (key in persons and not is_country) or (len(span) == 1 and key in named) \
                    or not any(t.is_title or t.is_upper for t in span):
                continue  # a person's name; "the eastern coast" (a description, not a name)
            if len(span) == 1 and span[0].pos_ == "ADJ" and not gaz.lookup(key):
                continue  # an unknown word used as an adjective: a nationality ("a Slovak mountain hut")
            if any(t.text == "," for t in span):  # "Thruxton, Hampshire": two names, a comma missed
                mentions.extend(_comma_parts(span, gaz))
                continue
            parts = _known_parts(span, gaz, persons) if len(span) > 1 and not gaz.lookup(key) else []
            mentions.extend(parts or [Mention(span, key, "ner", ent.label_, level)])
        elif ent.label_ in RELABEL_FROM and not ent.ent_id_ and _confident_name(span, key, gaz, ent.label_):
            if key not in persons or (ent.label_ == "PERSON" and (len(span) > 1 or key not in surnames)):
                mentions.append(Mention(span, key, "relabel", ent.label_, level))
        elif ent.label_ in RELABEL_FROM and not ent.ent_id_ and (
                said := _said_place(span, key, gaz, ent.label_)):
            mentions.append(Mention(span, key, "relabel" if gaz.lookup(key) else "syntax", ent.label_,
                                    level or (said if said != "?" else None)))
        else:
            continue
        for i in range(ent.start, ent.end):
            taken[i] = True
    for ent in ents:
        for i in range(ent.start, ent.end):
            taken[i] = True
    mentions.extend(_syntax_names(doc, gaz, taken, persons))
    mentions.extend(_gazetteer_ngrams(doc, gaz, taken, persons))
    mentions.extend(_datelines(doc, gaz, mentions))
    mentions.extend(_embedded(doc, ents, gaz, persons))
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
            part = trim_span(span.doc[start:k])
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

    def match(i: int, end: int) -> Mention | None:
        part = doc[i:end]
        if not _capitalised(doc[i]) or not _capitalised(doc[end - 1]):
            return None
        key = normalise_placename(part.text)
        # compass words alone only qualify the name after them ("Far North" of "Far North Queensland",
        # a region of Cameroon by itself)
        if key and key not in persons and _big_place(key, gaz) and not common_word(part, key, gaz) \
                and not all(t.lower_ in _COMPASS or t.lower_ == "far" for t in part):
            return Mention(part, key, "ner", "GPE")
        return None

    out = _longest_matches(span.start, span.end, match)
    if not out or out[-1].span.end != span.end:
        return []
    last = out[-1]
    if not any(e.level in (*WIDE, "admin1") for e in (gaz.entry(i) for i in gaz.lookup(last.key))):
        # a town that ends a longer name is the place only after words of where in it ("north west
        # London", "Greater Manchester", "la comuna de Alto Hospicio"); "Soviet Union", "African
        # Union" are other things
        before = [t for t in doc[span.start: last.span.start] if t.is_alpha and (t.is_title or t.is_upper)]
        if any(t.lower_ not in _COMPASS and t.lower_ not in _WITHIN_TOWN for t in before) \
                and not any(m.span.end == last.span.start for m in out[:-1]):
            return []
    return out


def _longest_matches(start: int, end: int, match: Callable[[int, int], Mention | None]) -> list[Mention]:
    """Left to right over tokens ``start:end``: at each token the longest n-gram (up to _MAX_NGRAM
    tokens) that ``match`` accepts; the scan resumes after it."""
    out: list[Mention] = []
    i = start
    while i < end:
        found = next((m for stop in range(min(end, i + _MAX_NGRAM), i, -1)
                      if (m := match(i, stop)) is not None), None)
        if found is None:
            i += 1
        else:
            out.append(found)
            i = found.span.end
    return out


def _said_place(span: Span, key: str, gaz: Gazetteer, label: str) -> str | None:
    """The level the syntax gives a name spaCy called ORG/PERSON/PRODUCT…, "?" for a place of no
    particular level, None when the syntax says nothing. A known name as the object of "in"/"near"
    ("demonstrated in Beslan") is a place; any name next to a kind-of-place noun is one ("the
    Aziziyah district", "the village of Tamthil"), even unknown to the gazetteer. For PERSON names only
    settlement and district nouns count ("the Bush camp" stays a person's)."""
    if label in ("NORP", "LANGUAGE") or common_word(span, key, gaz):
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
    toks = tokens(doc)
    while i < n:
        if taken[i] or not toks[i].is_title or toks[i].pos_ != "PROPN" or toks[i].is_stop:
            i += 1
            continue
        end = i + 1
        while end < n and end - i < _MAX_NGRAM and not taken[end] and (
                (toks[end].is_title and toks[end].pos_ == "PROPN") or
                (toks[end].lower_ in _CONNECTORS and end + 1 < n and toks[end + 1].is_title)):
            end += 1
        span = doc[i:end]
        key = normalise_placename(span.text)
        level = syntax_level(span) if key and key not in persons else None
        if level and not common_word(span, key, gaz):
            out.append(Mention(span, key, "syntax", "GPE", level))
            for k in range(i, end):
                taken[k] = True
        i = end
    return out


# what follows a dateline's place name: a dash, the agency in brackets, a comma before the region
_DATELINE_AFTER = frozenset({"—", "–", "-", "--", "(", ","})


def _datelines(doc: Doc, gaz: Gazetteer, mentions: list[Mention]) -> list[Mention]:
    """News datelines: the name in capitals that opens a report, before a dash, the agency in brackets
    or a comma and the region ("BEIRUT (AP) -", "TORRINGTON —", "HOLLIDAY, Mo. —"), at the start of
    the article or of a sentence (a page can hold several reports). The small model reads capitals as
    common nouns and tags few of them, but a dateline says where the report was filed, so a name the
    gazetteer knows is a place there, however small. A heading in capitals is no dateline: it is
    followed by words, not by that punctuation."""
    covered = {i for m in mentions for i in range(m.span.start, m.span.end)}
    toks = tokens(doc)
    out = []
    for start, _ in sentence_bounds(doc):
        end = start
        # capital words, with a dot the tokenizer split off ("ST", ".", "LOUIS")
        while end < len(doc) and end - start < _MAX_NGRAM and end not in covered and (
                (toks[end].is_upper and toks[end].is_alpha and len(toks[end]) > 1)
                or (toks[end].text == "." and end > start and not toks[end - 1].whitespace_)):
            end += 1
        while end > start and toks[end - 1].text == ".":
            end -= 1
        if end == start or end >= len(doc) or toks[end].text not in _DATELINE_AFTER:
            continue
        span = doc[start:end]
        key = normalise_placename(span.text)
        if len(key) > 2 and gaz.lookup(key) and not common_word(span, key, gaz):
            # two letters are an acronym that opens a sentence ("EU, Canada and ..."), not a dateline
            out.append(Mention(span, key, "dateline", "GPE"))
    return out


def _embedded(doc: Doc, ents: tuple[Span, ...], gaz: Gazetteer, persons: set[str]) -> list[Mention]:
    """Places named inside organisation and facility names: "the Kentucky Department of Education",
    "University of Alberta", "US Special Forces", "Air Zimbabwe". Only countries, regions, admin1 and
    cities of 100,000+, never the entity's last word unless it is a country or "of", "at" ("California
    State University at San Marcos") or call letters come before it ("CTV Winnipeg"), so the
    organisation's head noun (the word actor and event rules read) is never taken for a place. Such
    places are recorded, but ``eventplace`` never makes them where an event happened."""
    out: list[Mention] = []
    for ent in ents:
        if ent.label_ not in _HOSTS or len(ent) < 2:
            continue

        def match(i: int, end: int, ent: Span = ent) -> Mention | None:
            if not _capitalised(doc[i]) or not _capitalised(doc[end - 1]):
                return None
            span = doc[i:end]
            key = normalise_placename(span.text)
            if end == ent.end and i > ent.start and region_initials(span, gaz) is not None:
                # "FrontCounter BC", "Small Business BC": a province's initials written without their
                # dots, ending the name, name the province the body serves; initials are never its head
                # noun. Not first ("BC Hydro"), where they are the head's own name
                return Mention(span, key, "embedded", ent.label_)
            if key in persons or common_word(span, key, gaz) or key in _COMPASS:
                return None  # "Central Bank", "South Central Ambulance Service": a compass word alone
            entries = [gaz.entry(j) for j in gaz.lookup(key)]
            # "University of Alberta"; "CTV Winnipeg", "CBC Toronto": a broadcaster's call letters and
            # the city of its station; "Air Zimbabwe", "Environment Canada": a country is never the head
            last_ok = end < ent.end or (i > ent.start and (doc[i - 1].lower_ in ("of", "at") or all(
                t.is_upper and t.is_alpha and len(t) >= 2 for t in doc[ent.start:i]) or any(
                e.level == "country" for e in entries)))
            if last_ok and any(e.level in ("country", "region", "admin1") or e.population >= _EMBEDDED_MIN_POP
                               for e in entries):
                return Mention(span, key, "embedded", ent.label_)
            return None

        out.extend(_longest_matches(ent.start, ent.end, match))
    return out


def dotted(span: Span) -> str:
    """The span's text with the dot the tokenizer split off after it ("Man", "." -> "Man."): the
    tokenizer keeps the dot only on the abbreviations it knows (US states)."""
    doc = span.doc
    if len(span) and span.end < len(doc) and doc[span.end].text == "." and not span[-1].whitespace_ \
            and span[-1].is_alpha:
        return span.text + "."
    return span.text


def region_initials(span: Span, gaz: Gazetteer) -> GazEntry | None:
    """The region whose dotted initials a word in capitals spells without its dots ("BC" for "B.C.",
    "PEI" for "P.E.I."), else None. Only initials of two letters or more that the abbreviation list
    writes with a dot after each letter: a clipped abbreviation ("Ont.", "Ky.") is no such word."""
    text = span.text
    if len(span) != 1 or not (2 <= len(text) <= 4) or not text.isalpha() or not text.isupper():
        return None
    return gaz.abbreviation("".join(f"{c}." for c in text))


def _abbreviations(doc: Doc, gaz: Gazetteer, mentions: list[Mention]) -> list[Mention]:
    """Region abbreviations with their dot after a comma ("Louisville, Ky.", "Kelowna, B.C."), which
    the tagger rarely calls a place. Several spell words ("Miss.", "Pa."), hence the comma. The
    tokenizer keeps the dot only on the abbreviations it knows (US states): "Ont." comes as "Ont", "."."""
    covered = {i for m in mentions for i in range(m.span.start, m.span.end)}
    out = []
    toks = tokens(doc)
    for tok in toks:
        if tok.i in covered or tok.i == 0 or toks[tok.i - 1].text != ",":
            continue
        end = tok.i + 1
        if end < len(doc) and toks[end].text == "." and not tok.whitespace_ and tok.is_alpha:
            end += 1  # the tokenizer split the dot off before a comma ("Barrie, Ont., with")
        span = doc[tok.i: end]
        entry = gaz.abbreviation(span.text)
        if entry is not None:
            out.append(Mention(span, f"\x00abbr {span.text}", "abbreviation", "GPE", "admin1",
                               within=[entry]))
    return out


def _link_pairs(mentions: list[Mention], gaz: Gazetteer) -> None:
    """"Springfield, Illinois", "London, Ontario": a place right after a comma holds the one before it.
    The second name's candidates of a wider level become the first one's container, and the second
    is marked as one ("Bronx, New York" names the state, not the city)."""
    def listed(a: Mention, b: Mention) -> bool:
        """Are the two names next to each other in a list ("Oklahoma City, Tulsa and", "Miami, New York,
        and Detroit")?"""
        between = [t.lower_ for t in a.span.doc[a.span.end: b.span.start]]
        return bool(between) and all(w in (",", "and", "or", "&") for w in between)

    def paired(k: int) -> bool:
        """Is mention ``k`` followed by a comma and the next mention ("Austin, Texas")?"""
        if not 0 <= k < len(mentions) - 1:
            return False
        a, b = mentions[k], mentions[k + 1]
        return b.span.start == a.span.end + 1 and a.span.doc[a.span.end].text == ","

    for n, (first, second) in enumerate(itertools.pairwise(mentions)):
        doc = first.span.doc
        if not paired(n):
            continue
        wider = second.within or [e for e in (gaz.entry(i) for i in gaz.lookup(second.key))
                                  if e.level in ("country", "admin1", "admin2")]
        if not wider and dotted(second.span).endswith("."):
            # "COLUMBIA, Ky.": the tagger took the abbreviation for a place itself
            region = gaz.abbreviation(dotted(second.span))
            wider = [region] if region is not None else []
        if not wider:
            continue
        if not (n > 0 and listed(mentions[n - 1], first)) and n + 2 < len(mentions) \
                and listed(second, mentions[n + 2]) and not paired(n + 2):
            continue  # a list of names ("Washington, New York and Boston"), not a town and its region
        # also as one item of a list ("Springfield, Illinois and Austin, Texas"; "Lexington, Kentucky,
        # Richmond, Virginia, Fort Lauderdale and Orlando, Florida")
        first.within = wider
        after = doc[second.span.end].lower_ if second.span.end < len(doc) else ""
        in_list = after in ("and", "or", "&") or (n > 0 and listed(mentions[n - 1], first)) or (
            n + 2 < len(mentions) and listed(second, mentions[n + 2]))
        if not in_list:
            second.container = True


def _confident_name(span: Span, key: str, gaz: Gazetteer, label: str) -> bool:
    """Is an entity that spaCy called PERSON/ORG/NORP really a place? Only for whole-span gazetteer
    matches: several words (a person's name rarely equals a multi-word town), or a big place. Demonyms
    (NORP "Lebanese") never match because the gazetteer holds no adjectives."""
    entries = [gaz.entry(i) for i in gaz.lookup(key)]
    if not entries:
        return False
    if label == "NORP":  # "Aleppo" is often NORP; a demonym never matches, the gazetteer has none
        return any(e.level in WIDE or e.population >= 100_000 for e in entries)
    if len(span) > 1 and all(t.is_title or t.lower_ in _CONNECTORS for t in span):
        return True
    # one word: a country by any of its names ("UAE"), or a big place by its own name, not by one of
    # its many alternate names ("Leelah" folds to an old name of Lille, "Tanna" to one of Antananarivo)
    # ... unless it stands where places stand ("bombed an office at Birgunj", Birganj by its own name)
    big = [e for e in entries if e.level == "country" or e.population >= 100_000 or e.level == "admin1"]
    return any(e.level == "country" or own_name(e) == key for e in big) or bool(big and scene_object(span))


def _gazetteer_ngrams(doc: Doc, gaz: Gazetteer, taken: list[bool], persons: set[str]) -> list[Mention]:
    """Longest capitalised proper-noun n-grams that the gazetteer knows, outside spaCy's entities."""
    out = []
    i = 0
    n = len(doc)
    toks = tokens(doc)
    while i < n:
        tok = toks[i]
        if taken[i] or not tok.is_title or tok.pos_ != "PROPN" or tok.is_stop:
            i += 1
            continue
        best = None
        end = i + 1
        while end <= n and end - i <= _MAX_NGRAM and not taken[end - 1]:
            last = toks[end - 1]
            if not (last.is_title or last.lower_ in _CONNECTORS) or (last.is_space or last.is_punct):
                break
            if last.is_title and last.pos_ == "PROPN":
                key = normalise_placename(doc[i:end].text)
                if gaz.lookup(key) and key not in persons and not common_word(doc[i:end], key, gaz):
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


def own_name(entry: GazEntry) -> str:
    """The key of a place's main name without its level word ("New York City" -> "new york")."""
    return normalise_placename(split_level(entry.name)[0])
