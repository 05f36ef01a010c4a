"""Numbers written in words or digits, read as ranges: "at least 300,000", "tens of thousands", "12 to 15".

``parse_quantity`` never invents a number for a share or a vague word: a share ("two-thirds of") keeps
its fraction and no count, and a vague magnitude ("thousands") maps to the range the project agreed on
(``knowledge/number_words.json``). What the number counts is :mod:`eventlens.resolve.counts`'s job.

Where it fails: numbers split over a table's columns, and number words of languages beyond the few
in the data file.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import KnowledgeError
from .time import _folded, alternation


@dataclass(frozen=True)
class Quantity:
    """A number read from words: a range (``low``..``high``), what qualifies it, and the words.

    ``share`` is set for proportions ("two-thirds of the army"): then ``low``/``high`` stay None
    because the whole is not known. ``vague`` marks magnitudes such as "thousands" whose range is a
    convention, not a report.
    """

    low: int | None
    high: int | None
    qualifier: str | None
    words: str
    share: float | None = None
    vague: bool = False

    @property
    def value(self) -> int | None:
        """One number for comparison: the low end when known, else the high end."""
        return self.low if self.low is not None else self.high


def load_json(name: str) -> dict[str, Any]:
    try:
        text = resources.files("eventlens.knowledge").joinpath(name).read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(text)
    except (OSError, ValueError) as e:
        raise KnowledgeError("E020", f"cannot read knowledge file {name}: {e}; reinstall eventlens "
                                     "or restore the file from the repository") from e
    return data


@lru_cache(maxsize=1)
def _numbers() -> dict[str, Any]:
    return load_json("number_words.json")


_SCALE_WORDS = ("hundred", "thousand", "million", "billion", "lakh", "crore")  # number words of their own


@dataclass(frozen=True)
class QuantityPatterns:
    quantity: re.Pattern[str]
    number: re.Pattern[str]


@lru_cache(maxsize=1)
def quantity_patterns() -> QuantityPatterns:
    nums = _numbers()
    word = alternation([*nums["units"], *_SCALE_WORDS])
    scale = alternation([*nums["scales"]])
    digits = (r"\d{1,3}(?:,\d{3}|, 000(?!\d))+(?:\.\d+)?"  # 300,000 and the typed "61, 000"
              r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,]?\d)"  # 9 300 (space-grouped)
              r"|\d+(?:\.\d+)*")  # 12, 1.2, 2.000 (dot-grouped)
    words = rf"(?:(?:a|one)\s+)?(?:{word})(?:(?:\s+and\s+|[\s-]+)(?:{word}))*"
    number = rf"(?:(?:{digits})(?:\s?(?:{scale})(?![\w]))?|{words})"
    vague_mult = rf"(?:{alternation(list(nums['vague_multipliers']))})\s+(?:hundred|thousand|million)"
    vague = alternation(list(nums["vague"]))
    share = rf"(?:{alternation(list(nums['shares']))}|\d+(?:\.\d+)?\s*(?:%|per\s?cent))(?=\s+of\b)"
    range_ = (rf"between\s+{number}\s+and\s+{number}"
              rf"|(?:from\s+)?{number}\s*(?:to|-|–|—|or)\s*{number}")
    qual = alternation([q for q in nums["qualifiers"]])
    quantity = (rf"(?<![\w$£€.,])(?:(?P<qual>{qual})\s+)?"
                rf"(?P<qty>{share}|{vague_mult}|{vague}|{range_}|{number})(?![\w%$£€])")
    return QuantityPatterns(quantity=re.compile(quantity, re.IGNORECASE),
                     number=re.compile(number, re.IGNORECASE))


@lru_cache(maxsize=1)
def _quantity_gate() -> re.Pattern[str] | None:
    """A cheap pattern that finds something in every folded text (``time._folded``) the quantity pattern
    matches.

    Every quantity holds a digit or one of these words as a whole word of its own: a number word
    ("five", "hundred"), or the longest word of a vague magnitude or a share ("thousands", "handful",
    "thirds"). Qualifiers, "a", "one", "between" and "from" only come before such a word. A number word
    may run into a range joiner ("fiveto ten"), hence the "to" and "or" after it. The gate is plain
    lower-case literals, which the regex engine skips through far faster than the case-insensitive
    alternation of the quantity pattern, so a sentence without a quantity is not scanned further.
    """
    nums = _numbers()
    words = {w.lower() for w in [*nums["units"], *_SCALE_WORDS]}
    words |= {max(re.findall(r"\w+", phrase.lower()), key=len)
              for phrase in [*nums["vague"], *nums["shares"]]}
    if any(re.fullmatch(re.escape(c), chr(a), re.IGNORECASE) for w in _all_words() for c in w
           if not c.isascii() for a in range(128)):
        return None  # a letter outside ASCII that matches one inside it: no text is gated
    alternation_ = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\d|(?<!\w)(?:{alternation_})(?:(?!\w)|to|or)")


def _all_words() -> list[str]:
    """Every word of the number-word file the quantity pattern is built from."""
    nums = _numbers()
    return [str(w) for key in ("units", "scales", "vague", "vague_multipliers", "qualifiers", "shares")
            for w in nums[key]]


def find_quantities(text: str) -> Iterator[re.Match[str]]:
    """``quantity_patterns().quantity.finditer(text)``, the same matches, without the full scan of a
    text that cannot hold one (see ``_quantity_gate``). The gate reads the text as ``time._folded``
    lowers it, where every word the case-insensitive pattern matches is spelt as in the word list,
    and lowering keeps each character a word character or not."""
    gate = _quantity_gate()
    if gate is not None and gate.search(_folded(text)) is None:
        return iter(())
    return quantity_patterns().quantity.finditer(text)


@lru_cache(maxsize=1)
def _bounds_pattern() -> re.Pattern[str]:
    """The two ends of a range ("12 to 15", "between 300 and 400"), built from the number pattern once."""
    number = quantity_patterns().number.pattern
    return re.compile(rf"(?:between\s+|from\s+)?({number})\s*(?:to|-|–|—|or|and)\s*({number})", re.IGNORECASE)


def _number_value(text: str) -> int | None:
    """The value of one number written in digits or words: "1.2 million", "twenty-five", "9 300"."""
    nums = _numbers()
    text = text.strip().lower()
    match = re.match(r"([\d][\d,.\u00a0\u202f ]*)\s*([a-z]*)$", text)
    if match:
        core, scale_word = match.group(1).strip(), match.group(2)
        scale = nums["scales"].get(scale_word, 1) if scale_word else 1
        if scale_word and scale_word not in nums["scales"]:
            return None
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", core) and scale == 1:
            core = core.replace(".", "")  # 2.000 written the continental way
        core = re.sub(r"[,\s\u00a0\u202f]", "", core)
        try:
            return round(float(core) * scale)
        except ValueError:
            return None
    units, scales = nums["units"], nums["scales"]
    total = current = 0
    seen = False
    parts = [p for p in re.split(r"[\s-]+", text) if p and p != "and"]
    for i, part in enumerate(parts):
        if part in ("a", "one") and i + 1 < len(parts) and parts[i + 1] in (*scales, "dozen"):
            current = max(current, 1)
            continue
        if part == "dozen":
            current = (current or 1) * 12
        elif part in units:
            current += units[part]
        elif part == "hundred":
            current = (current or 1) * 100
        elif part in scales:
            total += (current or 1) * scales[part]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _qualified(value: int, qualifier: str | None) -> tuple[int | None, int | None]:
    """Turn one number and its qualifier into a range: "at least" keeps the high end open."""
    if qualifier in ("at least", "more than"):
        return value, None
    if qualifier in ("up to", "fewer than"):
        return None, value
    return value, value


@lru_cache(maxsize=8192)
def parse_quantity(text: str) -> Quantity | None:
    """Read the quantity at the start of ``text``; None when it does not start with one.

    Kept per text (a Quantity is frozen): news repeats its figures and dates, and a sentence is read
    again for each of its events.

    >>> parse_quantity("at least 300,000").low
    300000
    """
    text = text.strip()
    match = quantity_patterns().quantity.match(text)
    if not match:
        return None
    qual_words = match.group("qual")
    qualifier = _numbers()["qualifiers"].get(re.sub(r"\s+", " ", qual_words.lower())) if qual_words else None
    qty = re.sub(r"\s+", " ", match.group("qty")).strip()
    low_q = qty.lower()
    words = match.group(0)
    nums = _numbers()
    if low_q in nums["shares"] or re.fullmatch(r"[\d.]+\s*(?:%|per ?cent)", low_q):
        share = nums["shares"].get(low_q)
        if share is None and low_q[0].isdigit():
            share = float(re.match(r"[\d.]+", low_q).group(0)) / 100  # type: ignore[union-attr]
        return Quantity(None, None, qualifier, words, share=share)
    for mult, (lo, hi) in nums["vague_multipliers"].items():
        m = re.fullmatch(rf"{re.escape(mult)} (hundred|thousand|million)", low_q)
        if m:
            scale = nums["scales"][m.group(1)]
            return Quantity(lo * scale, hi * scale, qualifier, words, vague=True)
    if low_q in nums["vague"]:
        lo, hi = nums["vague"][low_q]
        return Quantity(lo, hi, qualifier, words, vague=True)
    bounds = _bounds_pattern().fullmatch(qty)
    if bounds:
        lo, hi = _number_value(bounds.group(1)), _number_value(bounds.group(2))
        if lo is not None and hi is not None and lo < hi:
            return Quantity(lo, hi, qualifier, words)
        # otherwise not a range: "twenty-five" is one number
    value = _number_value(qty)
    if value is None:
        return None
    low, high = _qualified(value, qualifier)
    return Quantity(low, high, qualifier, words)
