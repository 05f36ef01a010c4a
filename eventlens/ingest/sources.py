"""Inputs (paths, directories, ``-`` for stdin) to a stream of Article and Reject records.

The format comes from the file suffix (or ``IngestOptions.fmt``); directories are walked recursively in
sorted order so that two runs over one folder see the same sequence. Articles already seen in this
stream (same content id) are dropped: ingesting one article twice gives one article.
"""
from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from ..errors import IngestError
from ..records import Article, Reject
from .base import E_TOO_LONG, E_UNREADABLE, IngestOptions, decode
from .readers import (
    Item,
    binary_lines,
    csv_records,
    html_article,
    jsonl_records,
    read_csv,
    read_html,
    read_jsonl,
    read_text,
    reject,
    sidecar_paths,
    text_article,
)

log = logging.getLogger(__name__)

SUFFIX_FORMATS: dict[str, str] = {
    ".txt": "text", ".text": "text",  # not .md: in a corpus folder that is a README, not an article
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv",
    ".html": "html", ".htm": "html", ".xhtml": "html",
}
READERS: dict[str, Callable[[Path, IngestOptions], Iterator[Item]]] = {
    "text": read_text, "jsonl": read_jsonl, "csv": read_csv, "html": read_html,
}
STDIN = "<stdin>"
# A corpus folder often carries its own documentation (SOURCES.md, README, LICENSE): in a directory walk
# these are passed over, not rejected; named explicitly they are rejected like any unsupported file.
DOC_SUFFIXES = {".md", ".rst"}
DOC_STEMS = {"README", "LICENSE", "LICENCE", "SOURCES", "ATTRIBUTION", "NOTICE", "COPYING"}


def iter_articles(inputs: Sequence[str], options: IngestOptions | None = None, *,
                  stdin: IO[bytes] | None = None) -> Iterator[Article | Reject]:
    """Every article (or reject) from ``inputs``, lazily, in input order.

    ``stdin`` replaces ``sys.stdin.buffer`` for ``-`` (tests, embedding). Never raises for bad input:
    each problem is a ``Reject`` with a code (E00x) and a reason, and the stream goes on.
    """
    options = options or IngestOptions()
    seen: set[str] = set()
    for item in _iter_inputs(inputs, options, stdin):
        if isinstance(item, Article):
            if item.id in seen:
                log.info("%s: same text as an article already read (%s); skipped", item.origin, item.id)
                continue
            seen.add(item.id)
        yield item


def _iter_inputs(inputs: Sequence[str], options: IngestOptions, stdin: IO[bytes] | None) -> Iterator[Item]:
    for spec in inputs:
        if spec == "-":
            yield from read_stdin(stdin if stdin is not None else sys.stdin.buffer, options)
            continue
        path = Path(spec)
        if path.is_dir():
            yield from _iter_dir(path, options)
        elif path.is_file():
            fmt = options.fmt or SUFFIX_FORMATS.get(path.suffix.lower(), "text")
            yield from READERS[fmt](path, options)
        else:
            yield reject(spec, IngestError(E_UNREADABLE, "no such file or directory; check the path"))


def _iter_dir(root: Path, options: IngestOptions) -> Iterator[Item]:
    """Files under ``root`` in sorted path order; hidden files and sidecars are not articles."""
    try:
        paths = sorted(p for p in root.rglob("*") if p.is_file())
    except OSError as e:
        yield reject(str(root), IngestError(E_UNREADABLE, f"cannot list directory: {e.strerror or e}"))
        return
    for path in paths:
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        suffix = path.suffix.lower()
        if suffix == ".json" and is_sidecar(path):
            continue
        if suffix in DOC_SUFFIXES or path.stem.upper() in DOC_STEMS:
            log.info("%s: documentation next to the articles, not read", path)
            continue
        fmt = options.fmt or SUFFIX_FORMATS.get(suffix)
        if fmt is None:
            known = ", ".join(sorted(SUFFIX_FORMATS))
            kind = suffix or "(none)"
            error = IngestError(E_UNREADABLE, f"unsupported file type {kind!r}; use one of {known}")
            yield reject(str(path), error)
            continue
        yield from READERS[fmt](path, options)


def is_sidecar(path: Path) -> bool:
    """``a.txt.json`` next to ``a.txt``, or ``a.json`` next to ``a.txt``/``a.html``: metadata, not input."""
    stem = path.with_suffix("")
    if stem.suffix and stem.is_file():
        return True
    return any(path in sidecar_paths(path.with_suffix(s)) and path.with_suffix(s).is_file()
               for s, fmt in SUFFIX_FORMATS.items() if fmt in ("text", "html"))


def read_stdin(stream: IO[bytes], options: IngestOptions) -> Iterator[Item]:
    """Standard input: JSON Lines if the first non-blank byte is ``{``, else one text-format article.

    Only the leading blank lines are looked at before deciding, so a JSONL stream is still streamed.
    """
    limit = options.max_chars * 4 + 1024
    fmt = options.fmt
    try:
        if fmt == "csv":
            text_fh = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
            yield from csv_records(text_fh, origin=STDIN, options=options)
            return
        prefix: list[bytes] = []
        line = stream.readline(limit)
        while line and not line.lstrip(b"\xef\xbb\xbf \t\r\n"):
            prefix.append(line)
            line = stream.readline(limit)
        prefix.append(line)
        if fmt == "jsonl" or (fmt is None and line.lstrip(b"\xef\xbb\xbf \t").startswith(b"{")):
            yield from jsonl_records(_prefixed_lines(prefix, stream, limit), origin=STDIN, options=options)
            return
        head = b"".join(prefix)
        raw = head + stream.read(max(limit - len(head), 0) + 1)
        if len(raw) > limit:
            raise IngestError(E_TOO_LONG, f"standard input is over {limit:,} bytes; "
                                          "split it or raise max_chars")
        if fmt == "html":
            yield html_article(raw, origin=STDIN, options=options, meta={})
            return
        text = decode(raw)
        if fmt is None and text.lstrip().startswith("{"):  # UTF-16 JSON Lines
            lines = ((i, ln) for i, ln in enumerate(text.splitlines(), 1))
            yield from jsonl_records(lines, origin=STDIN, options=options)
            return
        yield text_article(text, origin=STDIN, options=options, meta={})
    except IngestError as e:
        yield reject(STDIN, e)


def _prefixed_lines(prefix: list[bytes], stream: IO[bytes],
                    limit: int) -> Iterator[tuple[int, str | IngestError]]:
    joined = io.BytesIO(b"".join(prefix))
    yield from binary_lines(joined, limit)
    yield from binary_lines(stream, limit, first=len(prefix) + 1)
