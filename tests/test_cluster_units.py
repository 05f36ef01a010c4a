"""Reprints enter clustering as one unit: the clusters and scores must be those of the pass that
compares every pair of mentions.

The reference below is that pass written plainly (every pair, the rules without the cache, complete
linkage, best link first, ties by ids). The inputs are the hand-built reports of test_cluster.py,
reprinted in other articles, copied twice into one article, moved to other days, and clustered in two
steps (the second joining the stored clusters of the first).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cluster import COALITION, MAARAT, POOL, RAQQA, STRIKE_A, TUE, mentions_of, report

from eventlens.cluster import Cluster, cluster_mentions
from eventlens.cluster.compare import compatible, load_rules, similarity

RULES = load_rules()


def reference(mentions, existing=()):
    """(partition, scores, ids of stored clusters that changed) by comparing every pair of mentions."""
    existing = sorted(existing, key=lambda c: c.id)
    group_of, groups, stored, best = {}, {}, set(), {}
    for n, c in enumerate(existing):
        groups[n] = [m for m in c.members]
        stored.add(n)
        if len(c.members) > 1:
            best.update(c.scores)
        for m in c.members:
            group_of[m.id] = n
    fresh = sorted({m.id: m for m in mentions if m.id not in group_of}.values(), key=lambda m: m.id)
    for n, m in enumerate(fresh, start=len(existing)):
        groups[n], group_of[m.id] = [m], n
    everything = [m for g in groups.values() for m in g]
    fresh_ids = {m.id for m in fresh}
    pairs = []
    for a, b in itertools.combinations(everything, 2):
        if (a.id not in fresh_ids and b.id not in fresh_ids) or not compatible(a, b, RULES):
            continue
        score = similarity(a, b, RULES)
        if score >= RULES.threshold:
            pairs.append((score, *sorted((a.id, b.id))))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    for score, a, b in pairs:
        ga, gb = group_of[a], group_of[b]
        if ga != gb:
            if ga in stored and gb in stored:
                continue
            if not all(compatible(x, y, RULES) for x in groups[ga] for y in groups[gb]):
                continue
            keep, drop = (ga, gb) if ga in stored or (gb not in stored and ga < gb) else (gb, ga)
            for m in groups[drop]:
                group_of[m.id] = keep
            groups[keep] += groups.pop(drop)
        for x in (a, b):
            best[x] = max(best.get(x, 0.0), score)
    partition = {frozenset(m.id for m in g) for g in groups.values()}
    scores = {m.id: (round(best.get(m.id, 0.0), 4) if len(g) > 1 else 1.0)
              for g in groups.values() for m in g}
    return partition, scores


def outcome(clusters: list[Cluster]):
    return ({frozenset(c.member_ids) for c in clusters},
            {k: v for c in clusters for k, v in c.scores.items()})


def _id(*parts: object) -> str:
    return "evt_" + hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12]


def copies(mentions, n: int, *, shift_days: int = 0, twice_in: int = -1):
    """``mentions`` reprinted in ``n`` other articles (each copy of an article holds copies of all its
    mentions); copy ``twice_in`` holds each mention twice; ``shift_days`` moves every other copy."""
    out = []
    for k in range(n):
        days = dt.timedelta(days=shift_days * (k % 2))
        for m in mentions:
            doc = f"{m.doc_id}-copy{k}"
            moved = dict(earliest=m.earliest and m.earliest + days, latest=m.latest and m.latest + days,
                         published=m.published and m.published + days)
            out.append(dataclasses.replace(m, id=_id(m.id, k), doc_id=doc, **moved))
            if k == twice_in:
                out.append(dataclasses.replace(m, id=_id(m.id, k, "again"), doc_id=doc, **moved))
    return out


def _article_with_two_events():
    text = ("Coalition military forces struck ISIL near Ar Raqqah. The strikes destroyed two bridges near "
            "Ar Raqqah.")
    undated = report(text, dt.date(2017, 1, 9), "CENTCOM",
                     {"trigger": "struck", "place": RAQQA, "actor": [COALITION], "recipient": []},
                     {"trigger": "strikes", "place": RAQQA, "actor": [COALITION], "recipient": []})
    dated = report(STRIKE_A + " The warplanes bombed it again.", TUE, "Wire E",
                   {"trigger": "bombed", "day": TUE, "place": MAARAT},
                   {"trigger": "again", "day": TUE, "place": MAARAT})
    return mentions_of([undated, dated])


MIXED = POOL + _article_with_two_events()


def test_reprints_of_the_pool_cluster_as_every_pair_says():
    mentions = MIXED + copies(MIXED, 6) + copies(MIXED[:5], 3, shift_days=1, twice_in=1)
    assert outcome(cluster_mentions(mentions)) == reference(mentions)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(MIXED), min_size=1, max_size=8, unique_by=lambda m: m.id),
       st.integers(0, 5), st.integers(0, 2), st.integers(-1, 4), st.integers(0, 3))
def test_reprints_cluster_as_every_pair_says(chosen, n, shift, twice_in, stored_part):
    mentions = chosen + copies(chosen, n, shift_days=shift, twice_in=twice_in)
    assert outcome(cluster_mentions(mentions)) == reference(mentions)
    # In two steps: the first part is stored, the rest joins it.
    first, rest = mentions[: len(mentions) * stored_part // 4], mentions[len(mentions) * stored_part // 4:]
    stored = [dataclasses.replace(c, stored=True, changed=False) for c in cluster_mentions(first)]
    assert outcome(cluster_mentions(rest, stored)) == reference(rest, stored)


def test_a_thousand_copies_of_a_report_cost_what_one_does():
    """2,000 reprints of two reports (the benchmark repeats five articles 40 times; a 100,000-article
    corpus built the same way repeats each thousands of times): compared pairwise that is 2 million
    pairs, as units a handful."""
    mentions = copies(MIXED[:2], 1000)
    started = time.perf_counter()
    clusters = cluster_mentions(mentions)
    seconds = time.perf_counter() - started
    expected = reference(copies(MIXED[:2], 30))[0]
    assert len(clusters) == len(expected) == 1
    assert sorted(len(c.members) for c in clusters) == [2000]
    assert seconds < 5, f"{seconds:.1f}s"


def test_copies_tied_with_another_mention_stay_single():
    """Two copies of a report dated only by publication, and in the first copy's article a mention that
    scores with it as high as the copies score together but cannot meet the other copy (another
    publication day): compared pair by pair, the first pair taken decides, and the units must not
    pre-empt it by joining the copies first."""
    base = dataclasses.replace(POOL[0], basis="publication")
    x1 = dataclasses.replace(base, id="evt_b1", doc_id="art_1")
    x2 = dataclasses.replace(base, id="evt_b2", doc_id="art_2")
    later = base.published + dt.timedelta(days=1)
    z = dataclasses.replace(base, id="evt_a0", doc_id="art_1", published=later)
    expected = reference([x1, x2, z])
    assert expected[0] == {frozenset({"evt_a0", "evt_b1"}), frozenset({"evt_b2"})}
    assert outcome(cluster_mentions([x2, z, x1])) == expected


# ---------------------------------------------------------------- a store clustered in parts

def _store_state(store):
    cur = store.cursor()
    return (cur.execute("SELECT event_id, cluster_id, score FROM cluster_members ORDER BY 1").fetchall(),
            cur.execute("SELECT cluster_id, n_mentions, earliest, latest, geonameid FROM clusters ORDER BY 1"
                        ).fetchall())


def _spread_reports():
    """Strikes on 6 towns over 20 days, each reported three times and reprinted once two days later
    (dates overlap in chains), with undated reports of the same strikes in between."""
    from test_cluster import IDLIB_PROVINCE, SARAQIB

    towns = [MAARAT, SARAQIB, IDLIB_PROVINCE] + [dict(MAARAT, geonameid=2000 + i, lat=35.0 + i * 0.3,
                                                      name=f"Town {i}") for i in range(3)]
    results = []
    for n in range(40):
        town, day = towns[n % 6], TUE + dt.timedelta(days=n % 20)
        for k in range(3):
            spec = {"trigger": "bombed", "day": day, "place": town, "span": k % 2}
            results.append(report(f"Strike {n} report {k}: warplanes bombed {town['name']}.", day,
                                  f"Wire {k}", spec))
        results.append(report(f"Strike {n}, reprinted: warplanes bombed {town['name']}.",
                              day + dt.timedelta(days=2), "Wire R",
                              {"trigger": "bombed", "day": day, "place": town, "span": 2},
                              {"trigger": "warplanes", "place": town}))
    return results


def test_a_store_clustered_in_parts_equals_one_clustered_at_once():
    from eventlens.cluster.store import cluster_store
    from eventlens.store import Store

    results = _spread_reports()
    states = []
    for part_size in (10**9, 7):
        with Store.open(":memory:") as store:
            store.write_results(results[:70])
            first = cluster_store(store, part_size=part_size)
            store.write_results(results[70:])
            second = cluster_store(store, part_size=part_size)
            states.append((_store_state(store), first.mentions + second.mentions))
    (whole, n_whole), (parts, n_parts) = states
    assert n_whole == n_parts == sum(len(r.events) for r in results)
    assert parts == whole
    assert len(whole[1]) < n_whole  # reports did merge: the comparison is not of singletons


def test_a_stored_cluster_that_two_parts_could_join_keeps_them_in_one_part():
    """A stored report of "last week" can take a new report of its first day or one of its last day,
    not both (they do not overlap): the better-worded one wins only if both are clustered together."""
    from eventlens.cluster.store import cluster_store
    from eventlens.store import Store

    week = "Warplanes bombed the market of Maarat al-Numan during the week, killing civilians"
    stored = report(week + ".", TUE, "Wire S", {"trigger": "bombed", "day": TUE, "place": MAARAT, "span": 6})
    other = "Strike reported: aircraft hit a town in Idlib on that day."
    for first_words, last_words in ((other, week + " again."), (week + " again.", other)):
        first_day = report(first_words, TUE - dt.timedelta(days=6), "Wire A",
                           {"trigger": first_words.split()[0 if first_words == other else 1],
                            "day": TUE - dt.timedelta(days=6), "place": MAARAT})
        last_day = report(last_words, TUE, "Wire B",
                          {"trigger": last_words.split()[0 if last_words == other else 1], "day": TUE,
                           "place": MAARAT})
        states = []
        for part_size in (10**9, 1):
            with Store.open(":memory:") as store:
                store.write_results([stored])
                cluster_store(store)
                store.write_results([first_day, last_day])
                cluster_store(store, part_size=part_size)
                states.append(_store_state(store))
        assert states[0] == states[1]
        assert len(states[0][1]) == 2  # the stored cluster took one of the two


def _two_reports_of_one_sentence():
    """One sentence, two events that compare alike: the place under two names of one gazetteer entry."""
    text = STRIKE_A + " Rescue workers said the jets bombed it twice."
    other_name = dict(MAARAT, name="Maarat al-Numan")
    return mentions_of([report(text, TUE, "Wire T", {"trigger": "bombed", "day": TUE, "place": MAARAT},
                               {"trigger": "jets", "day": TUE, "place": other_name})])


def test_reprints_of_two_tied_reports_are_one_group_from_the_start():
    from eventlens.cluster.compare import PairCache
    from eventlens.cluster.core import _units

    pair = _two_reports_of_one_sentence()
    cache = PairCache(RULES)
    for m in pair:
        cache.add(m)
    assert cache.profile(pair[0]) != cache.profile(pair[1])
    assert cache.link(pair[0], pair[1]) >= 0.0
    small = copies(pair, 12)
    assert outcome(cluster_mentions(small)) == reference(small)
    many = copies(pair, 600)
    cache = PairCache(RULES)
    for m in many:
        cache.add(m)
    units, seeds, _pairs = _units(many, [], RULES, cache)
    assert len(units) == 2 and [len(s) for s in seeds] == [2]
    started = time.perf_counter()
    [cluster] = cluster_mentions(many)
    assert len(cluster.members) == 1200 and time.perf_counter() - started < 5


def test_a_stored_cluster_of_reprints_enters_as_its_distinct_reports():
    """A stored cluster of 300 reprints of two reports is two units, not 600 single mentions, and a
    new copy joins it as comparing every pair says."""
    from eventlens.cluster.compare import PairCache
    from eventlens.cluster.core import _stored_units

    old = copies(MIXED[:2], 300)
    [stored] = [dataclasses.replace(c, stored=True, changed=False) for c in cluster_mentions(old)]
    cache = PairCache(RULES)
    for m in stored.members:
        cache.add(m)
    assert len(stored.members) == 600
    assert sorted(len(u.members) for u in _stored_units([stored.members], cache)) == [300, 300]
    new = [dataclasses.replace(m, id=_id(m.id, "late"), doc_id="art_late") for m in MIXED[:3]]
    assert outcome(cluster_mentions(new, [stored])) == reference(new, [stored])
    twice = copies(MIXED[:2], 3, twice_in=0)  # one article holds each report twice: a second slot
    [kept] = [dataclasses.replace(c, stored=True, changed=False) for c in cluster_mentions(twice)]
    for m in kept.members:
        cache.add(m)
    assert sorted(len(u.members) for u in _stored_units([kept.members], cache)) == [1, 1, 3, 3]
    assert outcome(cluster_mentions(new, [kept])) == reference(new, [kept])


def _windows_of(store, window: int) -> list[list[str]]:
    """The articles of each batch of the plan, in plan order."""
    from eventlens.cluster.store import _plan, ensure_tables

    ensure_tables(store)
    batches = _plan(store, None, RULES, 1, window)
    rows = store.cursor().execute("SELECT batch, doc_id FROM memory.main.cluster_plan").fetchall()
    return [sorted({d for b, d in rows if b == batch}) for batch, _ in batches]


def test_a_part_larger_than_the_window_is_clustered_as_successive_runs():
    """The spread reports chain into one part of 160 mentions; with a window of 40 they are clustered
    window by window, and the clusters are those of writing each window's articles as a run of its
    own. No call clusters more than a window's mentions (and the articles that end it)."""
    from eventlens.cluster import store as cluster_store_module
    from eventlens.cluster.store import cluster_store
    from eventlens.store import Store

    results = _spread_reports()
    n_events = sum(len(r.events) for r in results)
    by_doc = {r.article.id: r for r in results}
    with Store.open(":memory:") as store:
        store.write_results(results)
        assert max(len(docs) for docs in _windows_of(store, 10**9)) > 100  # the dated reports: one part
    calls: list[int] = []
    real = cluster_store_module.cluster_mentions

    def spy(fresh, existing=(), rules=None):
        calls.append(len(fresh))
        return real(fresh, existing, rules)

    cluster_store_module.cluster_mentions = spy
    try:
        with Store.open(":memory:") as store:
            store.write_results(results)
            summary = cluster_store(store, part_size=1, window=40)
            windowed = _store_state(store)
    finally:
        cluster_store_module.cluster_mentions = real
    assert summary.mentions == n_events
    assert len(calls) >= 4 and max(calls) <= 40 + 2 and sum(calls) == n_events
    with Store.open(":memory:") as store:
        store.write_results(results)
        windows = _windows_of(store, 40)
    assert len(windows) == len(calls)
    with Store.open(":memory:") as store:
        for docs in windows:
            store.write_results([by_doc[d] for d in docs])
            cluster_store(store)
        assert _store_state(store) == windowed
    for part_size in (7, 10**9):  # windows are windows however the parts are packed into batches
        with Store.open(":memory:") as store:
            store.write_results(results)
            cluster_store(store, part_size=part_size, window=40)
            assert _store_state(store) == windowed
    with Store.open(":memory:") as store:
        store.write_results(results)
        cluster_store(store)
        whole = _store_state(store)
    assert len(whole[0]) == len(windowed[0]) == n_events
    assert len(windowed[1]) >= len(whole[1])  # a window's mentions join earlier clusters, never merge two


