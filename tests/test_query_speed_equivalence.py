"""The fast paths of the filtered queries give exactly what a straightforward computation gives.

On a real store (the seed and the sample articles through the pipeline, clustered by the runner): the
word search with and without the ``event_search`` table, and the cluster filters whose page is sent as
stored JSON, against a reference computed in Python from the articles' text and the stored rows.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventlens.runners.local import run
from eventlens.serve import filters
from eventlens.serve.app import create_app
from eventlens.store import query
from eventlens.store.db import Store
from eventlens.store.query import EventFilter
from eventlens.store.schema import SEARCH_TABLE, index_search_text

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SAMPLES = Path(__file__).parent / "data" / "articles"


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clustered store without the search table, as stores written before it existed are."""
    path = tmp_path_factory.mktemp("speed") / "plain.duckdb"
    summary = run([str(SAMPLES)], db=str(path))
    assert summary.written >= 5 and summary.events > 20
    with Store.open(path) as store:
        store.cursor().execute(f"DROP TABLE IF EXISTS {SEARCH_TABLE}")
        assert query.count_clusters(store) > 0
    return path


@pytest.fixture(scope="module")
def indexed_db(plain_db: Path) -> Path:
    path = plain_db.with_name("indexed.duckdb")
    shutil.copy(plain_db, path)
    with Store.open(path) as store:  # opening for writing brings an older store's table up to date
        n_events = store.stats().events
        cur = store.cursor()
        assert cur.execute(f"SELECT count(*) FROM {SEARCH_TABLE}").fetchone() == (n_events,)
        assert index_search_text(cur) == 0  # never twice
    return path


@pytest.fixture(scope="module")
def rows(plain_db: Path) -> dict[str, Any]:
    """Everything the reference needs, read with plain SELECTs."""
    with Store.open(plain_db, read_only=True) as store:
        cur = store.cursor()
        texts = dict(cur.execute("SELECT id, text FROM articles").fetchall())
        events = [dict(zip(("id", "doc_id", "start", "end", "trigger_start", "record"), r, strict=True))
                  for r in cur.execute('SELECT id, doc_id, "start", "end", trigger_start, record FROM events'
                                       ).fetchall()]
        actors = cur.execute("SELECT event_id, entity_text, name, code, actor_id FROM event_actors"
                             ).fetchall()
        members = cur.execute("SELECT cluster_id, event_id FROM cluster_members").fetchall()
        columns = ("cluster_id", "event", "modality", "date", "earliest", "country", "record")
        clusters = [dict(zip(columns, r, strict=True))
                    for r in cur.execute(f"SELECT {', '.join(columns)} FROM clusters").fetchall()]
    for e in events:
        e["sentence"] = texts[e["doc_id"]][e["start"]:e["end"]]
    by_cluster: dict[str, list[str]] = {}
    for cluster_id, event_id in members:
        by_cluster.setdefault(cluster_id, []).append(event_id)
    actor_words: dict[str, list[str]] = {}
    for event_id, *words in actors:
        actor_words.setdefault(event_id, []).extend(w for w in words if w)
    return {"texts": texts, "events": events, "clusters": clusters, "members": by_cluster,
            "actor_words": actor_words}


def _ref_events(rows: dict[str, Any], word: str) -> list[str]:
    hits = [e for e in rows["events"] if word.lower() in e["sentence"].lower()]
    hits.sort(key=lambda e: (e["doc_id"], e["start"], e["trigger_start"], e["id"]))
    return [e["id"] for e in hits]


