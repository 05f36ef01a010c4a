"""Group event mentions into clusters, one per real event, independently of input order.

The method is greedy agglomeration with complete linkage on the hard rules: every compatible pair
above the threshold is a candidate link; links are taken best first (ties broken by the mention ids,
never by input order), and two groups merge only if *every* pair across them is compatible. Complete
linkage is what keeps a country-level mention ("strikes in Syria") from chaining two different towns
into one event. Existing clusters (from earlier runs) take part as fixed groups: new mentions may join
them, but two stored clusters are never merged or split, so cluster ids stay stable across runs.

Candidates are blocked before any comparison: by type group, then by location country (mentions with no
country meet every country of their group), then by a sweep over date ranges, so a store of a few
thousand events clusters in seconds.

Reprints are compared once (``units``): fresh mentions with one profile (``compare.PairCache``), from
different articles, that link to one another more strongly than any of them links to anything else,
are one group from the start. That is exactly what the greedy pass would make of them (their links
come first, and only they take part in them), so the clusters are those of the mention-by-mention
pass; a corpus of 100,000 articles with a thousand copies of each report then costs what its distinct
reports cost. A unit holds at most one copy per article: an article that repeats a report gives a
second unit of the second copies. Where the condition fails (a tie with another report, an incompatible
pair), the copies stay single mentions and cost what they did.
"""
from __future__ import annotations

import logging
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..records import stable_id
from .compare import PairCache, Rules, load_rules
from .mentions import Mention

log = logging.getLogger(__name__)


@dataclass
class Cluster:
    """A group of mentions of one event. ``scores`` is each member's best similarity to another member
    (1.0 for a singleton); ``stored`` marks a cluster read back from the store."""

    id: str
    members: list[Mention]
    scores: dict[str, float] = field(default_factory=dict)
    stored: bool = False
    changed: bool = True

    @property
    def member_ids(self) -> list[str]:
        return [m.id for m in self.members]


def cluster_id_for(mentions: Iterable[Mention]) -> str:
    """A new cluster's id: from its smallest member id, so that it does not depend on input order."""
    return stable_id("clu", min(m.id for m in mentions))


@dataclass(eq=False)
class _Unit:
    """Mentions that enter the greedy pass as one: a single mention, or reprints with one profile (in
    distinct articles) that are one group from the start. ``rep`` is the member with the smallest id;
    ``cluster`` the number of the stored cluster a stored unit belongs to."""

    members: list[Mention]
    fresh: bool
    cluster: int = -1
    rep: Mention = field(init=False)
    docs: dict[str, Mention] = field(init=False)  # article id -> the member from it (one per article)

    def __post_init__(self) -> None:
        self.members.sort(key=lambda m: m.id)
        self.rep = self.members[0]
        self.docs = {m.doc_id: m for m in self.members}

    def has_other_doc(self, doc_id: str) -> bool:
        """Is there a member from an article other than ``doc_id``?"""
        return len(self.docs) > 1 or doc_id not in self.docs


def _first_pair(u: _Unit, v: _Unit, cross: float, same: float) -> tuple[float, str, str] | None:
    """The pair between the two units that the greedy pass would take first (highest score, then
    smallest ids), among those that link; None if none does. Only that pair matters: once it is taken,
    the two are one group or can never be (groups only grow, and an incompatible pair stays).
    ``cross`` and ``same``: the link of the two units' profiles from different articles and from one
    (``PairCache.link_as``; -1.0 where they do not link)."""
    found: list[tuple[float, str, str]] = []
    if len(u.docs) == 1 and len(v.docs) == 1:  # two single mentions (or one article's copies)
        x, y = u.rep, v.rep
        score = same if x.doc_id == y.doc_id else cross
        if score < 0.0:
            return None
        return (score, x.id, y.id) if x.id < y.id else (score, y.id, x.id)
    if len(u.docs) <= len(v.docs):
        shared = [d for d in u.docs if d in v.docs]
    else:
        shared = [d for d in v.docs if d in u.docs]
    if shared and same >= 0.0:
        found.append(min((same, *sorted((u.docs[d].id, v.docs[d].id))) for d in shared))
    if cross >= 0.0:
        # The smallest pair from different articles lies among the first two members of each side:
        # of any two members of one side at most one shares the other member's article.
        found.append(min((cross, *sorted((x.id, y.id))) for x in u.members[:2] for y in v.members[:2]
                         if x.doc_id != y.doc_id))
    if not found:
        return None
    return min(found, key=lambda t: (-t[0], t[1], t[2]))


