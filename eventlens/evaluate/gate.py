"""The evaluation gate: quality never falls silently.

``tests/eval_baseline.json`` pins, per gold set and field, the score the system reached (the floor),
the sha256 of every gold file it was computed on, and the date. The gate fails when a score falls
below its floor (minus ``EPSILON``, for float noise only) or when a gold file changed, because a
floor measured on other data means nothing.

    python -m eventlens.evaluate.gate              # check, exit 1 on a failure
    python -m eventlens.evaluate.gate --update     # re-measure and raise floors
    python -m eventlens.evaluate.gate --update --allow-lower --reason "why"   # lower one, on record

A lowered floor is written to the baseline's ``lowered`` list with its reason, so the commit that
lowers it shows why.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import EvalError
from ..settings import Settings
from .core import REPO_DIR, SETS, default_gold_dir, evaluate, fingerprints
from .report import Report

log = logging.getLogger(__name__)

BASELINE = REPO_DIR / "tests" / "eval_baseline.json"
EPSILON = 0.002
FORMAT = 1
# Items scored per set by the gate (None: all). Geoparsing articles are long and make up most of the
# gate's time, so the gate scores the first ones of each corpus; `eventlens eval geoparsing` scores all.
GATE_LIMITS: dict[str, int | None] = {"geoparsing": 60}


def empty_baseline() -> dict[str, Any]:
    return {"format": FORMAT, "epsilon": EPSILON, "sets": {}, "lowered": []}


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    if not path.exists():
        return empty_baseline()
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise EvalError("E055", f"cannot read the evaluation baseline {path}: {e}; "
                                f"restore it from git") from e
    data.setdefault("sets", {})
    data.setdefault("lowered", [])
    return data


def save_baseline(data: dict[str, Any], path: Path = BASELINE) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")


def fingerprint_failures(set_name: str, baseline: dict[str, Any], current: dict[str, str]) -> list[str]:
    """Gold files whose content differs from the ones the floors were measured on."""
    entry = baseline.get("sets", {}).get(set_name)
    if not entry:
        return []
    pinned: dict[str, str] = entry.get("fingerprints", {})
    failures = []
    for name in sorted(set(pinned) | set(current)):
        if pinned.get(name) != current.get(name):
            state = "is new" if name not in pinned else "is missing" if name not in current else "changed"
            failures.append(f"{set_name}: gold file {name} {state} since the floors were set; check the "
                            f"data, then re-measure with `python -m eventlens.evaluate.gate --update`")
    return failures


def score_failures(report: Report, baseline: dict[str, Any]) -> list[str]:
    """Fields scoring below their floor, and pinned fields the report no longer has."""
    entry = baseline.get("sets", {}).get(report.set_name)
    if not entry:
        return []
    epsilon = float(baseline.get("epsilon", EPSILON))
    scores = report.scores()
    failures = []
    for name, floor in entry.get("scores", {}).items():
        if name not in scores:
            failures.append(f"{report.set_name}.{name}: pinned at {floor} but no longer measured")
        elif scores[name] < float(floor) - epsilon:
            score = report.fields[name]
            failures.append(f"{report.set_name}.{name}: {scores[name]:.4f} is below its floor {floor} "
                            f"(n={score.n}); `eventlens eval {report.set_name} --errors 20` shows the misses")
    return failures


def update_baseline(baseline: dict[str, Any], reports: list[Report], prints: dict[str, dict[str, str]], *,
                    allow_lower: bool = False, reason: str | None = None,
                    today: dt.date | None = None) -> list[str]:
    """Write the reports' scores as floors. Returns the lowered fields; raises if lowering is not allowed."""
    day = (today or dt.date.today()).isoformat()
    lowered: list[tuple[str, str, float, float]] = []
    for report in reports:
        old = baseline.get("sets", {}).get(report.set_name, {}).get("scores", {})
        for name, value in report.scores().items():
            if name in old and value < float(old[name]) - 1e-9:
                lowered.append((report.set_name, name, float(old[name]), value))
        for name in old:
            if name not in report.fields:
                lowered.append((report.set_name, name, float(old[name]), 0.0))
    if lowered and not (allow_lower and reason and reason.strip()):
        shown = "; ".join(f"{s}.{f} {a} -> {b}" for s, f, a, b in lowered)
        raise EvalError("E056", f"this would lower floors ({shown}); pass --allow-lower --reason \"...\" "
                                f"to lower them on record, or fix the regression")
    for report in reports:
        entry = baseline.setdefault("sets", {}).setdefault(report.set_name, {})
        old = entry.get("scores", {})
        entry["date"] = day
        entry["fingerprints"] = prints[report.set_name]
        entry["n_items"] = report.n_items
        entry["limit"] = GATE_LIMITS.get(report.set_name)
        entry["n"] = {name: score.n for name, score in report.fields.items()}
        entry["scores"] = dict(report.scores())
        if old and not lowered:
            # Raising only: a score that fell within epsilon keeps its floor rather than creeping down.
            entry["scores"] = {k: max(v, float(old.get(k, v))) for k, v in entry["scores"].items()}
    for set_name, name, before, after in lowered:
        baseline.setdefault("lowered", []).append(
            {"date": day, "set": set_name, "field": name, "from": before, "to": after, "reason": reason})
    baseline["format"] = FORMAT
    baseline.setdefault("epsilon", EPSILON)
    return [f"{s}.{f}" for s, f, _, _ in lowered]


Fingerprints = dict[str, dict[str, str]]  # set -> gold file -> sha256


def run(set_names: list[str], gold_dir: Path, settings: Settings) -> tuple[list[Report], Fingerprints]:
    reports: list[Report] = []
    prints: Fingerprints = {}
    for name in set_names:
        prints[name] = fingerprints(name, gold_dir)
        reports.append(evaluate(name, gold_dir, settings, limit=GATE_LIMITS.get(name)))
    return reports, prints


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eventlens.evaluate.gate",
                                     description="Check the evaluation floors, or re-measure them.")
    parser.add_argument("--update", action="store_true", help="re-measure and write the floors")
    parser.add_argument("--allow-lower", action="store_true", help="with --update: allow a floor to go down")
    parser.add_argument("--reason", help="why a floor goes down (recorded in the baseline)")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS), metavar="SET")
    parser.add_argument("--gold", type=Path, default=None, help="gold folder (default: $EVENTLENS_GOLD)")
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.allow_lower and not args.update:
        parser.error("--allow-lower only makes sense with --update")
    gold_dir = args.gold or default_gold_dir()
    baseline = load_baseline(args.baseline)
    try:
        workers = max(1, min(2, os.cpu_count() or 1))
        reports, prints = run(args.sets, gold_dir, Settings.load().replace(workers=workers))
    except EvalError as e:
        log.error("%s", e)
        return 2
    for report in reports:
        log.info("%s: %s", report.set_name, json.dumps(report.scores()))
    if args.update:
        try:
            lowered = update_baseline(baseline, reports, prints, allow_lower=args.allow_lower,
                                      reason=args.reason)
        except EvalError as e:
            log.error("%s", e)
            return 1
        save_baseline(baseline, args.baseline)
        log.info("baseline written to %s%s", args.baseline,
                 f" (lowered: {', '.join(lowered)})" if lowered else "")
        return 0
    failures = [f for name in args.sets for f in fingerprint_failures(name, baseline, prints[name])]
    failures += [f for report in reports for f in score_failures(report, baseline)]
    for failure in failures:
        log.error("FAIL %s", failure)
    log.info("gate %s", "failed" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
