"""The local runner: stream the inputs, skip what is stored, process in batches, one writer.

With ``workers > 1`` the NLP runs in a pool of processes (each loads the pipeline and the knowledge once);
results come back in input order and the parent process alone writes to the store. A run that is killed
leaves whole articles only; running it again skips them (``Store.known_ids``).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from ..cluster import cluster_store
from ..errors import EventlensError
from ..ingest.base import IngestOptions
from ..ingest.sources import iter_articles
from ..pipeline import process_batch
from ..records import Article, ArticleResult, Reject
from ..settings import Settings
from ..store.db import Store

log = logging.getLogger(__name__)


@dataclass
class RunSummary:
    run_id: str = ""
    read: int = 0
    written: int = 0
    skipped: int = 0
    rejected: int = 0
    failed: int = 0
    events: int = 0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    clustered: int = 0  # event mentions placed in clusters at the end of the run
    clusters: int = 0  # clusters in the store afterwards


def _chunks(items: Iterable[Article | Reject], size: int,
            on_reject: Callable[[Reject], None]) -> Iterator[list[Article]]:
    chunk: list[Article] = []
    for item in items:
        if isinstance(item, Reject):
            on_reject(item)
            continue
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _worker_init(settings: Settings) -> None:
    """Load the pipeline when the worker starts, so all workers load at once rather than on first use."""
    from ..nlp.pipeline import load_pipeline

    load_pipeline(settings)


def _worker_process(articles: list[Article], settings: Settings) -> list[ArticleResult]:
    return process_batch(articles, settings)


def run(inputs: Sequence[str], *, db: str, settings: Settings | None = None,
        options: IngestOptions | None = None,
        progress: Callable[[RunSummary], None] | None = None) -> RunSummary:
    """Ingest, extract, resolve and store ``inputs`` into the DuckDB file ``db``."""
    settings = settings or Settings()
    options = options or IngestOptions.from_settings(settings)
    summary = RunSummary()
    with Store.open(db) as store:
        store.check()  # never append to a damaged file
        summary.run_id = store.start_run(settings, list(inputs))
        rejects: list[Reject] = []

        def on_reject(rej: Reject) -> None:
            rejects.append(rej)
            summary.rejected += 1
            summary.reject_reasons[rej.code] = summary.reject_reasons.get(rej.code, 0) + 1

        def todo(chunk: list[Article]) -> list[Article]:
            summary.read += len(chunk)
            known = store.known_ids(a.id for a in chunk)
            summary.skipped += len(known)
            return [a for a in chunk if a.id not in known]

        def store_results(results: list[ArticleResult]) -> None:
            for result in results:
                if result.error is not None:
                    on_reject(result.error)
                    summary.failed += 1
            written = store.write_results([r for r in results if r.error is None], summary.run_id)
            summary.written += written.written
            summary.skipped += written.skipped
            summary.events += written.events
            if rejects:
                store.record_rejects(rejects, summary.run_id)
                rejects.clear()
            if progress:
                progress(summary)

        # One process: big chunks (fewer store lookups). A pool: one nlp.pipe batch per task, so the
        # work spreads evenly over the workers even on a small input, and at most workers * 2 + 1
        # chunks are in flight: memory stays bounded on a stream of any length.
        chunk_size = max(settings.batch_size * 4, 32) if settings.workers <= 1 else settings.batch_size
        chunks = _chunks(iter_articles(inputs, options), chunk_size, on_reject)
        if settings.workers <= 1:
            for chunk in chunks:
                fresh = todo(chunk)
                store_results(process_batch(fresh, settings) if fresh else [])
        else:
            with ProcessPoolExecutor(max_workers=settings.workers, initializer=_worker_init,
                                     initargs=(settings,)) as pool:
                pending = []
                for chunk in chunks:
                    fresh = todo(chunk)
                    if fresh:
                        pending.append(pool.submit(_worker_process, fresh, settings))
                    while len(pending) > settings.workers * 2:
                        store_results(pending.pop(0).result())
                for fut in pending:
                    store_results(fut.result())
        if rejects:
            store.record_rejects(rejects, summary.run_id)
        if progress:
            progress(summary)
        _cluster(store, summary)
        store.finish_run(summary.run_id, {
            "read": summary.read, "written": summary.written, "skipped": summary.skipped,
            "rejected": summary.rejected, "events": summary.events, "clustered": summary.clustered})
    return summary


def _cluster(store: Store, summary: RunSummary) -> None:
    """Cluster what is not clustered yet (this run's events, and any a killed run left behind). A failure
    here loses nothing: the events are stored and the next run clusters them."""
    try:
        done = cluster_store(store)
    except EventlensError as e:
        log.error("events stored but not clustered: %s", e.message)
        return
    summary.clustered, summary.clusters = done.mentions, done.clusters
