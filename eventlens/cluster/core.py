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
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


def _candidate_pairs(mentions: Sequence[Mention], fresh: set[str], rules: Rules,
                     cache: PairCache) -> list[tuple[float, str, str]]:
    """(score, id_a, id_b) for compatible pairs above the threshold with at least one fresh mention."""
    blocks: dict[tuple[str, str | None], list[Mention]] = defaultdict(list)
    undated: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    groups: dict[str, set[str | None]] = defaultdict(set)
    for m in mentions:
        group = rules.group(m.event)
        if m.earliest is None or m.latest is None:
            undated[(group, m.doc_id)].append(m)
        blocks[(group, m.country)].append(m)
        groups[group].add(m.country)

    out: list[tuple[float, str, str]] = []
    links = cache.links

    def consider(a: Mention, b: Mention) -> None:
        if a.id not in fresh and b.id not in fresh:
            return
        x, y = (a, b) if a.id < b.id else (b, a)
        score = cache.link(x, y)
        if score >= 0.0:
            out.append((score, x.id, y.id))

    def sweep(left: list[Mention], right: list[Mention] | None) -> None:
        """Pairs with overlapping date ranges, within one list or across two, by sorting on the start.
        Each pair of dated mentions meets in exactly one sweep: the blocks split them by type group and
        country, and only the blocks without a country are swept against the others. This loop runs
        for every pair of a big block, so it looks the cached verdict up itself (``PairCache.links``)
        and calls out only for a pair of profiles it has not seen."""
        dated = [(m.earliest, side, m.id, m.latest, cache.profile(m), m.doc_id, m.id in fresh, m)
                 for side, ms in enumerate((left, right or [])) for m in ms if m.earliest and m.latest]
        dated.sort(key=lambda t: (t[0], t[1], t[2]))
        for i, (_, side_a, id_a, latest, pa, doc_a, fresh_a, a) in enumerate(dated):
            for start, side_b, id_b, _, pb, doc_b, fresh_b, b in dated[i + 1:]:
                if start > latest:
                    break
                if (right is not None and side_a == side_b) or not (fresh_a or fresh_b):
                    continue
                same_doc = doc_a == doc_b
                score = links.get((pa, pb, same_doc) if pa <= pb else (pb, pa, same_doc))
                if score is None:
                    score = cache.link(a, b)
                if score >= 0.0:
                    out.append((score, id_a, id_b) if id_a < id_b else (score, id_b, id_a))

    for (group, country), block in blocks.items():
        if country is None:
            continue
        sweep(block, None)
        if None in groups[group]:
            sweep(block, blocks[(group, None)])
    for (_group, country), block in blocks.items():
        if country is None:
            sweep(block, None)
    by_doc: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_doc[m.doc_id].append(m)
    seen: set[tuple[str, str]] = set()
    for (_group, doc_id), block in undated.items():
        # Undated mentions meet only mentions of their own article (``dates_overlap``); two undated
        # mentions of one article meet from both sides, so these pairs are deduplicated.
        for a in block:
            for b in by_doc[doc_id]:
                if a.id == b.id:
                    continue
                key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                if key not in seen:
                    seen.add(key)
                    consider(a, b)
    out.sort(key=lambda t: (-t[0], t[1], t[2]))
    return out


def cluster_mentions(mentions: Iterable[Mention], existing: Iterable[Cluster] = (),
                     rules: Rules | None = None) -> list[Cluster]:
    """Cluster ``mentions`` (new ones) together with ``existing`` clusters; returns every cluster,
    existing ones included (``changed`` tells which gained members). Every mention ends in exactly one."""
    rules = rules or load_rules()
    fresh_list = sorted({m.id: m for m in mentions}.values(), key=lambda m: m.id)
    groups: dict[int, list[Mention]] = {}
    stored_ids: dict[int, str] = {}
    owner: dict[str, int] = {}
    best: dict[str, float] = {}
    for n, cluster in enumerate(sorted(existing, key=lambda c: c.id)):
        groups[n] = sorted(cluster.members, key=lambda m: m.id)
        stored_ids[n] = cluster.id
        best.update({k: v for k, v in cluster.scores.items() if len(cluster.members) > 1})
        for m in cluster.members:
            owner[m.id] = n
    fresh = {m.id for m in fresh_list if m.id not in owner}
    next_key = len(groups)
    for m in fresh_list:
        if m.id in fresh:
            groups[next_key] = [m]
            owner[m.id] = next_key
            next_key += 1
    everything = [m for members in groups.values() for m in members]
    cache = PairCache(rules)
    for m in everything:
        cache.add(m)
    pairs = _candidate_pairs(everything, fresh, rules, cache)
    for score, a, b in pairs:
        ga, gb = owner[a], owner[b]
        if ga == gb:
            for x in (a, b):
                best[x] = max(best.get(x, 0.0), score)
            continue
        if ga in stored_ids and gb in stored_ids:
            continue
        if not all(cache.compatible(x, y) for x in groups[ga] for y in groups[gb]):
            continue
        keep, drop = (ga, gb) if (ga in stored_ids or (gb not in stored_ids and ga < gb)) else (gb, ga)
        for m in groups[drop]:
            owner[m.id] = keep
        groups[keep] = sorted(groups[keep] + groups.pop(drop), key=lambda m: m.id)
        for x in (a, b):
            best[x] = max(best.get(x, 0.0), score)
    out = []
    for key, members in sorted(groups.items(), key=lambda kv: kv[1][0].id):
        stored = key in stored_ids
        changed = not stored or any(m.id in fresh for m in members)
        cid = stored_ids[key] if stored else cluster_id_for(members)
        scores = {m.id: (round(best.get(m.id, 0.0), 4) if len(members) > 1 else 1.0) for m in members}
        out.append(Cluster(cid, members, scores, stored=stored, changed=changed))
    log.debug("clustered %d new mentions (%d profiles) into %d clusters", len(fresh), cache.profiles,
              len(out))
    return out
