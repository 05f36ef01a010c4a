"""One reader per input format. Each yields ``Article`` or ``Reject`` and never raises for bad input.

JSONL and CSV are streamed a line/row at a time (a corpus may be larger than memory); whole-document
formats (text, HTML) are read after a size check against ``max_chars`` so a stray multi-gigabyte file
is rejected without being loaded.
"""
from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..errors import IngestError
from ..records import Article, Reject
from .base import (
    E_BINARY,
    E_EMPTY,
    E_ENCODING,
    E_MALFORMED,
    E_NO_TEXT,
    E_TOO_LONG,
    E_UNREADABLE,
    IngestOptions,
    build_article,
    decode,
    sniff_encoding,
    split_header,
)

log = logging.getLogger(__name__)

Item = Article | Reject
# UTF-8 needs at most 4 bytes a character: a file over this many bytes is surely over max_chars.
_BYTES_PER_CHAR = 4
# HTML carries markup around its text; allow this many bytes of page per character of limit.
_HTML_BYTES_PER_CHAR = 10
_MIN_HTML_WORDS = 5


def reject(origin: str, error: IngestError, detail: str | None = None) -> Reject:
    log.info("rejected %s: [%s] %s", origin, error.code, error.message)
    return Reject(origin=origin, code=error.code, reason=error.message, detail=detail)


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise IngestError(E_TOO_LONG, f"file is {size:,} bytes, more than the {limit:,} that max_chars "
                                          "allows; split it or raise max_chars")
        return path.read_bytes()
    except OSError as e:
        raise IngestError(E_UNREADABLE, f"cannot read file: {e.strerror or e}; check the path and "
                                        "permissions") from e


def read_sidecar(path: Path) -> dict[str, Any]:
    """Metadata for a text or HTML file from ``NAME.txt.json`` or ``NAME.json`` next to it, if any."""
    for candidate in sidecar_paths(path):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8-sig"))
            except (OSError, ValueError) as e:
                raise IngestError(E_MALFORMED, f"sidecar {candidate.name} is not valid JSON ({e}); "
                                               "fix or remove it") from e
            if not isinstance(data, dict):
                raise IngestError(E_MALFORMED, f"sidecar {candidate.name} is not a JSON object; "
                                               'write {"date": "YYYY-MM-DD", "title": …}')
            return data
    return {}


def sidecar_paths(path: Path) -> tuple[Path, ...]:
    return (path.with_name(path.name + ".json"), path.with_suffix(".json"))


def text_article(text: str, *, origin: str, options: IngestOptions, meta: dict[str, Any]) -> Article:
    """The seed format (a ``date`` header) or plain text dated by the sidecar or ``--date``."""
    header_date, body = split_header(text)
    return build_article(body, origin=origin, options=options,
                         published=header_date or meta.get("date"), title=meta.get("title"),
                         source=meta.get("source"), url=meta.get("url"))


def read_text(path: Path, options: IngestOptions) -> Iterator[Item]:
    origin = str(path)
    try:
        raw = _read_bytes(path, options.max_chars * _BYTES_PER_CHAR + 4)
        yield text_article(decode(raw), origin=origin, options=options, meta=read_sidecar(path))
    except IngestError as e:
        yield reject(origin, e)


def read_html(path: Path, options: IngestOptions) -> Iterator[Item]:
    """Main text, title and date through trafilatura; a sidecar's fields win over page metadata.

    Fails on pages whose body is mostly navigation or a paywall stub (trafilatura finds no main text):
    those are rejected rather than stored as a few words of menu.
    """
    origin = str(path)
    try:
        raw = _read_bytes(path, options.max_chars * _HTML_BYTES_PER_CHAR + 4)
        if b"\x00" in raw and sniff_encoding(raw[:4]) is None:
            raise IngestError(E_BINARY, "input contains NUL bytes: a binary file, not HTML")
        meta = read_sidecar(path)
        try:
            article = html_article(raw, origin=origin, options=options, meta=meta)
        except IngestError:
            raise
        except Exception as e:  # lxml/htmldate raise many types on broken pages; one page never stops a batch
            raise IngestError(E_UNREADABLE, f"cannot parse the HTML page ({type(e).__name__}: {e})") from e
        yield article
    except IngestError as e:
        yield reject(origin, e)


