"""Readers during a write: `eventlens export`, `eventlens stats` and the API read a store while a real
`eventlens run` writes it.

The writer holds the file only while it commits a batch of whole articles; every reader waits for its
turn (bounded) and then sees the store as one commit left it. The test drives the real command line in
subprocesses over a couple of hundred tiny real articles (as `test_crash.py` does), and checks that every
read succeeded, that each read held whole articles only (every stored article has exactly the rows the
uninterrupted run gives it), that counts never went down from one read to the next, and that the final
store equals that of a run nobody read.
"""
from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import warnings
from pathlib import Path

import duckdb
import pytest
from test_crash import DOC_OF, TABLES, cli, differences, rows_per_article, snapshot, tiny_corpus

from eventlens.errors import StoreError
from eventlens.serve.app import create_app
from eventlens.store import Store, locking

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its test client's future package
    from fastapi.testclient import TestClient

N_ARTICLES = 200
STATS = re.compile(r"(\d+)\s+articles,\s+(\d+)\s+events,")


def _parquet_rows_per_article(directory: Path) -> dict[str, dict[str, int]]:
    """``rows_per_article`` of an export: the Parquet tables of one read of the store."""
    con = duckdb.connect()
    try:
        for table in DOC_OF:
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{directory / table}.parquet')")
        return {table: dict(con.execute(f"SELECT {doc} AS d, count(*) FROM {table} t GROUP BY d").fetchall())
                for table, doc in DOC_OF.items()}
    finally:
        con.close()


