"""Latency of filtered API queries on a store of thousands of events, one request at a time.

    .venv/bin/python bench/api_latency.py [--copies 100] [--repeat 30]
    .venv/bin/python bench/api_latency.py --keep /tmp/latency.duckdb     # build once, keep the store
    .venv/bin/python bench/api_latency.py --db /tmp/latency.duckdb --only words --only "clusters by"

Builds the store as ``bench/load.py`` does (the sample articles through the pipeline, written again
``--copies`` times, clustered; the writer fills its ``event_search`` table, and opening an older store
for writing fills it too) and keeps a copy without it, opens the app in process (FastAPI's TestClient:
no network, so the numbers are the server's own work) and times each filtered query ``--repeat`` times
after one warm-up; the word searches are timed on both stores. ``--db`` reuses a store built with
``--keep`` (clustering 15,900 events takes 5-15 minutes). Besides wall time it records the process's CPU
time per request (the app's threads and DuckDB's), which other jobs on a shared machine do not inflate.
Writes ``bench/results/api_latency.json`` and prints a table; the target is under 100 ms per query.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUERIES = {
    "events, no filter": "/api/events?limit=50",
    "events by country and type": "/api/events?country=SYR&type=ASSAULT&limit=50",
    "events in a date range": "/api/events?since=2016-05-01&until=2016-05-31&limit=50",
    "events by actor": "/api/events?actor=Islamic%20State&limit=50",
    "events by modality": "/api/events?modality=reported&limit=50",
    "events with words": "/api/events?text=strikes&limit=50",
    "events in a bounding box": "/api/events?bbox=35,32,42,37&limit=50",
    "events, page 20": "/api/events?limit=50&offset=1000",
    "clusters by type": "/api/clusters?type=ASSAULT&limit=50",
    "clusters by country": "/api/clusters?country=IRQ&limit=50",
    "clusters with words": "/api/clusters?text=strikes&limit=50",
    "timeline by week, filtered": "/api/timeline?interval=week&country=SYR",
    "actor network": "/api/network",
}
# The word searches again on the store without ``event_search``: what a store written before the table
# existed (or by a writer that does not fill it) answers with.
FALLBACK = ("events with words", "clusters with words")
FALLBACK_SUFFIX = " (no event_search table)"


def _measure(client: Any, name: str, url: str, repeat: int) -> dict[str, Any]:
    assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    wall.sort()
    return {"query": name, "url": url, "median_ms": round(statistics.median(wall), 1),
            "p95_ms": round(wall[int(0.95 * (len(wall) - 1))], 1), "max_ms": round(wall[-1], 1),
            "cpu_median_ms": round(statistics.median(cpu), 1)}


def _build(db: Path, copies: int) -> tuple[int, int, float]:
    from load import build_store

    from eventlens.cluster import cluster_store
    from eventlens.store.db import Store

    _, _, n_events, n_articles = build_store(db, copies)
    with Store.open(db) as store:
        t0 = time.perf_counter()
        cluster_store(store)
        return n_events, n_articles, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--db", type=Path, help="a store built before with --keep (not rebuilt)")
    ap.add_argument("--keep", type=Path, help="copy the built store here for later --db runs")
    ap.add_argument("--only", action="append", default=[], help="time only queries whose name contains this")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "api_latency.json")
    args = ap.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from eventlens.serve.app import create_app
    from eventlens.store.db import Store
    from eventlens.store.schema import SEARCH_TABLE

    wanted = {name: url for name, url in QUERIES.items()
              if not args.only or any(o in name for o in args.only)}
    rows: list[dict[str, Any]] = []
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        db, plain = Path(tmp) / "latency.duckdb", Path(tmp) / "latency-plain.duckdb"
        cluster_s = None
        if args.db:
            shutil.copy(args.db, db)
        else:
            n_events, n_articles, cluster_s = _build(db, args.copies)
            if args.keep:
                shutil.copy(db, args.keep)
        with Store.open(db) as store:  # opening for writing completes the table of an older store
            stats = store.stats()
            n_events, n_articles = stats.events, stats.articles
        shutil.copy(db, plain)
        with Store.open(plain) as store:
            store.cursor().execute(f"DROP TABLE {SEARCH_TABLE}")
        with TestClient(create_app(db)) as client:
            rows += [_measure(client, name, url, args.repeat) for name, url in wanted.items()]
        with TestClient(create_app(plain)) as client:
            rows += [_measure(client, name + FALLBACK_SUFFIX, url, args.repeat)
                     for name, url in wanted.items() if name in FALLBACK]
    result = {"articles": n_articles, "events": n_events,
              "cluster_seconds": round(cluster_s, 2) if cluster_s is not None else None,
              "repeat": args.repeat, "cpus": os.cpu_count(),
              "load_average_start": [round(x, 2) for x in load_start],
              "load_average_end": [round(x, 2) for x in os.getloadavg()], "queries": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{n_articles} articles, {n_events} events; {args.repeat} requests per query, after a warm-up; "
          f"load average {result['load_average_start'][0]} -> {result['load_average_end'][0]}\n")
    print("| query | median ms | p95 ms | max ms | CPU ms (median) |\n|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['query']} | {row['median_ms']} | {row['p95_ms']} | {row['max_ms']} | "
              f"{row['cpu_median_ms']} |")


if __name__ == "__main__":
    main()