def html_article(raw: bytes | str, *, origin: str, options: IngestOptions, meta: dict[str, Any]) -> Article:
    import trafilatura  # heavy (lxml, htmldate): imported when the first page arrives

    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False,
                                      date_extraction_params={"extensive_search": False})
    text = getattr(doc, "text", None) if doc is not None else None
    # trafilatura falls back to any text it finds: a page of menus comes back as "Home". Below a few
    # words there is no article to code (a one-sentence wire brief is still well above this).
    if not text or len(text.split()) < _MIN_HTML_WORDS:
        raise IngestError(E_UNREADABLE, "no main text found in the HTML page (navigation or an empty "
                                        "page); save the article text as .txt instead")
    page = {key: getattr(doc, key, None) for key in ("date", "title", "sitename", "url")}
    return build_article(text, origin=origin, options=options,
                         published=meta.get("date") or page["date"], title=meta.get("title") or page["title"],
                         source=meta.get("source") or page["sitename"], url=meta.get("url") or page["url"])


# ---------------------------------------------------------------- JSON Lines


def binary_lines(fh: IO[bytes], limit: int, first: int = 1) -> Iterator[tuple[int, str | IngestError]]:
    """Decoded lines of a UTF-8 stream, one at a time; an over-long line is skipped in chunks, never
    held whole, and an undecodable line is one error, not the end of the file."""
    lineno = first - 1
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = fh.readline(1 << 20)
            yield lineno, IngestError(E_TOO_LONG, f"line longer than {limit:,} bytes; split the article "
                                                  "or raise max_chars")
            continue
        try:
            yield lineno, line.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as e:
            yield lineno, IngestError(E_ENCODING, f"line is not UTF-8 (byte {line[e.start:e.start + 1]!r} at "
                                                  f"column {e.start}); re-save the file as UTF-8")


def text_lines(fh: IO[str], first: int = 1) -> Iterator[tuple[int, str | IngestError]]:
    """Lines of an already-decoding stream (UTF-16); a decoding error ends the file with one error."""
    lineno = first - 1
    try:
        for line in fh:
            lineno += 1
            yield lineno, line
    except UnicodeError as e:
        yield lineno + 1, IngestError(E_ENCODING, f"undecodable text after line {lineno} ({e}); "
                                                  "re-save the file as UTF-8")


def jsonl_records(lines: Iterable[tuple[int, str | IngestError]], *, origin: str,
                  options: IngestOptions) -> Iterator[Item]:
    """One article per JSON object line; blank lines are skipped; every bad line is one Reject."""
    for lineno, line in lines:
        where = f"{origin}:{lineno}"
        if isinstance(line, IngestError):
            yield reject(where, line)
            continue
        if not line.strip():
            continue
        try:
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise IngestError(E_MALFORMED, f"not valid JSON ({e}); one JSON object per line") from e
            if not isinstance(obj, dict):
                raise IngestError(E_MALFORMED, f"a JSON {type(obj).__name__}, not an object; one JSON "
                                               "object per line")
            yield record_article(obj, origin=where, options=options)
        except IngestError as e:
            yield reject(where, e, detail=line.rstrip("\r\n")[:200])


def record_article(obj: dict[str, Any], *, origin: str, options: IngestOptions) -> Article:
    """A JSONL object or CSV row (as a dict) to an Article, through the configured column names."""
    if options.text_col not in obj or obj[options.text_col] is None:
        present = ", ".join(sorted(str(k) for k in obj)[:12])
        raise IngestError(E_NO_TEXT, f"no {options.text_col!r} field (fields: {present}); "
                                     "name the text column with --text-col")
    return build_article(obj[options.text_col], origin=origin, options=options,
                         published=obj.get(options.date_col), title=obj.get("title"),
                         source=obj.get("source"), url=obj.get("url"), article_key=obj.get("id"))


