"""The actor knowledge: named actors, countries with their demonyms, and generic actor words.

Three bundled files under ``eventlens/knowledge/`` (``actors.jsonl``, ``countries.tsv``,
``actor_roles.json``) plus the user's own JSONL files (``Settings.actor_files``, same schema as
``actors.jsonl``) merged over them: a user row with a known ``id`` extends that actor (its aliases are
added, its other fields win); a new ``id`` adds an actor.

Every country also gets five generated actors, so that "the Syrian government" and "Iraqi police"
resolve to ids without a row each: ``<iso3>-state``, ``-government``, ``-military``, ``-police`` and
``-civilians`` (e.g. ``syr-government``). Rows in ``actors.jsonl`` with those ids add aliases to them
("Assad regime" -> ``syr-government``).

Matching is on a folded form of the words (lower case, no accents, hyphens and dots dropped,
apostrophes removed) so that "Hay'at Tahrir al-Sham" and "Hayat Tahrir al Sham" meet. Short all-caps
abbreviations ("IS", "US", "HTS") match only in capitals, since "is" and "us" are common words.
"""
from __future__ import annotations

import csv
import functools
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import KnowledgeError
from ..records import ActorEntity
from ..settings import Settings

log = logging.getLogger(__name__)

TYPES = ("state", "org", "person", "generic")
KINDS = ("state", "rebel", "political_militia", "identity_militia", "rioters", "protesters", "civilians",
         "external", "igo", "ngo", "media", "person")
# generated per-country actors: id suffix, sector, name template, kind
COUNTRY_ACTORS = (("state", None, "{name}", "state"),
                  ("government", "GOV", "Government of {name}", "state"),
                  ("military", "MIL", "Military of {name}", "state"),
                  ("police", "COP", "Police of {name}", "state"),
                  ("civilians", "CVL", "Civilians of {name}", "civilians"))
SECTOR_SUFFIX = {sector: suffix for suffix, sector, _, _ in COUNTRY_ACTORS if sector}

_APOSTROPHES = re.compile(r"[’‘`´ʿʾ']")
_SEPARATORS = re.compile(r"[-‐‑–—_/]")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The matching form of a name: lower case, no accents, no apostrophes or dots, hyphens as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text).replace(".", "")
    text = _SEPARATORS.sub(" ", text.lower())
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def is_abbreviation(alias: str) -> bool:
    """All-caps and short ("IS", "HTS", "U.S."): matched case-sensitively."""
    bare = alias.replace(".", "")
    return bare.isupper() and len(bare) <= 6 and " " not in bare


def case_key(text: str) -> str:
    return _SPACES.sub(" ", _APOSTROPHES.sub("", text.replace(".", ""))).strip()


def _starts_upper(text: str) -> bool:
    for ch in text:
        if ch.isalpha():
            return ch.isupper()
    return False


@dataclass(frozen=True)
class Actor:
    """One canonical actor. ``parent`` is the actor it belongs to (Quds Force -> IRGC)."""

    id: str
    name: str
    code: str | None = None
    country: str | None = None
    sector: str | None = None
    kind: str | None = None
    type: str = "org"
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    valid: tuple[int | None, int | None] | None = None

    def entity(self, text: str, start: int | None = None, end: int | None = None) -> ActorEntity:
        return ActorEntity(entity_text=text, name=self.name, code=self.code, country=self.country,
                           sector=self.sector, kind=self.kind, actor_id=self.id, start=start, end=end)

    def valid_in(self, year: int | None) -> bool:
        if year is None or self.valid is None:
            return True
        lo, hi = self.valid
        return (lo is None or lo <= year) and (hi is None or year <= hi)


@dataclass(frozen=True)
class Country:
    iso3: str
    iso2: str
    name: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...]
    plurals: tuple[str, ...]
    capital: str | None


@dataclass(frozen=True)
class Role:
    """A generic actor word ("troops", "regime", "president") and what it says about the actor."""

    key: str
    sector: str | None
    kind: str | None
    person: bool = False
    context_country: bool = False
    member: bool = False


_MAX_ANSWERS = 200_000


