"""What clustering knows about one event mention, read back from the store.

A ``Mention`` is the stored PLOVER record (``events.record``) plus the two facts of its article that
clustering needs: when it was published (the earliest report) and by whom (distinct sources). It is
built from the record JSON rather than from the flat columns so that clustering sees exactly what the
exports see.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import ActorEntity, Count
from ..store.db import Store

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class MentionPlace:
    """The resolved event location, reduced to what place compatibility needs."""

    name: str | None
    geonameid: int | None
    lat: float | None
    lon: float | None
    country: str | None
    admin1: str | None
    feature_code: str | None
    resolution: str | None


@dataclass(slots=True)
class Mention:
    """One event mention as clustering sees it."""

    id: str
    doc_id: str
    event: str
    modality: str
    specificity: str
    historical: bool
    earliest: dt.date | None
    latest: dt.date | None
    date: dt.date | None
    precision: str | None
    basis: str | None
    place: MentionPlace | None
    actor: list[ActorEntity] = field(default_factory=list)
    recipient: list[ActorEntity] = field(default_factory=list)
    size: dict[str, Count] = field(default_factory=dict)
    text: str = ""
    event_text: str = ""
    mode: str | None = None
    acled: dict[str, str] | None = None
    confidence: float = 0.5
    published: dt.date | None = None
    source: str | None = None

    @property
    def country(self) -> str | None:
        return self.place.country if self.place else None

    def tokens(self, stopwords: frozenset[str]) -> frozenset[str]:
        """Content words of the evidence sentence, for the tie-breaking similarity."""
        return frozenset(t for t in (m.group(0).lower() for m in _TOKEN.finditer(self.text))
                         if len(t) > 2 and t not in stopwords)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


class _Shared:
    """One object per distinct value among the mentions read together: reprints repeat the same
    sentence, actors, place and counts, and a part of a dense store holds thousands of copies of
    them. The objects are never changed by clustering, so sharing them is safe."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, key: Any, make: Any = None) -> Any:
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = key if make is None else make()
        return found


def _unshared(key: Any, make: Any = None) -> Any:
    """``_Shared``'s call without the sharing: every value its own object."""
    return key if make is None else make()


def _actor(d: dict[str, Any], same: Any = _unshared) -> ActorEntity:
    fields = (d.get("entity_text") or "", d.get("name"), d.get("code"), d.get("country"), d.get("sector"),
              d.get("kind"), d.get("actor_id"))
    return same(("actor", fields), lambda: ActorEntity(fields[0], name=fields[1], code=fields[2],
                                                       country=fields[3], sector=fields[4], kind=fields[5],
                                                       actor_id=fields[6]))


def mention_from_record(record: dict[str, Any], published: dt.date | None = None,
                        source: str | None = None, shared: _Shared | None = None) -> Mention:
    """A ``Mention`` from an ``Event.to_plover()`` record (and its article's date and source).
    ``shared``: one object per distinct sentence, actor, place and count across the mentions read
    together (``_rows``)."""
    same = shared or _unshared
    di = record.get("date_info") or {}
    loc = record.get("event_loc")
    place = None
    if loc:
        where = (loc.get("name") or loc.get("entity_text"), loc.get("geonameid"), loc.get("lat"),
                 loc.get("lon"), loc.get("country"), loc.get("admin1"), loc.get("feature_code"),
                 loc.get("resolution"))
        place = same(("place", where), lambda: MentionPlace(*where))
    size = {}
    for category, c in (record.get("size") or {}).items():
        figure = (category, c.get("low"), c.get("high"), c.get("qualifier"), c.get("text") or "", 0, 0,
                  c.get("unit") or "people")
        size[category] = same(("count", figure), lambda figure=figure: Count(*figure))
    acled = record.get("acled")
    if isinstance(acled, dict):
        acled = same(("acled", tuple(sorted(acled.items()))), lambda: acled)
    return Mention(
        id=record["id"], doc_id=same(record["doc_id"]), event=same(record["event"]),
        modality=record.get("modality") or "asserted", specificity=record.get("specificity") or "specific",
        historical=bool(record.get("historical")), earliest=_date(di.get("earliest")),
        latest=_date(di.get("latest")), date=_date(record.get("date")), precision=di.get("precision"),
        basis=di.get("basis"),
        place=place, actor=[_actor(a, same) for a in record.get("actor") or []],
        recipient=[_actor(a, same) for a in record.get("recipient") or []], size=size,
        text=same(record.get("text") or ""), event_text=same(record.get("event_text") or ""),
        mode=record.get("mode"), acled=acled, confidence=float(record.get("confidence") or 0.5),
        published=_date(published), source=same(source) if source is not None else None,
    )


_SELECT = ("SELECT e.record, a.published, a.source FROM events e JOIN articles a ON a.id = e.doc_id ")


def _rows(store: Store, sql: str, params: Sequence[Any]) -> Iterator[Mention]:
    cur = store.cursor()
    shared = _Shared()
    try:
        cur.execute(sql, list(params))
        while batch := cur.fetchmany(1000):
            for record, published, source in batch:
                yield mention_from_record(json.loads(record), published, source, shared)
    finally:
        cur.close()


def unclustered_mentions(store: Store, run_id: str | None = None) -> list[Mention]:
    """Events not yet in any cluster (only those of articles written by ``run_id`` if given)."""
    sql = _SELECT + "WHERE e.id NOT IN (SELECT event_id FROM cluster_members)"
    params: list[Any] = []
    if run_id:
        sql += " AND a.run_id = ?"
        params.append(run_id)
    return list(_rows(store, sql + " ORDER BY e.id", params))


def unclustered_part(store: Store, batch: int, run_id: str | None = None) -> list[Mention]:
    """The unclustered events of one batch of ``cluster_plan`` (see ``store._plan``)."""
    sql = (_SELECT + "JOIN memory.main.cluster_plan p ON p.doc_id = e.doc_id AND p.grp = COALESCE("
           "(SELECT tg.grp FROM memory.main.cluster_type_group tg WHERE tg.event = e.event), e.event) "
           "WHERE p.batch = ? AND e.id NOT IN (SELECT event_id FROM cluster_members)")
    params: list[Any] = [batch]
    if run_id:
        sql += " AND a.run_id = ?"
        params.append(run_id)
    return list(_rows(store, sql + " ORDER BY e.id", params))


def mentions_by_id(store: Store, ids: Iterable[str]) -> list[Mention]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(_rows(store, _SELECT + "WHERE e.id IN (SELECT UNNEST(?::VARCHAR[])) ORDER BY e.id", [wanted]))
