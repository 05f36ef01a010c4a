"""Places: resolve the toponyms of a Doc (found by ``toponyms.py``) against the offline gazetteer, and
register the ``eventlens_places`` spaCy component that sets ``Doc._.places``.

Disambiguation runs twice: once without context to find the countries, regions and towns an article
is about, then again with them (see ``_score``). Names the gazetteer lacks take the point of a town
named with them, else of the article's main town. The event-location rule lives in ``eventplace.py``.
"""
from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..knowledge.gazetteer import GazEntry, Gazetteer, load_gazetteer
from ..nlp.doccache import forget
from ..records import Place
from ..settings import Settings
from .placenames import normalise_placename, split_level
from .toponyms import (
    PLACE_LABELS,
    RELABEL_FROM,
    WIDE,
    Mention,
    dotted,
    find_toponyms,
    own_name,
    region_initials,
    trim_span,
)

log = logging.getLogger(__name__)

# A bare town name found by the gazetteer alone (spaCy saw no entity) must be this big to count,
# unless it lies in a country the article already mentions: small villages are named like words.
_MIN_POP_UNTAGGED = 15_000
_LEVEL_RANK = {"country": 0.3, "region": 0.3, "city": 0.2, "admin1": 0.1, "admin2": 0.0, "sub-city": 0.0}
_LOCAL = frozenset({"city", "sub-city", "admin2"})  # levels a town's neighbours are looked for at
# Words between two names that make the second a point of reference, not a container ("40 km north of")
_BEARINGS = frozenset({"km", "kilometres", "kilometers", "miles", "north", "south", "east", "west", "near",
                       "northeast", "northwest", "southeast", "southwest", "outside", "from"})
_WORLD_CITY = 1_000_000
_BIG_DISTRICT = 100_000  # a part of a city this big ranks with the towns of its name
_NEAR_DEG = 0.5  # about 50 km: towns of one local story
_NEAR_BONUS = 0.4  # a first guess confirmed by another town of the article within _NEAR_DEG
_ADMIN1_OWN_NAME = 1.0  # a region by its own name, bigger than every town of that name
_OWN_NAME_BONUS = 0.3
_SHORT_NAME_RATIO, _SHORT_NAME_MIN = 20, 100_000  # a town this much bigger is what its short name means
_CONTAINER = 1.0  # the state (half for a district) of "Town, Region" over a town of the region's name
_TOWN_NOT_COUNTRY = 3.0  # a country or region named where the words ask for a town of that very name
_NAMESAKE_RATIO = 50  # a town this many times smaller than a world city of its name is its namesake
EMBEDDED = "inside the name of an organisation"  # reason prefix: a place named, not where things happen


@dataclass
class _Context:
    """What the first pass learnt: which names point to which countries and admin1 regions, and the
    level the article gives a name anywhere ("Idlib province" makes a later bare "Idlib" a province)."""

    countries: dict[str, set[str]]  # ISO2 -> names (keys) that resolved there
    admin1: dict[str, set[str]]  # "CC.A1" -> names
    levels: dict[str, str]
    points: list[tuple[float, float, str]] = field(default_factory=list)  # towns found: lat, lon, key
    # "CC.A1" of every state or province holding a town or district any name of the article may mean
    regions: set[str] = field(default_factory=set)
    # ISO2 -> names the tagger found whose first guess lay there: weak evidence where nothing is sure
    guesses: dict[str, set[str]] = field(default_factory=dict)

    def neighbours(self, entry: GazEntry, key: str) -> list[str]:
        """Other names of the article that resolved to towns within ``_NEAR_DEG`` of this place (twice
        that of a district's point: a county's towns lie up to its edge, "Southold" and Suffolk County)."""
        lat, lon = entry.lat, entry.lon
        near = _NEAR_DEG * (2 if entry.level == "admin2" else 1)
        dlon = near / max(0.2, math.cos(math.radians(lat)))
        return [k for plat, plon, k in self.points
                if k != key and abs(plat - lat) < near and abs(plon - lon) < dlon]

    def leaning(self, key: str) -> str | None:
        """The country where more of the other names' unsure first guesses lie than in any other."""
        counts = sorted(((len(names - {key}), cc) for cc, names in self.guesses.items()), reverse=True)
        if not counts or counts[0][0] == 0 or (len(counts) > 1 and counts[1][0] == counts[0][0]):
            return None
        return counts[0][1]

    def country_votes(self, cc: str, key: str) -> int:
        return len(self.countries.get(cc, set()) - {key})

    def admin1_votes(self, code: str, key: str) -> int:
        return len(self.admin1.get(code, set()) - {key})


