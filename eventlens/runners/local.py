"""The local runner: stream the inputs, skip what is stored, process in batches, one writer.

With ``workers > 1`` the NLP runs in a pool of processes; results come back in input order and the
parent process alone writes to the store. Where processes can be forked (Linux), the parent loads the
pipeline and its knowledge once before the pool starts, and the workers inherit them copy-on-write: they
start at once instead of each loading the model for a second or more, and the pages they never write
stay shared. Elsewhere (spawn) each worker loads its own. Each worker gets one BLAS thread
(``runners/threads.py``). The store file is
held only while a batch is committed, so readers can use the store during a run. A run that is killed
leaves whole articles only; running it again skips them (``Store.known_ids``).
"""
from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

from ..cluster import cluster_store
from ..errors import EventlensError
from ..ingest.base import IngestOptions
from ..ingest.sources import iter_articles
from ..pipeline import process_batch
from ..records import Article, ArticleResult, Reject
from ..settings import Settings
from ..store.db import Store
from ..store.rows import PreparedResult
from .threads import blas_limited, limit_blas

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
    commits: int = 0  # turns with the store file (batches committed, input looked up)
    held_s: float = 0.0  # seconds the file was held by this run for those turns
    turn_s: float = 0.0  # seconds spent opening and closing the file for them (the cost of sharing it)


