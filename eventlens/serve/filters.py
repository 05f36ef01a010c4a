"""Filtered, paginated lists of events and clusters, and timeline counts, for the API.

Filtering is the shared layer's (``eventlens.store.query.EventFilter``), so a filter means the same in
the API, the exports and the CLI; this module only adds totals, cluster ids and the JSON envelope.
"""
from __future__ import annotations

import json
from typing import Any

from ..store import query
from ..store.db import Store
from ..store.query import EventFilter
from .queries import _iso, _rows

INTERVALS = ("day", "week", "month")


def _page(flt: EventFilter, total: int, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"total": total, "limit": flt.limit, "offset": flt.offset, **extra, "items": items}


def events(store: Store, flt: EventFilter) -> dict[str, Any]:
    """A page of event records (PLOVER JSON) with the id of the cluster each belongs to."""
    if query.has_clusters(store):
        columns = ("e.record, (SELECT min(cm.cluster_id) FROM cluster_members cm "
                   "WHERE cm.event_id = e.id) AS cluster_id")
    else:
        columns = "e.record, NULL AS cluster_id"
    sql, params = query.select_events(flt, columns)
    items = []
    for row in _rows(store, sql, params):
        record = json.loads(row["record"])
        record["cluster_id"] = row["cluster_id"]
        items.append(record)
    return _page(flt, query.count_events(store, flt), items)


def clusters(store: Store, flt: EventFilter) -> dict[str, Any]:
    """A page of cluster records. ``clustered`` is False when the store holds no clusters (not
    clustered yet): the page then maps events instead."""
    clustered = query.has_clusters(store) and query.count_clusters(store) > 0
    items = list(query.iter_clusters(store, flt)) if clustered else []
    return _page(flt, query.count_clusters(store, flt), items, clustered=clustered)


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
    conditions, params = query.event_conditions(flt.replace(limit=None, offset=0))
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
