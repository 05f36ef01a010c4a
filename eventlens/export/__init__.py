"""Writers for PLOVER JSONL, articles, relations, places and rejects.

>>> from eventlens.export import export
>>> with Store.open("eventlens.duckdb", read_only=True) as store:
...     export(store, "plover", "events.jsonl")
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
from .jsonl import write_articles, write_places, write_plover, write_rejects, write_relations

log = logging.getLogger(__name__)

WRITERS: dict[str, Callable[[Store, TextIO], int]] = {
    "plover": write_plover,
    "articles": write_articles,
    "relations": write_relations,
    "places": write_places,
    "rejects": write_rejects,
}
FORMATS = tuple(WRITERS)


def export(store: Store, fmt: str, out: TextIO | str | os.PathLike[str]) -> int:
    """Write the store's records in ``fmt`` to a text stream or a file; returns the number of records.

    A file is written next to its final path and renamed into place at the end, so a failed or
    interrupted export never leaves a truncated file that looks complete.
    """
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ExportError("E040", f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not isinstance(out, (str, os.PathLike)):
        return writer(store, out)
    path = Path(out)
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="\n") as fh:
            n = writer(store, fh)
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


__all__ = ["FORMATS", "WRITERS", "export"]
