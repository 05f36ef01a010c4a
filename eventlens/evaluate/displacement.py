"""IDMC displacement excerpts (``displacement/IDMC_fully_labelled.sheet1.csv``): figure, term, unit, country.

The system's answer for an excerpt is its DISPLACE record with a displaced count (highest confidence
first); without one, the best people count of any event (displaced, then affected, then any category
that is not a casualty). IDMC's reporting terms are compared with the record's ``mode`` through the
word stems below: modes are the system's vocabulary, terms IDMC's, and the stem table is the bridge
(a mode it cannot map counts as wrong, which is what shows a missing mapping).
"""
from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor, confidence, events_of
from .report import Report, Tally

FILE = "displacement/IDMC_fully_labelled.sheet1.csv"

# (stem in the mode, IDMC reporting term); the first stem found wins, so the specific come first.
MODE_STEMS = (
    ("partial", "Partially Destroyed Housing"), ("damag", "Partially Destroyed Housing"),
    ("uninhabit", "Uninhabitable Housing"), ("destr", "Destroyed Housing"), ("demoli", "Destroyed Housing"),
    ("camp", "In Relief Camp"), ("shelter", "Sheltered"), ("homeless", "Homeless"),
    ("evacu", "Evacuated"), ("relocat", "Relocated"), ("resettl", "Relocated"),
    ("flee", "Forced to Flee"), ("fled", "Forced to Flee"), ("flight", "Forced to Flee"),
    ("forced", "Forced to Flee"), ("expel", "Forced to Flee"), ("expuls", "Forced to Flee"),
    ("deport", "Forced to Flee"), ("cleans", "Forced to Flee"), ("evict", "Forced to Flee"),
    ("displac", "Displaced"), ("refugee", "Displaced"),
)
CASUALTIES = frozenset({"killed", "injured", "dead", "wounded", "arrested", "missing"})


@dataclass
class DisplacementGold:
    id: str
    text: str
    figure: int | None
    term: str
    unit: str  # people | households
    country: str | None  # ISO3


def read(gold_dir: Path, *, limit: int | None = None) -> list[DisplacementGold]:
    path = gold_dir / FILE
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as e:
        raise EvalError("E051", f"cannot read displacement gold file {path}: {e}") from e
    items: list[DisplacementGold] = []
    for number, row in enumerate(rows, 1):
        text = (row.get("Excerpt") or "").strip()
        if not text:
            continue
        try:
            figure = int(float((row.get("Displacement figure") or "").replace(",", "")))
        except ValueError:
            figure = None
        country = (row.get("Location (Country)") or "").split(";")
        items.append(DisplacementGold(
            f"idmc-{number}", text, figure, (row.get("Reporting term") or "").strip(),
            (row.get("Reporting unit") or "people").strip().lower(),
            country[1].strip() if len(country) > 1 and country[1].strip() else None))
        if limit and len(items) >= limit:
            break
    return items


def term_of(mode: str | None) -> str | None:
    """IDMC reporting term for a record's mode ("evacuation" -> "Evacuated"), None when unmapped."""
    if not mode:
        return None
    lowered = mode.lower()
    return next((term for stem, term in MODE_STEMS if stem in lowered), None)


def choose(events: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the DISPLACE record or None, the count taken as the figure or None)."""
    displace = [e for e in events if e.get("event") == "DISPLACE"]
    with_count = [e for e in displace if (e.get("size") or {}).get("displaced")]
    if with_count:
        event = max(with_count, key=confidence)
        return event, event["size"]["displaced"]
    record = max(displace, key=confidence) if displace else None
    for wanted in ("displaced", "affected", None):
        counts = [(confidence(e), cat, c) for e in events for cat, c in (e.get("size") or {}).items()
                  if (cat == wanted if wanted else cat not in CASUALTIES) and figure_of(c) is not None]
        if counts:
            return record, max(counts, key=lambda t: t[0])[2]
    return record, None


def figure_of(count: dict[str, Any] | None) -> int | None:
    """The one number a reader takes from a count: its low end, or the high end of an open range.

    IDMC writes one figure per excerpt and takes "up to 7,800 IDPs" as 7,800; the record keeps that
    as ``low=None, high=7800`` because the low end is unknown, so the low end alone would read as
    no figure at all.
    """
    if not count:
        return None
    low = count.get("low")
    return low if low is not None else count.get("high")


def predicted_country(record: dict[str, Any] | None, prediction: Prediction) -> str | None:
    loc = (record or {}).get("event_loc") or {}
    if loc.get("country"):
        return str(loc["country"])
    countries = Counter(p.get("country") for p in prediction.get("places") or [] if p.get("country"))
    return countries.most_common(1)[0][0] if countries else None


def score(items: list[DisplacementGold], predictions: list[Prediction]) -> Report:
    report = Report("displacement", n_items=len(items), files=[FILE])
    tally = Tally(report)
    tally.ensure("figure", "term", "unit", "country", "displace_found")
    for gold, prediction in zip(items, predictions, strict=True):
        record, count = choose(events_of(prediction))
        tally.mark("displace_found", record is not None)
        checks: list[tuple[str, Any, Any]] = []
        if gold.figure is not None:
            checks.append(("figure", gold.figure, figure_of(count)))
        if gold.term:
            checks.append(("term", gold.term, term_of((record or {}).get("mode"))))
        checks.append(("unit", gold.unit, (count.get("unit") or "people") if count else None))
        if gold.country:
            checks.append(("country", gold.country, predicted_country(record, prediction)))
        for name, expected, got in checks:
            shown = got if name != "term" else [got, (record or {}).get("mode")]
            tally.check(name, got == expected, expected, shown, gold.text, gold.id)
    return tally.finish()


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    items = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(item.id, item.text) for item in items])
    return score(items, predictions)
