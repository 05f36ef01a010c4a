"""``evaluate(set_name, gold_path, settings)``: the plain function behind ``eventlens eval`` and the gate."""
from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from ..errors import EvalError
from ..settings import Settings
from . import acled, displacement, event_location, geoparsing, petrarch, plover, re3d
from .predict import Predictor, Progress, pipeline_predictor
from .report import Report

log = logging.getLogger(__name__)

SETS: dict[str, ModuleType] = {
    "plover": plover,
    "petrarch": petrarch,
    "geoparsing": geoparsing,
    "event-location": event_location,
    "displacement": displacement,
    "re3d": re3d,
    "acled-types": acled,
}
GOLD_ENV = "EVENTLENS_GOLD"
REPO_DIR = Path(__file__).resolve().parents[2]


def default_gold_dir() -> Path:
    """``EVENTLENS_GOLD``, else ``../shared/gold`` from the current directory, else next to the repo."""
    env = os.environ.get(GOLD_ENV)
    if env:
        return Path(env)
    for base in (Path.cwd(), REPO_DIR):
        candidate = base.parent / "shared" / "gold"
        if candidate.is_dir():
            return candidate
    return REPO_DIR.parent / "shared" / "gold"


def set_names(set_name: str) -> list[str]:
    if set_name == "all":
        return list(SETS)
    if set_name not in SETS:
        raise EvalError("E054", f"unknown evaluation set {set_name!r}; choose one of: all, {', '.join(SETS)}")
    return [set_name]


def gold_files(set_name: str, gold_dir: Path) -> list[Path]:
    """The files a set is computed from (what the gate fingerprints)."""
    module = SETS[set_name]
    if module is re3d:
        root = gold_dir / re3d.FOLDER
        return sorted(p for p in root.glob("*/*.json")) if root.is_dir() else []
    names = {
        plover: [plover.FILE, plover.MAPPING_FILE],
        petrarch: [petrarch.FILE],
        geoparsing: [geoparsing.GWN_FILE, geoparsing.TR_FILE],
        event_location: [event_location.FILE],
        displacement: [displacement.FILE],
        acled: [acled.FILE],
    }[module]
    return [gold_dir / name for name in names]


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprints(set_name: str, gold_dir: Path) -> dict[str, str]:
    """Relative path -> sha256 of every gold file the set reads."""
    return {p.relative_to(gold_dir).as_posix(): fingerprint(p) for p in gold_files(set_name, gold_dir)}


def check_gold(set_name: str, gold_dir: Path) -> None:
    missing = [p for p in gold_files(set_name, gold_dir) if not p.is_file()]
    if missing or not gold_files(set_name, gold_dir):
        shown = ", ".join(str(p) for p in missing) or str(gold_dir / set_name)
        raise EvalError("E051", f"gold data for {set_name!r} not found ({shown}); pass --gold PATH or set "
                                f"{GOLD_ENV} to the folder that holds the gold sets")


def evaluate(set_name: str, gold_path: str | os.PathLike[str] | None = None, settings: Settings | None = None,
             *, limit: int | None = None, predictor: Predictor | None = None,
             progress: Progress | None = None) -> Report:
    """Run the system over one gold set and score its export. ``predictor`` replaces the pipeline."""
    if set_name not in SETS:
        set_names(set_name)  # raises with the list of names
    gold_dir = Path(gold_path) if gold_path else default_gold_dir()
    check_gold(set_name, gold_dir)
    predict = predictor or pipeline_predictor(settings or Settings(), progress=progress)
    started = time.perf_counter()
    report: Report = SETS[set_name].evaluate(gold_dir, predict, limit=limit)
    report.seconds = time.perf_counter() - started
    log.info("evaluated %s: %d items in %.1fs", set_name, report.n_items, report.seconds)
    return report


def evaluate_many(set_name: str, gold_path: str | os.PathLike[str] | None = None,
                  settings: Settings | None = None, *, limit: int | None = None,
                  predictor: Predictor | None = None,
                  progress_for: Callable[[str], Progress | None] | None = None) -> list[Report]:
    """``evaluate`` for one set or ``all`` of them, in a fixed order."""
    return [evaluate(name, gold_path, settings, limit=limit, predictor=predictor,
                     progress=progress_for(name) if progress_for else None)
            for name in set_names(set_name)]
