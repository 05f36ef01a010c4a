"""Clustering a store incrementally: what is not yet clustered joins what is.

``cluster_store`` reads the event mentions that are in no cluster, fetches the stored clusters they could
join (same type group, overlapping dates), clusters them (``core.cluster_mentions``) and writes the
changed clusters and their memberships in one transaction, so a failure leaves the store as it was.
Running it twice does nothing the second time.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import StoreError
from ..store.db import Store, insert_arrow
from ..store.rows import dumps
from ..store.schema import TABLES
from .compare import Rules, load_rules
from .consensus import cluster_record
from .core import Cluster, cluster_mentions
from .mentions import Mention, mentions_by_id, unclustered_mentions

log = logging.getLogger(__name__)

CLUSTER_COLUMNS = ("cluster_id", "event", "modality", "specificity", "n_mentions", "n_articles", "n_sources",
                   "first_reported", "date", "earliest", "latest", "loc_name", "geonameid", "lat", "lon",
                   "country", "admin1", "fatalities", "record", "run_id", "created_at", "updated_at")
MEMBER_COLUMNS = ("event_id", "cluster_id", "score", "run_id", "added_at")


@dataclass
class ClusterSummary:
    """What ``cluster_store`` did."""

    mentions: int = 0  # newly clustered event mentions
    created: int = 0  # new clusters
    grown: int = 0  # stored clusters that gained mentions
    clusters: int = 0  # clusters in the store afterwards
    seconds: float = 0.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def ensure_tables(store: Store) -> None:
    """Create the cluster tables; replace an empty ``clusters`` table of the earlier one-row-per-member
    shape, which held no data any release wrote."""
    cur = store.cursor()
    cols = {r[0] for r in cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'clusters'").fetchall()}
    if cols and "n_mentions" not in cols:
        row = cur.execute("SELECT count(*) FROM clusters").fetchone()
        if row and row[0]:
            raise StoreError("E037", f"{store.path} has clusters in an old layout; recluster with a new "
                                     "store (`eventlens run` into a fresh --db)")
        cur.execute("DROP TABLE clusters")
    cur.execute(TABLES["clusters"])
    cur.execute(TABLES["cluster_members"])


def _stored_clusters(store: Store, fresh: list[Mention], rules: Rules) -> list[Cluster]:
    """The stored clusters a fresh mention could join: same type group and an overlapping date range
    (or, for undated mentions, the same article)."""
    if not fresh:
        return []
    groups = {rules.group(m.event) for m in fresh}
    types = sorted({m.event for m in fresh} | {t for t, g in rules.type_group.items() if g in groups})
    dated = [m for m in fresh if m.earliest and m.latest]
    lo = min((m.earliest for m in dated), default=None)  # type: ignore[type-var]
    hi = max((m.latest for m in dated), default=None)  # type: ignore[type-var]
    docs = sorted({m.doc_id for m in fresh})
    sql = ("SELECT DISTINCT cm.cluster_id FROM cluster_members cm JOIN events e ON e.id = cm.event_id "
           "WHERE e.event IN (SELECT UNNEST(?::VARCHAR[])) AND ("
           "(e.earliest IS NOT NULL AND e.latest IS NOT NULL AND e.earliest <= ? AND e.latest >= ?) "
           "OR e.doc_id IN (SELECT UNNEST(?::VARCHAR[])))")
    cur = store.cursor()
    ids = [r[0] for r in cur.execute(sql, [types, hi, lo, docs]).fetchall()]
    if not ids:
        return []
    rows = cur.execute("SELECT cluster_id, event_id, score FROM cluster_members "
                       "WHERE cluster_id IN (SELECT UNNEST(?::VARCHAR[]))", [ids]).fetchall()
    members: dict[str, dict[str, float]] = defaultdict(dict)
    for cid, eid, score in rows:
        members[cid][eid] = score if score is not None else 1.0
    by_id = {m.id: m for m in mentions_by_id(store, [eid for d in members.values() for eid in d])}
    return [Cluster(cid, [by_id[e] for e in sorted(scores) if e in by_id], dict(scores), stored=True,
                    changed=False) for cid, scores in sorted(members.items())]


def _cluster_row(cluster: Cluster, record: dict[str, Any], run_id: str | None,
                 now: dt.datetime) -> tuple[Any, ...]:
    di = record.get("date_info") or {}
    loc = record.get("event_loc") or {}
    killed = (record.get("size") or {}).get("killed") or {}
    return (cluster.id, record["event"], record["modality"], record["specificity"], record["n_mentions"],
            record["n_articles"], record["n_sources"], record["first_reported"], record["date"],
            di.get("earliest"), di.get("latest"), loc.get("name"), loc.get("geonameid"), loc.get("lat"),
            loc.get("lon"), loc.get("country"), loc.get("admin1"), killed.get("conservative"),
            dumps(record), run_id, now, now)


def write_clusters(store: Store, clusters: list[Cluster], run_id: str | None = None) -> None:
    """Replace the changed clusters and their memberships in one transaction (a stored cluster keeps
    its creation run and time, and each member the run that added it)."""
    changed = [c for c in clusters if c.changed]
    if not changed:
        return
    now = _now()
    ids = [c.id for c in changed]
    members = [m.id for c in changed for m in c.members]
    cur = store.cursor()
    cur.begin()
    try:
        born = {r[0]: (r[1], r[2]) for r in cur.execute(
            "SELECT cluster_id, run_id, created_at FROM clusters WHERE cluster_id IN "
            "(SELECT UNNEST(?::VARCHAR[]))", [ids]).fetchall()}
        added = {r[0]: (r[1], r[2]) for r in cur.execute(
            "SELECT event_id, run_id, added_at FROM cluster_members WHERE event_id IN "
            "(SELECT UNNEST(?::VARCHAR[]))", [members]).fetchall()}
        cur.execute("DELETE FROM clusters WHERE cluster_id IN (SELECT UNNEST(?::VARCHAR[]))", [ids])
        cur.execute("DELETE FROM cluster_members WHERE event_id IN (SELECT UNNEST(?::VARCHAR[]))", [members])
        cluster_rows = []
        for c in changed:
            row = list(_cluster_row(c, cluster_record(c), run_id, now))
            if c.id in born:
                row[-3], row[-2] = born[c.id]
            cluster_rows.append(tuple(row))
        insert_arrow(cur, "clusters", CLUSTER_COLUMNS, cluster_rows)
        insert_arrow(cur, "cluster_members", MEMBER_COLUMNS,
                     [(m.id, c.id, c.scores.get(m.id), *added.get(m.id, (run_id, now)))
                      for c in changed for m in c.members])
        cur.commit()
    except (duckdb.Error, pa.ArrowException) as e:
        cur.rollback()
        raise StoreError("E038", f"clusters not written ({str(e).splitlines()[0]}); the store is unchanged, "
                                 "run the clustering again") from e
    except BaseException:
        cur.rollback()
        raise
    finally:
        cur.close()


def cluster_store(store: Store, run_id: str | None = None, *, rules: Rules | None = None) -> ClusterSummary:
    """Cluster the store's unclustered event mentions (only those of ``run_id``'s articles if given)
    into new or stored clusters; returns what was done."""
    if store.read_only:
        raise StoreError("E035", f"{store.path} is open read-only; open it without read_only to cluster")
    started = time.perf_counter()
    rules = rules or load_rules()
    ensure_tables(store)
    fresh = unclustered_mentions(store, run_id)
    summary = ClusterSummary(mentions=len(fresh))
    if fresh:
        existing = _stored_clusters(store, fresh, rules)
        clusters = cluster_mentions(fresh, existing, rules)
        write_clusters(store, clusters, run_id)
        summary.created = sum(1 for c in clusters if not c.stored)
        summary.grown = sum(1 for c in clusters if c.stored and c.changed)
    row = store.cursor().execute("SELECT count(*) FROM clusters").fetchone()
    summary.clusters = int(row[0]) if row else 0
    summary.seconds = round(time.perf_counter() - started, 3)
    log.info("clustered %d mentions: %d new clusters, %d grown, %d in the store (%.2fs)", summary.mentions,
             summary.created, summary.grown, summary.clusters, summary.seconds)
    return summary
