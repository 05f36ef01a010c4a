"""Sharing one DuckDB file between a writer and readers in other processes.

DuckDB locks a database file per process: one process may open it for writing, or any number read-only,
never both at once, and an open that meets the other kind fails at once. eventlens turns that into
sharing by taking turns:

- the writer (``eventlens run``) holds the file only while it commits a batch of whole articles, then
  closes it (``Store.release`` / ``Store.session``), so readers get the file between batches;
- every open waits for the file with bounded retries and backoff (``acquire``), and fails with E032 only
  after a deadline (``wait_seconds``: 60 s for a reader, 600 s for the writer, or
  ``EVENTLENS_LOCK_WAIT``);
- a reader connection sees one state for its whole life: no writer can open the file while it is open;
- the writer keeps a sidecar file ``<store>.writer`` for its whole run. It is locked (``flock``), so a
  second writer fails at once rather than interleaving with the first, and it carries a "writer waiting"
  mark while the writer waits for the file, so that new readers hold back and the server closes its idle
  connection: a stream of overlapping readers cannot starve the writer. The mark is refreshed while the
  writer waits and counts only while fresh, so a writer killed while waiting blocks nobody.

Where it fails: the mark is advisory (a plain ``duckdb.connect`` elsewhere ignores it), and ``flock`` is
not available on Windows, where two writers are then refused by DuckDB only while one holds the file.
"""
from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

import duckdb

from ..errors import ConfigError, StoreError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

DEFAULT_WAIT = 60.0  # seconds a reader waits for the file before E032
# The writer waits longer: a reader may hold the file for a whole export, and a run that gives up must
# do its last batch again when it is resumed.
WRITER_WAIT = 600.0
WAIT_ENV = "EVENTLENS_LOCK_WAIT"
MARK_FRESH = 2.0  # seconds a "writer waiting" mark counts without being refreshed
_MARK_EVERY = 0.5  # how often a waiting writer refreshes its mark
# DuckDB's words for a file another process holds ("Could not set lock on file …"), and for one this
# process holds in the other mode ("… same database file with a different configuration …", "Unique
# file handle conflict: … already attached …").
_BUSY = re.compile(r"\block\b|different configuration|file handle conflict", re.IGNORECASE)
# Files this process has open read-only, and how many times: a nested open shares the open file (DuckDB
# keeps one instance per file and process), so it need not, and must not, wait for a writer's turn.
_READING: Counter[str] = Counter()
_READING_LOCK = threading.Lock()


def wait_seconds(wait: float | None = None, *, writer: bool = False) -> float:
    """The deadline for getting the file: ``wait`` if given, else ``EVENTLENS_LOCK_WAIT``, else 60 s for
    a reader and 600 s for the writer."""
    if wait is not None:
        return max(0.0, float(wait))
    raw = os.environ.get(WAIT_ENV, "").strip()
    if not raw:
        return WRITER_WAIT if writer else DEFAULT_WAIT
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise ConfigError("E013", f"{WAIT_ENV}={raw!r} is not a number of seconds; "
                                  "set it to e.g. 60") from None


def is_busy(error: BaseException) -> bool:
    """True when DuckDB refused a file because another connection holds it (not because it is damaged).
    The word, not the letters: a checksum error names a "block" of a damaged file."""
    return bool(_BUSY.search(str(error)))


def sidecar(path: str) -> Path:
    return Path(f"{path}.writer")


def writer_waiting(path: str) -> bool:
    """True while a writer waits for the store at ``path`` (its mark is there and fresh)."""
    try:
        st = sidecar(path).stat()
    except OSError:
        return False
    return st.st_size > 0 and time.time() - st.st_mtime < MARK_FRESH


