"""What every input format shares: options, reject codes, decoding, dates, ids and the final checks.

A reader turns raw input into (text, metadata); ``build_article`` makes the Article or raises an
``IngestError`` whose code and message become a ``records.Reject``. Nothing here reads files.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..errors import IngestError
from ..records import Article
from ..settings import Settings

log = logging.getLogger(__name__)

# Reject codes (E00x = ingest). Stable: users filter the rejects table on them.
E_EMPTY = "E001"  # empty or whitespace-only text
E_BINARY = "E002"  # NUL bytes or mostly control characters: not a text file
E_ENCODING = "E003"  # not UTF-8, UTF-8 with BOM, or UTF-16 with BOM
E_DATE = "E004"  # a date that cannot be read or cannot exist (2020-13-45)
E_FUTURE = "E005"  # a publication date after tomorrow
E_MALFORMED = "E006"  # a JSON line or CSV row that cannot be parsed
E_NO_TEXT = "E007"  # a JSON object or CSV row without the text column
E_TOO_LONG = "E008"  # longer than Settings.max_chars
E_UNREADABLE = "E009"  # missing file, permission denied, unsupported file type, no main text in HTML

REJECT_CODES: dict[str, str] = {
    E_EMPTY: "empty text",
    E_BINARY: "binary input",
    E_ENCODING: "unknown text encoding",
    E_DATE: "bad date",
    E_FUTURE: "date in the future",
    E_MALFORMED: "malformed record",
    E_NO_TEXT: "missing text column",
    E_TOO_LONG: "text too long",
    E_UNREADABLE: "unreadable input",
}

FORMATS = ("text", "jsonl", "csv", "html")


@dataclass(frozen=True)
class IngestOptions:
    """How to read inputs. ``date`` (the ``--date`` flag) dates articles that carry no date of their own;
    ``source`` labels articles that name no source; ``fmt`` forces one format for every input."""

    date: dt.date | None = None
    text_col: str = "text"
    date_col: str = "date"
    source: str | None = None
    fmt: str | None = None
    max_chars: int = Settings.max_chars
    min_chars: int = Settings.min_chars

    def __post_init__(self) -> None:
        if self.fmt is not None and self.fmt not in FORMATS:
            raise IngestError("E009", f"unknown input format {self.fmt!r}; use one of {', '.join(FORMATS)}")

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> IngestOptions:
        """The ingest options with the length limits of ``settings``."""
        return cls(max_chars=settings.max_chars, min_chars=settings.min_chars, **options)


_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, stripped: what two copies of one article share."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def article_id(text: str) -> str:
    """``art_`` + sha1 of the normalised text: the same article ingested twice gets the same id,
    whatever its line endings, header or source file. Different wording gives a different id."""
    return "art_" + hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()[:16]


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def sniff_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark announces, or None (then UTF-8 is tried)."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return None


def decode(raw: bytes) -> str:
    """Bytes to text: a BOM decides (UTF-8-SIG, UTF-16), else strict UTF-8.

    No guessing of legacy code pages: a wrong guess silently corrupts names and shifts nothing visible,
    so an undecodable file is rejected with the position of the first bad byte instead.
    """
    encoding = sniff_encoding(raw[:4])
    if encoding is None and b"\x00" in raw:
        raise IngestError(E_BINARY, "input contains NUL bytes: a binary file, not text; "
                                    "convert it to UTF-8 text first")
    try:
        text = raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as e:
        bad = raw[e.start:e.start + 1]
        raise IngestError(E_ENCODING, f"cannot decode as {encoding or 'UTF-8'} (byte {bad!r} at position "
                                      f"{e.start}); re-save the file as UTF-8") from e
    check_not_binary(text)
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def check_not_binary(text: str) -> None:
    """Text with NUL or many control characters is a binary file that happened to decode."""
    if "\x00" in text:
        raise IngestError(E_BINARY, "text contains NUL characters: a binary file, not text; "
                                    "convert it to UTF-8 text first")
    sample = text[:4096]
    if sample and len(_CONTROL.findall(sample)) > 0.1 * len(sample):
        raise IngestError(E_BINARY, "more than 10% control characters: a binary file, not text")


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: object, *, today: dt.date | None = None) -> dt.date | None:
    """A publication date from ``YYYY-MM-DD`` or an ISO timestamp (the date part is kept).

    None/empty -> None. Unreadable or impossible -> E004; after tomorrow -> E005 (one day of slack for
    time zones: an article published "tomorrow" somewhere east of the reader is still plausible).
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        raw = str(value).strip()
        if not raw:
            return None
        m = _DATE.match(raw)
        if not m or (len(raw) > m.end() and raw[m.end()] not in "T t"):
            raise IngestError(E_DATE, f"cannot read date {raw[:40]!r}; write it as YYYY-MM-DD")
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as e:
            raise IngestError(E_DATE, f"impossible date {raw[:40]!r} ({e}); "
                                      "write a real YYYY-MM-DD date") from e
    limit = (today or dt.date.today()) + dt.timedelta(days=1)
    if day > limit:
        raise IngestError(E_FUTURE, f"date {day.isoformat()} is in the future (after {limit.isoformat()}); "
                                    "check the date column or the --date flag")
    return day


