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
from .compare import Rules, compatible, load_rules, similarity
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
                     tokens: dict[str, frozenset[str]]) -> list[tuple[float, str, str]]:
    """(score, id_a, id_b) for compatible pairs above the threshold with at least one fresh mention."""
    by_id = {m.id: m for m in mentions}
    blocks: dict[tuple[str, str | None], list[Mention]] = defaultdict(list)
    undated: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    groups: dict[str, set[str | None]] = defaultdict(set)
    for m in mentions:
        group = rules.group(m.event)
        if m.earliest is None or m.latest is None:
            undated[(group, m.doc_id)].append(m)
        blocks[(group, m.country)].append(m)
        groups[group].add(m.country)

    seen: set[tuple[str, str]] = set()
    out: list[tuple[float, str, str]] = []

    def consider(a: Mention, b: Mention) -> None:
        if a.id == b.id or (a.id not in fresh and b.id not in fresh):
            return
        key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        if key in seen:
            return
        seen.add(key)
        x, y = by_id[key[0]], by_id[key[1]]
        if not compatible(x, y, rules):
            return
        score = similarity(x, y, rules, tokens[x.id], tokens[y.id])
        if score >= rules.threshold:
            out.append((score, key[0], key[1]))

    def sweep(left: list[Mention], right: list[Mention] | None) -> None:
        """Pairs with overlapping date ranges, within one list or across two, by sorting on the start."""
        dated = [(m.earliest, 0, m) for m in left if m.earliest and m.latest]
        if right is not None:
            dated += [(m.earliest, 1, m) for m in right if m.earliest and m.latest]
        dated.sort(key=lambda t: (t[0], t[1], t[2].id))
        for i, (_, side_i, a) in enumerate(dated):
            for _, side_j, b in dated[i + 1:]:
                assert b.earliest is not None and a.latest is not None
                if b.earliest > a.latest:
                    break
                if right is None or side_i != side_j:
                    consider(a, b)

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
    for (_group, doc_id), block in undated.items():
        # Undated mentions meet only mentions of their own article (``dates_overlap``).
        for a in block:
            for b in by_doc[doc_id]:
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
    tokens = {m.id: m.tokens(rules.stopwords) for m in everything}
    pairs = _candidate_pairs(everything, fresh, rules, tokens)
    for score, a, b in pairs:
        ga, gb = owner[a], owner[b]
        if ga == gb:
            for x in (a, b):
                best[x] = max(best.get(x, 0.0), score)
            continue
        if ga in stored_ids and gb in stored_ids:
            continue
        if not all(compatible(x, y, rules) for x in groups[ga] for y in groups[gb]):
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
    log.debug("clustered %d new mentions into %d clusters", len(fresh), len(out))
    return out
