"""How many BLAS threads each NLP process may use.

numpy links OpenBLAS here, which starts one thread per core in every process that imports it. spaCy's
small English model spends part of its time in BLAS calls, so one process on a 2-core machine uses
about 1.45 cores (wall 4.95 s, CPU 7.2 s on 18,576 words; with one BLAS thread 6.5 s wall, 6.5 s CPU),
and two pool workers then run four BLAS threads on two cores and mostly wait for each other. Every
pool-based NLP tool therefore gives each worker process one BLAS thread: the processes are the
parallelism.

``Settings.blas_threads`` decides: 0 (the default) gives each process of a pool (``--workers`` > 1, and
each Spark Python worker) one thread and leaves a single-process run with the library's default (it
then uses the spare core for BLAS, the fastest wall time on an idle machine); a positive number is
applied in every NLP process, single-process runs included.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any

from ..settings import Settings

log = logging.getLogger(__name__)


def blas_threads_for(settings: Settings, *, pooled: bool) -> int | None:
    """The BLAS thread limit for an NLP process, or None to leave the library's default."""
    if settings.blas_threads > 0:
        return settings.blas_threads
    return 1 if pooled else None


def _blas_limits(limit: int) -> Any:
    import numpy  # noqa: F401  (threadpoolctl limits only the libraries already loaded)
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=limit, user_api="blas")


def limit_blas(settings: Settings, *, pooled: bool) -> None:
    """Apply the limit for the rest of this process's life (a pool worker's initialiser, a Spark task)."""
    limit = blas_threads_for(settings, pooled=pooled)
    if limit is not None:
        _blas_limits(limit)
        log.debug("BLAS limited to %d thread(s) in this process", limit)


def blas_limited(settings: Settings, *, pooled: bool) -> contextlib.AbstractContextManager[Any]:
    """The limit for the duration of a ``with`` block, restored afterwards (a single-process run in a
    caller's process, which may have its own use for BLAS threads)."""
    limit = blas_threads_for(settings, pooled=pooled)
    return contextlib.nullcontext() if limit is None else _blas_limits(limit)