def _words(rows: dict[str, Any]) -> list[str]:
    """Search words taken from the data: frequent and rare words of the sentences, a phrase across a
    space, a capitalised name asked in another case, a word of the articles outside every sentence,
    one that occurs nowhere, and the two ends of a sentence."""
    sentence_words: dict[str, int] = {}
    for e in rows["events"]:
        for w in re.findall(r"[A-Za-z]{4,}", e["sentence"]):
            sentence_words[w] = sentence_words.get(w, 0) + 1
    by_count = sorted(sentence_words, key=lambda w: (-sentence_words[w], w))
    names = sorted(w for w in sentence_words if w[0].isupper() and w[1:].islower())
    first = rows["events"][0]["sentence"].split()
    in_sentences = {w.lower() for w in sentence_words}
    outside = sorted({w for t in rows["texts"].values() for w in re.findall(r"[a-z]{6,}", t)} - in_sentences)
    # The first and last characters of a sentence: an offset off by one loses them.
    edges = [rows["events"][0]["sentence"][:7], rows["events"][-1]["sentence"].rstrip()[-7:]]
    words = [by_count[0], by_count[len(by_count) // 2], by_count[-1], " ".join(first[1:3]),
             names[len(names) // 2].swapcase(), "zqxj", *edges]
    if outside:
        words.append(outside[0])
    return words


def _event_ids(store: Store, flt: EventFilter) -> tuple[list[str], int]:
    page = filters.events(store, flt)
    return [e["id"] for e in page["items"]], page["total"]


def test_word_search_matches_the_reference_with_and_without_the_table(
        plain_db: Path, indexed_db: Path, rows: dict[str, Any]) -> None:
    words = _words(rows)
    with Store.open(plain_db, read_only=True) as plain, Store.open(indexed_db, read_only=True) as indexed:
        assert not query.search_index_ready(plain) and query.search_index_ready(indexed)
        n_hits = []
        for word in words:
            expected = _ref_events(rows, word)
            n_hits.append(len(expected))
            for store in (plain, indexed):
                flt = EventFilter(text=word, limit=10_000)
                assert _event_ids(store, flt) == (expected, len(expected)), word
                assert [e["id"] for e in query.iter_events(store, flt)] == expected
                assert query.count_events(store, EventFilter(text=word, country="SYR")) == sum(
                    (json.loads(e["record"])["event_loc"] or {}).get("country") == "SYR"
                    for e in rows["events"] if e["id"] in set(expected))
                page = EventFilter(text=word, limit=3, offset=2)
                assert _event_ids(store, page) == (expected[2:5], len(expected))
        # The words exercise the search: some match many events, some few, some none.
        assert max(n_hits) > 10 and 0 in n_hits and any(0 < n < 5 for n in n_hits)


def test_events_page_keeps_records_and_cluster_ids(plain_db: Path, rows: dict[str, Any]) -> None:
    with Store.open(plain_db, read_only=True) as store:
        cluster_of = dict(store.cursor().execute("SELECT event_id, cluster_id FROM cluster_members"
                                                 ).fetchall())
        page = filters.events(store, EventFilter(limit=10_000))
    by_id = {e["id"]: json.loads(e["record"]) for e in rows["events"]}
    assert page["total"] == len(by_id) == len(page["items"])
    for item in page["items"]:
        assert item.pop("cluster_id") == cluster_of.get(item["id"])
        assert item == by_id[item["id"]]


def _best(c: dict[str, Any]) -> dt.date | None:
    return c["date"] or c["earliest"]


def _ref_clusters(rows: dict[str, Any], keep: Any) -> list[dict[str, Any]]:
    hits = [c for c in rows["clusters"] if keep(c)]
    hits.sort(key=lambda c: (_best(c) is None, _best(c) or dt.date.min, c["cluster_id"]))
    return [json.loads(c["record"]) for c in hits]


def _cluster_cases(rows: dict[str, Any]) -> Iterator[tuple[EventFilter, list[dict[str, Any]]]]:
    sentences = {e["id"]: e["sentence"].lower() for e in rows["events"]}
    types = sorted({c["event"] for c in rows["clusters"]})
    countries = sorted({c["country"] for c in rows["clusters"] if c["country"]})
    for t in types:
        yield EventFilter(event_type=t), _ref_clusters(rows, lambda c, t=t: c["event"] == t)
    for k in countries:
        yield EventFilter(country=k), _ref_clusters(rows, lambda c, k=k: c["country"] == k)
    yield (EventFilter(event_type=types[:2], modality="reported"),
           _ref_clusters(rows, lambda c: c["event"] in types[:2] and c["modality"] == "reported"))
    dates = sorted(_best(c) for c in rows["clusters"] if _best(c))
    lo, hi = dates[len(dates) // 4], dates[3 * len(dates) // 4]
    yield (EventFilter(since=lo, until=hi),
           _ref_clusters(rows, lambda c: _best(c) is not None and lo <= _best(c) <= hi))
    def members(c: dict[str, Any]) -> list[str]:
        return rows["members"].get(c["cluster_id"], [])

    for word in _words(rows)[:3]:
        low = word.lower()
        yield EventFilter(text=word), _ref_clusters(
            rows, lambda c, w=low: any(w in sentences[m] for m in members(c)))
    name = max((w for ws in rows["actor_words"].values() for w in ws), key=len)
    low = name.lower()
    yield EventFilter(actor=name), _ref_clusters(rows, lambda c, a=low: any(
        a in w.lower() for m in members(c) for w in rows["actor_words"].get(m, [])))


def _cluster_page(store: Store, flt: EventFilter) -> dict[str, Any]:
    page = filters.clusters(store, flt)
    if isinstance(page, dict):
        return page
    assert page.media_type == "application/json"

    def strict(token: str) -> Any:
        raise AssertionError(f"{token} is not JSON")

    return json.loads(bytes(page.body), parse_constant=strict)


def test_cluster_filters_match_the_reference(plain_db: Path, indexed_db: Path, rows: dict[str, Any]) -> None:
    cases = list(_cluster_cases(rows))
    assert sum(bool(expected) for _, expected in cases) >= len(cases) // 2
    with Store.open(plain_db, read_only=True) as plain, Store.open(indexed_db, read_only=True) as indexed:
        for flt, expected in cases:
            for store in (plain, indexed):
                page = _cluster_page(store, flt.replace(limit=10_000))
                assert page == {"total": len(expected), "limit": 10_000, "offset": 0, "clustered": True,
                                "items": expected}, flt
                assert _cluster_page(store, flt.replace(limit=2, offset=1))["items"] == expected[1:3]
                assert list(query.iter_clusters(store, flt)) == expected
                assert query.count_clusters(store, flt) == len(expected)


def test_cluster_api_sends_the_stored_records(indexed_db: Path, rows: dict[str, Any]) -> None:
    flt, expected = next(_cluster_cases(rows))
    with TestClient(create_app(indexed_db, linger=0.1)) as client:
        response = client.get("/api/clusters", params={"type": flt.event_type[0], "limit": 500})
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"total": len(expected), "limit": 500, "offset": 0, "clustered": True,
                               "items": expected}


def test_a_record_with_a_non_finite_number_still_gives_strict_json(
        plain_db: Path, tmp_path: Path, rows: dict[str, Any]) -> None:
    path = tmp_path / "nan.duckdb"
    shutil.copy(plain_db, path)
    first = _ref_clusters(rows, lambda c: True)[0]
    with Store.open(path) as store:
        # Python's json writes a NaN float as the bare token NaN; DuckDB's JSON type accepts it.
        store.cursor().execute("UPDATE clusters SET record = ? WHERE cluster_id = ?",
                               [json.dumps({**first, "confidence": float("nan")}), first["cluster_id"]])
    with TestClient(create_app(path, linger=0.1)) as client:
        body = client.get("/api/clusters", params={"limit": 1}).text
    page = json.loads(body, parse_constant=lambda token: pytest.fail(f"{token} in the response"))
    assert page["items"] == [{**first, "confidence": None}]


def test_an_incomplete_search_table_is_not_used(plain_db: Path, tmp_path: Path, rows: dict[str, Any]) -> None:
    path = tmp_path / "partial.duckdb"
    shutil.copy(plain_db, path)
    doc = sorted(rows["texts"])[0]
    with Store.open(path) as store:
        cur = store.cursor()
        assert index_search_text(cur) == 0  # opening for writing filled the table
        cur.execute(f"DELETE FROM {SEARCH_TABLE} WHERE event_id NOT IN "
                    "(SELECT id FROM events WHERE doc_id = ?)", [doc])
        added = cur.execute(f"SELECT count(*) FROM {SEARCH_TABLE}").fetchone()[0]
        assert 0 < added < len(rows["events"])
        assert not query.search_index_ready(store)
        word = _words(rows)[0]
        assert _event_ids(store, EventFilter(text=word, limit=10_000))[0] == _ref_events(rows, word)
        assert index_search_text(store.cursor()) == len(rows["events"]) - added
        assert query.search_index_ready(store)
