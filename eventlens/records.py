"""Typed records handed between the stages of eventlens.

Every stage takes and returns these dataclasses, never loose dicts. The only place where a record
becomes a dict is its ``to_dict()``/``to_plover()`` method, which is the export contract described in
DESIGN.md ("The record"). Offsets are character offsets into ``Article.text`` as stored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


def stable_id(prefix: str, *parts: object, length: int = 16) -> str:
    """A short, stable id from its parts: the same input always gives the same id."""
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}_{digest[:length]}"


@dataclass
class Article:
    """One dated article. ``text`` is the stored body that every offset indexes."""

    id: str
    text: str
    published: dt.date | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    lang: str = "en"
    origin: str | None = None  # where it came from: a path, "path:line", "<stdin>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.id,
            "published": self.published.isoformat() if self.published else None,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "text": self.text,
        }


@dataclass
class Reject:
    """An input that could not become an article, with the reason a user can act on."""

    origin: str
    code: str
    reason: str
    detail: str | None = None


@dataclass
class ActorEntity:
    """An actor as it appears in a record: the words, and what the knowledge made of them."""

    entity_text: str
    name: str | None = None
    code: str | None = None
    country: str | None = None
    sector: str | None = None
    kind: str | None = None
    actor_id: str | None = None
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_text": self.entity_text,
            "name": self.name,
            "code": self.code,
            "country": self.country,
            "sector": self.sector,
            "kind": self.kind,
            "actor_id": self.actor_id,
        }


@dataclass
class Place:
    """A toponym mention resolved against the gazetteer (``geonameid`` None when unresolved)."""

    entity_text: str
    start: int
    end: int
    name: str | None = None
    geonameid: int | None = None
    lat: float | None = None
    lon: float | None = None
    country: str | None = None  # ISO3
    admin1: str | None = None
    admin2: str | None = None
    feature_code: str | None = None
    resolution: str | None = None  # sub-city | city | admin2 | admin1 | country
    score: float = 0.0
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_text": self.entity_text,
            "name": self.name,
            "geonameid": self.geonameid,
            "lat": self.lat,
            "lon": self.lon,
            "country": self.country,
            "admin1": self.admin1,
            "feature_code": self.feature_code,
            "resolution": self.resolution,
        }


@dataclass
class DateInfo:
    """When an event happened, as a range with its precision and what the range rests on.

    ``basis`` is "explicit" (a date in the words), "relative" ("yesterday", "last week"),
    "publication" (no time words; bounded by the publication date) or "unknown".
    """

    date: dt.date | None
    earliest: dt.date | None
    latest: dt.date | None
    precision: str  # day | week | month | year | unknown
    basis: str
    text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        iso = lambda d: d.isoformat() if d else None  # noqa: E731
        return {"earliest": iso(self.earliest), "latest": iso(self.latest),
                "precision": self.precision, "basis": self.basis}


@dataclass
class Count:
    """A number of people in a category, as a range with its qualifier and its words."""

    category: str  # killed | injured | displaced | arrested | troops | affected | ...
    low: int | None
    high: int | None
    qualifier: str | None
    text: str
    start: int
    end: int
    unit: str = "people"  # people | households

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"low": self.low, "high": self.high, "qualifier": self.qualifier,
                               "text": self.text}
        if self.unit != "people":
            out["unit"] = self.unit
        return out


@dataclass
class Attribution:
    text: str | None
    source: str | None = None


@dataclass
class Event:
    """One event mention: the record of DESIGN.md's contract."""

    id: str
    doc_id: str
    event: str
    event_text: str
    text: str
    start: int
    end: int
    trigger_start: int
    trigger_end: int
    mode: str | None = None
    context: list[str] = field(default_factory=list)
    actor: list[ActorEntity] = field(default_factory=list)
    recipient: list[ActorEntity] = field(default_factory=list)
    event_loc: Place | None = None
    date_info: DateInfo | None = None
    size: dict[str, Count] = field(default_factory=dict)
    modality: str = "asserted"
    specificity: str = "specific"
    historical: bool = False
    attribution: Attribution | None = None
    cameo: str | None = None
    acled: dict[str, str] | None = None
    confidence: float = 0.5

    def to_plover(self) -> dict[str, Any]:
        di = self.date_info
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "event": self.event,
            "mode": self.mode,
            "context": list(self.context),
            "actor": [a.to_dict() for a in self.actor],
            "recipient": [a.to_dict() for a in self.recipient],
            "event_loc": self.event_loc.to_dict() if self.event_loc else None,
            "date": di.date.isoformat() if di and di.date else None,
            "date_info": di.to_dict() if di else None,
            "size": {cat: c.to_dict() for cat, c in self.size.items()},
            "modality": self.modality,
            "specificity": self.specificity,
            "historical": self.historical,
            "attribution": asdict(self.attribution) if self.attribution else None,
            "event_text": self.event_text,
            "text": self.text,
            "text_info": {"start": self.start, "end": self.end,
                          "trigger_start": self.trigger_start, "trigger_end": self.trigger_end},
            "cameo": self.cameo,
            "acled": dict(self.acled) if self.acled else None,
            "confidence": round(self.confidence, 3),
        }


@dataclass
class Relation:
    """A relation between two actors: supports, leads, part_of, proxy_of, allied_with, opposes."""

    id: str
    doc_id: str
    kind: str
    source: ActorEntity
    target: ActorEntity
    text: str
    start: int
    end: int
    modality: str = "asserted"
    evidence_start: int | None = None  # the words that carry the relation ("backed by")
    evidence_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "kind": self.kind,
            "source": self.source.to_dict(),
            "target": self.target.to_dict(),
            "text": self.text,
            "text_info": {"start": self.start, "end": self.end},
            "modality": self.modality,
        }


@dataclass
class ArticleResult:
    """Everything the per-article work produced; what ``process_batch`` returns per article."""

    article: Article
    events: list[Event] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)
    error: Reject | None = None
