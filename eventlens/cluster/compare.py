"""Can two event mentions report the same real event, and how alike are they?

``compatible`` holds the hard rules: a mention pair that breaks one is never merged, whatever the
words say. ``similarity`` then orders the compatible pairs (place, date overlap, actors, evidence
words); a pair below the threshold stays apart. The rules are in ``knowledge/cluster_rules.json``.

``PairCache`` answers both questions once per pair of mention *profiles* (everything the two functions
read, without the ids): wire copies and reprints of one report are many mentions with one profile, and a
corpus of them would otherwise compare the same two reports thousands of times.

Where this fails: two strikes on the same town on the same day by the same air force are one cluster
(the reports cannot tell them apart either); a report that leaves the place out can join only through
a strong date, actor and wording match.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import KnowledgeError
from .mentions import Mention, MentionPlace


@dataclass(frozen=True)
class Rules:
    type_group: dict[str, str]
    modality_class: dict[str, str]
    mergeable_specificity: frozenset[str]
    weights: dict[str, float]
    place_scores: dict[str, float]
    actor_scores: dict[str, float]
    threshold: float
    near_km: float
    admin2_km: float
    resolution_rank: dict[str, int]
    stopwords: frozenset[str]

    def group(self, event_type: str) -> str:
        return self.type_group.get(event_type, event_type)


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """The bundled clustering rules, read once."""
    try:
        text = resources.files("eventlens.knowledge").joinpath("cluster_rules.json").read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
    except (OSError, ValueError) as e:
        raise KnowledgeError("E029", f"cannot read the clustering rules ({e}); reinstall eventlens") from e
    type_group = {t: "+".join(sorted(group)) for group in data["type_groups"] for t in group}
    return Rules(type_group=type_group, modality_class=dict(data["modality_classes"]),
                 mergeable_specificity=frozenset(data["mergeable_specificity"]),
                 weights=dict(data["weights"]), place_scores=dict(data["place_scores"]),
                 actor_scores=dict(data["actor_scores"]), threshold=float(data["threshold"]),
                 near_km=float(data["near_km"]), admin2_km=float(data["admin2_km"]),
                 resolution_rank=dict(data["resolution_rank"]), stopwords=frozenset(data["stopwords"]))


def km(a: MentionPlace, b: MentionPlace) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _rank(place: MentionPlace, rules: Rules) -> int:
    return rules.resolution_rank.get(place.resolution or "", 3)


def place_relation(a: MentionPlace | None, b: MentionPlace | None, rules: Rules) -> str | None:
    """"same", "near", "inside", "one_unknown", "both_unknown", or None when the places exclude each other.

    "inside" is containment from the resolved fields: a country holds every place with its ISO3, an
    admin1 every place with its admin1 name; an admin2 has no parent name in the record, so it holds
    the places of its admin1 within ``admin2_km``. Two towns a few km apart ("near") are usually one
    place under two gazetteer entries (a town and its quarter, two spellings).
    """
    known_a = a is not None and (a.geonameid is not None or a.country is not None)
    known_b = b is not None and (b.geonameid is not None or b.country is not None)
    if not known_a and not known_b:
        return "both_unknown"
    if not known_a or not known_b:
        return "one_unknown"
    assert a is not None and b is not None
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return "same"
    if a.country and b.country and a.country != b.country:
        return None
    outer, inner = (a, b) if _rank(a, rules) <= _rank(b, rules) else (b, a)
    rank_outer, rank_inner = _rank(outer, rules), _rank(inner, rules)
    if rank_outer < rank_inner:
        if outer.resolution == "country":
            return "inside"
        if outer.resolution == "admin1" and outer.admin1 and outer.admin1 == inner.admin1:
            return "inside"
        if outer.resolution == "admin2" and outer.admin1 == inner.admin1:
            dist = km(outer, inner)
            if dist is not None and dist <= rules.admin2_km:
                return "inside"
        dist = km(a, b)
        if rank_outer >= rules.resolution_rank.get("city", 3) and dist is not None and dist <= rules.near_km:
            return "near"
        return None
    dist = km(a, b)
    if rank_outer >= rules.resolution_rank.get("city", 3) and dist is not None and dist <= rules.near_km:
        return "near"
    return None


def _ids(actors: list[Any]) -> set[str]:
    return {a.actor_id for a in actors if a.actor_id}


def _countries(actors: list[Any]) -> set[str]:
    return {a.country for a in actors if a.country}


def _kinds(actors: list[Any]) -> set[str]:
    return {a.kind for a in actors if a.kind}


def actors_conflict(a: Mention, b: Mention) -> bool:
    """A contradiction between the two reports' actors (or targets): both known and nothing shared.

    Different actor ids alone are not a contradiction ("coalition aircraft" and "US jets" are one strike),
    so ids must differ together with the country or the kind (a state against a rebel group).
    """
    for left, right in ((a.actor, b.actor), (a.recipient, b.recipient)):
        ca, cb = _countries(left), _countries(right)
        if ca and cb and not ca & cb:
            return True
        ia, ib = _ids(left), _ids(right)
        ka, kb = _kinds(left), _kinds(right)
        if ia and ib and not ia & ib and ka and kb and not ka & kb:
            return True
    return False


def dates_overlap(a: Mention, b: Mention) -> bool:
    if a.earliest is None or a.latest is None or b.earliest is None or b.latest is None:
        # Undated mentions meet only inside one article, which dates them all alike.
        return a.doc_id == b.doc_id
    return a.earliest <= b.latest and b.earliest <= a.latest


def _publication_only(a: Mention, b: Mention) -> bool:
    """Two reports dated only by their publication (no time words) on different days: each speaks of
    the news of its own day, so their wide "the week before publication" ranges prove nothing. Daily
    bulletins (one per day, same wording) are the case this keeps apart."""
    return (a.doc_id != b.doc_id and a.basis == "publication" and b.basis == "publication"
            and a.published is not None and b.published is not None and a.published != b.published)


def _aggregate_mismatch(a: Mention, b: Mention, rules: Rules) -> bool:
    """Aggregates (totals, campaigns) merge only when they cover the same place and the same dates:
    "23 strikes in Syria" of one day is not "26 strikes in Syria" of the week."""
    if a.specificity != "aggregate":
        return False
    relation = place_relation(a.place, b.place, rules)
    return relation not in ("same", "both_unknown") or (a.earliest, a.latest) != (b.earliest, b.latest)


def compatible(a: Mention, b: Mention, rules: Rules) -> bool:
    """The hard rules: type group, modality class, specificity, historical flag, dates, place, actors."""
    if rules.group(a.event) != rules.group(b.event):
        return False
    if rules.modality_class.get(a.modality, a.modality) != rules.modality_class.get(b.modality, b.modality):
        return False
    if a.specificity != b.specificity or a.specificity not in rules.mergeable_specificity:
        return False
    if a.historical != b.historical:
        return False
    if not dates_overlap(a, b) or _publication_only(a, b):
        return False
    if _aggregate_mismatch(a, b, rules):
        return False
    if place_relation(a.place, b.place, rules) is None:
        return False
    return not actors_conflict(a, b)


def _date_score(a: Mention, b: Mention) -> float:
    if a.earliest is None or a.latest is None or b.earliest is None or b.latest is None:
        return 0.0
    overlap = (min(a.latest, b.latest) - max(a.earliest, b.earliest)).days + 1
    union = (max(a.latest, b.latest) - min(a.earliest, b.earliest)).days + 1
    return max(0.0, overlap / union)


def _actor_score(a: Mention, b: Mention, rules: Rules) -> float:
    scores = []
    for left, right in ((a.actor, b.actor), (a.recipient, b.recipient)):
        ids_l = _ids(left) | {x.name for x in left if x.name}
        ids_r = _ids(right) | {x.name for x in right if x.name}
        if ids_l & ids_r:
            scores.append(rules.actor_scores["same_actor"])
        elif _countries(left) & _countries(right):
            scores.append(rules.actor_scores["same_country"])
        else:
            scores.append(rules.actor_scores["unknown"] if not (ids_l and ids_r) else 0.0)
    return sum(scores) / len(scores)


def jaccard(x: frozenset[str], y: frozenset[str]) -> float:
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def similarity(a: Mention, b: Mention, rules: Rules,
               tokens_a: frozenset[str] | None = None, tokens_b: frozenset[str] | None = None) -> float:
    """A score in 0..1 for a compatible pair: weighted place, date overlap, actors and word overlap."""
    relation = place_relation(a.place, b.place, rules) or "both_unknown"
    w = rules.weights
    ta = tokens_a if tokens_a is not None else a.tokens(rules.stopwords)
    tb = tokens_b if tokens_b is not None else b.tokens(rules.stopwords)
    return (w["place"] * rules.place_scores[relation] + w["date"] * _date_score(a, b)
            + w["actor"] * _actor_score(a, b, rules) + w["text"] * jaccard(ta, tb))


def _actor_profile(actors: list[Any]) -> frozenset[tuple[str | None, str | None, str | None, str | None]]:
    return frozenset((a.actor_id, a.country, a.kind, a.name) for a in actors)


def _as_relation(a: Mention, b: Mention, same_doc: bool) -> Mention:
    """``b``, or a copy of it in ``a``'s article (or out of it) when the relation asked for differs. The
    copy keeps ``b``'s id, so the cache files its answers under ``b``'s profile."""
    if (a.doc_id == b.doc_id) == same_doc:
        return b
    return dataclasses.replace(b, doc_id=a.doc_id if same_doc else a.doc_id + "\x00other")


class PairCache:
    """``compatible`` and ``similarity`` of mention pairs, computed once per pair of profiles.

    A mention's profile is every field the two functions read except its ids: the type group, modality
    class, specificity, historical flag, date range, dating basis, publication day, place, actors and
    recipients (id, country, kind, name) and the evidence words. Whether the two mentions come from one
    article is the only thing the functions ask of the document ids, so it is part of the pair key. Two
    pairs with equal keys get equal answers from the functions, so a cached answer is the answer.
    Where it does not help: a corpus without repeated reports has one profile per mention, and the cache
    then only costs the lookups (about a microsecond a pair).
    """

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self._numbers: dict[tuple[Any, ...], int] = {}
        self._profile: dict[str, int] = {}
        self._tokens: dict[str, frozenset[str]] = {}
        self._words: dict[int, frozenset[str]] = {}
        self._text_words: dict[str, frozenset[str]] = {}
        self._compatible: dict[tuple[int, int, bool], bool] = {}
        self._similarity: dict[tuple[int, int, bool], float] = {}
        # pair key -> the score of a candidate link, or -1.0 for an incompatible pair or one below the
        # threshold: the one lookup the pairwise sweep makes
        self.links: dict[tuple[int, int, bool], float] = {}

    def add(self, mention: Mention) -> None:
        """Profile a mention (once per id)."""
        if mention.id in self._profile:
            return
        rules = self.rules
        tokens = self._text_words.get(mention.text)
        if tokens is None:  # one tokenisation per distinct sentence: reprints repeat theirs
            tokens = self._text_words[mention.text] = mention.tokens(rules.stopwords)
        key = (rules.group(mention.event), rules.modality_class.get(mention.modality, mention.modality),
               mention.specificity, mention.historical, mention.earliest, mention.latest, mention.basis,
               mention.published, mention.place, _actor_profile(mention.actor),
               _actor_profile(mention.recipient), tokens)
        number = self._numbers.setdefault(key, len(self._numbers))
        self._profile[mention.id] = number
        # one set of words per profile, not per copy (a reprint's words are its profile's)
        self._tokens[mention.id] = self._words.setdefault(number, tokens)

    def profile(self, mention: Mention) -> int:
        return self._profile[mention.id]

    def tokens(self, mention: Mention) -> frozenset[str]:
        return self._tokens[mention.id]

    def link(self, a: Mention, b: Mention) -> float:
        """The similarity of a compatible pair at or above the threshold, else -1.0 (cached in ``links``)."""
        key = self._key(a, b)
        known = self.links.get(key)
        if known is None:
            known = self.similarity(a, b) if self.compatible(a, b) else -1.0
            if known < self.rules.threshold:
                known = -1.0
            self.links[key] = known
        return known

    def link_as(self, a: Mention, b: Mention, same_doc: bool) -> float:
        """``link`` of a pair with the profiles of ``a`` and ``b`` and the given article relation, which
        need not be that of ``a`` and ``b`` themselves (the answer depends on nothing else)."""
        known = self.links.get(self._key(a, b, same_doc))
        if known is None:
            known = self.link(a, _as_relation(a, b, same_doc))
        return known

    def compatible_as(self, a: Mention, b: Mention, same_doc: bool) -> bool:
        """``compatible`` of a pair with the profiles of ``a`` and ``b`` and the given article relation."""
        known = self._compatible.get(self._key(a, b, same_doc))
        if known is None:
            known = self.compatible(a, _as_relation(a, b, same_doc))
        return known

    def _key(self, a: Mention, b: Mention, same_doc: bool | None = None) -> tuple[int, int, bool]:
        pa, pb = self._profile[a.id], self._profile[b.id]
        if same_doc is None:
            same_doc = a.doc_id == b.doc_id
        # both functions are symmetric in their two mentions
        return (pa, pb, same_doc) if pa <= pb else (pb, pa, same_doc)

    def compatible(self, a: Mention, b: Mention) -> bool:
        key = self._key(a, b)
        known = self._compatible.get(key)
        if known is None:
            known = self._compatible[key] = compatible(a, b, self.rules)
        return known

    def similarity(self, a: Mention, b: Mention) -> float:
        key = self._key(a, b)
        known = self._similarity.get(key)
        if known is None:
            tokens = self._tokens
            known = self._similarity[key] = similarity(a, b, self.rules, tokens[a.id], tokens[b.id])
        return known

    @property
    def profiles(self) -> int:
        return len(self._numbers)
