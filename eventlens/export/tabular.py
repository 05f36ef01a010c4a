"""Flat tables for spreadsheets and dataframes: events as CSV, every store table as Parquet.

The CSV has one row per event mention with lists (actors, targets) joined by "; " and one low/high pair
per count category, so it opens in a spreadsheet without JSON parsing; the PLOVER JSONL stays the
complete record. Parquet is written table by table through Arrow (values travel as query parameters,
never inside SQL text) into a directory, which is replaced only when every table is written.
"""
from __future__ import annotations

import contextlib
import csv
import logging
import os
import shutil
from pathlib import Path
from typing import Any, TextIO

import pyarrow.parquet as pq

from ..errors import ExportError
from ..store import Store
from ..store.query import EventFilter, cluster_conditions, event_conditions, has_clusters, iter_events
from ..store.schema import TABLES

log = logging.getLogger(__name__)

COUNT_CATEGORIES = ("killed", "injured", "displaced", "arrested", "missing", "troops", "affected")
CSV_COLUMNS = (
    "id", "doc_id", "cluster_id", "event", "mode", "modality", "specificity", "historical", "date",
    "earliest", "latest", "precision", "place", "geonameid", "lat", "lon", "country", "admin1", "resolution",
    "actor", "actor_code", "actor_country", "actor_kind", "recipient", "recipient_code", "recipient_country",
    "recipient_kind", *(f"{c}_{end}" for c in COUNT_CATEGORIES for end in ("low", "high")),
    "acled_event_type", "acled_sub_event_type", "cameo", "event_text", "text", "start", "end", "confidence",
)


def _join(actors: list[dict[str, Any]], key: str) -> str:
    return "; ".join(str(a.get(key) or "") for a in actors) if any(a.get(key) for a in actors) else ""


def csv_row(record: dict[str, Any], cluster_id: str | None = None) -> dict[str, Any]:
    """One flat row of an event record."""
    di = record.get("date_info") or {}
    loc = record.get("event_loc") or {}
    size = record.get("size") or {}
    acled = record.get("acled") or {}
    text_info = record.get("text_info") or {}
    row: dict[str, Any] = {
        "id": record["id"], "doc_id": record["doc_id"], "cluster_id": cluster_id, "event": record["event"],
        "mode": record.get("mode"), "modality": record.get("modality"),
        "specificity": record.get("specificity"), "historical": record.get("historical"),
        "date": record.get("date"), "earliest": di.get("earliest"), "latest": di.get("latest"),
        "precision": di.get("precision"), "place": loc.get("name") or loc.get("entity_text"),
        "geonameid": loc.get("geonameid"), "lat": loc.get("lat"), "lon": loc.get("lon"),
        "country": loc.get("country"), "admin1": loc.get("admin1"), "resolution": loc.get("resolution"),
        "acled_event_type": acled.get("event_type"), "acled_sub_event_type": acled.get("sub_event_type"),
        "cameo": record.get("cameo"), "event_text": record.get("event_text"), "text": record.get("text"),
        "start": text_info.get("start"), "end": text_info.get("end"),
        "confidence": record.get("confidence"),
    }
    for role in ("actor", "recipient"):
        actors = record.get(role) or []
        row[role] = "; ".join(str(a.get("name") or a.get("entity_text") or "") for a in actors)
        for key in ("code", "country", "kind"):
            row[f"{role}_{key}"] = _join(actors, key)
    for category in COUNT_CATEGORIES:
        c = size.get(category) or {}
        row[f"{category}_low"], row[f"{category}_high"] = c.get("low"), c.get("high")
    return row


def _cluster_ids(store: Store) -> dict[str, str]:
    if not has_clusters(store):
        return {}
    return dict(store.cursor().execute("SELECT event_id, cluster_id FROM cluster_members").fetchall())


def write_csv(store: Store, out: TextIO, flt: EventFilter | None = None) -> int:
    """Events flattened to CSV, one row per mention, with the cluster each belongs to."""
    clusters = _cluster_ids(store)
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    n = 0
    for record in iter_events(store, flt):
        writer.writerow(csv_row(record, clusters.get(record["id"])))
        n += 1
    return n


def _table_queries(store: Store, flt: EventFilter | None) -> dict[str, tuple[str, list[Any]]]:
    """SELECT per table: everything, or with a filter the matching events and what hangs off them
    (their articles, sentences, places, relations, actors, counts and clusters)."""
    tables = list(TABLES)
    present = {r[0] for r in store.cursor().execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    tables = [t for t in tables if t in present]
    if flt is None or flt.is_empty:
        return {t: (f"SELECT * FROM {t}", []) for t in tables}
    cond, params = event_conditions(flt.replace(limit=None, offset=0))
    where = ("WHERE " + " AND ".join(cond)) if cond else ""
    events = f"SELECT e.id FROM events e {where}"
    docs = f"SELECT e.doc_id FROM events e {where}"
    by_doc = {"articles": "id", "sentences": "doc_id", "places": "doc_id", "relations": "doc_id"}
    by_event = {"events": "id", "event_actors": "event_id", "counts": "event_id",
                "cluster_members": "event_id"}
    out: dict[str, tuple[str, list[Any]]] = {}
    for t in tables:
        if t in by_doc:
            out[t] = (f"SELECT * FROM {t} WHERE {by_doc[t]} IN ({docs})", list(params))
        elif t in by_event:
            out[t] = (f"SELECT * FROM {t} WHERE {by_event[t]} IN ({events})", list(params))
        elif t == "clusters" and has_clusters(store):
            ccond, cparams = cluster_conditions(flt.replace(limit=None, offset=0))
            cwhere = ("WHERE " + " AND ".join(ccond)) if ccond else ""
            out[t] = (f"SELECT c.* FROM clusters c {cwhere}", cparams)
        else:
            out[t] = (f"SELECT * FROM {t}", [])
    return out


def write_parquet(store: Store, directory: str | os.PathLike[str], flt: EventFilter | None = None) -> int:
    """Every store table as ``<table>.parquet`` in ``directory``; returns the number of event rows."""
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise ExportError("E042", f"{target} is a file; parquet writes a directory of tables, "
                                  "give a new path")
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    n = 0
    try:
        part.mkdir(parents=False)
        for table, (sql, params) in _table_queries(store, flt).items():
            arrow = store.cursor().sql(sql, params=params).to_arrow_table()
            pq.write_table(arrow, part / f"{table}.parquet")
            if table == "events":
                n = arrow.num_rows
        if target.exists():
            shutil.rmtree(target)
        os.replace(part, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            shutil.rmtree(part)
        raise ExportError("E041", f"cannot write {target}: {e.strerror or e}; check the directory exists "
                                  "and is writable") from e
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    log.info("exported %d tables (%d events) to %s", len(list(target.glob("*.parquet"))), n, target)
    return n