class _PairList:
    """Candidate links kept as parallel arrays (a score, the two mention ids as their ranks in id order,
    the two units as indices): about 40 bytes a link where a list of tuples takes 150. A dense store
    has millions of links in one part; this is what they cost."""

    def __init__(self, units: Sequence[_Unit], rank: dict[str, int]) -> None:
        self.units = list(units)
        self._index = {id(u): i for i, u in enumerate(self.units)}
        self._rank = rank
        self.score = array("d")
        self.first = array("q")
        self.second = array("q")
        self.u = array("q")
        self.v = array("q")

    def add(self, score: float, id_a: str, id_b: str, u: _Unit, v: _Unit) -> None:
        self.score.append(score)
        self.first.append(self._rank[id_a])
        self.second.append(self._rank[id_b])
        self.u.append(self._index[id(u)])
        self.v.append(self._index[id(v)])

    def __len__(self) -> int:
        return len(self.score)

    def neighbours(self) -> Callable[[_Unit], Iterator[tuple[float, _Unit]]]:
        """Each unit's links as (score, other unit), from arrays ordered by unit (about 50 bytes a link,
        where a list of tuples per unit takes 200)."""
        n = len(self.units)
        us = np.frombuffer(self.u, dtype=np.int64)
        vs = np.frombuffer(self.v, dtype=np.int64)
        scores = np.frombuffer(self.score, dtype=np.float64)
        source = np.concatenate((us, vs))
        order = np.argsort(source, kind="stable")
        target = np.concatenate((vs, us))[order]
        score = np.concatenate((scores, scores))[order]
        starts = np.concatenate(([0], np.cumsum(np.bincount(source, minlength=n)))).tolist()
        del source, order
        units, index = self.units, self._index

        def of(unit: _Unit) -> Iterator[tuple[float, _Unit]]:
            i = index[id(unit)]
            lo, hi = starts[i], starts[i + 1]
            return zip(score[lo:hi].tolist(), [units[j] for j in target[lo:hi].tolist()], strict=True)

        return of

    def best_first(self) -> Iterator[tuple[float, _Unit, _Unit]]:
        """Highest score first, ties by the two mention ids: the greedy pass's order."""
        if not len(self.score):
            return
        order = np.lexsort((np.frombuffer(self.second, dtype=np.int64),
                            np.frombuffer(self.first, dtype=np.int64),
                            -np.frombuffer(self.score, dtype=np.float64)))
        units, score, us, vs = self.units, self.score, self.u, self.v
        for k in order.tolist():
            yield score[k], units[us[k]], units[vs[k]]


