"""What an evaluation returns: per-field scores with their counts, and the misses behind them.

A score without its ``n`` is not comparable across runs, so every field carries the number of gold
items it was computed on. Misses keep the gold value, the predicted value and the sentence, so that
``eventlens eval --errors N`` shows *why* a number is low, not only that it is.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldScore:
    """One measured field. ``kind`` is "accuracy" (``value`` = correct / n) or "prf" (``value`` = F1)."""

    name: str
    kind: str
    n: int
    correct: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    n_pred: int | None = None  # predictions considered (the precision denominator) for "prf"

    @property
    def value(self) -> float:
        """The number the gate pins: accuracy, or F1 for precision/recall fields."""
        if self.kind == "prf":
            return self.f1 or 0.0
        return self.correct / self.n if self.n else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "value": round(self.value, 4), "n": self.n}
        if self.kind == "prf":
            out.update(precision=_round(self.precision), recall=_round(self.recall), f1=_round(self.f1),
                       n_pred=self.n_pred, correct=self.correct)
        else:
            out["correct"] = self.correct
        return out


@dataclass
class Miss:
    """One gold item the system got wrong: what the gold says, what came out, and where."""

    field: str
    gold: Any
    predicted: Any
    text: str
    item_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "gold": self.gold, "predicted": self.predicted,
                "text": self.text, "item_id": self.item_id}


@dataclass
class Report:
    """The result of scoring one gold set."""

    set_name: str
    n_items: int
    fields: dict[str, FieldScore] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the gold files read, relative to the gold folder
    seconds: float | None = None

    def add(self, score: FieldScore) -> None:
        self.fields[score.name] = score

    def miss(self, name: str, gold: Any, predicted: Any, text: str, item_id: str | None = None) -> None:
        self.misses.append(Miss(name, gold, predicted, text, item_id))

    def scores(self) -> dict[str, float]:
        """Field name -> the pinned number (accuracy or F1)."""
        return {name: round(score.value, 4) for name, score in self.fields.items()}

    def to_dict(self, *, errors: int | None = None) -> dict[str, Any]:
        misses = self.misses if errors is None else self.misses[:errors]
        return {
            "set": self.set_name,
            "n_items": self.n_items,
            "files": list(self.files),
            "seconds": round(self.seconds, 2) if self.seconds is not None else None,
            "fields": {name: score.to_dict() for name, score in self.fields.items()},
            "misses": [m.to_dict() for m in misses],
        }


def _round(x: float | None) -> float | None:
    return round(x, 4) if x is not None else None


class Tally:
    """Counts correct / total per field while a scorer walks the gold items, and records the misses
    in ``report``; ``finish`` adds the accuracies to it."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.correct: Counter[str] = Counter()
        self.total: Counter[str] = Counter()

    def mark(self, name: str, ok: bool) -> None:
        self.total[name] += 1
        if ok:
            self.correct[name] += 1

    def check(self, name: str, ok: bool, gold: Any, predicted: Any, text: str, item_id: str | None = None,
              *, miss_as: str | None = None) -> bool:
        """Mark one gold item of field ``name``; a wrong one becomes a miss (listed under ``miss_as`` when
        several tallied fields share one kind of error). Returns ``ok``."""
        self.mark(name, ok)
        if not ok:
            self.report.miss(miss_as or name, gold, predicted, text, item_id)
        return ok

    def ensure(self, *names: str) -> None:
        """Fields that exist even when no gold item touched them (so the report shape is stable)."""
        for name in names:
            self.total[name] += 0

    def scores(self) -> list[FieldScore]:
        return [FieldScore(name, "accuracy", n=self.total[name], correct=self.correct[name])
                for name in self.total]

    def finish(self) -> Report:
        """The report with every tallied field added, in the order the fields were first seen."""
        for score in self.scores():
            self.report.add(score)
        return self.report


def prf(name: str, *, true_pos: int, n_gold: int, n_pred: int,
        true_pos_pred: int | None = None) -> FieldScore:
    """Precision/recall/F1. ``true_pos_pred`` is the count of correct predictions when it differs from the
    count of found gold items (one predicted span overlapping two gold spans counts once for precision)."""
    tp_pred = true_pos if true_pos_pred is None else true_pos_pred
    precision = tp_pred / n_pred if n_pred else 0.0
    recall = true_pos / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return FieldScore(name, "prf", n=n_gold, correct=true_pos, precision=precision, recall=recall, f1=f1,
                      n_pred=n_pred)


def weighted_f1(name: str, gold: Sequence[str], predicted: Sequence[str]) -> FieldScore:
    """Support-weighted F1 over the gold labels, as scikit-learn's ``average="weighted"`` (CASE 2021)."""
    labels = Counter(gold)
    total = len(gold)
    score = 0.0
    for label, support in labels.items():
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        n_pred = sum(1 for p in predicted if p == label)
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / support
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        score += f1 * support
    correct = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p)
    value = score / total if total else 0.0
    return FieldScore(name, "prf", n=total, correct=correct, f1=value, n_pred=total,
                      precision=None, recall=None)


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Character spans share at least one character (empty spans overlap nothing)."""
    return a_start < b_end and b_start < a_end


def norm_text(text: str | None) -> str:
    """Case- and punctuation-insensitive form for matching span texts ("the U.S." ~ "U.S")."""
    if not text:
        return ""
    kept = "".join(ch.lower() if ch.isalnum() else " " for ch in text)
    words = [w for w in kept.split() if w not in {"the", "a", "an"}]
    return " ".join(words)


def texts_match(gold: str | None, predicted: str | None) -> bool:
    """Same span text, or one contained in the other as whole words ("Idlib" ~ "Idlib province")."""
    g, p = norm_text(gold), norm_text(predicted)
    if not g or not p:
        return False
    if g == p:
        return True
    return f" {g} " in f" {p} " or f" {p} " in f" {g} "


def first(items: Iterable[Any]) -> Any:
    for item in items:
        return item
    return None