def _score(entry: GazEntry, mention: Mention, ctx: _Context | None,
           largest: int = 0, own_town: bool = False, world: str | None = None) -> tuple[float, list[str]]:
    """Rank a candidate: country names first, the asked level, then document context, then size.

    Where it fails: a small town named like a big foreign city in an article that never names its
    country ("Paris, Texas" written as "Paris" alone) goes to the big city.
    """
    why: list[str] = []
    score = math.log10(entry.population + 10) / 8
    score += _LEVEL_RANK.get(entry.level, 0.0)
    own = own_name(entry) == mention.key
    if own:
        # its own name, not a former or alternate one ("Manchester" is not Richmond, VA)
        score += _OWN_NAME_BONUS
        if entry.level == "admin1" and largest < _WORLD_CITY and entry.population > 2 * largest:
            # a state or province outranks the smaller towns named after it ("California", a village
            # in England; "Wyoming", Ohio), not a capital or a world city ("Washington", "Hanoi")
            score += _ADMIN1_OWN_NAME
            why.append("region bigger than any town of its name")
    if own and entry.level == "sub-city" and entry.population >= _BIG_DISTRICT and entry.population > largest:
        # a big part of a city by its own name, more people than any town of that name ("Hollywood",
        # Los Angeles, not Hollywood, Florida): the name means it as much as a town of that size
        score += _LEVEL_RANK["city"]
        why.append("a part of a city bigger than any town of its name")
    if entry.level in WIDE:
        score += 3.0
        why.append(f"{entry.level} name")
    if getattr(mention, "container", False) and entry.level in ("admin1", "admin2"):
        score += _CONTAINER if entry.level == "admin1" else _CONTAINER / 2
        why.append("a region after a town and a comma")
    within = getattr(mention, "within", None)
    if within and any(_contains(outer, entry) for outer in within):
        score += 2.0
        why.append(f"in {within[0].name}, named after it")
    if entry.feature_code == "PPLC":
        score += 0.2
    elif entry.feature_code == "PPLA":
        score += 0.1
    asked = mention.level or (ctx.levels.get(mention.key) if ctx else None)
    if asked:
        if entry.level == asked:
            score += 2.0 if mention.level else 1.0
            why.append(f"{asked} asked by the words" if mention.level else f"called a {asked} elsewhere")
        elif entry.level in WIDE and asked in ("city", "sub-city") and own_town:
            # "the city of Lebanon" (Pennsylvania): the words rule the country out when a town has that
            # very name (a town once called so, New Providence for "Turkey", is no reason)
            score -= _TOWN_NOT_COUNTRY if mention.level else _TOWN_NOT_COUNTRY / 2
        elif {entry.level, asked} == {"admin1", "admin2"}:
            # "district" and "province" name either level from country to country (Jordan's Karak
            # district is a governorate): a region of the other level is half what the words ask
            score += 1.0 if mention.level else 0.5
            why.append("a region, if not of the level the words ask")
        elif entry.level != "country":
            score -= 0.5
    if ctx:
        votes = ctx.country_votes(entry.country, mention.key) if entry.country else 0
        if entry.level not in WIDE and votes:
            # A world city keeps its name against a small namesake in a country the article names
            # (Paris, Texas in an American story): the namesake needs its region named too. So does
            # any namesake abroad when the article names the world city's country as well
            # (Washington, Tyne and Wear, in a story of London and the U.S.): ``world`` is that country.
            overshadowed = largest >= _WORLD_CITY and (entry.population * _NAMESAKE_RATIO < largest or (
                world is not None and entry.country != world))
            score += (0.1 if overshadowed else 0.6) + 0.1 * min(votes, 5)
            why.append(f"in {entry.country3}, which the article names")
        elif entry.level not in WIDE and not ctx.countries and entry.country \
                and ctx.leaning(mention.key) == entry.country:
            # no name of the article is sure of its country: names the tagger found that may lie in one
            # country, more than in any other, lean the same way ("Dundalk" and "Dundrum", Ireland)
            score += 0.1
            why.append(f"in {entry.country3}, where the article's other names may lie")
        if entry.level in _LOCAL and ctx.points and not _named_event(mention) \
                and (near := ctx.neighbours(entry, mention.key)):
            # local news names towns near one another: "Edmonton" beside Enfield is the London one
            score += _NEAR_BONUS
            why.append(f"near {near[0]}, which the article names")
        if entry.admin1_code and ctx.admin1_votes(f"{entry.country}.{entry.admin1_code}", mention.key) \
                and entry.level not in ("admin1", "country"):
            # counties share names across states ("Plymouth County", Iowa or Massachusetts): for a
            # district the state the article names is nearly all there is to go by
            score += 1.0 if entry.level == "admin2" and asked == "admin2" else 0.3
            why.append(f"in {entry.admin1}, which the article names")
    return score, why


