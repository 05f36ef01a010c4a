"""The shared filter layer: one ``EventFilter``, the same meaning for the API, the exports and the CLI.

Every value reaches DuckDB as a parameter; the SQL text is built only from fixed fragments chosen by
which filter fields are set, never from the values themselves.

Meaning of each field (events; clusters use their consensus fields):
- ``since``/``until``: the event's best date (``date``, else its earliest bound) lies in the range, both
  ends included; undated events never match a date filter.
- ``country`` (ISO3), ``admin1`` (name, any case), ``bbox`` (min_lon, min_lat, max_lon, max_lat): where it
  happened, not who did it.
- ``event_type`` and ``modality``: one value or several (any of them).
- ``actor``: a case-insensitive substring of an actor's or target's words, name, code or id.
- ``text``: a case-insensitive substring of the evidence sentence.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from ..errors import ExportError
from .db import Store


def _tuple(value: str | Sequence[str] | None, upper: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out = []
    for item in items:
        for raw in str(item).split(","):
            part = raw.strip()
            if part:
                out.append(part.upper() if upper else part.lower())
    return tuple(dict.fromkeys(out))


def _as_date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise ExportError("E046", f"{name} {value!r} is not a date; write it as YYYY-MM-DD") from e


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"min_lon,min_lat,max_lon,max_lat"`` as four floats (the GeoJSON bbox order)."""
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError as e:
        raise ExportError("E047", f"bbox {text!r} is not four numbers; write min_lon,min_lat,max_lon,max_lat"
                          ) from e
    if len(parts) != 4:
        raise ExportError("E047", f"bbox {text!r} has {len(parts)} numbers; "
                                  "write min_lon,min_lat,max_lon,max_lat")
    return parts


@dataclass(frozen=True)
class EventFilter:
    """Which events (or clusters) to return. Every field is optional; the default matches everything.

    Strings are normalised on construction (ISO3 and event types upper case, modalities lower case,
    comma-separated lists split), so equal filters compare and hash equal and can key caches.
    """

    since: dt.date | None = None
    until: dt.date | None = None
    country: str | None = None
    admin1: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    event_type: tuple[str, ...] = ()
    actor: str | None = None
    modality: tuple[str, ...] = ()
    text: str | None = None
    limit: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "since", _as_date(self.since, "since"))
        put(self, "until", _as_date(self.until, "until"))
        put(self, "event_type", _tuple(self.event_type, upper=True))
        put(self, "modality", _tuple(self.modality))
        if self.country is not None:
            put(self, "country", self.country.strip().upper() or None)
        if isinstance(self.bbox, str):
            put(self, "bbox", parse_bbox(self.bbox))
        for name in ("admin1", "actor", "text"):
            value = getattr(self, name)
            if value is not None:
                put(self, name, value.strip() or None)
        if self.since and self.until and self.since > self.until:
            raise ExportError("E046", f"since {self.since} is after until {self.until}; swap them")
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
                raise ExportError("E047", f"bbox {self.bbox} is not min_lon,min_lat,max_lon,max_lat within "
                                          "-180..180 and -90..90")
        if (self.limit is not None and self.limit < 0) or self.offset < 0:
            raise ExportError("E048", "limit and offset must be zero or more")

    def replace(self, **changes: Any) -> EventFilter:
        return dataclasses.replace(self, **changes)

    @property
    def is_empty(self) -> bool:
        return self == EventFilter()


def _actor_match(alias: str) -> str:
    cols = ("entity_text", "name", "code", "actor_id")
    return " OR ".join(f"contains(lower(coalesce({alias}.{c}, '')), ?)" for c in cols)


# Column names per table: events carry the mention's own fields, clusters their consensus fields.
_EVENT_COLS = {"country": "loc_country"}
_CLUSTER_COLS = {"country": "country"}


def _conditions(flt: EventFilter, alias: str, cols: dict[str, str]) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    best_date = f"coalesce({alias}.date, {alias}.earliest)"
    if flt.since:
        where.append(f"{best_date} >= ?")
        params.append(flt.since)
    if flt.until:
        where.append(f"{best_date} <= ?")
        params.append(flt.until)
    if flt.country:
        where.append(f"{alias}.{cols['country']} = ?")
        params.append(flt.country)
    if flt.admin1:
        where.append(f"lower({alias}.admin1) = ?")
        params.append(flt.admin1.lower())
    if flt.bbox:
        where.append(f"{alias}.lon BETWEEN ? AND ? AND {alias}.lat BETWEEN ? AND ?")
        params.extend([flt.bbox[0], flt.bbox[2], flt.bbox[1], flt.bbox[3]])
    if flt.event_type:
        where.append(f"{alias}.event IN (SELECT UNNEST(?::VARCHAR[]))")
        params.append(list(flt.event_type))
    if flt.modality:
        where.append(f"{alias}.modality IN (SELECT UNNEST(?::VARCHAR[]))")
        params.append(list(flt.modality))
    return where, params


