"""The PLOVER gold-standard records (``plover-gsr/PLOVER_GSR_CAMEO.txt``): type, actors, counts.

The file was coded with PLOVER 0.5 (2016), whose types partly predate the 16 current ones. The
older names are the CAMEO root categories they came from (DEMAND = CAMEO 10, DISAPPROVE = 11,
INVESTIGATE = 09, FIGHT = 19, YIELD = 08, ENGAGE = 06), so they are mapped through the root lines
of ``CAMEO2PLOVER-2021.txt`` ("10: REQUEST") rather than by a hand list of current types.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor, confidence, events_of, size_matches
from .report import Report, Tally, norm_text

FILE = "plover-gsr/PLOVER_GSR_CAMEO.txt"
MAPPING_FILE = "plover-gsr/CAMEO2PLOVER-2021.txt"

PLOVER_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
                "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")
# The readme says the file's nation-states carry their ISO-3166 alpha-3 codes; a few rows use older
# or misspelt codes that are no ISO code at all (their actorText is "Japan", "Italy", "Vietnamese-led
# forces"). They are read as the ISO code the documentation promises.
NON_ISO_CODES = {"JAP": "JPN", "ITL": "ITA", "VTN": "VNM"}
# CAMEO's codes for actors of no one country, which stand where a country code would be
NON_STATE_CODES = ("IGO", "NGO", "IMG", "MNC")
# PLOVER 0.5 type -> the CAMEO root category it was named after.
OLD_TYPE_CAMEO_ROOT = {"DEMAND": "10", "DISAPPROVE": "11", "INVESTIGATE": "09", "FIGHT": "19",
                       "YIELD": "08", "ENGAGE": "06"}


@dataclass
class PloverGold:
    id: str
    text: str
    event: str  # mapped to the current PLOVER types
    original_event: str
    event_words: set[str]
    source_countries: list[str] = field(default_factory=list)
    source_sectors: list[str] = field(default_factory=list)
    target_countries: list[str] = field(default_factory=list)
    target_sectors: list[str] = field(default_factory=list)
    dead: int | None = None
    injured: int | None = None


@lru_cache(maxsize=4)
def cameo_root_types(mapping_path: str) -> dict[str, str]:
    """CAMEO two-digit root -> PLOVER type, from the "NN: TYPE" lines of the conversion table."""
    roots: dict[str, str] = {}
    for line in Path(mapping_path).read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\d\d):\s*([A-Z]+)\s*$", line.strip())
        if m:
            roots[m.group(1)] = m.group(2)
    if not roots:
        raise EvalError("E053", f"no 'NN: TYPE' lines in {mapping_path}; is it the CAMEO2PLOVER table?")
    return roots


def map_type(event: str, roots: dict[str, str]) -> str:
    if event in PLOVER_TYPES:
        return event
    root = OLD_TYPE_CAMEO_ROOT.get(event)
    if root and root in roots:
        return roots[root]
    return event


def _int(value: Any) -> int | None:
    try:
        return int(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None


def _country(code: str) -> str:
    return NON_ISO_CODES.get(code[:3], code[:3])


def _actors(value: Any) -> list[dict[str, Any]]:
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


def read(gold_dir: Path, *, limit: int | None = None) -> list[PloverGold]:
    path = gold_dir / FILE
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise EvalError("E051", f"cannot read PLOVER gold file {path}: {e}") from e
    roots = cameo_root_types(str(gold_dir / MAPPING_FILE))
    items: list[PloverGold] = []
    for rec in records:
        if rec.get("event") == "DOCUMENT" or not rec.get("text"):
            continue
        sources, targets = _actors(rec.get("source")), _actors(rec.get("target"))
        items.append(PloverGold(
            id=rec["id"], text=rec["text"].strip(), event=map_type(rec["event"], roots),
            original_event=rec["event"],
            event_words=set(norm_text(rec.get("eventText")).split()),
            source_countries=[_country(a["code"]) for a in sources if a.get("code")],
            source_sectors=[a["sector"][:3] for a in sources if a.get("sector")],
            target_countries=[_country(a["code"]) for a in targets if a.get("code")],
            target_sectors=[a["sector"][:3] for a in targets if a.get("sector")],
            dead=_int(rec.get("dead")), injured=_int(rec.get("injured")),
        ))
        if limit and len(items) >= limit:
            break
    return items


def best_event(gold_type: str, event_words: set[str], events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Same type first, then a trigger among the gold event words, then the highest confidence."""
    if not events:
        return None

    def rank(event: dict[str, Any]) -> tuple[bool, bool, float]:
        trigger = set(norm_text(event.get("event_text")).split())
        return (event.get("event") == gold_type, bool(trigger & event_words), confidence(event))

    return max(events, key=rank)


def score(items: list[PloverGold], predictions: list[Prediction]) -> Report:
    report = Report("plover", n_items=len(items), files=[FILE, MAPPING_FILE])
    tally = Tally(report)
    tally.ensure("event_type", "actor_country", "actor_sector", "recipient_country", "recipient_sector",
                 "dead", "injured")
    for gold, prediction in zip(items, predictions, strict=True):
        event = best_event(gold.event, gold.event_words, events_of(prediction))
        predicted_type = event.get("event") if event else None
        tally.check("event_type", predicted_type == gold.event, gold.event, predicted_type,
                    gold.text, gold.id)
        actors = (event or {}).get("actor") or []
        recipients = (event or {}).get("recipient") or []
        checks = (("actor_country", gold.source_countries, actors, "country"),
                  ("actor_sector", gold.source_sectors, actors, "sector"),
                  ("recipient_country", gold.target_countries, recipients, "country"),
                  ("recipient_sector", gold.target_sectors, recipients, "sector"))
        for name, gold_values, predicted_actors, key in checks:
            if not gold_values:
                continue
            predicted = predicted_actors[0].get(key) if predicted_actors else None
            if key == "country" and predicted is None and predicted_actors:
                # CAMEO puts IGO/NGO/IMG where a country code would be: "IGOUNO" for the UN
                code = predicted_actors[0].get("code") or ""
                predicted = code[:3] if code[:3] in NON_STATE_CODES else None
            tally.check(name, predicted in gold_values, gold_values, predicted, gold.text, gold.id)
        count_checks = (("dead", "killed", gold.dead), ("injured", "injured", gold.injured))
        for name, category, gold_count in count_checks:
            if gold_count is None:
                continue
            # Counts are a property of the sentence's report: any event may carry them.
            ok = any(size_matches(e, category, gold_count) for e in events_of(prediction))
            got = [e["size"][category] for e in events_of(prediction) if (e.get("size") or {}).get(category)]
            tally.check(name, ok, gold_count, got, gold.text, gold.id)
    return tally.finish()


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    items = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(item.id, item.text) for item in items])
    return score(items, predictions)