class Observations:
    """What the readers saw, in the order they saw it (threads append under a lock)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures: list[str] = []
        self.counts: list[tuple[str, int, int]] = []  # (reader, articles, events), in order of reads
        self.exports: list[dict[str, dict[str, int]]] = []
        self.api_articles: list[dict[str, int]] = []  # doc_id -> events, one per API read

    def fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what[:2000])

    def count(self, reader: str, articles: int, events: int) -> None:
        with self.lock:
            self.counts.append((reader, articles, events))


def _read_with_the_cli(db: Path, tmp: Path, seen: Observations, stop: threading.Event) -> None:
    """Alternate `stats`, `export --format parquet` and `export --format plover` subprocesses."""
    k = 0
    while not stop.wait(0.2):
        kind = ("stats", "parquet", "plover")[k % 3]
        k += 1
        out = tmp / f"read{k}"
        if kind == "stats":
            args = ["stats", "--db", str(db)]
        else:
            args = ["export", "--db", str(db), "--format", kind, "--out", str(out)]
        proc = subprocess.run(cli(*args), check=False, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "COLUMNS": "200"})
        if proc.returncode != 0 or "E032" in proc.stderr:
            seen.fail(f"{kind}: exit {proc.returncode}: {proc.stderr[-1500:]}")
            continue
        if kind == "stats":
            m = STATS.search(proc.stdout)
            if not m:
                seen.fail(f"stats: no counts in {proc.stdout[:500]!r}")
                continue
            seen.count("stats", int(m[1]), int(m[2]))
        elif kind == "parquet":
            per = _parquet_rows_per_article(out)
            with seen.lock:
                seen.exports.append(per)
            seen.count("parquet", len(per["articles"]), sum(per["events"].values()))
        else:
            events = len(out.read_text(encoding="utf-8").splitlines())
            seen.count("plover", -1, events)  # the records of events only: no article count


def _read_with_the_api(client: TestClient, seen: Observations, stop: threading.Event) -> None:
    """Ask the API again and again, as a busy page would: the writer must still get its turns."""
    while not stop.wait(0.1):
        stats = client.get("/api/stats")
        articles = client.get("/api/articles", params={"limit": 500})
        for response in (stats, articles):
            if response.status_code != 200:
                seen.fail(f"API {response.request.url.path}: {response.status_code} {response.text[:500]}")
        if stats.status_code == 200 and articles.status_code == 200:
            body = stats.json()
            seen.count("api", body["articles"], body["events"])
            page = articles.json()
            with seen.lock:
                seen.api_articles.append({a["doc_id"]: a["events"] for a in page["items"]})
            if page["total"] != len(page["items"]):
                seen.fail(f"API: {page['total']} articles, {len(page['items'])} listed")


def test_readers_during_a_run_see_whole_articles_and_the_run_is_unchanged(tmp_path: Path) -> None:
    corpus = tiny_corpus(tmp_path / "tiny.jsonl", N_ARTICLES)
    reference_db, db = tmp_path / "reference.duckdb", tmp_path / "read.duckdb"
    reference = subprocess.Popen(cli("run", str(corpus), "--db", str(reference_db), "-q"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    writer = subprocess.Popen(cli("run", str(corpus), "--db", str(db), "-q"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    while not (db.exists() and db.stat().st_size > 0):  # the writer creates the file, then reads share it
        assert writer.poll() is None and time.monotonic() - started < 120, "the run did not start"
        time.sleep(0.05)
    api = TestClient(create_app(db), raise_server_exceptions=False)  # the default linger and wait
    seen = Observations()
    stop = threading.Event()
    readers = [threading.Thread(target=_read_with_the_cli, args=(db, tmp_path, seen, stop)),
               threading.Thread(target=_read_with_the_api, args=(api, seen, stop))]
    for thread in readers:
        thread.start()
    try:
        _, err = writer.communicate(timeout=600)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=150)
    assert writer.returncode == 0, err[-2000:]  # the writer was never starved past its deadline
    _, err = reference.communicate(timeout=600)
    assert reference.returncode == 0, err[-2000:]

    assert seen.failures == [], "\n".join(seen.failures)
    # the reads happened while the store was filling, not only before or after
    mid = [c for c in seen.counts if 0 < c[1] < N_ARTICLES]
    assert len({c[1] for c in mid}) >= 2, seen.counts
    assert {c[0] for c in seen.counts} == {"stats", "parquet", "plover", "api"}, seen.counts
    # counts never go down from one read to the next (of one reader: reads of different readers overlap)
    for reader in ("stats", "parquet", "plover", "api"):
        mine = [c[1:] for c in seen.counts if c[0] == reader]
        assert mine == sorted(mine), (reader, mine)
    # every read held whole articles only, each with the rows the uninterrupted run gave it
    whole = rows_per_article(reference_db)
    assert seen.exports
    for per in seen.exports:
        stored = set(per["articles"])
        for table, per_doc in per.items():
            assert set(per_doc) <= stored, table
            assert all(n == whole[table][d] for d, n in per_doc.items()), table
        assert all(whole[t].get(d, 0) == per[t].get(d, 0) for t in per for d in stored)
    assert seen.api_articles
    for listed in seen.api_articles:
        assert all(n == whole["events"].get(d, 0) for d, n in listed.items())
    # and the store is the one a run without readers writes
    expected, got = snapshot(reference_db), snapshot(db)
    assert len(expected["articles"]) == N_ARTICLES and expected["cluster_members"]
    assert [differences(t, got[t], expected[t]) for t in TABLES if got[t] != expected[t]] == []
    assert api.get("/api/stats").json()["articles"] == N_ARTICLES
    assert not locking.sidecar(str(db)).exists()  # the writer's sidecar goes with the writer


# ---------------------------------------------------------------- the parts, without the NLP


@pytest.fixture()
def small_store(tmp_path: Path) -> Path:
    from test_store import centcom_result

    path = tmp_path / "small.duckdb"
    with Store.open(path) as store:
        store.write_results([centcom_result()])
    return path


def test_a_released_writer_lets_readers_in_and_takes_its_turn_back(small_store: Path) -> None:
    from test_store import centcom_result

    with Store.open(small_store) as writer:
        with pytest.raises(StoreError) as busy:
            Store.open(small_store, read_only=True, wait=0.2)
        assert busy.value.code == "E032" and "0.2s" in busy.value.message
        writer.release()
        with pytest.raises(StoreError) as released:
            writer.known_ids(["x"])
        assert released.value.code == "E039"
        with Store.open(small_store, read_only=True, wait=0) as reader:
            assert reader.stats().articles == 1
        with writer.session():
            assert writer.write_results([centcom_result(suffix="\nMore.")]).written == 1
        assert not writer.held
    with Store.open(small_store, read_only=True, wait=0) as reader:
        assert reader.stats().articles == 2


def test_a_second_writer_is_refused_at_once(small_store: Path) -> None:
    with Store.open(small_store) as writer:
        writer.release()  # even while the first writer does not hold the file
        began = time.monotonic()
        with pytest.raises(StoreError) as second:
            Store.open(small_store, wait=10)
        assert second.value.code == "E032" and "one writer" in second.value.message
        assert time.monotonic() - began < 2
    with Store.open(small_store) as again:  # the first one is gone: a writer may come
        assert not again.read_only


def test_a_waiting_writer_holds_new_readers_back_and_the_server_lets_go(small_store: Path) -> None:
    api = TestClient(create_app(small_store, linger=60.0), raise_server_exceptions=False)
    assert api.get("/api/stats").status_code == 200  # the server now holds the file, for up to 60 s
    began = time.monotonic()
    with Store.open(small_store, wait=10) as writer:  # marks itself waiting: the idle server closes
        assert time.monotonic() - began < 5
        writer.release()
    assert api.get("/api/stats").json()["articles"] == 1


def test_a_stale_writer_mark_blocks_nobody(small_store: Path) -> None:
    mark = locking.sidecar(str(small_store))
    mark.write_text("waiting 999999\n")  # a writer killed while it waited
    assert locking.writer_waiting(str(small_store))
    old = time.time() - 10 * locking.MARK_FRESH
    os.utime(mark, (old, old))
    assert not locking.writer_waiting(str(small_store))
    with Store.open(small_store, read_only=True, wait=0) as reader:
        assert reader.stats().articles == 1