def _named_event(mention: Mention) -> bool:
    """A place inside the name of an event or a work ("the Venice International Film Festival"): the
    event is named after the place everyone knows, wherever the article's other towns lie."""
    return getattr(mention, "source", None) == "embedded" and getattr(mention, "label", None) in (
        "EVENT", "WORK_OF_ART")


def _contains(outer: GazEntry, entry: GazEntry) -> bool:
    if outer.idx == entry.idx or outer.country != entry.country or entry.level in WIDE:
        return False
    if outer.level == "country":
        return True
    if outer.admin1_code != entry.admin1_code:
        return False
    return outer.level == "admin1" or outer.admin2_code == entry.admin2_code


def _resolve(mention: Mention, gaz: Gazetteer, ctx: _Context | None) -> tuple[GazEntry | None, float, str]:
    if mention.source == "abbreviation":
        return mention.within[0], 0.9, "abbreviation of a region after a town"
    span = getattr(mention, "span", None)
    # "Va.", "Man.", "Ill.": with its dot a region abbreviation outranks the towns its letters spell
    # ("Wa", "Il"); the dot keeps the rule off words ("Miss" without one stays a word or a town)
    written = dotted(span) if span is not None else ""
    abbreviated = gaz.abbreviation(written) if span is not None else None
    if abbreviated is not None and written.endswith("."):
        return abbreviated, 0.9, "abbreviation of a region"
    initials = region_initials(span, gaz) if span is not None else None
    if initials is not None and (mention.source != "embedded" or (
            ctx is not None and f"{initials.country}.{initials.admin1_code}" in ctx.regions)):
        # "BC", "PEI": a region's dotted initials written without the dots. Inside an organisation's
        # name only when the article names a place the region may hold ("FrontCounter BC ... Nelson"):
        # a club's "SC" is no South Carolina
        why = "abbreviation of a region"
        return initials, 0.9, f"{EMBEDDED}; {why}" if mention.source == "embedded" else why
    entries = [gaz.entry(i) for i in gaz.lookup(mention.key)]
    if not entries:
        if abbreviated is not None:
            return abbreviated, 0.9, "abbreviation of a region"
        return None, 0.1, "not in the gazetteer"
    largest = max((max(e.population, _WORLD_CITY if e.feature_code == "PPLC" else 0)
                   for e in entries if e.level == "city"), default=0)
    own_town = any(e.level == "city" and own_name(e) == mention.key for e in entries)
    world = next((e.country for e in entries if ctx and e.level == "city" and e.country
                  and max(e.population, _WORLD_CITY if e.feature_code == "PPLC" else 0) >= _WORLD_CITY
                  and ctx.country_votes(e.country, mention.key)), None)
    scored = sorted(((*_score(e, mention, ctx, largest, own_town, world), e) for e in entries),
                    key=lambda t: -t[0])
    best_score, why, best = scored[0]
    if len(scored) == 1:
        conf, reasons = 0.9, ["only place of that name", *why]
    else:
        margin = best_score - scored[1][0]
        conf = 0.5 + 0.4 * min(1.0, max(0.0, margin))
        reasons = [*why, f"largest-scoring of {len(scored)} places named so"]
        if best.level == "city" and own_name(best) == mention.key:
            # "Newcastle" in a British story: the short name of Newcastle upon Tyne, not the small
            # town whose whole name it is, when only that name kept the small one ahead
            bigger = [e for sc, _, e in scored[1:] if e.level == "city" and e.country == best.country
                      and e.population >= max(_SHORT_NAME_MIN, _SHORT_NAME_RATIO * best.population)
                      and best_score - sc < _OWN_NAME_BONUS + 0.05]
            if bigger:
                best = bigger[0]
                reasons.append(f"short for {best.name}, far bigger than the town of that very name")
        asked = mention.level or (ctx.levels.get(mention.key) if ctx else None)
        region = [e for _, _, e in scored if e.level in ("admin1", "admin2") and e.country == best.country
                  and e.admin1_code == best.admin1_code]
        if not asked and region and best.level in ("admin1", "admin2", "city") \
                and not getattr(mention, "container", False):
            # the town of that very name: "Idlib" is the city of Idlib, "Montana" no Montana City
            seat = [e for _, _, e in scored if e.level == "city" and e.country == best.country
                    and e.admin1_code == best.admin1_code and normalise_placename(e.name) == mention.key]
            if seat:
                best = seat[0]
                reasons.append(f"a bare name of both a town and its {region[0].level} is taken as the "
                               "town; 'province'/'district' next to it would ask for the region")
    if mention.source == "gazetteer" and best.level == "city" and best.population < _MIN_POP_UNTAGGED \
            and not (ctx and ctx.country_votes(best.country, mention.key)):
        return None, 0.0, "small town found by the gazetteer alone, outside the article's countries"
    if mention.source == "embedded":
        reasons.insert(0, EMBEDDED)
    return best, round(conf, 3), "; ".join(reasons)


