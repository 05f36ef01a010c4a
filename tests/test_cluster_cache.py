"""The pair cache of clustering: one answer per pair of mention profiles, the same answer the rules give.

Reprints of one wire report are many mentions with one profile; the cache must give them the answer the
rules give each pair, and must keep apart what only looks alike (another article, another day, place,
actor or wording).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from test_cluster import MAARAT, POOL, SARAQIB, STRIKE_A, TUE, mentions_of, partition, report

from eventlens.cluster import cluster_mentions
from eventlens.cluster.compare import PairCache, compatible, load_rules, similarity


def test_cached_answers_equal_the_rules_on_every_pair_of_the_pool():
    rules = load_rules()
    cache = PairCache(rules)
    for m in POOL:
        cache.add(m)
    for a, b in itertools.permutations(POOL, 2):
        assert cache.compatible(a, b) == compatible(a, b, rules)
        if compatible(a, b, rules):
            assert cache.similarity(a, b) == similarity(a, b, rules)
            expected = similarity(a, b, rules)
            assert cache.link(a, b) == (expected if expected >= rules.threshold else -1.0)
        else:
            assert cache.link(a, b) == -1.0


def _reprints(n: int) -> list:
    """One wire report reprinted by ``n`` outlets: the same words, day and place in ``n`` articles."""
    return mentions_of([report(STRIKE_A + f"\n\nReprint {i}.", TUE, f"Outlet {i}",
                               {"trigger": "bombed", "day": TUE, "place": MAARAT, "killed": (12, 12)})
                        for i in range(n)])


def test_reprints_share_one_profile_and_form_one_cluster():
    rules = load_rules()
    mentions = _reprints(12)
    cache = PairCache(rules)
    for m in mentions:
        cache.add(m)
    assert cache.profiles == 1
    [cluster] = cluster_mentions(mentions)
    assert sorted(cluster.member_ids) == sorted(m.id for m in mentions)


def test_what_the_rules_read_is_part_of_the_profile():
    rules = load_rules()
    [base] = _reprints(1)
    variants = [
        dataclasses.replace(base, id="evt_other_day", earliest=TUE + dt.timedelta(days=3),
                            latest=TUE + dt.timedelta(days=3)),
        dataclasses.replace(base, id="evt_other_place", place=dataclasses.replace(
            base.place, name=SARAQIB["name"], geonameid=SARAQIB["geonameid"], lat=SARAQIB["lat"],
            lon=SARAQIB["lon"])),
        dataclasses.replace(base, id="evt_negated", modality="negated"),
        dataclasses.replace(base, id="evt_other_words", text="Artillery shelled the northern district."),
        dataclasses.replace(base, id="evt_no_actor", actor=[]),
        dataclasses.replace(base, id="evt_published_later", published=TUE + dt.timedelta(days=5)),
    ]
    cache = PairCache(rules)
    for m in [base, *variants]:
        cache.add(m)
    assert cache.profiles == 1 + len(variants)


def test_one_article_or_two_is_part_of_the_pair_key():
    """Undated mentions meet only inside their article: a twin in another article must not inherit the
    verdict of a pair within one article."""
    rules = load_rules()
    [a] = _reprints(1)
    undated = dataclasses.replace(a, earliest=None, latest=None, date=None)
    same_doc = dataclasses.replace(undated, id="evt_same_doc_twin")
    other_doc = dataclasses.replace(undated, id="evt_other_doc_twin", doc_id="art_elsewhere")
    cache = PairCache(rules)
    for m in (undated, same_doc, other_doc):
        cache.add(m)
    assert cache.profiles == 1
    assert cache.compatible(undated, same_doc) is True
    assert cache.compatible(undated, other_doc) is False
    assert partition(cluster_mentions([undated, same_doc, other_doc])) == {
        frozenset({undated.id, same_doc.id}), frozenset({other_doc.id})}
