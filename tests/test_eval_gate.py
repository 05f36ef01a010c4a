"""The evaluation gate: every gold set scores at least its floor in tests/eval_baseline.json.

Runs the whole pipeline over every gold set (a few minutes on two cores), so it is marked ``slow``.
Without the gold folder the gate is skipped with a message, except in CI (``CI=true``), where a
missing gold folder fails: a gate that silently does not run is no gate.

To raise floors after an improvement: ``python -m eventlens.evaluate.gate --update``. Lowering one
needs ``--allow-lower --reason "..."`` and the reason is kept in the baseline file.
"""
from __future__ import annotations

import os

import pytest

from eventlens.evaluate import gate
from eventlens.evaluate.core import SETS, default_gold_dir, evaluate, fingerprints
from eventlens.evaluate.report import Report
from eventlens.settings import Settings

GOLD = default_gold_dir()
BASELINE = gate.load_baseline()
UPDATE_HINT = "run `python -m eventlens.evaluate.gate --update` and commit tests/eval_baseline.json"


def require_gold() -> None:
    if GOLD.is_dir():
        return
    message = f"evaluation gate NOT RUN: gold folder {GOLD} not found; set EVENTLENS_GOLD to the gold folder"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def report_for():
    """Scores each set once per module (the pipeline is loaded once and shared)."""
    cache: dict[str, Report] = {}
    # Two workers: the gate should take minutes, not a quarter of an hour, on a two-core CI machine.
    settings = Settings.load().replace(workers=max(1, min(2, os.cpu_count() or 1)))

    def get(set_name: str) -> Report:
        if set_name not in cache:
            cache[set_name] = evaluate(set_name, GOLD, settings, limit=gate.GATE_LIMITS.get(set_name))
        return cache[set_name]

    return get


def test_baseline_pins_every_set_with_fingerprints_and_dates():
    missing = set(SETS) - set(BASELINE["sets"])
    assert not missing, f"sets without floors: {sorted(missing)}; {UPDATE_HINT}"
    for name, entry in BASELINE["sets"].items():
        assert entry["fingerprints"], f"{name}: no gold fingerprints"
        assert entry["date"], f"{name}: no date"
        assert entry["scores"], f"{name}: no floors"
    for lowered in BASELINE.get("lowered", []):
        assert (lowered.get("reason") or "").strip(), f"floor lowered without a reason: {lowered}"


@pytest.mark.slow
@pytest.mark.parametrize("set_name", list(SETS))
def test_gold_data_is_what_the_floors_were_measured_on(set_name):
    require_gold()
    assert set_name in BASELINE["sets"], f"{set_name} has no floors; {UPDATE_HINT}"
    failures = gate.fingerprint_failures(set_name, BASELINE, fingerprints(set_name, GOLD))
    assert not failures, "\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("set_name", list(SETS))
def test_scores_do_not_fall_below_their_floors(set_name, report_for):
    require_gold()
    assert set_name in BASELINE["sets"], f"{set_name} has no floors; {UPDATE_HINT}"
    report = report_for(set_name)
    assert report.n_items == BASELINE["sets"][set_name]["n_items"], "the gold set changed size"
    failures = gate.score_failures(report, BASELINE)
    assert not failures, "\n".join(failures)