def _read_opened(path: Path,
                 body: Callable[[io.BufferedReader, str | None], Iterator[Item]]) -> Iterator[Item]:
    """The items ``body`` reads from ``path`` opened in binary, given the encoding its byte-order mark
    names (None without one); a file that cannot be opened is one reject, not an exception, so the
    other inputs of a run go on. A ``body`` that wraps the file in a text reader closes that reader
    itself (a text wrapper dropped while the file is open would warn of an unclosed file)."""
    try:
        fh = path.open("rb")
    except OSError as e:
        yield reject(str(path), IngestError(E_UNREADABLE, f"cannot read file: {e.strerror or e}"))
        return
    with fh:
        yield from body(fh, sniff_encoding(fh.peek(4)[:4]))


def read_jsonl(path: Path, options: IngestOptions) -> Iterator[Item]:
    origin = str(path)
    limit = options.max_chars * _BYTES_PER_CHAR + 1024

    def body(fh: io.BufferedReader, encoding: str | None) -> Iterator[Item]:
        if encoding == "utf-16":
            with io.TextIOWrapper(fh, encoding="utf-16", errors="strict") as text_fh:
                yield from jsonl_records(text_lines(text_fh), origin=origin, options=options)
        else:
            yield from jsonl_records(binary_lines(fh, limit), origin=origin, options=options)

    yield from _read_opened(path, body)


# ---------------------------------------------------------------- CSV


def read_csv(path: Path, options: IngestOptions) -> Iterator[Item]:
    """A header row, then one article per row (``.tsv``: tab-separated). Rows are streamed."""
    origin = str(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    # Articles are long fields; csv's default 128 KiB field limit would reject ordinary long reads.
    csv.field_size_limit(max(csv.field_size_limit(), options.max_chars + 1))

    def body(fh: io.BufferedReader, encoding: str | None) -> Iterator[Item]:
        with io.TextIOWrapper(fh, encoding=encoding or "utf-8", errors="strict", newline="") as text_fh:
            yield from csv_records(text_fh, origin=origin, options=options, delimiter=delimiter)

    yield from _read_opened(path, body)


def csv_records(text_fh: IO[str], *, origin: str, options: IngestOptions,
                delimiter: str = ",") -> Iterator[Item]:
    reader = csv.reader(text_fh, delimiter=delimiter)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeError) as e:
        yield reject(origin, IngestError(E_MALFORMED, f"cannot read the CSV header ({e})"))
        return
    if header is None:
        yield reject(origin, IngestError(E_EMPTY, "empty CSV file (no header row)"))
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if options.text_col not in header:
        yield reject(origin, IngestError(E_NO_TEXT, f"no {options.text_col!r} column in the header "
                                                    f"({', '.join(header[:12])}); name it with --text-col"))
        return
    while True:
        where = f"{origin}:{reader.line_num + 1}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield reject(where, IngestError(E_MALFORMED, f"unreadable CSV row ({e}); check quoting"))
            continue
        except UnicodeError as e:
            yield reject(where, IngestError(E_ENCODING, f"undecodable text ({e}); re-save the file as UTF-8; "
                                                        "the rest of the file is skipped"))
            return
        where = f"{origin}:{reader.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        try:
            if len(row) != len(header):
                raise IngestError(E_MALFORMED, f"row has {len(row)} fields, the header has {len(header)}; "
                                               "check quoting and delimiters")
            yield record_article(dict(zip(header, row, strict=True)), origin=where, options=options)
        except IngestError as e:
            yield reject(where, e, detail=delimiter.join(row)[:200])
