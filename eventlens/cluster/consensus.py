"""What a cluster says about its event: consensus fields with the spread across reports.

Nothing is averaged away: a count keeps every report's figure, and its summary states the spread
("killed: 12–15 across 3 sources"). ``conservative`` is ACLED's rule for a single number (the lowest
credible figure: the low end of the lowest range), the place is the most precise one the reports give,
and the date range is what all reports agree on (their intersection; their hull if they disagree).
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Any

from ..records import ActorEntity, Count
from .compare import load_rules
from .core import Cluster
from .mentions import Mention

# Which modality a cluster carries when its reports differ: the most direct report wins.
_MODALITY_ORDER = ("asserted", "reported", "alleged", "future", "hypothetical", "counterfactual", "negated")


def _iso(d: Any) -> str | None:
    return d.isoformat() if d else None


def _majority(values: list[Any]) -> Any:
    """The most frequent value; ties go to the smallest (as JSON text) so the result is order-free."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    counts = Counter(json.dumps(v, sort_keys=True) for v in values)
    best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return json.loads(best)


def _source_key(m: Mention) -> str:
    """A report's source: its outlet if known, otherwise the article itself."""
    return (m.source or "").strip().lower() or m.doc_id


def _actor_key(a: ActorEntity) -> str:
    return a.actor_id or (a.name or a.entity_text).strip().lower()


def _actors(members: list[Mention], role: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for m in members:
        for a in getattr(m, role):
            key = _actor_key(a)
            entry = seen.setdefault(key, {**a.to_dict(), "mentions": 0})
            entry["mentions"] += 1
    return sorted(seen.values(), key=lambda d: (-d["mentions"], d.get("name") or d["entity_text"]))


def conservative(figures: list[dict[str, Any]]) -> int | None:
    """ACLED's single number: the lowest credible figure, the low end of the lowest range."""
    values = [f["low"] if f["low"] is not None else f["high"] for f in figures]
    values = [v for v in values if v is not None]
    return min(values) if values else None


def _spread(low: int | None, high: int | None) -> str:
    if low is None and high is None:
        return "unknown"
    if low is None:
        return f"up to {high:,}"
    if high is None or high == low:
        return f"{low:,}"
    return f"{low:,}–{high:,}"


def _size(members: list[Mention]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    categories = sorted({c for m in members for c in m.size})
    for category in categories:
        figures = []
        counted: list[Count] = []
        seen: set[tuple[str, int | None, int | None, str]] = set()
        for m in members:
            c = m.size.get(category)
            # Two mentions of one article quoting the same figure are one report of it.
            if c is None or (m.doc_id, c.low, c.high, c.text) in seen:
                continue
            seen.add((m.doc_id, c.low, c.high, c.text))
            counted.append(c)
            figures.append({"low": c.low, "high": c.high, "qualifier": c.qualifier, "text": c.text,
                            "event_id": m.id, "doc_id": m.doc_id, "source": m.source})
        lows = [c.low for c in counted if c.low is not None]
        tops = [t for t in (c.high if c.high is not None else c.low for c in counted) if t is not None]
        low, high = (min(lows) if lows else None), (max(tops) if tops else None)
        n_sources = len({_source_key(m) for m in members if category in m.size})
        spread = _spread(low, high)
        plural = "source" if n_sources == 1 else "sources"
        out[category] = {"low": low, "high": high, "conservative": conservative(figures),
                         "reports": len(figures), "sources": n_sources,
                         "summary": f"{category}: {spread} across {n_sources} {plural}", "figures": figures}
    return out


def _dates(members: list[Mention]) -> dict[str, Any]:
    ranges = [(m.earliest, m.latest, m) for m in members if m.earliest is not None and m.latest is not None]
    if not ranges:
        return {"date": None, "date_info": None}
    earliest = max(lo for lo, _, _ in ranges)
    latest = min(hi for _, hi, _ in ranges)
    agree = earliest <= latest
    if not agree:
        earliest = min(lo for lo, _, _ in ranges)
        latest = max(hi for _, hi, _ in ranges)
    sharpest = min(ranges, key=lambda r: ((r[1] - r[0]).days, r[2].id))[2]
    precision = "day" if earliest == latest else sharpest.precision
    date = sharpest.date if sharpest.date and earliest <= sharpest.date <= latest else None
    if date is None and earliest == latest:
        date = earliest
    return {"date": _iso(date), "date_info": {"earliest": _iso(earliest), "latest": _iso(latest),
                                              "precision": precision, "agree": agree}}


def _place(members: list[Mention]) -> dict[str, Any] | None:
    rank = load_rules().resolution_rank
    placed = [m.place for m in members if m.place and (m.place.geonameid is not None or m.place.country)]
    if not placed:
        return None
    top = max(rank.get(p.resolution or "", 3) for p in placed)
    finest = [p for p in placed if rank.get(p.resolution or "", 3) == top]
    counts = Counter(p.geonameid or 0 for p in finest)
    gid = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    p = next(p for p in finest if (p.geonameid or 0) == gid)
    return {"name": p.name, "geonameid": p.geonameid, "lat": p.lat, "lon": p.lon, "country": p.country,
            "admin1": p.admin1, "feature_code": p.feature_code, "resolution": p.resolution,
            "reports": sum(1 for q in placed if q.geonameid == p.geonameid)}


def cluster_record(cluster: Cluster) -> dict[str, Any]:
    """The cluster as one JSON-ready record (what ``export --format clusters`` writes)."""
    members = sorted(cluster.members, key=lambda m: m.id)
    by_report = sorted(members, key=lambda m: (m.published is None, m.published or 0, m.doc_id, m.id))
    first = by_report[0]
    modalities = {m.modality for m in members}
    modality = next((x for x in _MODALITY_ORDER if x in modalities), sorted(modalities)[0])
    sources = sorted({m.source for m in members if m.source})
    return {
        "cluster_id": cluster.id,
        "event": _majority([m.event for m in members]),
        "mode": _majority([m.mode for m in members]),
        "modality": modality,
        "specificity": _majority([m.specificity for m in members]),
        "historical": any(m.historical for m in members),
        "mentions": [m.id for m in members],
        "doc_ids": sorted({m.doc_id for m in members}),
        "n_mentions": len(members),
        "n_articles": len({m.doc_id for m in members}),
        "n_sources": len({_source_key(m) for m in members}),
        "sources": sources,
        "first_reported": _iso(first.published),
        "first_doc_id": first.doc_id,
        **_dates(members),
        "event_loc": _place(members),
        "actor": _actors(members, "actor"),
        "recipient": _actors(members, "recipient"),
        "size": _size(members),
        "acled": _majority([m.acled for m in members]),
        "text": first.text,
        "evidence": [{"event_id": m.id, "doc_id": m.doc_id, "source": m.source,
                      "published": _iso(m.published), "text": m.text, "score": cluster.scores.get(m.id)}
                     for m in by_report],
        "confidence": round(max(m.confidence for m in members), 3),
    }
