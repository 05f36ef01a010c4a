"""Writers for PLOVER JSONL, articles, relations, places, rejects, clusters, ACLED CSV, GeoJSON, CSV and
Parquet.

>>> from eventlens.export import export
>>> with Store.open("eventlens.duckdb", read_only=True) as store:
...     export(store, "plover", "events.jsonl")
...     export(store, "acled", "acled.csv", EventFilter(country="SYR", since="2020-01-01"))
"""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ..errors import ExportError
from ..store import Store
from ..store.query import EventFilter, iter_events
from .acled import write_acled
from .geojson import write_clusters, write_geojson
from .jsonl import write_articles, write_jsonl, write_places, write_plover, write_rejects, write_relations
from .tabular import write_csv, write_parquet

log = logging.getLogger(__name__)


def _filtered_plover(store: Store, out: TextIO, flt: EventFilter | None = None) -> int:
    if flt is None or flt.is_empty:
        return write_plover(store, out)
    return write_jsonl(iter_events(store, flt), out)


def _unfiltered(writer: Callable[[Store, TextIO], int]) -> Callable[..., int]:
    """Writers of records that are not events (articles, places, rejects) take no event filter."""
    def write(store: Store, out: TextIO, flt: EventFilter | None = None) -> int:
        if flt is not None and not flt.is_empty:
            raise ExportError("E043", "filters select events; use them with plover, clusters, acled, "
                                      "geojson, csv or parquet, not with this format")
        return writer(store, out)
    write.__doc__ = writer.__doc__
    return write


# Every writer is ``writer(store, text_stream, flt=None) -> number of records``.
WRITERS: dict[str, Callable[..., int]] = {
    "plover": _filtered_plover,
    "articles": _unfiltered(write_articles),
    "relations": _unfiltered(write_relations),
    "places": _unfiltered(write_places),
    "rejects": _unfiltered(write_rejects),
    "clusters": write_clusters,
    "acled": write_acled,
    "geojson": write_geojson,
    "csv": write_csv,
}
# Writers of a directory rather than a stream: ``writer(store, directory, flt=None)``.
DIRECTORY_WRITERS: dict[str, Callable[..., int]] = {"parquet": write_parquet}
FORMATS = (*WRITERS, *DIRECTORY_WRITERS)


def export(store: Store, fmt: str, out: TextIO | str | os.PathLike[str],
           flt: EventFilter | None = None) -> int:
    """Write the store's records in ``fmt`` to a text stream or a file; returns the number of records.

    A file is written next to its final path and renamed into place at the end, so a failed or
    interrupted export never leaves a truncated file that looks complete. ``flt`` selects events
    (clusters for the cluster formats); ``parquet`` writes a directory.
    """
    if fmt in DIRECTORY_WRITERS:
        if not isinstance(out, (str, os.PathLike)):
            raise ExportError("E044", f"{fmt} writes a directory of files; give a directory path, "
                                      "not a stream")
        return DIRECTORY_WRITERS[fmt](store, out, flt)
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ExportError("E040", f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not isinstance(out, (str, os.PathLike)):
        return writer(store, out, flt)
    path = Path(out)
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="\n") as fh:
            n = writer(store, fh, flt)
        os.replace(part, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            part.unlink()
        raise ExportError("E041", f"cannot write {path}: {e.strerror or e}; check the directory exists "
                                  "and is writable") from e
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    log.info("exported %d %s records to %s", n, fmt, path)
    return n


__all__ = ["DIRECTORY_WRITERS", "FORMATS", "WRITERS", "EventFilter", "export"]