def _unit_pairs(units: Sequence[_Unit], rules: Rules, cache: PairCache, rank: dict[str, int]) -> _PairList:
    """The first linking pair of every two units that can link, at least one of them fresh: the
    candidate pairs of the greedy pass, one per two units."""
    blocks: dict[tuple[str, str | None], list[_Unit]] = defaultdict(list)
    undated: dict[tuple[str, str], list[_Unit]] = defaultdict(list)
    groups: dict[str, set[str | None]] = defaultdict(set)
    by_doc: dict[str, list[_Unit]] = defaultdict(list)
    for u in units:
        m = u.rep
        group = rules.group(m.event)
        if m.earliest is None or m.latest is None:
            for doc_id in u.docs:
                undated[(group, doc_id)].append(u)
        blocks[(group, m.country)].append(u)
        groups[group].add(m.country)
        for doc_id in u.docs:
            by_doc[doc_id].append(u)

    out = _PairList(units, rank)

    def consider(u: _Unit, v: _Unit) -> None:
        if u.fresh or v.fresh:
            first = _first_pair(u, v, cache.link_as(u.rep, v.rep, False), cache.link_as(u.rep, v.rep, True))
            if first is not None:
                out.add(*first, u, v)

    def meet(a: list[_Unit], b: list[_Unit] | None) -> None:
        """The unit pairs of two buckets of one profile each (or of one bucket with itself): two lookups
        give the link of every pair (from different articles, from one), and if mentions of the two
        profiles from different articles cannot link, only the pairs sharing an article are looked at.
        Copies that can never link to one another (a place without coordinates is not "near" itself)
        so cost two lookups, not one per pair."""
        other = a if b is None else b
        cross = cache.link_as(a[0].rep, other[0].rep, False)
        same = cache.link_as(a[0].rep, other[0].rep, True)

        def pair(u: _Unit, v: _Unit) -> None:
            if u.fresh or v.fresh:
                first = _first_pair(u, v, cross, same)
                if first is not None:
                    out.add(*first, u, v)

        if cross >= 0.0:
            if b is None:
                for i, u in enumerate(a):
                    for v in a[i + 1:]:
                        pair(u, v)
            else:
                for u in a:
                    for v in b:
                        pair(u, v)
            return
        if same < 0.0:
            return
        index: dict[str, list[_Unit]] = defaultdict(list)
        for v in other:
            for doc_id in v.docs:
                index[doc_id].append(v)
        met: set[tuple[int, int]] = set()
        for u in a:
            for doc_id in u.docs:
                for v in index.get(doc_id, ()):
                    key = (id(u), id(v)) if id(u) < id(v) else (id(v), id(u))
                    if u is not v and key not in met:
                        met.add(key)
                        pair(u, v)

    def sweep(left: list[_Unit], right: list[_Unit] | None) -> None:
        """Units with overlapping date ranges, within one list or across two, by sorting on the start;
        units of one profile go as one bucket. Each two dated units meet in exactly one sweep: the
        blocks split them by type group and country, and only the blocks without a country are swept
        against the others."""
        buckets: dict[tuple[int, int], list[_Unit]] = defaultdict(list)
        for side, us in enumerate((left, right or [])):
            for u in us:
                if u.rep.earliest and u.rep.latest:
                    buckets[(side, cache.profile(u.rep))].append(u)
        dated = [(us[0].rep.earliest, side, min(u.rep.id for u in us), us[0].rep.latest, us)
                 for (side, _), us in buckets.items()]
        dated.sort(key=lambda t: (t[0], t[1], t[2]))
        for i, (_, side_a, _, latest, us) in enumerate(dated):
            if right is None and len(us) > 1:
                meet(us, None)
            for start, side_b, _, _, vs in dated[i + 1:]:
                if start > latest:
                    break
                if right is not None and side_a == side_b:
                    continue
                meet(us, vs)

    for (group, country), block in blocks.items():
        if country is None:
            continue
        sweep(block, None)
        if None in groups[group]:
            sweep(block, blocks[(group, None)])
    for (_group, country), block in blocks.items():
        if country is None:
            sweep(block, None)
    seen: set[tuple[int, int]] = set()
    for (_group, doc_id), block in undated.items():
        # Undated mentions meet only mentions of their own article (``dates_overlap``); two undated
        # units of one article meet from both sides, so these pairs are deduplicated.
        for u in block:
            for v in by_doc[doc_id]:
                if u is v:
                    continue
                key = (id(u), id(v)) if id(u) < id(v) else (id(v), id(u))
                if key not in seen:
                    seen.add(key)
                    consider(u, v)
    return out


