"""Clusters as JSON Lines and as an RFC 7946 GeoJSON FeatureCollection.

A feature is one clustered event: a Point at its consensus place (longitude first, WGS 84, as RFC 7946
requires), ``null`` geometry when no report placed it (RFC 7946 §3.2 allows this, and dropping the event
would hide it from a map user who filters on properties). The properties are the consensus fields; the
full evidence stays in the ``clusters`` export so that a map layer stays small.
"""
from __future__ import annotations

import json
from typing import Any, TextIO

from ..store import Store
from ..store.query import EventFilter, iter_clusters
from .jsonl import write_jsonl

_PROPERTY_FIELDS = ("cluster_id", "event", "mode", "modality", "specificity", "historical", "n_mentions",
                    "n_articles", "n_sources", "sources", "first_reported", "date", "mentions", "confidence",
                    "text")


def write_clusters(store: Store, out: TextIO, flt: EventFilter | None = None) -> int:
    """One JSON object per clustered event: its mentions' ids, consensus fields and evidence."""
    return write_jsonl(iter_clusters(store, flt), out)


def feature(record: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON Feature for a cluster record."""
    loc = record.get("event_loc") or {}
    geometry = None
    if loc.get("lat") is not None and loc.get("lon") is not None:
        coordinates = [round(float(loc["lon"]), 6), round(float(loc["lat"]), 6)]
        geometry = {"type": "Point", "coordinates": coordinates}
    props: dict[str, Any] = {k: record.get(k) for k in _PROPERTY_FIELDS}
    di = record.get("date_info") or {}
    props.update({
        "earliest": di.get("earliest"), "latest": di.get("latest"), "precision": di.get("precision"),
        "place": loc.get("name"), "geonameid": loc.get("geonameid"), "country": loc.get("country"),
        "admin1": loc.get("admin1"), "resolution": loc.get("resolution"),
        "actors": [a.get("name") or a.get("entity_text") for a in record.get("actor") or []],
        "recipients": [a.get("name") or a.get("entity_text") for a in record.get("recipient") or []],
        "size": {cat: {k: v[k] for k in ("low", "high", "conservative", "sources", "summary")}
                 for cat, v in (record.get("size") or {}).items()},
        "acled": record.get("acled"),
    })
    return {"type": "Feature", "id": record["cluster_id"], "geometry": geometry, "properties": props}


def write_geojson(store: Store, out: TextIO, flt: EventFilter | None = None) -> int:
    """A FeatureCollection streamed feature by feature; returns the number of features."""
    out.write('{"type": "FeatureCollection", "features": [')
    n = 0
    for record in iter_clusters(store, flt):
        out.write(",\n" if n else "\n")
        out.write(json.dumps(feature(record), ensure_ascii=False))
        n += 1
    out.write("\n]}\n")
    return n