@dataclass
class _Index:
    """Folded (and case-kept for abbreviations) phrase -> values, with the longest phrase in tokens."""

    folded: dict[str, list[Any]] = field(default_factory=dict)
    exact: dict[str, list[Any]] = field(default_factory=dict)
    lower_ok: set[str] = field(default_factory=set)  # folded keys that may match in lower case
    max_words: int = 1
    # answers of ``get`` by text: the resolver looks up every word n-gram of every phrase it reads,
    # mostly the same few hundred; emptied by ``add``
    _answers: dict[str, list[Any]] = field(default_factory=dict, repr=False, compare=False)

    def add(self, alias: str, value: Any) -> None:
        if is_abbreviation(alias):
            key, table = case_key(alias), self.exact
        else:
            key, table = fold(alias), self.folded
            if not _starts_upper(alias):
                self.lower_ok.add(key)
        if not key:
            return
        self._answers.clear()
        values = table.setdefault(key, [])
        if value not in values:
            values.append(value)
        self.max_words = max(self.max_words, len(key.split()) + 2)  # tokenizers split hyphens and 's

    def get(self, text: str) -> list[Any]:
        hit = self._answers.get(text)
        if hit is None:
            if len(self._answers) >= _MAX_ANSWERS:
                self._answers.clear()
            hit = self._answers[text] = self._lookup(text)
        return hit

    def _lookup(self, text: str) -> list[Any]:
        hit = self.exact.get(case_key(text))
        if hit:
            return hit
        key = fold(text)
        hit = self.folded.get(key)
        if hit and (key in self.lower_ok or _starts_upper(text)):
            return hit
        return []


class ActorKnowledge:
    """Actors, countries and role words, with the indexes the resolver and the entity ruler use."""

    def __init__(self, actors: dict[str, Actor], countries: dict[str, Country], roles_data: dict[str, Any]):
        self.actors = actors
        self.countries = countries
        self.roles: dict[str, Role] = {
            key.lower(): Role(key=key.lower(), sector=v.get("sector"), kind=v.get("kind"),
                              person=bool(v.get("person")), context_country=bool(v.get("context_country")),
                              member=bool(v.get("member")))
            for key, v in roles_data.get("roles", {}).items()}
        self.affiliations: dict[str, Role] = {
            key.lower(): Role(key=key.lower(), sector=v.get("sector"), kind=v.get("kind"))
            for key, v in roles_data.get("affiliation_modifiers", {}).items() if not key.startswith("_")}
        self.quantity_heads = frozenset(w.lower() for w in roles_data.get("quantity_heads", []))
        self.place_nouns = frozenset(w.lower() for w in roles_data.get("place_nouns", []))
        self.toponym_prefixes = frozenset(fold(w) for w in roles_data.get("toponym_prefixes", []))
        ethnic = roles_data.get("ethnoreligious", {})
        self.ethnoreligious: dict[str, str] = {fold(k): v for k, v in ethnic.items() if not k.startswith("_")}
        self.names = _Index()  # named actors (not countries)
        for actor in actors.values():
            if actor.type == "state":
                continue  # country names are in ``country_words``
            for alias in (actor.name, *actor.aliases) if actor.type != "generic" else actor.aliases:
                self.names.add(alias, actor.id)
        self.country_words = _Index()  # (iso3, form) with form in name | adjective | plural
        self.capitals = _Index()
        for c in countries.values():
            for form, words in (("name", c.names), ("adjective", c.adjectives), ("plural", c.plurals)):
                for w in words:
                    self.country_words.add(w, (c.iso3, form))
            if c.capital:
                self.capitals.add(c.capital, c.iso3)

    def __repr__(self) -> str:
        return f"ActorKnowledge({len(self.actors)} actors, {len(self.countries)} countries)"

    def get(self, actor_id: str | None) -> Actor | None:
        return self.actors.get(actor_id) if actor_id else None

    def named(self, text: str, *, year: int | None = None) -> Actor | None:
        """The named actor these words are a name of (the one valid in ``year`` first), or None."""
        ids = self.names.get(text)
        candidates = [self.actors[i] for i in ids if i in self.actors]
        if not candidates:
            return None
        for actor in candidates:
            if actor.valid_in(year):
                return actor
        return candidates[0]

    def country_word(self, text: str) -> tuple[str, str] | None:
        """``(iso3, form)`` if the words are a country's name, adjective or plural demonym."""
        hits = self.country_words.get(text)
        if not hits:
            return None
        if len(hits) == 1:
            return hits[0]  # type: ignore[no-any-return]
        # a name beats an adjective of another country that happens to be spelt the same
        return sorted(hits, key=lambda h: ("name", "plural", "adjective").index(h[1]))[0]

    def capital(self, text: str) -> str | None:
        hits = self.capitals.get(text)
        return hits[0] if hits else None

    def role(self, *keys: str) -> Role | None:
        for key in keys:
            role = self.roles.get(key.lower())
            if role is not None:
                return role
        return None

    def country_actor(self, iso3: str | None, sector: str | None) -> Actor | None:
        """The generated actor of a country for a sector (GOV, MIL, COP, CVL) or the state (None)."""
        if not iso3:
            return None
        suffix = "state" if sector is None else SECTOR_SUFFIX.get(sector)
        return self.actors.get(f"{iso3.lower()}-{suffix}") if suffix else None

    def adjective(self, iso3: str | None) -> str | None:
        c = self.countries.get(iso3 or "")
        return (c.adjectives[0] if c and c.adjectives else None)

    def ruler_patterns(self) -> Iterator[tuple[str, Actor]]:
        """(alias, actor) for every name of a named actor: what the entity ruler tags."""
        for actor in self.actors.values():
            if actor.type in ("state", "generic"):
                continue
            for alias in dict.fromkeys((actor.name, *actor.aliases)):
                yield alias, actor