def _slots(copies: Sequence[Mention]) -> list[list[Mention]]:
    """Copies of one profile in lists that hold at most one copy per article: the first copy of each
    article (in id order), then the second of those that hold two, and so on. A report an article
    repeats (the same sentence twice, reprinted with it) so gives two units, not a single mention
    per copy."""
    per_doc: dict[str, list[Mention]] = defaultdict(list)
    for m in sorted(copies, key=lambda m: m.id):
        per_doc[m.doc_id].append(m)
    slots: list[list[Mention]] = []
    for ms in per_doc.values():
        for j, m in enumerate(ms):
            if j == len(slots):
                slots.append([])
            slots[j].append(m)
    return slots


def _stored_units(stored: Sequence[Sequence[Mention]], cache: PairCache) -> list[_Unit]:
    """The members of each stored cluster as units: one per profile and slot (``_slots``). A stored
    cluster is one group from the start and takes part in no link of its own members, so a unit of
    its copies links, blocks and merges exactly as its members one by one would; a cluster of a
    thousand reprints costs what its distinct reports cost."""
    out: list[_Unit] = []
    for n, members in enumerate(stored):
        by_profile: dict[int, list[Mention]] = defaultdict(list)
        for m in members:
            by_profile[cache.profile(m)].append(m)
        for copies in by_profile.values():
            out.extend(_Unit(slot, False, n) for slot in _slots(copies))
    return out


def _units(fresh: list[Mention], stored: Sequence[Sequence[Mention]], rules: Rules, cache: PairCache,
           rank: dict[str, int] | None = None
           ) -> tuple[list[_Unit], list[list[_Unit]], _PairList | None]:
    """The units of the greedy pass (reprints, single mentions, the stored clusters' units), the sets
    of units that are one group from the start, and the candidate pairs of those units when they were
    already computed here (every unit of reprints kept: the same units, so the same pairs).
    ``stored``: the members of each stored cluster.

    Fresh mentions with one profile from distinct articles (one slot, ``_slots``) form a unit when
    they link to one another.
    A set S of fresh units is one group from the start when every two of its mentions are compatible
    and its units are connected by links scoring above everything any of them links to outside S (and
    each unit's copies link to one another above that too): the greedy pass then takes those links
    before any link leaving S, and nothing else joins S meanwhile, so S is one group when the pass
    reaches anything else. S is found from each unit of reprints by adding whatever links to it at
    least as strongly as its weakest tie so far (two reports of one sentence, reprinted together,
    tie with each other); a stored cluster it reaches joins it whole. Where that fails (an
    incompatible pair inside, two stored clusters reached, too many units), the reprints stay single
    mentions. Two slots of one profile meet under the rules of one article (the copies an article
    repeats) and of two, as any two units do."""
    by_profile: dict[int, list[Mention]] = defaultdict(list)
    for m in fresh:
        by_profile[cache.profile(m)].append(m)
    singles = _stored_units(stored, cache)
    reprints: list[_Unit] = []
    for copies in by_profile.values():
        for slot in _slots(copies):
            if len(slot) >= 2 and cache.link(slot[0], slot[1]) >= 0.0:
                reprints.append(_Unit(slot, True))
            else:
                singles.extend(_Unit([m], True) for m in slot)
    if not reprints:
        return singles, [], None
    if rank is None:
        rank = {mid: n for n, mid in enumerate(sorted([m.id for ms in stored for m in ms]
                                                      + [m.id for m in fresh]))}
    pairs = _unit_pairs(singles + reprints, rules, cache, rank)
    links = pairs.neighbours()
    clusters: dict[int, list[_Unit]] = defaultdict(list)  # stored cluster -> its units
    for u in singles:
        if not u.fresh:
            clusters[u.cluster].append(u)
    own = {id(u): cache.link(u.members[0], u.members[1]) for u in reprints}
    # Once a dissolved unit, a unit takes part in no seed group; a seed group found earlier joins a
    # later one that reaches it (the union is checked as a whole). A seed group that merely links to a
    # dissolved unit stays valid: the single copies link to it no more strongly than their unit did.
    taken: set[int] = set()
    seed_of: dict[int, int] = {}
    found: list[list[_Unit] | None] = []
    dissolved = False
    for start in sorted(reprints, key=lambda u: u.rep.id):
        if id(start) in taken:
            continue
        grown = _seed_group(start, links, own, taken, seed_of, found, clusters, cache)
        if grown is None:
            taken.add(id(start))
            singles.extend(_Unit([m], True) for m in start.members)
            dissolved = True
            continue
        group, absorbed = grown
        for k in absorbed:
            found[k] = None
        for u in group:
            taken.add(id(u))
            seed_of[id(u)] = len(found)
        found.append(group)
    seeds = [group for group in found if group is not None]
    in_seeds = {id(u) for group in seeds for u in group}
    singles = [u for u in singles if id(u) not in in_seeds]
    return singles + [u for group in seeds for u in group], seeds, None if dissolved else pairs