class WriterLock:
    """The writer's sidecar file: locked for the writer's whole life, marked while it waits."""

    def __init__(self, path: str) -> None:
        self.path = sidecar(path)
        self._fh: IO[str] | None = None
        self._marked = 0.0

    def acquire(self, store: str) -> None:
        """Lock the sidecar, or fail at once with E032 if another writer has it."""
        while True:
            fh = self.path.open("a+", encoding="utf-8")
            try:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                # The previous writer may have removed the file between our open and our lock: then
                # we hold a lock on a name nobody sees, so start again on the new file.
                if os.fstat(fh.fileno()).st_ino == self.path.stat().st_ino:
                    break
            except BlockingIOError:
                fh.close()
                raise StoreError("E032", f"{store} is being written by another eventlens process; wait "
                                         "for it to finish (one writer per store)") from None
            except FileNotFoundError:
                pass
            fh.close()
        self._fh = fh
        self.unmark()

    def mark(self) -> None:
        """Say "a writer is waiting" (refreshed at most every half second)."""
        now = time.monotonic()
        if self._fh is None or now - self._marked < _MARK_EVERY:
            return
        if self._marked == 0.0:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.write(f"waiting {os.getpid()}\n")
            self._fh.flush()
        else:
            os.utime(self.path)
        self._marked = now

    def unmark(self) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            self._fh.flush()
        self._marked = 0.0

    def release(self) -> None:
        """Remove the sidecar and unlock it (removal first: see ``acquire``)."""
        if self._fh is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            self._fh.close()  # closing the file drops the flock
            self._fh = None


def _key(spec: str) -> str:
    return os.path.realpath(spec)


def reading(spec: str, delta: int) -> None:
    """Count this process's read-only connections to ``spec`` (``acquire`` adds, ``Store.close`` takes
    away)."""
    with _READING_LOCK:
        _READING[_key(spec)] += delta
        if _READING[_key(spec)] <= 0:
            del _READING[_key(spec)]


def _reading_here(spec: str) -> bool:
    with _READING_LOCK:
        return _READING[_key(spec)] > 0


def acquire(spec: str, attempt: Callable[[], duckdb.DuckDBPyConnection], *, read_only: bool, wait: float,
            lock: WriterLock | None = None,
            on_error: Callable[[duckdb.Error], StoreError] | None = None) -> duckdb.DuckDBPyConnection:
    """Run ``attempt`` (which opens ``spec``) until it gets the file, for up to ``wait`` seconds.

    A reader also holds back while a writer's mark is fresh, so the writer gets the file first; the
    writer marks itself (``lock``) while it waits. Backoff doubles from a few milliseconds to 0.2 s
    (0.05 s for the writer, which holds the file only briefly and should get it as soon as it is free),
    with jitter so that readers started together do not retry in step. Errors other than a held file
    go to ``on_error`` (or are raised as they are).
    """
    deadline = time.monotonic() + wait
    delay, cap = (0.005, 0.05) if lock is not None else (0.01, 0.2)
    busy_since: float | None = None
    try:
        while True:
            held_back = read_only and writer_waiting(spec) and not _reading_here(spec)
            if not held_back:
                try:
                    con = attempt()
                    if read_only:
                        reading(spec, 1)
                    return con
                except duckdb.Error as e:
                    if not is_busy(e):
                        if on_error is None:
                            raise
                        raise on_error(e) from e
                    error: duckdb.Error | None = e
            else:
                error = None
            now = time.monotonic()
            busy_since = busy_since if busy_since is not None else now
            if now >= deadline:
                raise _timeout(spec, read_only, wait, held_back) from error
            if lock is not None:
                lock.mark()
            time.sleep(min(delay * random.uniform(0.5, 1.0), max(0.0, deadline - now)))
            delay = min(delay * 2, cap)
    finally:
        if lock is not None:
            lock.unmark()
        if busy_since is not None:
            log.debug("%s: waited %.3fs for the file", spec, time.monotonic() - busy_since)


def _timeout(spec: str, read_only: bool, wait: float, held_back: bool) -> StoreError:
    if read_only:
        why = "a writer is waiting for it" if held_back else "it is being written by another process"
        return StoreError("E032", f"{spec} stayed busy for {wait:g}s ({why}); try again, or wait longer "
                                  f"(--wait SECONDS, or {WAIT_ENV})")
    return StoreError("E032", f"{spec} is open in another process and stayed busy for {wait:g}s; what "
                              "was committed is kept: stop that reader and run again to resume, or wait "
                              f"longer (--wait SECONDS, or {WAIT_ENV})")
