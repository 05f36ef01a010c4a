"""Latency of filtered API queries on a store of thousands of events, one request at a time.

    .venv/bin/python bench/api_latency.py [--copies 100] [--repeat 30]

Builds the store as ``bench/load.py`` does (the sample articles through the pipeline, written again
``--copies`` times, clustered), opens the app in process (FastAPI's TestClient: no network, so the
numbers are the server's own work) and times each filtered query ``--repeat`` times after one warm-up.
Writes ``bench/results/api_latency.json`` and prints a table; the target is under 100 ms per query.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

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
    "timeline by week, filtered": "/api/timeline?interval=week&country=SYR",
    "actor network": "/api/network",
}


def main() -> None:
    from load import build_store

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--out", type=Path, default=HERE / "results" / "api_latency.json")
    args = ap.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from eventlens.cluster import cluster_store
    from eventlens.serve.app import create_app
    from eventlens.store.db import Store

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "latency.duckdb"
        _, _, n_events, n_articles = build_store(db, args.copies)
        with Store.open(db) as store:
            t0 = time.perf_counter()
            cluster_store(store)
            cluster_s = time.perf_counter() - t0
        with TestClient(create_app(db)) as client:
            for name, url in QUERIES.items():
                assert client.get(url).status_code == 200, url
                times = []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200
                times.sort()
                rows.append({"query": name, "url": url, "median_ms": round(statistics.median(times), 1),
                             "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
                             "max_ms": round(times[-1], 1)})
    result = {"articles": n_articles, "events": n_events, "cluster_seconds": round(cluster_s, 2),
              "repeat": args.repeat, "queries": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{n_articles} articles, {n_events} events; {args.repeat} requests per query, after a warm-up\n")
    print("| query | median ms | p95 ms | max ms |\n|---|---|---|---|")
    for row in rows:
        print(f"| {row['query']} | {row['median_ms']} | {row['p95_ms']} | {row['max_ms']} |")


if __name__ == "__main__":
    main()
