"""Results to Parquet part files with the store's schema, in bounded memory.

``ParquetSink`` writes results into an in-memory DuckDB store with the store's own writer
(``Store.write_results``: same rows, same reject handling as a DuckDB file) and, every
``flush_every`` articles, copies its tables to ``<table>/<prefix>-<seq>.parquet`` under the output
directory and starts a new in-memory store. Part names are deterministic for a given prefix and input,
so a Spark task that is retried overwrites its own files instead of duplicating rows.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from ..records import ArticleResult, Reject
from ..store.db import Store, WriteSummary
from ..store.parquet import write_tables

log = logging.getLogger(__name__)


class ParquetSink:
    """Collects results and rejects for one writer (a Spark task, or the driver) and flushes part files."""

    def __init__(self, root: str | os.PathLike[str], prefix: str, *, run_id: str | None = None,
                 flush_every: int = 512) -> None:
        self.root = Path(root)
        self.prefix = prefix
        self.run_id = run_id
        self.flush_every = max(1, flush_every)
        self.summary = WriteSummary()
        self.rows: dict[str, int] = {}
        self._seq = 0
        self._pending = 0
        self._store: Store | None = None

    def _open(self) -> Store:
        if self._store is None:
            self._store = Store.open(":memory:")
        return self._store

    def write(self, results: Iterable[ArticleResult]) -> WriteSummary:
        results = list(results)
        done = self._open().write_results(results, self.run_id)
        for name in ("written", "skipped", "failed", "events"):
            setattr(self.summary, name, getattr(self.summary, name) + getattr(done, name))
        self._pending += len(results)
        if self._pending >= self.flush_every:
            self.flush()
        return done

    def reject(self, rejects: Iterable[Reject]) -> int:
        n = self._open().record_rejects(rejects, self.run_id)
        self._pending += n
        return n

    def run_row(self, run_id: str, settings: object, inputs: list[str], counts: dict[str, int]) -> None:
        """Record the run itself (the ``runs`` table), as ``eventlens stats`` counts runs."""
        store = self._open()
        store.start_run(settings, inputs, run_id=run_id)  # type: ignore[arg-type]
        store.finish_run(run_id, counts)
        self._pending += 1

    def flush(self) -> None:
        if self._store is None:
            return
        if self._pending:
            part = f"{self.prefix}-{self._seq:05d}"
            for table, n in write_tables(self._store.cursor(), self.root, part).items():
                self.rows[table] = self.rows.get(table, 0) + n
            self._seq += 1
        self._store.close()
        self._store = None
        self._pending = 0

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
