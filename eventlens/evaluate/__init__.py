"""Scoring eventlens's export against gold data sets; the numbers the evaluation gate pins.

``evaluate(set_name, gold_path, settings) -> Report`` runs the pipeline over one gold set and scores
what it exports. Each set has a module with ``read(gold_dir)``, ``score(items, predictions)`` and
``evaluate(gold_dir, predictor)``; ``gate`` compares reports with ``tests/eval_baseline.json``.
"""
from __future__ import annotations

from .core import SETS, default_gold_dir, evaluate, evaluate_many, fingerprints
from .report import FieldScore, Miss, Report

__all__ = ["SETS", "FieldScore", "Miss", "Report", "default_gold_dir", "evaluate", "evaluate_many",
           "fingerprints"]