_SEED_MAX_UNITS = 64


def _seed_group(start: _Unit, links: Callable[[_Unit], Iterator[tuple[float, _Unit]]], own: dict[int, float],
                taken: set[int], seed_of: dict[int, int], found: Sequence[list[_Unit] | None],
                clusters: dict[int, list[_Unit]], cache: PairCache) -> tuple[list[_Unit], set[int]] | None:
    """The set of units around ``start`` that is one group from the start (see ``_units``) and the
    numbers of the seed groups found earlier that it took in whole, or None. ``floor`` is the weakest
    link that holds the set together; everything it links to at or above that joins (a unit of an
    earlier seed group with all of that group, a unit of a stored cluster with all of that cluster),
    until nothing does, and then every link leaving it must be weaker. An earlier group's own links are
    at or above its floor, so at or above this one.

    With a stored cluster in it (at most one: two are never merged), the set is the fresh units that
    join that cluster before the pass reaches anything else: links among stored members are no
    candidates, and every candidate link leaving the set, the cluster's own included, is weaker."""
    group = [start]
    members = {id(start)}
    absorbed: set[int] = set()
    held = -1  # the stored cluster in the set
    fresh_units = 1
    floor = own[id(start)]
    grew = True
    while grew:
        grew = False
        for u in list(group):
            for score, w in links(u):
                if id(w) in members or score < floor:
                    continue
                joining = [w]
                if id(w) in taken:
                    k = seed_of.get(id(w))
                    if k is None:  # a dissolved unit
                        return None
                    joining = found[k] or []
                    absorbed.add(k)
                elif not w.fresh:
                    joining = clusters[w.cluster]
                for x in joining:
                    if not x.fresh:
                        if held not in (-1, x.cluster):
                            return None
                        held = x.cluster
                    else:
                        fresh_units += 1
                if fresh_units > _SEED_MAX_UNITS:
                    return None
                for x in joining:
                    group.append(x)
                    members.add(id(x))
                    if id(x) in own:
                        floor = min(floor, own[id(x)])
                grew = True
    outside = max((score for u in group for score, w in links(u) if id(w) not in members),
                  default=-1.0)
    if outside >= floor:
        return None
    for i, u in enumerate(group):
        if not all(_compatible_units(u, v, cache) for v in group[i + 1:]):
            return None
    return group, absorbed


def _compatible_units(u: _Unit, v: _Unit, cache: PairCache) -> bool:
    """Is every mention of ``u`` compatible with every mention of ``v``? Asked once per article
    relation that occurs between them (same article, different articles)."""
    if any(d in v.docs for d in u.docs) and not cache.compatible_as(u.rep, v.rep, True):
        return False
    if len(u.docs) > 1 or len(v.docs) > 1 or u.rep.doc_id != v.rep.doc_id:
        return cache.compatible_as(u.rep, v.rep, False)
    return True