def _resolve_all(mentions: list[Mention], gaz: Gazetteer,
                 ctx: _Context | None) -> list[tuple[GazEntry | None, float, str]]:
    """``_resolve`` for each mention, once per distinct name: an article repeats its places."""
    done: dict[tuple[object, ...], tuple[GazEntry | None, float, str]] = {}
    out = []
    for m in mentions:
        key = (m.key, m.level, m.source, m.span.text, tuple(e.idx for e in m.within), m.container)
        hit = done.get(key)
        if hit is None:
            hit = done[key] = _resolve(m, gaz, ctx)
        out.append(hit)
    return out


def _regions_of_names(mentions: list[Mention], gaz: Gazetteer) -> set[str]:
    """The states and provinces ("CC.A1") that hold a town or district of any name of the article."""
    out: set[str] = set()
    for key in {m.key for m in mentions}:
        out.update(f"{e.country}.{e.admin1_code}" for e in (gaz.entry(i) for i in gaz.lookup(key))
                   if e.level in _LOCAL and e.admin1_code)
    return out


def _context(mentions: list[Mention], results: list[tuple[GazEntry | None, float, str]]) -> _Context:
    """What a pass found, as context for the next: confident countries and regions, every town."""
    ctx = _Context({}, {}, {})
    for m, (entry, conf, _) in zip(mentions, results, strict=True):
        if m.level:
            ctx.levels.setdefault(m.key, m.level)
        if entry is not None and entry.level in _LOCAL:
            # every guess, even an unsure one: two guesses that lie together confirm each other
            ctx.points.append((entry.lat, entry.lon, m.key))
        if entry is not None and entry.country and entry.level != "country" \
                and m.source in ("ner", "relabel", "dateline"):
            ctx.guesses.setdefault(entry.country, set()).add(m.key)
        if entry is None or conf < 0.6 or not entry.country:
            continue
        ctx.countries.setdefault(entry.country, set()).add(m.key)
        if entry.level != "country" and entry.admin1_code:
            ctx.admin1.setdefault(f"{entry.country}.{entry.admin1_code}", set()).add(m.key)
    return ctx


def _district_points(results: list[tuple[GazEntry | None, float, str]],
                     gaz: Gazetteer) -> dict[int, GazEntry]:
    """Districts that have no point of their own (no member town in the gazetteer: the builder put
    them at their state's point) take the point of the town of their state that the article names
    nearest to them ("the Plymouth County Sheriff's Office ... near Hinton"): local news names the
    district's towns. Returns result index -> that town."""
    out: dict[int, GazEntry] = {}
    for k, (entry, _, _) in enumerate(results):
        if entry is None or entry.level != "admin2":
            continue
        region = gaz.admin1(entry.country, entry.admin1_code)
        if region is None or (entry.lat, entry.lon) != (region.lat, region.lon):
            continue
        towns = [(abs(j - k), j, town) for j, (town, _, _) in enumerate(results)
                 if town is not None and town.level == "city" and town.country == entry.country
                 and town.admin1_code == entry.admin1_code]
        if towns:
            out[k] = min(towns, key=lambda t: (t[0], t[1]))[2]
    return out


def _regions_holding_towns(mentions: list[Mention], results: list[tuple[GazEntry | None, float, str]],
                           gaz: Gazetteer) -> None:
    """"Atlanta, Georgia": the name after a town and a comma is the region that holds the town. When
    the town resolved inside one of that name's places and the name did not resolve to it (the
    country Georgia), it becomes that place: the state of Georgia."""
    for n in range(1, len(mentions)):
        first, second = mentions[n - 1], mentions[n]
        town, region = results[n - 1][0], results[n][0]
        if not first.within or town is None or region is None or town.level in WIDE \
                or second.span.start != first.span.end + 1 or _contains(region, town):
            continue
        if region.level not in WIDE and not second.container:
            continue  # "Montreal, Quebec City and Halifax": towns in a list
        holders = [e for e in (gaz.entry(i) for i in gaz.lookup(second.key))
                   if e.level in ("admin1", "admin2") and _contains(e, town)]
        if holders:
            best = min(holders, key=lambda e: (e.level != "admin1", -e.population))
            results[n] = (best, 0.8, f"holds {town.name}, named before it with a comma")


