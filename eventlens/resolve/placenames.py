"""Place-name normalisation: the key under which the gazetteer indexes every name and alias.

News writes the same Arabic, Persian or Turkish name in many romanisations ("Maarat al Numan",
"Ma`arrat an Nu`man", "Maarrat al-Nu'man"). Rather than a fuzzy search at run time, both the gazetteer
names and the words in the text are folded to one key: case, diacritics, ayn/hamza marks, hyphens, the
Arabic article and its assimilated forms, doubled letters and a few transliteration pairs. The folding
is deliberately lossy; the disambiguation step (population, document context) sorts out the collisions
it creates. It fails on romanisations that differ in vowels ("Deir ez-Zor" vs "Dayr az Zawr"), which the
gazetteer's alternate names usually cover.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from spacy.tokens import Span

# ' ` ‘ ’ ʿ ʾ ʼ ´ and the Arabic tatweel: marks for ayn and hamza, or apostrophes, dropped entirely.
_MARKS = re.compile(r"[\u0027\u0060\u2018\u2019\u02bf\u02be\u02bc\u00b4\u02bb\u0640]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_/.,()]+")
# The Arabic article in its plain and sun-letter assimilated romanisations; "al" in "Al Ain", "an" in
# "Ma`arrat an Nu`man". Dropped only where other words remain, so "El" alone is kept.
_ARTICLES = frozenset({"al", "el", "il", "ul", "an", "ar", "as", "ash", "ad", "at", "az", "ath", "adh",
                       "aj", "ay", "en", "er", "es", "esh", "ed", "et", "ez", "ech"})
# Pairs that romanisations use interchangeably, applied in order after lower-casing; symmetric because
# gazetteer names and text go through the same folding.
_VARIANTS = (("ou", "u"), ("oo", "u"), ("ee", "i"), ("dh", "z"), ("q", "k"), ("ck", "k"), ("ph", "f"),
             ("sch", "sh"), ("j", "j"))
_DOUBLED = re.compile(r"([a-z])\1+")
_FINAL_H = re.compile(r"(?<=[aeiou])h\b")
# Arabic script: harakat (short vowel marks) and the definite article prefix.
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670]")
_ARABIC_ARTICLE = re.compile(r"(?:^|(?<=\s))\u0627\u0644(?=\S{2,})")
_ARABIC_FORMS = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",
                               "\u0629": "\u0647", "\u0649": "\u064a"})

# Words around a name that say which administrative level is meant ("Idlib province", "countryside of
# Aleppo", "Karrada district"). Value: the resolution level they ask for.
_LEVEL_SUFFIXES = {
    "governorate": "admin1", "province": "admin1", "provinces": "admin1", "region": "admin1",
    "state": "admin1", "oblast": "admin1", "prefecture": "admin1", "wilayat": "admin1",
    "countryside": "admin1", "muhafazat": "admin1", "muhafazah": "admin1",
    "district": "admin2", "districts": "admin2", "county": "admin2", "subdistrict": "admin2",
    "municipality": "admin2", "qada": "admin2", "mantiqat": "admin2",
    "city": "city", "town": "city", "village": "city",
    "neighbourhood": "sub-city", "neighborhood": "sub-city", "quarter": "sub-city",
}
_LEVEL_PREFIXES = {
    "countryside of": "admin1", "rural": "admin1", "province of": "admin1", "governorate of": "admin1",
    "state of": "admin1", "region of": "admin1", "district of": "admin2", "city of": "city",
    "town of": "city", "village of": "city", "the city of": "city", "the town of": "city",
    "the province of": "admin1", "the village of": "city", "the district of": "admin2",
}


_LEVEL_SUFFIXES_VIEW = MappingProxyType(_LEVEL_SUFFIXES)
_LEVEL_PREFIXES_VIEW = MappingProxyType(_LEVEL_PREFIXES)
# the prefixes by their number of words, longest first, for a look-behind of that many tokens
_PREFIXES_BY_SIZE = tuple(
    (size, MappingProxyType({k: v for k, v in _LEVEL_PREFIXES.items() if len(k.split()) == size}))
    for size in sorted({len(k.split()) for k in _LEVEL_PREFIXES}, reverse=True))


def level_words() -> Mapping[str, str]:
    """The words after a name that ask for a level (for recognisers that look at neighbouring tokens).
    A read-only view: recognisers call this for every mention, so nothing is copied."""
    return _LEVEL_SUFFIXES_VIEW


def level_prefixes() -> Mapping[str, str]:
    return _LEVEL_PREFIXES_VIEW


def level_prefixes_by_size() -> tuple[tuple[int, Mapping[str, str]], ...]:
    """(number of words, prefixes of that many words) pairs, longest first."""
    return _PREFIXES_BY_SIZE


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def normalise_placename(name: str) -> str:
    """Fold a place name to its index key: "Ma`arrat an-Nu`man" and "Maarat al Numan" -> "marat numan".

    Latin-script names are transliteration-folded; Arabic-script names lose harakat, the article and
    letter-form variants (hamza seats, ta marbuta). Returns "" for names with nothing left.
    """
    text = _MARKS.sub("", name.strip())
    if any("\u0600" <= ch <= "\u06ff" for ch in text):
        text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_ARABIC_FORMS)
        text = _ARABIC_ARTICLE.sub("", " ".join(_SEPARATORS.split(text)).strip())
        return text
    text = strip_diacritics(text).lower().replace("ß", "ss").replace("ı", "i").replace("ø", "o")
    text = text.replace("&", " and ")
    words = [w for w in _SEPARATORS.split(text) if w]
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    if len(words) > 1:
        kept = [w for w in words if w not in _ARTICLES]
        words = kept or words
    out = []
    for word in words:
        folded = word
        for old, new in _VARIANTS:
            if old in folded:
                folded = folded.replace(old, new)
        folded = _DOUBLED.sub(r"\1", folded)
        out.append(_FINAL_H.sub("", folded) if len(folded) > 3 else folded)
    return " ".join(out)


# the prefixes longest first (by characters), each with its number of words
_PREFIXES_LONGEST_FIRST = tuple((prefix, len(prefix.split()), level) for prefix, level in
                                sorted(_LEVEL_PREFIXES.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=200_000)
def split_level(name: str) -> tuple[str, str | None]:
    """Separate level words from a name: "Idlib province" -> ("Idlib", "admin1"), "Mosul" -> ("Mosul", None).

    Only an outer word counts. The level is a hint: a resolver falls back to any level when no place of
    the asked level has the name ("State of Palestine" asks for admin1 and finds the country). Cached:
    the answer depends on the string alone, and a geoparse asks it for every candidate's name.
    """
    words = name.split()
    lowered = [w.lower() for w in words]
    for prefix, size, level in _PREFIXES_LONGEST_FIRST:
        if len(words) > size and " ".join(lowered[:size]) == prefix:
            return " ".join(words[size:]), level
    if len(words) > 1 and lowered[-1] in _LEVEL_SUFFIXES:
        return " ".join(words[:-1]), _LEVEL_SUFFIXES[lowered[-1]]
    return name, None


_PLACE_NOUNS_FILE = Path(__file__).parent.parent / "knowledge" / "data" / "place_nouns.tsv"


@dataclass(frozen=True)
class PlaceNoun:
    """A common noun naming a kind of place, the level it gives a name, and whether "<noun> of X" works."""

    level: str
    prefix: bool  # "<noun> of X" names a place
    after: bool = True  # "X <noun>" names a place ("the centre of X" but not "X Centre")


@lru_cache(maxsize=1)
def place_nouns() -> dict[str, PlaceNoun]:
    """The kinds-of-place nouns of ``knowledge/data/place_nouns.tsv``, by lower-case word."""
    out: dict[str, PlaceNoun] = {}
    for raw in _PLACE_NOUNS_FILE.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        cols = raw.rstrip("\n").split("\t")
        kind = cols[2].strip() if len(cols) > 2 else ""
        out[cols[1].strip().lower()] = PlaceNoun(cols[0].strip(), kind in ("prefix", "of"), kind != "of")
    return out


# Prepositions whose object is a place when its name is a known place name ("demonstrated in Beslan").
_SCENE_PREPS = frozenset({"in", "at", "near", "inside", "outside", "into", "across", "around", "from",
                          "towards", "toward", "through", "throughout", "within"})


def syntax_level(span: Span, *, prefix_only: bool = False) -> str | None:
    """The level that the words around a name give it when they say it is a place: a kind-of-place noun
    after it ("the Aziziyah district", "Balata refugee camp": up to two lower-case words between) or
    "<noun> of" before it ("the village of Tamthil", "the settlements of Arbin"). With ``prefix_only``
    only the nouns that also work as "<noun> of X" count after the name (districts and towns, not
    roads and schools), for names the tagger took for a person. None when the words say nothing."""
    doc = span.doc
    nouns = place_nouns()
    for k in range(span.end, min(span.end + 3, len(doc))):
        tok = doc[k]
        noun = nouns.get(tok.lower_)
        if noun is not None and tok.is_lower and noun.after and (noun.prefix or not prefix_only):
            # "the English city of Salisbury": the name before "<town noun> of" only qualifies the
            # noun ("the Ghat area of Doda district" and "the Thantho district of Yala" are names)
            of_follows = noun.level == "city" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "of"
            return None if of_follows or span[-1].tag_ == "JJ" else noun.level
        if not (tok.is_lower and tok.pos_ in ("NOUN", "ADJ")) or k - span.end >= 2:
            break
    if span.start >= 2 and doc[span.start - 1].lower_ == "of":
        noun = nouns.get(doc[span.start - 2].lower_)
        if noun is not None and noun.prefix:
            return noun.level
    return None


def scene_object(span: Span) -> bool:
    """Is the name in a slot that holds places: the object of a preposition that puts things somewhere
    ("in Beslan", "near Kabul") or of a verb that acts on places ("Eritrea captured Badme")?"""
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ in _SCENE_PREPS:
        return True
    # only the active object: the passive subject of "was captured" is mostly a person
    return root.dep_ == "dobj" and root.head.lemma_.lower() in place_verbs()


_PLACE_VERBS_FILE = Path(__file__).parent.parent / "knowledge" / "data" / "place_verbs.txt"


@lru_cache(maxsize=1)
def place_verbs() -> frozenset[str]:
    """Lemmas of verbs whose object is usually a place (``knowledge/data/place_verbs.txt``)."""
    lines = _PLACE_VERBS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


_STOPWORDS_FILE = Path(__file__).parent.parent / "knowledge" / "data" / "place_stopwords.txt"


@lru_cache(maxsize=1)
def place_stopwords() -> tuple[frozenset[str], frozenset[str]]:
    """(words that are no toponym alone, honorifics that start a person's name), from the data file."""
    words: set[str] = set()
    honorifics: set[str] = set()
    target = words
    for raw in _STOPWORDS_FILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line == "[honorifics]":
            target = honorifics
        elif line and not line.startswith("#"):
            target.add(normalise_placename(line))
    return frozenset(words), frozenset(honorifics)