_HEADER = re.compile(r"\A\s*date[ \t]*:?[ \t]*(\S+)", re.IGNORECASE)
_HEADER_DATE = re.compile(r"\d{1,4}-\d{1,2}-\d{1,2}\Z")


def split_header(text: str) -> tuple[str | None, str]:
    """Split the seed format's ``date YYYY-MM-DD`` header from the text.

    The header sits on the first line after optional whitespace and shares that line with the first
    sentence (`` date 2020-01-07 It's darkly ironic…``); the stored text starts at that sentence. Only a
    date-shaped token counts, so an article that begins "Date palms…" keeps its first word.
    Returns (the date string or None, the text without the header).
    """
    m = _HEADER.match(text)
    if not m or not _HEADER_DATE.match(m.group(1)):
        return None, text
    end = m.end()
    while end < len(text) and text[end].isspace():
        end += 1
    return m.group(1), text[end:]


def clean_text(text: str) -> str:
    """The stored text: original characters, ``\\r\\n`` -> ``\\n`` (offsets index this)."""
    return text.replace("\r\n", "\n")


def build_article(text: object, *, origin: str, options: IngestOptions, published: object = None,
                  title: object = None, source: object = None, url: object = None,
                  article_key: object = None) -> Article:
    """Check one text and make its Article, or raise ``IngestError`` with the reason.

    ``published`` is the input's own date; ``options.date`` is only the fallback. ``article_key`` (an
    input's own ``id``) is only logged: ids are always content hashes, so that the same article from
    two feeds is one article.
    """
    if not isinstance(text, str):
        raise IngestError(E_NO_TEXT, f"text is {type(text).__name__}, not a string; "
                                     "check the text column (--text-col)")
    check_not_binary(text)
    text = clean_text(text)
    if len(text) > options.max_chars:
        raise IngestError(E_TOO_LONG, f"{len(text):,} characters, over max_chars={options.max_chars:,}; "
                                      "split the article or raise max_chars")
    if len(text.strip()) < max(options.min_chars, 1):
        raise IngestError(E_EMPTY, "no text (empty or whitespace only)")
    day = parse_date(published if published not in (None, "") else options.date)
    if day is None:
        log.warning("%s: no publication date; stored undated (pass --date to anchor relative times)", origin)
    if article_key is not None:
        log.debug("%s: input id %s", origin, article_key)
    return Article(
        id=article_id(text), text=text, published=day, title=_opt_str(title),
        source=_opt_str(source) or options.source, url=_opt_str(url), origin=origin,
    )


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None