def _one_place_per_name(mentions: list[Mention], results: list[tuple[GazEntry | None, float, str]]) -> None:
    """"COLUMBIA, Ky. - ... was taken to a hospital in Columbia": an article means one place by one
    name. Where a town is named with its region after a comma and resolves inside it, the bare
    repeats of its name are that town too (the region is not repeated each time)."""
    settled: dict[str, tuple[GazEntry, str]] = {}
    for n, (m, (entry, _, _)) in enumerate(zip(mentions, results, strict=True)):
        region = mentions[n + 1] if n + 1 < len(mentions) else None
        # the region must be one ("Columbia, Ky."), not the next town of a list ("Washington, New York
        # and Boston")
        if m.within and entry is not None and region is not None and region.container \
                and any(_contains(outer, entry) for outer in m.within):
            settled.setdefault(m.key, (entry, m.span.text))
    _bare_repeats(mentions, results, settled, lambda m, town, written: (
        f"named with its region elsewhere in the article ({written}, {town.admin1 or town.country3})"))


def _bare_repeats(mentions: list[Mention], results: list[tuple[GazEntry | None, float, str]],
                  settled: dict[str, tuple[GazEntry, str]],
                  why: Callable[[Mention, GazEntry, str], str], *, before_region: bool = True) -> None:
    """Give each bare repeat of a settled name (no region it lies within, no level word) the settled
    place, as written there, with a score of at most 0.8 and the reason ``why(mention, place,
    written)``. ``before_region``: also a repeat that a region follows after a comma."""
    for n, (m, (entry, conf, _)) in enumerate(zip(mentions, results, strict=True)):
        hit = settled.get(m.key)
        if hit is None or m.within or m.level or entry is None or entry.idx == hit[0].idx:
            continue
        if not before_region and n + 1 < len(mentions) and mentions[n + 1].container:
            continue
        place, written = hit
        results[n] = (place, round(min(conf, 0.8), 3), why(m, place, written))


def _regions_named_by_abbreviation(mentions: list[Mention],
                                   results: list[tuple[GazEntry | None, float, str]]) -> None:
    """"CAMP MURRAY, Wash. - ... his team's focus has been at home in Washington": a region the article
    names by its abbreviation is what a bare repeat of its full name means, not the town of that name
    it resolved to (the capital). A name with a region after a comma ("Washington, D.C.") or a level
    word keeps its own reading."""
    regions: dict[str, tuple[GazEntry, str]] = {}
    for m, (entry, _, reason) in zip(mentions, results, strict=True):
        if entry is not None and entry.level == "admin1" and reason.startswith(
                "abbreviation of a region") and m.key != own_name(entry):
            regions.setdefault(own_name(entry), (entry, m.span.text))

    def why(m: Mention, _region: GazEntry, written: str) -> str:
        reason = f"the region the article names as {written}, not a place of that name"
        return f"{EMBEDDED}; {reason}" if m.source == "embedded" else reason

    _bare_repeats(mentions, results, regions, why, before_region=False)


_LIST_WORDS = frozenset({",", "and", "or", "&"})


def _regions_in_lists(mentions: list[Mention], results: list[tuple[GazEntry | None, float, str]],
                      gaz: Gazetteer) -> None:
    """"States such as California or Washington": names in one list are things of one kind. A name
    listed next to a state or province of a country, that names a region of that country by its own
    name too, is that region, not the town it resolved to (the capital, Washington). A name with a
    region after a comma ("Washington, D.C.") keeps its town."""
    for n, (mention, (entry, _, _)) in enumerate(zip(mentions, results, strict=True)):
        if entry is None or entry.level not in _LOCAL or mention.within or mention.level:
            continue
        doc = mention.span.doc
        beside = []
        for k in (n - 1, n + 1):
            if 0 <= k < len(mentions):
                first, second = (mentions[k], mention) if k < n else (mention, mentions[k])
                between = doc[first.span.end: second.span.start]
                other = results[k][0]
                if len(between) and all(t.lower_ in _LIST_WORDS for t in between) and other is not None \
                        and other.level == "admin1" and not mentions[k].container:
                    beside.append(other)
        regions = [e for e in (gaz.entry(i) for i in gaz.lookup(mention.key)) if e.level == "admin1"
                   and own_name(e) == mention.key and any(b.country == e.country for b in beside)]
        if regions:
            results[n] = (regions[0], 0.7, f"listed with {beside[0].name}, a region of the same country")