def _best_scores(units: list[_Unit], cache: PairCache, best: dict[str, float]) -> None:
    """Each member's best link to another member of its final group (at least one of the two fresh),
    over the stored score it had. The greedy pass took every such pair when both were already in one
    group or while merging them, and no other, so this is the score it kept."""
    for u in units:
        for x in u.members:
            top = best.get(x.id, 0.0)
            if u.fresh and len(u.members) > 1:  # the other copies: other articles, one profile
                top = max(top, cache.link(u.members[0], u.members[1]))
            for v in units:
                if v is u or not (u.fresh or v.fresh):
                    continue
                if x.doc_id in v.docs:
                    top = max(top, cache.link_as(x, v.rep, True))
                if v.has_other_doc(x.doc_id):
                    top = max(top, cache.link_as(x, v.rep, False))
            best[x.id] = top


def cluster_mentions(mentions: Iterable[Mention], existing: Iterable[Cluster] = (),
                     rules: Rules | None = None) -> list[Cluster]:
    """Cluster ``mentions`` (new ones) together with ``existing`` clusters; returns every cluster,
    existing ones included (``changed`` tells which gained members). Every mention ends in exactly one."""
    rules = rules or load_rules()
    fresh_list = sorted({m.id: m for m in mentions}.values(), key=lambda m: m.id)
    stored_clusters = sorted(existing, key=lambda c: c.id)
    stored_of: dict[str, int] = {}
    best: dict[str, float] = {}
    for n, cluster in enumerate(stored_clusters):
        best.update({k: v for k, v in cluster.scores.items() if len(cluster.members) > 1})
        for m in cluster.members:
            stored_of[m.id] = n
    fresh_list = [m for m in fresh_list if m.id not in stored_of]
    fresh = {m.id for m in fresh_list}
    stored_list = [m for c in stored_clusters for m in c.members]
    cache = PairCache(rules)
    for m in stored_list + fresh_list:
        cache.add(m)
    rank = {mid: n for n, mid in enumerate(sorted(m.id for m in stored_list + fresh_list))}
    units, seeds, pairs = _units(fresh_list, [c.members for c in stored_clusters], rules, cache, rank)
    # Groups of units. A stored cluster is one group under its index; a seed set of units is one group;
    # any other fresh unit starts its own.
    groups: dict[int, list[_Unit]] = defaultdict(list)
    owner: dict[int, int] = {}
    next_key = len(stored_clusters)
    for group in seeds:
        held = next((u for u in group if not u.fresh), None)  # the stored cluster it joins, if any
        if held is not None:
            key = stored_of[held.rep.id]
        else:
            key, next_key = next_key, next_key + 1
        for u in group:
            groups[key].append(u)
            owner[id(u)] = key
    for u in units:
        if id(u) in owner:
            continue
        if u.fresh:
            key, next_key = next_key, next_key + 1
        else:
            key = stored_of[u.rep.id]
        groups[key].append(u)
        owner[id(u)] = key
    stored_keys = set(range(len(stored_clusters)))
    if pairs is None:
        pairs = _unit_pairs(units, rules, cache, rank)
    for _score, u, v in pairs.best_first():
        ga, gb = owner[id(u)], owner[id(v)]
        if ga == gb or (ga in stored_keys and gb in stored_keys):
            continue
        if not all(_compatible_units(x, y, cache) for x in groups[ga] for y in groups[gb]):
            continue
        keep, drop = (ga, gb) if (ga in stored_keys or (gb not in stored_keys and ga < gb)) else (gb, ga)
        for w in groups[drop]:
            owner[id(w)] = keep
        groups[keep].extend(groups.pop(drop))
    out = []
    for key, members_units in groups.items():
        _best_scores(members_units, cache, best)
        members = sorted((m for u in members_units for m in u.members), key=lambda m: m.id)
        stored = key in stored_keys
        changed = not stored or any(m.id in fresh for m in members)
        cid = stored_clusters[key].id if stored else cluster_id_for(members)
        scores = {m.id: (round(best.get(m.id, 0.0), 4) if len(members) > 1 else 1.0) for m in members}
        out.append(Cluster(cid, members, scores, stored=stored, changed=changed))
    out.sort(key=lambda c: c.members[0].id)
    log.debug("clustered %d new mentions (%d profiles, %d units) into %d clusters", len(fresh),
              cache.profiles, len(units), len(out))
    return out