def event_conditions(flt: EventFilter, alias: str = "e", *, indexed: bool = False
                     ) -> tuple[list[str], list[Any]]:
    """SQL conditions (ANDed) and their parameters for the ``events`` table under ``alias``.

    ``indexed``: the store's ``event_search`` table is complete (``search_index_ready``), so the word
    search reads the stored lower-cased sentences instead of cutting them out of the articles."""
    where, params = _conditions(flt, alias, _EVENT_COLS)
    if flt.actor:
        where.append(f"EXISTS (SELECT 1 FROM event_actors ea WHERE ea.event_id = {alias}.id AND "
                     f"({_actor_match('ea')}))")
        params.extend([flt.actor.lower()] * 4)
    if flt.text:
        where.append(_sentence_contains(alias, indexed))
        params.append(flt.text.lower())
    return where, params


def _sentence_contains(alias: str, indexed: bool = False) -> str:
    """The event's evidence sentence contains the (lower-cased) words.

    Indexed: a scan of the stored lower-cased sentences (``event_search``, see ``schema``), a few
    milliseconds for 16,000 events. Otherwise the sentence is cut out of the article by the event's
    offsets (Python and DuckDB both index by code point), which walks the article text from its start
    for every event: several times slower, but right on any store, including one written before the
    table existed."""
    if indexed:
        return f"{alias}.id IN (SELECT s.event_id FROM event_search s WHERE contains(s.text, ?))"
    return (f"EXISTS (SELECT 1 FROM articles art WHERE art.id = {alias}.doc_id AND contains(lower("
            f'substr(art.text, {alias}."start" + 1, {alias}."end" - {alias}."start")), ?))')


def cluster_conditions(flt: EventFilter, alias: str = "c", *, indexed: bool = False
                       ) -> tuple[list[str], list[Any]]:
    """SQL conditions and parameters for the ``clusters`` table: consensus fields, and for ``actor`` and
    ``text`` any member mention (``indexed`` as in ``event_conditions``)."""
    where, params = _conditions(flt, alias, _CLUSTER_COLS)
    members = f"FROM cluster_members cm WHERE cm.cluster_id = {alias}.cluster_id AND cm.event_id IN"
    if flt.actor:
        where.append(f"EXISTS (SELECT 1 {members} (SELECT ea.event_id FROM event_actors ea "
                     f"WHERE {_actor_match('ea')}))")
        params.extend([flt.actor.lower()] * 4)
    if flt.text and indexed:
        where.append(f"EXISTS (SELECT 1 {members} (SELECT s.event_id FROM event_search s "
                     "WHERE contains(s.text, ?)))")
        params.append(flt.text.lower())
    elif flt.text:
        where.append(f"EXISTS (SELECT 1 {members} (SELECT ev.id FROM events ev "
                     f"WHERE {_sentence_contains('ev')}))")
        params.append(flt.text.lower())
    return where, params


# Read-only stores cannot change while open, so whether their search table is complete is asked once.
_READY: weakref.WeakKeyDictionary[Store, bool] = weakref.WeakKeyDictionary()


def search_index_ready(store: Store) -> bool:
    """Whether ``event_search`` holds one row per event, so the word search may read it.

    A store written before the table existed, or by a writer that does not fill it, has fewer rows
    (or no table): the search then falls back to cutting sentences from the articles, with the same
    results. Two counts DuckDB answers from its row-group metadata: well under a millisecond."""
    if store.read_only and store in _READY:
        return _READY[store]
    cur = store.cursor()
    try:
        row = cur.execute("SELECT (SELECT count(*) FROM event_search) = (SELECT count(*) FROM events)"
                          ).fetchone()
        ready = bool(row and row[0])
    except (duckdb.CatalogException, duckdb.BinderException):
        ready = False
    finally:
        cur.close()
    if store.read_only:
        _READY[store] = ready
    return ready


def _where(conditions: list[str]) -> str:
    return ("WHERE " + " AND ".join(conditions)) if conditions else ""