def test_windows_clustered_in_a_process_pool_give_the_same_clusters(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    from eventlens.cluster.store import cluster_store
    from eventlens.store import Store

    results = _spread_reports()
    seen = []
    for pooled in (False, True):
        with Store.open(str(tmp_path / f"w{pooled}.duckdb")) as store, ProcessPoolExecutor(2) as pool:
            store.write_results(results)
            cluster_store(store, part_size=10, window=30, pool=pool if pooled else None)
            seen.append(_store_state(store))
    assert seen[0] == seen[1]


def test_a_seed_group_that_reaches_an_earlier_one_takes_it_in():
    """Reprints of one report, once without its actor (copies score 0.86 together) and once with it
    (1.0; the two versions 0.93): whichever is met first forms a group of its own, and the other
    reaches it at or above its own floor. Taking the earlier group in keeps both reprint units whole
    (their copies would otherwise be compared one by one: millions of pairs in a dense stream), with
    the clusters comparing every pair gives."""
    from eventlens.cluster.compare import PairCache
    from eventlens.cluster.core import _units

    y = next(m for m in MIXED if "Mosul" in m.text and not m.actor)
    joined = 0
    for salt in range(6):
        x = dataclasses.replace(y, id=f"evt_x{salt}", doc_id=f"art_x{salt}", actor=list(MIXED[0].actor))
        for n in (2, 5):
            mentions = copies([x], n) + copies([y], n)
            assert outcome(cluster_mentions(mentions)) == reference(mentions)
            cache = PairCache(RULES)
            for m in mentions:
                cache.add(m)
            units, seeds, pairs = _units(mentions, [], RULES, cache)
            assert [len(s) for s in seeds] == [2] and len(units) == 2 and pairs is not None
            joined += 1
    assert joined == 12


def test_reports_every_article_repeats_are_two_units_each():
    """Every reprint holds each report twice (a sentence the article repeats): the first copies are one
    unit, the second copies another, instead of a single mention per copy, with the clusters comparing
    every pair gives."""
    from eventlens.cluster.compare import PairCache
    from eventlens.cluster.core import _units

    for chosen in (MIXED[:2], MIXED[12:14], [MIXED[-1]]):
        mentions = []
        for k in range(8):
            mentions += copies(chosen, 1, twice_in=0) if k == 0 else [
                dataclasses.replace(m, id=_id(m.id, "r", k), doc_id=f"{m.doc_id}-r{k}")
                for m in copies(chosen, 1, twice_in=0)]
        assert outcome(cluster_mentions(mentions)) == reference(mentions)
        cache = PairCache(RULES)
        for m in mentions:
            cache.add(m)
        units, _seeds, _pairs = _units(mentions, [], RULES, cache)
        assert len(units) <= 2 * len(chosen) < len(mentions) // 4


def test_reprints_that_join_a_stored_cluster_stay_one_unit():
    """A later window (or run) brings more copies of reports already clustered: the new copies join
    the stored cluster as units (a seed group holding that cluster), not as single mentions compared
    one by one, with the clusters comparing every pair gives."""
    from eventlens.cluster.compare import PairCache
    from eventlens.cluster.core import _units

    old = copies(MIXED[:2], 40)
    stored = [dataclasses.replace(c, stored=True, changed=False) for c in cluster_mentions(old)]
    new = [dataclasses.replace(m, id=_id(m.id, "late"), doc_id=m.doc_id + "-late")
           for m in copies(MIXED[:2], 30)]
    assert outcome(cluster_mentions(new, stored)) == reference(new, stored)
    cache = PairCache(RULES)
    for m in old + new:
        cache.add(m)
    units, seeds, pairs = _units(new, [c.members for c in stored], RULES, cache)
    assert len(units) == 4 and pairs is not None  # two stored units, two fresh ones
    assert len(seeds) == 1 and sum(not u.fresh for u in seeds[0]) == 2


def test_clustering_stopped_inside_a_windowed_part_is_finished_by_the_next_run():
    """A failure in the second window of a part leaves what came before written and the rest
    unclustered; the next run cuts the rest into windows anew and clusters it: every mention ends in
    exactly one cluster, as running the articles clustered before the failure and then the rest as two
    runs gives."""
    from eventlens.cluster import store as cluster_store_module
    from eventlens.cluster.store import _plan, cluster_store, ensure_tables
    from eventlens.store import Store

    results = _spread_reports()
    by_doc = {r.article.id: r for r in results}
    with Store.open(":memory:") as store:
        store.write_results(results)
        ensure_tables(store)
        batches = _plan(store, None, RULES, 1, 40)
        rows = store.cursor().execute("SELECT batch, doc_id FROM memory.main.cluster_plan").fetchall()
    stop = next(k for k, (_, continues) in enumerate(batches) if continues)  # the second window
    before = {d for b, d in rows if b in {batch for batch, _ in batches[:stop]}}
    real = cluster_store_module.cluster_mentions
    calls: list[int] = []

    def failing(fresh, existing=(), rules=None):
        calls.append(len(fresh))
        if len(calls) == stop + 1:
            raise RuntimeError("stopped")
        return real(fresh, existing, rules)

    with Store.open(":memory:") as store:
        store.write_results(results)
        cluster_store_module.cluster_mentions = failing
        try:
            with pytest.raises(RuntimeError):
                cluster_store(store, part_size=1, window=40)
        finally:
            cluster_store_module.cluster_mentions = real
        cur = store.cursor()
        assert cur.execute("SELECT count(*) FROM cluster_members").fetchone()[0] == sum(calls[:stop])
        cluster_store(store, part_size=1, window=40)
        members = cur.execute("SELECT event_id, count(*) FROM cluster_members GROUP BY 1").fetchall()
        assert len(members) == sum(len(r.events) for r in results) and {n for _, n in members} == {1}
        resumed = _store_state(store)
    with Store.open(":memory:") as store:
        store.write_results([by_doc[d] for d in sorted(before)])
        cluster_store(store, part_size=1, window=40)
        store.write_results([r for r in results if r.article.id not in before])
        cluster_store(store, part_size=1, window=40)
        assert _store_state(store) == resumed
