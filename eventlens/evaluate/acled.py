"""CASE 2021 task 2 snippets (``acled-types/case2021_task2_dev.tsv``): ACLED sub-event type, weighted F1.

The gold uses the task's short labels (AIR_STRIKE); the export carries ACLED's names
(``acled.sub_event_type`` = "Air/drone strike"). ``ACLED_LABELS`` is the task's own correspondence
(task description, table 1). The five "unseen" types (disasters, crime, diplomacy, attribution) are
not ACLED events: the right answer for them is no ACLED type, written ``NONE``.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor, confidence, events_of
from .report import Report, Tally, weighted_f1

FILE = "acled-types/case2021_task2_dev.tsv"
NONE = "NONE"
UNSEEN = frozenset({"ORG_CRIME", "NATURAL_DISASTER", "MAN_MADE_DISASTER", "DIPLO", "ATTRIB"})
ACLED_LABELS = {
    "Abduction/forced disappearance": "ABDUCT_DISSAP",
    "Agreement": "AGREEMENT",
    "Air/drone strike": "AIR_STRIKE",
    "Armed clash": "ARMED_CLASH",
    "Arrests": "ARREST",
    "Shelling/artillery/missile attack": "ART_MISS_ATTACK",
    "Attack": "ATTACK",
    "Change to group/activity": "CHANGE_TO_GROUP_ACT",
    "Chemical weapon": "CHEM_WEAP",
    "Disrupted weapons use": "DISR_WEAP",
    "Excessive force against protesters": "FORCE_AGAINST_PROTEST",
    "Government regains territory": "GOV_REGAINS_TERIT",
    "Grenade": "GRENADE",
    "Headquarters or base established": "HQ_ESTABLISHED",
    "Mob violence": "MOB_VIOL",
    "Non-state actor overtakes territory": "NON_STATE_ACTOR_OVERTAKES_TER",
    "Non-violent transfer of territory": "NON_VIOL_TERRIT_TRANSFER",
    "Other": "OTHER",
    "Peaceful protest": "PEACE_PROTEST",
    "Looting/property destruction": "PROPERTY_DISTRUCT",
    "Protest with intervention": "PROTEST_WITH_INTER",
    "Remote explosive/landmine/IED": "REM_EXPLOS",
    "Sexual violence": "SEX_VIOL",
    "Suicide bomb": "SUIC_BOMB",
    "Violent demonstration": "VIOL_DEMONSTR",
}


def _key(label: str) -> str:
    return re.sub(r"[^a-z]", "", label.lower())


_BY_KEY = {_key(name): code for name, code in ACLED_LABELS.items()}
_BY_KEY.update({_key(code): code for code in ACLED_LABELS.values()})


@dataclass
class AcledGold:
    id: str
    text: str
    label: str  # a task label, or NONE for the unseen types


def read(gold_dir: Path, *, limit: int | None = None) -> list[AcledGold]:
    path = gold_dir / FILE
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as e:
        raise EvalError("E051", f"cannot read ACLED-types gold file {path}: {e}") from e
    items = []
    for row in rows:
        text, label = (row.get("EventSnippet") or "").strip(), (row.get("SubType") or "").strip()
        if not text or not label:
            continue
        items.append(AcledGold(f"case-{row.get('id')}", text, NONE if label in UNSEEN else label))
        if limit and len(items) >= limit:
            break
    return items


def label_of(event: dict[str, Any]) -> str | None:
    """The task label of an export record's ACLED sub-event type (ACLED name or task code)."""
    sub = (event.get("acled") or {}).get("sub_event_type")
    return _BY_KEY.get(_key(sub)) if sub else None


def predict_label(prediction: Prediction) -> str:
    labelled = [(confidence(e), label) for e in events_of(prediction) if (label := label_of(e))]
    return max(labelled, key=lambda t: t[0])[1] if labelled else NONE


def score(items: list[AcledGold], predictions: list[Prediction]) -> Report:
    report = Report("acled-types", n_items=len(items), files=[FILE])
    gold_labels = [item.label for item in items]
    predicted = [predict_label(p) for p in predictions]
    report.add(weighted_f1("sub_event_type", gold_labels, predicted))
    tally = Tally(report)
    tally.ensure("seen_accuracy", "unseen_is_none")
    for item, label in zip(items, predicted, strict=True):
        tally.check("unseen_is_none" if item.label == NONE else "seen_accuracy", label == item.label,
                    item.label, label, item.text, item.id, miss_as="sub_event_type")
    return tally.finish()


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    items = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(item.id, item.text) for item in items])
    return score(items, predictions)
