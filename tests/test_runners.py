"""The local runner on the shipped sample articles: resumable, bounded in memory, same records with a pool."""
from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from eventlens.ingest.sources import iter_articles
from eventlens.records import Article, ArticleResult
from eventlens.runners import local
from eventlens.settings import Settings
from eventlens.store.db import Store
from eventlens.store.query import iter_clusters

ARTICLES = Path(__file__).parent / "data" / "articles"
SETTINGS = Settings(batch_size=4)


@pytest.fixture(scope="module")
def nlp():
    from eventlens.nlp.pipeline import load_pipeline

    return load_pipeline(SETTINGS)


@pytest.fixture(scope="module")
def sample() -> list[Article]:
    return [a for a in iter_articles([str(ARTICLES)]) if isinstance(a, Article)]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, nlp):
    """One uninterrupted run over the sample: the reference the other runs are compared with."""
    db = tmp_path_factory.mktemp("full") / "full.duckdb"
    summary = local.run([str(ARTICLES)], db=str(db), settings=SETTINGS)
    return db, summary


def _records(db: Path) -> tuple[list, list, list, list]:
    with Store.open(str(db), read_only=True) as store:
        return (list(store.iter_events()), list(store.iter_relations()),
                [p.to_dict() for p in store.iter_places()], list(iter_clusters(store)))


class Counting:
    """Stands in for ``process_batch`` in the runner and remembers which articles went through the NLP."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.real = local.process_batch

    def __call__(self, articles, settings=None):
        self.ids.extend(a.id for a in articles)
        return self.real(articles, settings)


def test_full_run_stores_every_sample_article(full_run, sample):
    db, summary = full_run
    assert summary.written == len(sample) == 5
    assert summary.events > 0 and summary.failed == 0
    with Store.open(str(db), read_only=True) as store:
        assert {a.id for a in store.iter_articles()} == {a.id for a in sample}


def test_second_run_reprocesses_nothing(full_run, monkeypatch):
    db, first = full_run
    before = _records(db)
    counting = Counting()
    monkeypatch.setattr(local, "process_batch", counting)
    again = local.run([str(ARTICLES)], db=str(db), settings=SETTINGS)
    assert counting.ids == []
    assert (again.read, again.written, again.skipped, again.events) == (first.written, 0, first.written, 0)
    assert _records(db) == before


def test_interrupted_run_resumes_where_it_stopped(full_run, sample, tmp_path, monkeypatch):
    """A run killed after half the articles were stored: the next run does only the other half, and the
    store ends up with exactly the records of an uninterrupted run."""
    db = tmp_path / "resumed.duckdb"
    half = sample[: len(sample) // 2]
    with Store.open(str(db)) as store:
        done = store.write_results(local.process_batch(half, SETTINGS), "run_killed")
    assert done.written == len(half)
    counting = Counting()
    monkeypatch.setattr(local, "process_batch", counting)
    summary = local.run([str(ARTICLES)], db=str(db), settings=SETTINGS)
    assert sorted(counting.ids) == sorted(a.id for a in sample[len(half):])
    assert summary.skipped == len(half) and summary.written == len(sample) - len(half)
    assert _records(db) == _records(full_run[0])


def test_two_workers_give_the_same_records(full_run, tmp_path):
    db = tmp_path / "pool.duckdb"
    summary = local.run([str(ARTICLES)], db=str(db), settings=SETTINGS.replace(workers=2))
    assert summary.written == full_run[1].written and summary.failed == 0
    assert _records(db) == _records(full_run[0])


def test_the_writer_runs_batches_itself_while_the_workers_are_busy(full_run, sample, tmp_path, monkeypatch):
    # two processes: the writer and one worker; one article per batch, so the worker's queue fills
    db = tmp_path / "shared.duckdb"
    counting = Counting()  # the forked worker gets its own copy: this one counts the writer's batches
    monkeypatch.setattr(local, "process_batch", counting)
    summary = local.run([str(ARTICLES)], db=str(db), settings=SETTINGS.replace(workers=2, batch_size=1))
    assert summary.written == full_run[1].written and summary.failed == 0
    by_writer = set(counting.ids) & {a.id for a in sample}
    assert 1 <= len(by_writer) < len(sample)
    assert _records(db) == _records(full_run[0])


def _corpus(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = f"Report {i}: shelling was reported near the town overnight. " * 40
            fh.write(json.dumps({"text": text, "date": "2020-01-07"}) + "\n")
    return path


def _peak_python_memory(corpus: Path, db: Path, monkeypatch) -> tuple[int, int]:
    """Peak Python allocations of ``run`` over ``corpus`` with the NLP and the store writer stubbed
    out: what is left is the runner's own bookkeeping, which must not grow with the input."""
    seen = []

    def no_nlp(articles, settings=None):
        seen.append(len(articles))
        return [ArticleResult(article=a) for a in articles]

    def no_write(self, results, run_id=None):
        from eventlens.store.db import WriteSummary

        return WriteSummary(written=len(list(results)))

    monkeypatch.setattr(local, "process_batch", no_nlp)
    monkeypatch.setattr(local, "_cluster", lambda store, summary, *pool: None)
    monkeypatch.setattr(Store, "write_results", no_write)
    tracemalloc.start()
    try:
        summary = local.run([str(corpus)], db=str(db), settings=SETTINGS)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.written == sum(seen)
    assert max(seen) <= max(SETTINGS.batch_size * 4, 32)
    return peak, summary.written


def test_run_memory_does_not_grow_with_the_stream(tmp_path, monkeypatch):
    small, n_small = _peak_python_memory(_corpus(tmp_path / "small.jsonl", 200), tmp_path / "s.duckdb",
                                         monkeypatch)
    large, n_large = _peak_python_memory(_corpus(tmp_path / "large.jsonl", 1200), tmp_path / "l.duckdb",
                                         monkeypatch)
    assert (n_small, n_large) == (200, 1200)
    # 1,000 more articles of ~2.4 kB each: 2.4 MB if the runner kept them; the content-id set of
    # iter_articles (the only thing allowed to grow) costs about 0.1 kB per article.
    assert large - small < 400_000, (small, large)