def _worker_init(settings: Settings) -> None:
    """Limit BLAS to its threads and load the pipeline when the worker starts, so all workers load at
    once rather than on first use (a forked worker finds the parent's pipeline already loaded)."""
    from ..nlp.pipeline import load_pipeline

    load_pipeline(settings)
    limit_blas(settings, pooled=True)


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork where the platform has it (the workers share the parent's loaded pipeline), else spawn.
    The parent holds no store connection and no thread of its own when the pool forks."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _preload(settings: Settings, context: multiprocessing.context.BaseContext) -> None:
    """Before forking: load the pipeline with its knowledge (actors, gazetteer, cue lists: see
    ``load_pipeline``), so it is in the parent's memory for every worker to share."""
    if context.get_start_method() != "fork":
        return
    from ..nlp.pipeline import load_pipeline

    started = time.perf_counter()
    load_pipeline(settings)
    log.debug("pipeline and knowledge loaded before the pool forked (%.2fs)", time.perf_counter() - started)


def _worker_process(articles: list[Article], settings: Settings) -> list[PreparedResult]:
    """The NLP of one batch, returned as store rows (the writer only inserts them; the articles
    themselves are not sent back)."""
    return [PreparedResult.of(r) for r in process_batch(articles, settings)]


def _attached(chunk: list[Article], prepared: list[PreparedResult]) -> list[PreparedResult]:
    if len(chunk) != len(prepared):
        raise RuntimeError(f"a worker returned {len(prepared)} results for {len(chunk)} articles")
    return [p.attach(a) for p, a in zip(prepared, chunk, strict=True)]


def run(inputs: Sequence[str], *, db: str, settings: Settings | None = None,
        options: IngestOptions | None = None,
        progress: Callable[[RunSummary], None] | None = None,
        commit_articles: int = 256, commit_seconds: float = 1.5, wait: float | None = None) -> RunSummary:
    """Ingest, extract, resolve and store ``inputs`` into the DuckDB file ``db``.

    The file is held only while a batch is committed (see ``Batches``): readers in other processes get
    it between batches. A batch is written when ``commit_articles`` results wait, or ``commit_seconds``
    after the previous one. ``wait``: seconds to wait for readers that hold the file (see
    ``Store.open``).
    """
    settings = settings or Settings()
    options = options or IngestOptions.from_settings(settings)
    summary = RunSummary()
    with Store.open(db, wait=wait) as store:
        store.check()  # never append to a damaged file
        summary.run_id = store.start_run(settings, list(inputs))
        batches = Batches(store, summary, iter_articles(inputs, options), progress=progress,
                          commit_articles=commit_articles, commit_seconds=commit_seconds)
        # One process: chunks of several nlp.pipe batches (about 3% less CPU than one batch per call),
        # each followed by a turn with the file if 1.5 s have passed. A pool: one nlp.pipe batch per task.
        size = max(settings.batch_size * 4, 32) if settings.workers <= 1 else settings.batch_size
        batches.commit(refill=size)  # the first articles, while the file is still open
        store.release()
        if settings.workers <= 1:
            with blas_limited(settings, pooled=False):
                while chunk := batches.take(size):
                    batches.add(process_batch(chunk, settings))
        else:
            # N processes: this one (the writer) and N - 1 workers. One nlp.pipe batch per task, so
            # the work spreads evenly even on a small input; at most two tasks per worker wait in the
            # pool, and while they do, this process runs the next batch itself instead of idling
            # (on N cores, N busy processes rather than N workers and a writer taking turns with them).
            # Memory stays bounded: a few batches are in flight at any time.
            context = _pool_context()
            _preload(settings, context)
            helpers = settings.workers - 1
            with ProcessPoolExecutor(max_workers=helpers, mp_context=context,
                                     initializer=_worker_init, initargs=(settings,)) as pool:
                pending: deque[tuple[list[Article], Future[list[PreparedResult]]]] = deque()
                with blas_limited(settings, pooled=True):  # this process runs batches too
                    while chunk := batches.take_dealt(size, settings.workers):
                        if len(pending) < helpers * 2:
                            pending.append((chunk, pool.submit(_worker_process, chunk, settings)))
                        else:
                            batches.add(process_batch(chunk, settings))
                        while pending and pending[0][1].done():
                            sent, future = pending.popleft()
                            batches.add(_attached(sent, future.result()))
                while pending:
                    sent, future = pending.popleft()
                    batches.add(_attached(sent, future.result()))
                # the same pool clusters the parts of the store that cannot meet, side by side
                _finish(store, batches, summary, pool, helpers)
            return summary
        _finish(store, batches, summary, None, 1)
    return summary


def _finish(store: Store, batches: Batches, summary: RunSummary, pool: ProcessPoolExecutor | None,
            workers: int) -> None:
    with store.session():  # the last batch, the clusters and the run's end: one turn
        batches.commit()
        _cluster(store, summary, pool, workers)
        store.finish_run(summary.run_id, {
            "read": summary.read, "written": summary.written, "skipped": summary.skipped,
            "rejected": summary.rejected, "events": summary.events, "clustered": summary.clustered})
    return summary


class Batches:
    """The writer's side of a run: which articles still need the NLP, and their results until committed.

    The store file is held only inside ``commit`` (one ``Store.session``): it writes the waiting results
    (whole articles, see ``Store.write_results``) and the rejects, and, when the NLP needs more input,
    reads up to ``lookahead`` more articles and drops those already stored. Each turn costs taking the
    file and letting it go (a few milliseconds, and the checkpoint DuckDB writes when it lets go), so
    turns are spaced by time as well as bounded by count. Between turns the NLP runs with the file closed.
    """

    def __init__(self, store: Store, summary: RunSummary, items: Iterable[Article | Reject], *,
                 progress: Callable[[RunSummary], None] | None = None, commit_articles: int = 256,
                 commit_seconds: float = 1.5, lookahead: int = 256) -> None:
        self.store = store
        self.summary = summary
        self.progress = progress
        self.commit_articles = max(1, commit_articles)
        self.commit_seconds = commit_seconds
        self.lookahead = max(1, lookahead)
        self._items = iter(items)
        self._ended = False
        self._todo: deque[Article] = deque()
        self._results: list[ArticleResult | PreparedResult] = []
        self._rejects: list[Reject] = []
        self._last = time.monotonic()

    def on_reject(self, rej: Reject) -> None:
        self._rejects.append(rej)
        self.summary.rejected += 1
        self.summary.reject_reasons[rej.code] = self.summary.reject_reasons.get(rej.code, 0) + 1

    def take(self, n: int) -> list[Article]:
        """Up to ``n`` articles that are not stored yet; empty when the input is done."""
        while len(self._todo) < n and not self._ended:
            self.commit(refill=n)
        return [self._todo.popleft() for _ in range(min(n, len(self._todo)))]

    def take_dealt(self, n: int, workers: int) -> list[Article]:
        """Like ``take``, but once the input has ended the last articles go out in smaller and smaller
        chunks (what is left divided by twice the workers, at least 4), so the workers finish together instead
        of one waiting while the other does a whole last batch."""
        while len(self._todo) < n and not self._ended:
            self.commit(refill=n)
        if self._ended:
            n = min(n, max(4, -(-len(self._todo) // (2 * max(1, workers)))))
        return [self._todo.popleft() for _ in range(min(n, len(self._todo)))]

    def add(self, results: list[ArticleResult] | list[PreparedResult]) -> None:
        """Results of the NLP, committed once enough of them wait or enough time has passed."""
        for result in results:
            if result.error is not None:
                self.on_reject(result.error)
                self.summary.failed += 1
            else:
                self._results.append(result)
        if (len(self._results) >= self.commit_articles
                or time.monotonic() - self._last >= self.commit_seconds):
            self.commit()

    def commit(self, *, refill: int = 0) -> None:
        """One turn with the file: write what waits; with ``refill``, read articles until that many
        new ones wait for the NLP."""
        if not (self._results or self._rejects or refill):
            return
        began = time.monotonic()
        with self.store.session():
            opened = time.monotonic()
            self._write()
            if refill:
                self._refill(refill, opened)
            held = time.monotonic() - opened
        s = self.summary
        s.commits += 1
        s.held_s += held
        s.turn_s += time.monotonic() - began - held
        self._last = time.monotonic()
        if self.progress:
            self.progress(s)

    def _write(self) -> None:
        s = self.summary
        if self._results:
            written = self.store.write_results(self._results, s.run_id)
            s.written += written.written
            s.skipped += written.skipped
            s.events += written.events
            self._results = []
        if self._rejects:
            self.store.record_rejects(self._rejects, s.run_id)
            self._rejects = []

    def _refill(self, want: int, opened: float) -> None:
        """Read ``lookahead`` articles at a time until ``want`` new ones wait (a resumed run may skip
        many), the input ends, or the turn has lasted ``commit_seconds``."""
        while len(self._todo) < want and not self._ended:
            window: list[Article] = []
            for item in self._items:
                if isinstance(item, Reject):
                    self.on_reject(item)
                    continue
                window.append(item)
                if len(window) >= self.lookahead:
                    break
            else:
                self._ended = True
            self.summary.read += len(window)
            known = self.store.known_ids(a.id for a in window)
            self.summary.skipped += len(known)
            self._todo.extend(a for a in window if a.id not in known)
            if time.monotonic() - opened >= self.commit_seconds:
                break


def _cluster(store: Store, summary: RunSummary, pool: ProcessPoolExecutor | None = None,
             workers: int = 1) -> None:
    """Cluster what is not clustered yet (this run's events, and any a killed run left behind). A failure
    here loses nothing: the events are stored and the next run clusters them."""
    try:
        done = cluster_store(store, pool=pool, pool_size=workers)
    except EventlensError as e:
        log.error("events stored but not clustered: %s", e.message)
        return
    summary.clustered, summary.clusters = done.mentions, done.clusters
