"""Clustering a store incrementally: what is not yet clustered joins what is.

``cluster_store`` reads the event mentions that are in no cluster, fetches the stored clusters they could
join (same type group, overlapping dates), clusters them (``core.cluster_mentions``) and writes the
changed clusters and their memberships. Running it twice does nothing the second time.

A long run leaves hundreds of thousands of unclustered mentions (about 1 kB each in memory), so they are
not read at once. Two mentions can only meet if they share a type group and their date ranges overlap
(undated ones: the same article), and a stored cluster joins what overlaps it; so the store plans
*parts* first (``_plan``, in SQL, from the date columns): the mentions of one article and type group go
together, and overlapping ranges, stored clusters included, chain into one part. Parts never meet, so
clustering them one at a time, a few thousand mentions per transaction, gives exactly the clusters of
clustering everything at once; a failure (or a kill) leaves whole parts written and the rest
unclustered, for the next run to finish with the same result.

A part has no size limit of its own: a dense stream of news (reports every day, reprints over weeks,
"last month" chaining the days) is one part however long it runs. A part of more than ``window``
mentions (10,000 by default) is therefore cut into windows of whole articles in date order, and each
window is clustered after the ones before it are written, joining their clusters as a later run would.
Memory then follows the window and the stored clusters it can join, not the corpus; the clusters are
those of writing each window's articles as a run of its own (a window's mentions join earlier
clusters, and never merge two of them). Parts within the limit cluster exactly as at once. After an
interruption inside a cut part, the rest is cut anew from where it stopped.

Given a process pool (``eventlens run --workers N`` passes its own), parts are clustered in the pool's
processes while this process reads the next parts and writes the finished ones, in plan order; at most
one part per worker waits, so memory stays bounded the same way. Same clusters, records and ids.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict, deque
from concurrent.futures import Executor, Future
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
from .mentions import Mention, mentions_by_id, unclustered_part

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


def write_clusters(store: Store, clusters: list[Cluster], run_id: str | None = None,
                   records: dict[str, dict[str, Any]] | None = None) -> None:
    """Replace the changed clusters and their memberships in one transaction (a stored cluster keeps
    its creation run and time, and each member the run that added it). ``records``: the clusters'
    records by id when already made (``cluster_record`` otherwise)."""
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
            record = records[c.id] if records is not None else cluster_record(c)
            row = list(_cluster_row(c, record, run_id, now))
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


def _plan(store: Store, run_id: str | None, rules: Rules, part_size: int,
          window: int | None = None) -> list[tuple[int, bool]]:
    """Split the unclustered mentions into parts that cannot meet; returns the batches (parts packed
    up to ``part_size`` mentions each) of the ``cluster_plan`` table (doc_id, grp, batch), which lives
    in the writer's in-memory database, not in the file, each with whether it continues a part cut in
    windows. One row per article and type group: what is kept per mention stays in DuckDB, not in
    Python. A part of more than ``window`` mentions is cut into windows of about that many, in date
    order (whole articles each); a window must be clustered after the ones before it are written."""
    window = max(1, window or _WINDOW)
    cur = store.cursor()
    cur.execute("CREATE OR REPLACE TABLE memory.main.cluster_type_group (event VARCHAR, grp VARCHAR)")
    if rules.type_group:
        cur.executemany("INSERT INTO memory.main.cluster_type_group VALUES (?, ?)",
                        sorted(rules.type_group.items()))
    run_filter = "AND a.run_id = ?" if run_id else ""
    params: list[Any] = [run_id] if run_id else []
    # Items: the fresh mentions of one article and group (their overall date range; none if undated),
    # and each stored cluster (the range of its dated members). Sorted by start within a group, an
    # item that starts after every earlier item has ended begins a new part.
    cur.execute(f"""
        CREATE OR REPLACE TABLE memory.main.cluster_plan AS
        WITH fresh AS (
            SELECT e.doc_id, COALESCE(tg.grp, e.event) AS grp,
                   min(e.earliest) FILTER (WHERE e.earliest IS NOT NULL AND e.latest IS NOT NULL) AS lo,
                   max(e.latest) FILTER (WHERE e.earliest IS NOT NULL AND e.latest IS NOT NULL) AS hi,
                   count(*) AS n
            FROM events e JOIN articles a ON a.id = e.doc_id
            LEFT JOIN memory.main.cluster_type_group tg ON tg.event = e.event
            WHERE e.id NOT IN (SELECT event_id FROM cluster_members) {run_filter}
            GROUP BY 1, 2),
        stored AS (
            SELECT NULL::VARCHAR AS doc_id, COALESCE(any_value(tg.grp), any_value(e.event)) AS grp,
                   min(e.earliest) AS lo, max(e.latest) AS hi, 0 AS n
            FROM cluster_members cm JOIN events e ON e.id = cm.event_id
            LEFT JOIN memory.main.cluster_type_group tg ON tg.event = e.event
            WHERE e.earliest IS NOT NULL AND e.latest IS NOT NULL
            GROUP BY cm.cluster_id),
        items AS (
            SELECT * FROM fresh
            UNION ALL
            SELECT * FROM stored WHERE grp IN (SELECT grp FROM fresh) AND lo IS NOT NULL),
        ordered AS (
            SELECT *, max(hi) OVER (PARTITION BY grp ORDER BY lo, doc_id ROWS BETWEEN UNBOUNDED PRECEDING
                                    AND 1 PRECEDING) AS reach
            FROM items WHERE lo IS NOT NULL),
        parts AS (
            SELECT doc_id, grp, n, lo, grp || ':' || sum(CASE WHEN reach IS NULL OR lo > reach THEN 1
                   ELSE 0 END) OVER (PARTITION BY grp ORDER BY lo, doc_id ROWS UNBOUNDED PRECEDING) AS part
            FROM ordered
            UNION ALL
            SELECT doc_id, grp, n, NULL, grp || ':undated:' || doc_id FROM fresh WHERE lo IS NULL),
        sized AS (
            SELECT part, sum(n) AS n FROM parts GROUP BY part),
        cut AS (
            SELECT p.doc_id, p.grp, p.part, s.n > $window AS windowed,
                   CASE WHEN s.n > $window THEN (sum(p.n) OVER (PARTITION BY p.part ORDER BY p.lo, p.doc_id
                        ROWS UNBOUNDED PRECEDING) - 1) // $window ELSE 0 END AS win, p.n
            FROM parts p JOIN sized s ON s.part = p.part),
        pieces AS (
            -- a window counts as a whole batch at least: two windows never share one, whatever the size
            SELECT part, win, CASE WHEN bool_or(windowed) THEN greatest(sum(n), $size) ELSE sum(n) END AS n
            FROM cut GROUP BY 1, 2),
        packed AS (
            SELECT part, win, sum(n) OVER (ORDER BY part, win ROWS UNBOUNDED PRECEDING) AS upto FROM pieces)
        SELECT c.doc_id, c.grp, CAST((k.upto - 1) // $size AS BIGINT) AS batch, c.win > 0 AS continues
        FROM cut c JOIN packed k ON k.part = c.part AND k.win = c.win WHERE c.doc_id IS NOT NULL
    """.replace("$window", str(int(window))).replace("$size", str(max(1, int(part_size)))), params)
    return [(int(b), bool(c)) for b, c in cur.execute(
        "SELECT batch, bool_or(continues) FROM memory.main.cluster_plan GROUP BY 1 ORDER BY 1").fetchall()]


_WINDOW = 10_000

PartResult = tuple[list[tuple[str, list[str], dict[str, float], bool, bool]], dict[str, dict[str, Any]]]


def cluster_part(fresh: list[Mention], existing: list[Cluster], rules: Rules | None = None) -> PartResult:
    """One part clustered, as a pool process returns it: each cluster as (id, member ids, scores, stored,
    changed), and the records of the changed ones. The mentions themselves are not sent back."""
    clusters = cluster_mentions(fresh, existing, rules)
    return ([(c.id, c.member_ids, c.scores, c.stored, c.changed) for c in clusters],
            {c.id: cluster_record(c) for c in clusters if c.changed})


def _rebuilt(result: PartResult, fresh: list[Mention], existing: list[Cluster]) -> list[Cluster]:
    by_id = {m.id: m for m in fresh}
    for c in existing:
        by_id.update((m.id, m) for m in c.members)
    return [Cluster(cid, [by_id[e] for e in ids], scores, stored=stored, changed=changed)
            for cid, ids, scores, stored, changed in result[0]]


def cluster_store(store: Store, run_id: str | None = None, *, rules: Rules | None = None,
                  part_size: int | None = None, pool: Executor | None = None,
                  pool_size: int = 2, window: int | None = None) -> ClusterSummary:
    """Cluster the store's unclustered event mentions (only those of ``run_id``'s articles if given)
    into new or stored clusters, a part of about ``part_size`` mentions at a time (see the module's
    docstring); returns what was done. With ``pool`` (an executor of ``pool_size`` processes), parts
    are clustered there, by default about 1,000 mentions at a time (5,000 without a pool). A part of
    more than ``window`` mentions (default 10,000) is clustered in windows of that many, one after
    the other."""
    if store.read_only:
        raise StoreError("E035", f"{store.path} is open read-only; open it without read_only to cluster")
    started = time.perf_counter()
    rules = rules or load_rules()
    ensure_tables(store)
    summary = ClusterSummary()
    part_size = part_size or (1000 if pool is not None else 5000)
    batches = _plan(store, run_id, rules, part_size, window)

    def written(clusters: list[Cluster], records: dict[str, dict[str, Any]] | None) -> None:
        write_clusters(store, clusters, run_id, records)
        summary.created += sum(1 for c in clusters if not c.stored)
        summary.grown += sum(1 for c in clusters if c.stored and c.changed)

    pending: deque[tuple[list[Mention], list[Cluster], Future[PartResult]]] = deque()

    def write_oldest() -> None:
        part, known, future = pending.popleft()
        result = future.result()
        written(_rebuilt(result, part, known), result[1])

    try:
        for batch, continues in batches:
            while continues and pending:
                write_oldest()  # a window joins the clusters of the windows before it: written first
            fresh = unclustered_part(store, batch, run_id)
            if not fresh:
                continue
            summary.mentions += len(fresh)
            existing = _stored_clusters(store, fresh, rules)
            if pool is None:
                written(cluster_mentions(fresh, existing, rules), None)
                continue
            # parts never meet: the next part's stored clusters cannot be among those still pending
            pending.append((fresh, existing, pool.submit(cluster_part, fresh, existing, rules)))
            while len(pending) > max(1, pool_size):
                write_oldest()
        while pending:
            write_oldest()
    finally:
        for _part, _known, future in pending:
            future.cancel()
    for table in ("cluster_plan", "cluster_type_group"):
        store.cursor().execute(f"DROP TABLE IF EXISTS memory.main.{table}")
    row = store.cursor().execute("SELECT count(*) FROM clusters").fetchone()
    summary.clusters = int(row[0]) if row else 0
    summary.seconds = round(time.perf_counter() - started, 3)
    log.info("clustered %d mentions in %d parts: %d new clusters, %d grown, %d in the store (%.2fs)",
             summary.mentions, len(batches), summary.created, summary.grown, summary.clusters,
             summary.seconds)
    return summary
