"""Filtered, paginated lists of events and clusters, and timeline counts, for the API.

Filtering is the shared layer's (``eventlens.store.query.EventFilter``), so a filter means the same in
the API, the exports and the CLI; this module only adds totals, cluster ids and the JSON envelope.
"""
from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from ..store import query
from ..store.db import Store
from ..store.query import EventFilter
from .queries import _iso, _rows

INTERVALS = ("day", "week", "month")


def _page(flt: EventFilter, total: int, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"total": total, "limit": flt.limit, "offset": flt.offset, **extra, "items": items}


def events(store: Store, flt: EventFilter) -> dict[str, Any]:
    """A page of event records (PLOVER JSON) with the id of the cluster each belongs to."""
    rows, total = query.event_page(store, flt, "e.id, e.record")
    cluster_ids = query.clusters_of(store, [event_id for event_id, _ in rows])
    items = []
    for event_id, record_json in rows:
        record = json.loads(record_json)
        record["cluster_id"] = cluster_ids.get(event_id)
        items.append(record)
    return _page(flt, total, items)


def clusters(store: Store, flt: EventFilter) -> dict[str, Any] | Response:
    """A page of cluster records. ``clustered`` is False when the store holds no clusters (not
    clustered yet): the page then maps events instead.

    The records go out as stored (the ``record`` column is the exact JSON of the record), as UTF-8
    bytes inside a JSON envelope built here: a cluster record carries the sentence of every mention, so
    a page of big clusters weighs megabytes, and decoding, parsing and serialising it again was two
    thirds of the request. A page whose stored JSON holds ``NaN`` or ``Infinity`` (which Python's json
    writes and strict JSON has not) goes the slow way, where FastAPI turns them into null as before."""
    rows, total = query.cluster_page(store, flt, "encode(c.record::VARCHAR)")
    if not rows and query.count_clusters(store) == 0:
        return _page(flt, 0, [], clustered=False)
    records: list[bytes] = [record for (record,) in rows]
    if any(b"NaN" in record or b"Infinity" in record for record in records):
        return _page(flt, total, [json.loads(record) for record in records], clustered=True)
    envelope = json.dumps(_page(flt, total, [], clustered=True), separators=(",", ":"))
    head, tail = envelope.encode("utf-8").rsplit(b"[]", 1)  # items are the last key
    return Response(b",".join(records).join((head + b"[", b"]" + tail)), media_type="application/json")


def cluster_detail(store: Store, cluster_id: str) -> dict[str, Any] | None:
    """A cluster record and the full records of its member mentions."""
    record = query.get_cluster(store, cluster_id)
    if record is None:
        return None
    members = _rows(store, "SELECT e.record FROM cluster_members cm JOIN events e ON e.id = cm.event_id "
                           'WHERE cm.cluster_id = ? ORDER BY e.date NULLS LAST, e.doc_id, e."start", e.id',
                    [cluster_id])
    return {"cluster": record, "events": [json.loads(r["record"]) for r in members]}


def timeline(store: Store, flt: EventFilter, interval: str) -> dict[str, Any]:
    """Matching events counted per period and type, on the filter layer's best date (the date, else the
    earliest bound). Undated events are counted apart, not guessed."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    conditions, params = query.event_conditions(flt.replace(limit=None, offset=0),
                                                 indexed=query.uses_search_index(store, flt))
    best = "coalesce(e.date, e.earliest)"
    where = " AND ".join([*conditions, f"{best} IS NOT NULL"])
    rows = _rows(store, f"SELECT date_trunc('{interval}', {best}) AS period, e.event AS type, count(*) AS n "
                        f"FROM events e WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2", params)
    undated_where = " AND ".join([*conditions, f"{best} IS NULL"])
    n_undated = _rows(store, f"SELECT count(*) AS n FROM events e WHERE {undated_where}", params)[0]["n"]
    return {"interval": interval, "undated": n_undated,
            "series": [{"period": _iso(r["period"])[:10], "type": r["type"], "count": r["n"]} for r in rows]}


def facets(store: Store) -> dict[str, Any]:
    """The values a client can filter on, with counts: event types, countries, modalities, dates."""
    def counts(column: str) -> dict[str, int]:
        return {r["v"]: r["n"] for r in _rows(
            store, f"SELECT {column} AS v, count(*) AS n FROM events WHERE {column} IS NOT NULL "
                   "GROUP BY 1 ORDER BY 2 DESC, 1")}

    span = _rows(store, "SELECT min(coalesce(date, earliest)) AS lo, max(coalesce(date, earliest)) AS hi "
                        "FROM events")[0]
    return {"types": counts("event"), "countries": counts("loc_country"), "modalities": counts("modality"),
            "date_min": _iso(span["lo"]), "date_max": _iso(span["hi"])}