def _place(mention: Mention, entry: GazEntry | None, score: float, reason: str) -> Place:
    span = mention.span
    if entry is None:
        # the words around it still say what it is ("the Aziziyah district", "the village of X")
        level = mention.level or ("sub-city" if mention.label == "FAC" else None)
        return Place(entity_text=span.text, start=span.start_char, end=span.end_char, score=score,
                     resolution=level, reason=reason)
    return Place(entity_text=span.text, start=span.start_char, end=span.end_char, name=entry.name,
                 geonameid=entry.geonameid, lat=round(entry.lat, 5), lon=round(entry.lon, 5),
                 country=entry.country3 or None, admin1=entry.admin1 if entry.level not in WIDE else None,
                 admin2=entry.admin2_code or None, feature_code=entry.feature_code,
                 resolution=entry.level, score=score, reason=reason)


def geoparse(doc: Doc, gaz: Gazetteer | None = None) -> list[Place]:
    """Places mentioned in ``doc``, sorted by start offset. Unresolved NER toponyms are kept with
    ``geonameid`` None; gazetteer-only matches that do not resolve are dropped.

    Resolution runs twice: without context, then with what the first pass found (countries, regions,
    nearby towns), so that a confident name settles the doubtful ones around it. A third pass was
    measured and gains nothing."""
    places = _geoparse(doc, gaz or load_gazetteer())
    forget(doc)  # the token list read above does not outlive the geoparse in a Doc the caller keeps
    return places


def _geoparse(doc: Doc, gaz: Gazetteer) -> list[Place]:
    """``geoparse`` leaving the Doc's caches (``nlp.doccache``) for the caller to forget."""
    mentions = find_toponyms(doc, gaz)
    regions = _regions_of_names(mentions, gaz)
    ctx = _context(mentions, _resolve_all(mentions, gaz, _Context({}, {}, {}, regions=regions)))
    ctx.regions = regions
    results = _resolve_all(mentions, gaz, ctx)
    _regions_holding_towns(mentions, results, gaz)
    _regions_in_lists(mentions, results, gaz)
    _one_place_per_name(mentions, results)
    _regions_named_by_abbreviation(mentions, results)
    moved = _district_points(results, gaz)
    places = []
    for k, (m, (entry, conf, reason)) in enumerate(zip(mentions, results, strict=True)):
        if entry is None and m.source not in ("ner", "syntax"):
            continue
        place = _place(m, entry, conf, reason)
        if k in moved:
            town = moved[k]
            place = replace(place, lat=round(town.lat, 5), lon=round(town.lon, 5), score=round(conf * 0.8, 3),
                            reason=f"{reason}; no point of its own: placed at {town.name}, which the article "
                                   "names in its state")
        places.append(place)
    _inside_containers(places, doc)
    _possessed_by_towns(places, doc)
    _article_focus(places, doc)
    return places


def _article_focus(places: list[Place], doc: Doc) -> None:
    """A name the words call a place but the gazetteer lacks ("Frenchmen Street", "Lake Manassas",
    "Rogers Centre") and that no named town stands beside takes the point of the article's focus: the
    town it names most often in the country it names most, among equals the one with most of the
    article's other towns around it (then the first), so that a foreign town the story passes through
    ("flights from London") or a namesake far from the story's towns is not where its unknown streets
    are. Local
    news is about one town, and its streets, parks and buildings lie in or near it; a wrong guess
    costs nothing that no point did not cost already. Fails for an article that roams (a travel
    piece, a national round-up); the score says how little the point is worth, and ``geonameid``
    stays None. With no town named on its own, the town a body of the article is named after
    counts."""
    counts: dict[tuple[str | None, float, float], int] = {}
    first: dict[tuple[str | None, float, float], Place] = {}
    countries: dict[str | None, int] = {}
    resolved = [p for p in places if p.geonameid is not None]
    named = [p for p in resolved if not (p.reason or "").startswith(EMBEDDED)]
    if not any(p.resolution in _LOCAL for p in named):
        # no town named on its own: the town a local body is named after ("the Winnipeg Fire
        # Paramedic Service") is where its streets are
        named = resolved
    for p in named:
        countries[p.country] = countries.get(p.country, 0) + 1
        if p.lat is not None and p.lon is not None and p.resolution in _LOCAL:
            key = (p.name, p.lat, p.lon)
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, p)
    if not counts:
        return

    def neighbours(key: tuple[str | None, float, float]) -> int:
        # other towns of the article within _NEAR_DEG: local news names towns near one another
        _, lat, lon = key
        dlon = _NEAR_DEG / max(0.2, math.cos(math.radians(lat)))
        return sum(1 for other in counts if other != key and abs(other[1] - lat) < _NEAR_DEG
                   and abs(other[2] - lon) < dlon)

    focus = first[max(counts, key=lambda k: (countries[first[k].country], counts[k], neighbours(k)))]
    for i, place in enumerate(places):
        if place.lat is None and not _measured_from_a_place(place, places, doc):
            places[i] = replace(place, name=place.entity_text, lat=focus.lat, lon=focus.lon,
                                country=focus.country, admin1=focus.admin1, score=round(focus.score * 0.3, 3),
                                reason=f"{place.reason}; placed at {focus.name}, the article's main town")