def _bundled(name: str) -> str:
    return resources.files("eventlens.knowledge").joinpath(name).read_text(encoding="utf-8")


def _read_countries(text: str) -> dict[str, Country]:
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    countries: dict[str, Country] = {}
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        split = lambda v: tuple(x for x in (v or "").split("|") if x)  # noqa: E731
        countries[row["iso3"]] = Country(
            iso3=row["iso3"], iso2=row["iso2"], name=row["name"], names=split(row["names"]),
            adjectives=split(row["adjectives"]), plurals=split(row["plurals"]),
            capital=row["capital"] or None)
    return countries


def _country_actors(countries: dict[str, Country]) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    for c in countries.values():
        adj = c.adjectives[0] if c.adjectives else None
        for suffix, sector, template, kind in COUNTRY_ACTORS:
            name = template.format(name=c.name)
            if suffix == "civilians" and adj:
                name = f"{adj} civilians"
            actor_type = "state" if suffix == "state" else "generic"
            up = "government" if suffix == "military" else "state"
            parent = None if suffix == "state" else f"{c.iso3.lower()}-{up}"
            actors[f"{c.iso3.lower()}-{suffix}"] = Actor(
                id=f"{c.iso3.lower()}-{suffix}", name=name, code=c.iso3 + (sector or ""), country=c.iso3,
                sector=sector, kind=kind, type=actor_type, parent=parent,
                aliases=c.names if suffix == "state" else ())
    return actors


def _rows(text: str, origin: str) -> Iterable[dict[str, Any]]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            row = json.loads(line)
        except ValueError as e:
            raise KnowledgeError("E026", f"{origin}:{n} is not a JSON object ({e}); write one actor per line "
                                         "as in eventlens/knowledge/actors.jsonl") from e
        if not isinstance(row, dict) or not row.get("id") or not (row.get("name") or row.get("aliases")):
            raise KnowledgeError("E026", f"{origin}:{n}: an actor needs at least an 'id' and a 'name'")
        if row.get("type", "org") not in TYPES:
            raise KnowledgeError("E026", f"{origin}:{n}: type {row.get('type')!r} is not one of "
                                         f"{', '.join(TYPES)}")
        yield row


def _merge(actors: dict[str, Actor], row: dict[str, Any]) -> None:
    old = actors.get(row["id"])
    base: dict[str, Any] = dict(old.__dict__) if old else {"id": row["id"]}
    aliases = list(base.get("aliases", ())) + [a for a in row.get("aliases", []) if isinstance(a, str)]
    for key in ("name", "code", "country", "sector", "kind", "type", "parent"):
        if key in row:
            base[key] = row[key]
    if "valid" in row:
        valid = row["valid"]
        base["valid"] = tuple(valid) if isinstance(valid, list) and len(valid) == 2 else None
    base["aliases"] = tuple(dict.fromkeys(aliases))
    base.setdefault("name", aliases[0] if aliases else row["id"])
    if old is not None and old.type == "generic" and "type" not in row:
        base["type"] = "generic"
    if not base.get("code") and base.get("country"):
        base["code"] = base["country"] + (base.get("sector") or "")
    actors[row["id"]] = Actor(**base)


@functools.lru_cache(maxsize=8)
def _load(actor_files: tuple[str, ...]) -> ActorKnowledge:
    countries = _read_countries(_bundled("countries.tsv"))
    actors = _country_actors(countries)
    for row in _rows(_bundled("actors.jsonl"), "actors.jsonl"):
        _merge(actors, row)
    for path in actor_files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise KnowledgeError("E025", f"cannot read actor file {path}: {e}; "
                                         "check Settings.actor_files") from e
        count = 0
        for row in _rows(text, path):
            _merge(actors, row)
            count += 1
        log.info("merged %d actors from %s", count, path)
    roles = json.loads(_bundled("actor_roles.json"))
    knowledge = ActorKnowledge(actors, countries, roles)
    log.debug("loaded %r", knowledge)
    return knowledge


def load_actor_knowledge(settings: Settings | None = None) -> ActorKnowledge:
    """The bundled actor knowledge with the user's files merged over it; loaded once per file list."""
    files = tuple(str(Path(p).expanduser()) for p in (settings.actor_files if settings else ()))
    return _load(files)