def _page(flt: EventFilter) -> tuple[str, list[Any]]:
    if flt.limit is None and not flt.offset:
        return "", []
    if flt.limit is None:
        return " OFFSET ?", [flt.offset]
    return " LIMIT ? OFFSET ?", [flt.limit, flt.offset]


EVENT_ORDER = 'e.doc_id, e."start", e.trigger_start, e.id'
CLUSTER_ORDER = "coalesce(c.date, c.earliest) NULLS LAST, c.cluster_id"


def uses_search_index(store: Store, flt: EventFilter | None) -> bool:
    """Whether a word search on this store may read ``event_search`` (asked only when there are words)."""
    return bool(flt and flt.text) and search_index_ready(store)


def select_events(flt: EventFilter | None, columns: str = "e.record", *, indexed: bool = False
                  ) -> tuple[str, list[Any]]:
    """A full SELECT over ``events e`` with the filter, order and page; for callers that want other
    columns (the CSV and Parquet exports). ``indexed``: see ``event_conditions``."""
    flt = flt or EventFilter()
    conditions, params = event_conditions(flt, indexed=indexed)
    page, page_params = _page(flt)
    return (f"SELECT {columns} FROM events e {_where(conditions)} ORDER BY {EVENT_ORDER}{page}",
            params + page_params)


def select_clusters(flt: EventFilter | None, columns: str = "c.record", *, indexed: bool = False
                    ) -> tuple[str, list[Any]]:
    flt = flt or EventFilter()
    conditions, params = cluster_conditions(flt, indexed=indexed)
    page, page_params = _page(flt)
    return (f"SELECT {columns} FROM clusters c {_where(conditions)} ORDER BY {CLUSTER_ORDER}{page}",
            params + page_params)


# A page with its total, for the API. The filter is evaluated once, into ``m`` (the keys and sort
# columns of every match): the word and actor filters cannot be pushed into DuckDB's scan, and a page
# query plus a count query evaluated them twice. ``m`` is then aliased like the table so the usual
# order applies to it. The wide columns (the record JSON) are read for the page's rows only: DuckDB
# reads every column a query names for every row that passes the scan, so selecting them with the
# filter made it read 16,000 records to keep 50.

def _paged(store: Store, sql: str, params: list[Any], page_params: list[Any], flt: EventFilter,
           count_sql: str) -> tuple[list[tuple[Any, ...]], int]:
    rows = _fetch(store, sql, params + page_params)
    if rows:
        return [row[:-1] for row in rows], int(rows[0][-1])
    # Past the last match (or none): the total is still owed.
    return [], (_scalar(store, count_sql, params) if flt.offset else 0)


def event_page(store: Store, flt: EventFilter, columns: str = "e.record"
               ) -> tuple[list[tuple[Any, ...]], int]:
    """``columns`` of a page of matching events (over ``events e``, in the usual order) and how many
    match in all (``limit``/``offset`` define the page)."""
    conditions, params = event_conditions(flt, indexed=uses_search_index(store, flt))
    page, page_params = _page(flt)
    sql = (f'WITH m AS MATERIALIZED (SELECT e.id, e.doc_id, e."start", e.trigger_start FROM events e '
           f"{_where(conditions)}) SELECT {columns}, (SELECT count(*) FROM m) FROM events e WHERE e.id IN "
           f"(SELECT e.id FROM m AS e ORDER BY {EVENT_ORDER}{page}) ORDER BY {EVENT_ORDER}")
    return _paged(store, sql, params, page_params, flt, f"SELECT count(*) FROM events e {_where(conditions)}")


def cluster_page(store: Store, flt: EventFilter, columns: str = "c.record"
                 ) -> tuple[list[tuple[Any, ...]], int]:
    """``columns`` of a page of matching clusters (over ``clusters c``, in the usual order) and how
    many match in all; nothing on a store that was never clustered."""
    if not has_clusters(store):
        return [], 0
    conditions, params = cluster_conditions(flt, indexed=uses_search_index(store, flt))
    page, page_params = _page(flt)
    sql = (f"WITH m AS MATERIALIZED (SELECT c.cluster_id, c.date, c.earliest FROM clusters c "
           f"{_where(conditions)}) SELECT {columns}, (SELECT count(*) FROM m) FROM clusters c WHERE "
           f"c.cluster_id IN (SELECT c.cluster_id FROM m AS c ORDER BY {CLUSTER_ORDER}{page}) "
           f"ORDER BY {CLUSTER_ORDER}")
    return _paged(store, sql, params, page_params, flt,
                  f"SELECT count(*) FROM clusters c {_where(conditions)}")