def _inside_containers(places: list[Place], doc: Doc) -> None:
    """A name the gazetteer lacks but the words call a neighbourhood, village or facility takes the
    point of the town named right with it ("al-Zahawi school in western Baghdad", "Mecca's Al-Nur
    hospital", "the Thantho district of Yala province"): it lies inside that town, so the town's point
    is the best one known. The resolution stays the finer level. Looks three tokens before (possessive,
    compound) and seven after ("in", ",", "of"), within the sentence; a country is too coarse."""
    resolved = [p for p in places if p.lat is not None and p.resolution not in ("country", "region")]
    for i, place in enumerate(places):
        if place.lat is not None or place.resolution not in ("sub-city", "city", "admin2"):
            continue
        span = doc.char_span(place.start, place.end, alignment_mode="expand")
        if span is None:
            continue
        sent = span.sent
        lo = doc[max(sent.start, span.start - 3)].idx
        hi_tok = doc[min(sent.end, span.end + 7) - 1]
        hi = hi_tok.idx + len(hi_tok.text)
        near = [p for p in resolved if lo <= p.start < hi and p.start != place.start
                and not any(t.lower_ in _BEARINGS for t in doc[span.end:doc.char_span(
                    p.start, p.end, alignment_mode="expand").start])]
        if not near:
            continue
        host = min(near, key=lambda p: (p.start < place.start, abs(p.start - place.start)))
        places[i] = replace(place, name=place.entity_text, lat=host.lat, lon=host.lon, country=host.country,
                            admin1=host.admin1, admin2=host.admin2, score=round(host.score * 0.8, 3),
                            reason=f"not in the gazetteer; inside {host.name}, whose point it takes")


def _possessed_by_towns(places: list[Place], doc: Doc) -> None:
    """"London's Heathrow", "Cairo's Abbasiya neighbourhood": a place named with a town's possessive
    before it lies in that town. When it resolved to a namesake far away (Heathrow, Florida), it takes
    the town's point instead, at the finer level. Only right after "<town>'s": a looser link ("an office
    in Cairo near Heathrow") says nothing of the kind."""
    by_end = {p.end: p for p in places if p.lat is not None and p.resolution == "city" and p.geonameid}
    for i, place in enumerate(places):
        if place.resolution not in ("city", "sub-city") or place.lat is None:
            continue
        span = doc.char_span(place.start, place.end, alignment_mode="expand")
        if span is None or span.start < 2 or doc[span.start - 1].tag_ != "POS":
            continue
        host = by_end.get(doc[span.start - 2].idx + len(doc[span.start - 2]))
        if host is None or host is place or host.lat is None or host.lon is None:
            continue
        dlon = _NEAR_DEG / max(0.2, math.cos(math.radians(host.lat)))
        if abs(place.lat - host.lat) < _NEAR_DEG and abs((place.lon or 0) - host.lon) < dlon:
            continue  # already in or by the town
        places[i] = replace(place, name=place.entity_text, geonameid=None, lat=host.lat, lon=host.lon,
                            country=host.country, admin1=host.admin1, admin2=host.admin2, feature_code=None,
                            resolution="sub-city", score=round(host.score * 0.8, 3),
                            reason=f"named as {host.name}'s, so inside it, whose point it takes; not "
                                   f"{place.name} far away")


def _measured_from_a_place(place: Place, places: list[Place], doc: Doc) -> bool:
    """Is the place given by its bearing from another ("Kafr Nabudah, 40 km northwest of Hama")? Then
    the words say it is not at that place, and no other point is better than none."""
    span = doc.char_span(place.start, place.end, alignment_mode="expand")
    if span is None:
        return False
    window = doc[span.end: min(span.sent.end, span.end + 8)]
    bearing = next((t for t in window if t.lower_ in _BEARINGS), None)
    if bearing is None:
        return False
    return any(p.lat is not None and bearing.idx < p.start <= window.end_char for p in places)


