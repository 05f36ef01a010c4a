"""Event location (``event-location/gold_RELABEL.jsonl``): is an event attached to *its* place?

Each gold sentence marks one event verb and the location(s) where that event happened, or none.
The predicted event is the one whose trigger overlaps the gold verb (offsets realigned on the verb's
text when they are off, as the README warns), else one whose trigger is the verb's text. A sentence
is right when that event's ``event_loc.entity_text`` is one of the gold location texts (compared
case- and article-insensitively, a whole-word containment allowed: "Idlib" ~ "Idlib province"), or
when the gold has no location and the event has none. No event is wrong.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor, confidence, events_of, trigger_span
from .report import Report, Tally, norm_text, overlaps, texts_match

FILE = "event-location/gold_RELABEL.jsonl"


@dataclass
class LocationGold:
    id: str
    text: str
    verb: str
    verb_start: int
    verb_end: int
    locations: list[str] = field(default_factory=list)


def read(gold_dir: Path, *, limit: int | None = None) -> list[LocationGold]:
    path = gold_dir / FILE
    items: list[LocationGold] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise EvalError("E051", f"cannot read event-location gold file {path}: {e}") from e
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            raise EvalError("E052", f"{path}:{number} is not JSON: {e}") from e
        verbs = [s for s in rec.get("spans", []) if s.get("label") == "VERB"]
        if not verbs:
            continue  # nothing to attach a place to
        verb, text = verbs[0], rec["text"]
        start, end = int(verb["start"]), int(verb["end"])
        if text[start:end] != verb["text"]:
            found = text.find(verb["text"])
            if found >= 0:
                start, end = found, found + len(verb["text"])
        locations = [s["text"] for s in rec["spans"] if s.get("label") == "LOCATION" and s.get("text")]
        items.append(LocationGold(rec["_id"].strip(), text, verb["text"], start, end, locations))
        if limit and len(items) >= limit:
            break
    return items


def event_for_verb(gold: LocationGold, events: list[dict[str, Any]]) -> dict[str, Any] | None:
    hits = [e for e in events
            if (span := trigger_span(e)) and overlaps(*span, gold.verb_start, gold.verb_end)]
    if not hits:
        verb = norm_text(gold.verb)
        hits = [e for e in events if norm_text(e.get("event_text")) == verb]
    return max(hits, key=confidence) if hits else None


def score(items: list[LocationGold], predictions: list[Prediction]) -> Report:
    report = Report("event-location", n_items=len(items), files=[FILE])
    tally = Tally(report)
    tally.ensure("event_loc", "event_found", "event_loc_when_gold_has_one", "no_loc_when_gold_has_none")
    for gold, prediction in zip(items, predictions, strict=True):
        event = event_for_verb(gold, events_of(prediction))
        tally.mark("event_found", event is not None)
        loc = (event or {}).get("event_loc") or {}
        predicted = loc.get("entity_text") if loc else None
        if gold.locations:
            ok = event is not None and any(texts_match(g, predicted) for g in gold.locations)
            tally.mark("event_loc_when_gold_has_one", ok)
        else:
            ok = event is not None and predicted is None
            tally.mark("no_loc_when_gold_has_none", ok)
        shown = predicted if event is not None else f"(no event for '{gold.verb}')"
        tally.check("event_loc", ok, gold.locations or None, shown, gold.text, gold.id)
    return tally.finish()


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    items = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(item.id, item.text) for item in items])
    return score(items, predictions)
