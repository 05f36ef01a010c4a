"""Load test of the read-only API on loopback: many concurrent clients for a bounded time.

    .venv/bin/python bench/load.py --clients 200 --seconds 60 --copies 150

Builds a store of thousands of events (the sample articles through the pipeline once, then written again
``--copies`` times with a line added to each text, so every copy is an article of its own with its own
event ids), starts `eventlens serve` on 127.0.0.1 only, and lets ``--clients`` clients (at most 200) ask
a mix of list, detail, timeline and stats requests for ``--seconds`` (at most 60). Reports requests,
errors and latency percentiles, and writes them to ``bench/results/load.json``. Stops by itself.
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "tests" / "data" / "articles"
HOST = "127.0.0.1"  # never another address: this is a benchmark of this machine's server
MAX_CLIENTS, MAX_SECONDS = 200, 60


def build_store(path: Path, copies: int, cluster: bool = False) -> tuple[list[str], list[str], int, int]:
    """The store; returns event ids and article ids to ask for, and how many events and articles."""
    from eventlens.cluster import cluster_store
    from eventlens.ingest import IngestOptions, iter_articles
    from eventlens.ingest.base import article_id
    from eventlens.pipeline import process_batch
    from eventlens.records import Article
    from eventlens.settings import Settings
    from eventlens.store.db import Store

    articles = [a for a in iter_articles([str(SAMPLES)], IngestOptions()) if isinstance(a, Article)]
    results = process_batch(articles, Settings())

    def copy(result, k):  # the same records on a text with one more line: offsets stay valid
        text = f"{result.article.text}\n\n(Copy {k}.)"
        doc = article_id(text)

        def new_id(old: str) -> str:
            return old[:4] + hashlib.sha1(f"{old}/{k}".encode()).hexdigest()[:16]

        return dataclasses.replace(
            result, article=dataclasses.replace(result.article, id=doc, text=text),
            events=[dataclasses.replace(e, id=new_id(e.id), doc_id=doc) for e in result.events],
            relations=[dataclasses.replace(r, id=new_id(r.id), doc_id=doc) for r in result.relations])

    with Store.open(path) as store:
        store.write_results(copy(r, k) for k in range(copies) for r in results if r.error is None)
        if cluster:  # copies of one event all join one cluster: comparing them grows with the square
            cluster_store(store)
        cur = store.cursor()
        events = [r[0] for r in cur.execute("SELECT id FROM events USING SAMPLE 500 ROWS").fetchall()]
        docs = [r[0] for r in cur.execute("SELECT id FROM articles USING SAMPLE 200 ROWS").fetchall()]
        n_events = cur.execute("SELECT count(*) FROM events").fetchone()[0]
        n_articles = cur.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"store: {n_articles} articles, {n_events} events", file=sys.stderr)
    return events, docs, n_events, n_articles


def requests_mix(events: list[str], docs: list[str], rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.30:
        return f"/api/events?limit=50&offset={rng.randrange(0, 2000)}"
    if roll < 0.45:
        return f"/api/events/{rng.choice(events)}"
    if roll < 0.60:
        return f"/api/clusters?limit=100&type=ASSAULT&offset={rng.randrange(0, 500)}"
    if roll < 0.72:
        return f"/api/articles/{rng.choice(docs)}"
    if roll < 0.82:
        return "/api/timeline?interval=week&text=forces"
    if roll < 0.90:
        return "/api/actors?limit=20"
    if roll < 0.95:
        return "/api/facets"
    return "/api/stats"


async def client(base: str, deadline: float, events: list[str], docs: list[str], seed: int,
                 latencies: list[float], errors: list[str]) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline:
            path = requests_mix(events, docs, rng)
            start = time.perf_counter()
            try:
                response = await http.get(path)
                ok = response.status_code == 200 and response.headers["content-type"].startswith(
                    "application/json")
                if not ok:
                    errors.append(f"{response.status_code} {path}")
            except httpx.HTTPError as e:
                errors.append(f"{type(e).__name__} {path}")
            latencies.append(time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--copies", type=int, default=150, help="copies of the sample articles in the store")
    ap.add_argument("--cluster", action="store_true", help="also cluster the store (slow: copies merge)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "load.json")
    args = ap.parse_args()
    clients, seconds = min(args.clients, MAX_CLIENTS), min(args.seconds, MAX_SECONDS)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "load.duckdb"
        events, docs, n_events, n_articles = build_store(db, args.copies, args.cluster)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", "from eventlens.cli import main; main()", "serve",
                                   "--db", str(db), "--host", HOST, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://{HOST}:{port}"
        try:
            for _ in range(300):  # wait up to 30 s for the server
                try:
                    if httpx.get(f"{base}/api/stats", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            latencies: list[float] = []
            errors: list[str] = []
            deadline = time.monotonic() + seconds

            async def all_clients() -> None:
                await asyncio.gather(*(client(base, deadline, events, docs, i, latencies, errors)
                                       for i in range(clients)))

            started = time.monotonic()
            asyncio.run(all_clients())
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=30)
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1)

    report = {"clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies),
              "errors": len(errors), "error_examples": errors[:5],
              "requests_per_s": round(len(latencies) / elapsed, 1), "p50_ms": pct(0.50), "p95_ms": pct(0.95),
              "p99_ms": pct(0.99), "max_ms": pct(1.0), "articles": n_articles, "events": n_events}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