def resolve_placename(text: str, *, country: str | None = None, level: str | None = None,
                      settings: Settings | None = None) -> Place | None:
    """Resolve a bare place name outside any Doc (a user query, a gold label). ``country`` (ISO2/3)
    acts as document context; ``level`` as the asked level."""
    gaz = load_gazetteer(settings)
    name, asked = split_level(text)
    key = normalise_placename(name)
    if not gaz.lookup(key):
        return None
    ctx = _Context({}, {}, {})
    if country:
        found = gaz.country(country)
        if found:
            ctx.countries[found.country] = {"\x00query"}
    nlp_free = _FreeMention(text, key, level or asked)
    entry, conf, reason = _resolve(nlp_free, gaz, ctx)  # type: ignore[arg-type]
    if entry is None:
        return None
    return Place(entity_text=text, start=0, end=len(text), name=entry.name, geonameid=entry.geonameid,
                 lat=round(entry.lat, 5), lon=round(entry.lon, 5), country=entry.country3 or None,
                 admin1=entry.admin1 if entry.level not in WIDE else None, feature_code=entry.feature_code,
                 resolution=entry.level, score=conf, reason=reason)


@dataclass
class _FreeMention:
    text: str
    key: str
    level: str | None
    source: str = "query"
    within: tuple[GazEntry, ...] = ()


class PlaceResolver:
    """The ``eventlens_places`` component: sets ``Doc._.places`` and lets confident gazetteer places
    that spaCy called PERSON/ORG/NORP (or missed) become GPE entities. Known actors (``ent_id_``) are
    never relabelled."""

    def __init__(self, name: str, *, gazetteer: str | None, user_gazetteers: Iterable[str],
                 relabel: bool, min_relabel_score: float) -> None:
        self.name = name
        self.settings = Settings(gazetteer=gazetteer or None, user_gazetteers=tuple(user_gazetteers))
        self.relabel = relabel
        self.min_relabel_score = min_relabel_score
        self._gaz: Gazetteer | None = None

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gaz is None:
            self._gaz = load_gazetteer(self.settings)
        return self._gaz

    def __call__(self, doc: Doc) -> Doc:
        places = _geoparse(doc, self.gazetteer)
        doc._.places = places
        if self.relabel:
            self._relabel(doc, places)  # reads the token list the geoparse made (``trim_span``)
        forget(doc)  # the caches do not outlive the component in a Doc the caller keeps
        return doc

    def _relabel(self, doc: Doc, places: list[Place]) -> None:
        confident = {(p.start, p.end) for p in places
                     if p.geonameid is not None or p.lat is not None if p.score >= self.min_relabel_score}
        if not confident:
            return
        ents = list(doc.ents)
        new_ents: list[Span] = []
        changed = False
        for ent in ents:
            span = trim_span(ent)
            where = (span.start_char, span.end_char)
            if not ent.ent_id_ and ent.label_ in RELABEL_FROM and where in confident:
                new_ents.append(Span(doc, ent.start, ent.end, label="GPE"))
                changed = True
            else:
                new_ents.append(ent)
        covered = {i for ent in new_ents for i in range(ent.start, ent.end)}
        for start, end in confident:
            span = doc.char_span(start, end)
            if span is not None and not any(i in covered for i in range(span.start, span.end)):
                new_ents.append(Span(doc, span.start, span.end, label="GPE"))
                changed = True
        if changed:
            doc.ents = sorted(new_ents, key=lambda s: s.start)


def _ensure_extension() -> None:
    if not Doc.has_extension("places"):
        Doc.set_extension("places", default=None)


@Language.factory(
    "eventlens_places",
    default_config={"gazetteer": None, "user_gazetteers": [], "relabel": True, "min_relabel_score": 0.6},
    assigns=["doc._.places", "doc.ents"],
    requires=["doc.ents"],
)
def make_place_resolver(nlp: Language, name: str, *, gazetteer: str | None, user_gazetteers: list[str],
                        relabel: bool, min_relabel_score: float) -> PlaceResolver:
    _ensure_extension()
    return PlaceResolver(name, gazetteer=gazetteer, user_gazetteers=user_gazetteers, relabel=relabel,
                         min_relabel_score=min_relabel_score)


def token_places(places: Iterable[Place], doc: Doc) -> dict[int, Place]:
    """Token index -> place covering it (for rules that walk the parse)."""
    out: dict[int, Place] = {}
    for place in places:
        span = doc.char_span(place.start, place.end, alignment_mode="expand")
        if span is not None:
            for tok in span:
                out[tok.i] = place
    return out


__all__ = ["PLACE_LABELS", "Mention", "PlaceResolver", "find_toponyms", "geoparse",
           "resolve_placename", "token_places"]