def _fetch(store: Store, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cur = store.cursor()
    try:
        return cur.execute(sql, params).fetchall()
    finally:
        cur.close()


def _scalar(store: Store, sql: str, params: list[Any]) -> int:
    cur = store.cursor()
    try:
        row = cur.execute(sql, params).fetchone()
    finally:
        cur.close()
    return int(row[0]) if row else 0


def iter_events(store: Store, flt: EventFilter | None = None) -> Iterator[dict[str, Any]]:
    """PLOVER records (``Event.to_plover()``) that match, by article then offset."""
    sql, params = select_events(flt, indexed=uses_search_index(store, flt))
    for (record,) in store.stream(sql, params):
        yield json.loads(record)


def count_events(store: Store, flt: EventFilter | None = None) -> int:
    """How many events match (``limit``/``offset`` ignored)."""
    conditions, params = event_conditions(flt or EventFilter(), indexed=uses_search_index(store, flt))
    return _scalar(store, f"SELECT count(*) FROM events e {_where(conditions)}", params)


def has_clusters(store: Store) -> bool:
    """Whether the store has been clustered (the cluster tables exist in their current layout).

    Binds a query that reads no row instead of reading ``information_schema``: the catalog views cost
    5-20 ms per call, and every cluster request asks this.
    """
    cur = store.cursor()
    try:
        cur.execute("SELECT n_mentions FROM clusters LIMIT 0")
    except (duckdb.CatalogException, duckdb.BinderException):
        return False
    finally:
        cur.close()
    return True


def iter_clusters(store: Store, flt: EventFilter | None = None) -> Iterator[dict[str, Any]]:
    """Cluster records (``cluster.consensus.cluster_record``) that match, by date then id."""
    if not has_clusters(store):
        return
    sql, params = select_clusters(flt, indexed=uses_search_index(store, flt))
    for (record,) in store.stream(sql, params):
        yield json.loads(record)


def iter_clusters_with_time(store: Store, flt: EventFilter | None = None
                            ) -> Iterator[tuple[dict[str, Any], dt.datetime | None]]:
    """Like ``iter_clusters``, with the time each cluster was last changed (ACLED's ``timestamp``)."""
    if not has_clusters(store):
        return
    sql, params = select_clusters(flt, "c.record, c.updated_at", indexed=uses_search_index(store, flt))
    for record, updated in store.stream(sql, params):
        yield json.loads(record), updated


def count_clusters(store: Store, flt: EventFilter | None = None) -> int:
    if not has_clusters(store):
        return 0
    conditions, params = cluster_conditions(flt or EventFilter(), indexed=uses_search_index(store, flt))
    return _scalar(store, f"SELECT count(*) FROM clusters c {_where(conditions)}", params)


def clusters_of(store: Store, event_ids: Sequence[str]) -> dict[str, str]:
    """The cluster of each of a page of event mentions (those not clustered are absent).

    Asked for the page's ids only: a correlated subquery in the page query made DuckDB join all of
    ``cluster_members`` to every matching event first (3-4x the cost of the page itself)."""
    ids = list(dict.fromkeys(event_ids))
    if not ids or not has_clusters(store):
        return {}
    marks = ", ".join("?" for _ in ids)  # one marker per id: the SQL text never holds a value
    cur = store.cursor()
    try:
        rows = cur.execute("SELECT event_id, min(cluster_id) FROM cluster_members "
                           f"WHERE event_id IN ({marks}) GROUP BY event_id", ids).fetchall()
    finally:
        cur.close()
    return {event_id: cluster_id for event_id, cluster_id in rows}


def get_event(store: Store, event_id: str) -> dict[str, Any] | None:
    row = store.cursor().execute("SELECT record FROM events WHERE id = ?", [event_id]).fetchone()
    return json.loads(row[0]) if row else None


def get_cluster(store: Store, cluster_id: str) -> dict[str, Any] | None:
    if not has_clusters(store):
        return None
    row = store.cursor().execute("SELECT record FROM clusters WHERE cluster_id = ?", [cluster_id]).fetchone()
    return json.loads(row[0]) if row else None


def cluster_of(store: Store, event_id: str) -> str | None:
    """The id of the cluster an event mention belongs to (None before clustering)."""
    if not has_clusters(store):
        return None
    row = store.cursor().execute("SELECT cluster_id FROM cluster_members WHERE event_id = ?",
                                 [event_id]).fetchone()
    return row[0] if row else None
