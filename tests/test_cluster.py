"""Clustering: mentions of one real event across articles become one cluster, others stay apart.

Unit tests build small event records by hand (short reports in the style of the public-domain CENTCOM
releases); the end-to-end tests run the real pipeline on the reports in tests/data/cluster/.
"""
from __future__ import annotations

import datetime as dt
import itertools
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventlens.cluster import cluster_mentions, cluster_record, cluster_store, mention_from_record
from eventlens.cluster.compare import load_rules, place_relation
from eventlens.records import ActorEntity, Article, ArticleResult, Count, DateInfo, Event, Place, stable_id
from eventlens.store import Store
from eventlens.store.query import EventFilter, count_clusters, iter_clusters

DATA = Path(__file__).parent / "data" / "cluster"

# Gazetteer entries (GeoNames ids and coordinates) of the places the reports name.
MAARAT = dict(name="Ma`arrat an Nu`man", geonameid=169387, lat=35.6436, lon=36.6717, country="SYR",
              admin1="Idlib", feature_code="PPL", resolution="city")
SARAQIB = dict(name="Saraqib", geonameid=163457, lat=35.8642, lon=36.8060, country="SYR", admin1="Idlib",
               feature_code="PPL", resolution="city")
IDLIB_PROVINCE = dict(name="Idlib", geonameid=169388, lat=35.75, lon=36.5, country="SYR", admin1="Idlib",
                      feature_code="ADM1", resolution="admin1")
RAQQA = dict(name="Ar Raqqah", geonameid=172957, lat=35.95, lon=39.01, country="SYR", admin1="Ar Raqqah",
             feature_code="PPLA", resolution="city")
MOSUL = dict(name="Mosul", geonameid=99072, lat=36.335, lon=43.1189, country="IRQ", admin1="Nineveh",
             feature_code="PPLA", resolution="city")

SYRIAN_AIR_FORCE = ActorEntity("Syrian government warplanes", "Government of Syria", "SYRGOV", "SYR", "GOV",
                               "state", "syr-government")
RUSSIAN_AIR_FORCE = ActorEntity("Russian jets", "Military of Russia", "RUSMIL", "RUS", "MIL", "state",
                                "rus-military")
COALITION = ActorEntity("Coalition military forces", "Global Coalition against Daesh", "IGOCOA", None, "MIL",
                        "state", "coalition")
CIVILIANS = ActorEntity("civilians", "Civilians", "CVL", None, "CVL", "civilians", None)


def report(text: str, published: dt.date, source: str, *events: dict) -> ArticleResult:
    """An article and its events: each event dict names its trigger word and its fields."""
    doc_id = stable_id("art", text)
    article = Article(id=doc_id, text=text, published=published, source=source, title=text[:40])
    out = []
    for n, given_spec in enumerate(events):
        spec = dict(given_spec)
        trigger = spec.pop("trigger")
        ts = text.index(trigger)
        day = spec.pop("day", None)
        span = spec.pop("span", 0)
        if day is None:
            date_info = None
        else:
            date_info = DateInfo(day if not span else None, day - dt.timedelta(days=span), day,
                                 "day" if not span else "week", "explicit")
        loc = spec.pop("place", None)
        killed = spec.pop("killed", None)
        size = {}
        if killed:
            low, high = killed
            size["killed"] = Count("killed", low, high, None, f"{low} killed", 0, 0)
        out.append(Event(
            id=stable_id("evt", doc_id, n), doc_id=doc_id, event=spec.pop("event", "ASSAULT"),
            event_text=trigger, text=text, start=0, end=len(text), trigger_start=ts,
            trigger_end=ts + len(trigger),
            event_loc=Place(loc["name"], 0, 1, **{k: v for k, v in loc.items() if k != "name"},
                            ) if loc else None,
            date_info=date_info, size=size,
            actor=spec.pop("actor", [SYRIAN_AIR_FORCE]), recipient=spec.pop("recipient", [CIVILIANS]),
            acled={"disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
                   "sub_event_type": "Air/drone strike"},
            **spec))
    return ArticleResult(article=article, events=out)


TUE = dt.date(2019, 12, 24)
STRIKE_A = ("Syrian government warplanes bombed a market in Maarat al-Numan on Tuesday, killing 12 "
            "civilians, rescue workers said.")
STRIKE_B = ("At least 15 civilians were killed on Tuesday when Syrian government aircraft struck a crowded "
            "market in Maarat al-Numan.")


def two_reports() -> list[ArticleResult]:
    return [
        report(STRIKE_A, TUE + dt.timedelta(days=1), "Wire A",
               {"trigger": "bombed", "day": TUE, "place": MAARAT, "killed": (12, 12)}),
        report(STRIKE_B, TUE, "Wire B",
               {"trigger": "struck", "day": TUE, "place": MAARAT, "killed": (15, None)}),
    ]


def mentions_of(results: list[ArticleResult]) -> list:
    return [mention_from_record(e.to_plover(), r.article.published, r.article.source)
            for r in results for e in r.events]


def partition(clusters) -> set[frozenset[str]]:
    return {frozenset(c.member_ids) for c in clusters}


@pytest.fixture
def store():
    with Store.open(":memory:") as st_:
        yield st_


# ---------------------------------------------------------------- the rules, on hand-built mentions

def test_two_reports_of_one_strike_are_one_cluster_with_the_spread():
    [cluster] = cluster_mentions(mentions_of(two_reports()))
    record = cluster_record(cluster)
    assert record["n_mentions"] == 2 and record["n_articles"] == 2 and record["n_sources"] == 2
    assert record["first_reported"] == TUE.isoformat()
    assert record["date"] == TUE.isoformat()
    assert record["event_loc"]["geonameid"] == MAARAT["geonameid"]
    killed = record["size"]["killed"]
    assert (killed["low"], killed["high"], killed["conservative"]) == (12, 15, 12)
    assert killed["summary"] == "killed: 12–15 across 2 sources"
    assert record["actor"][0]["actor_id"] == "syr-government" and record["actor"][0]["mentions"] == 2


def test_strikes_on_different_days_or_towns_stay_apart():
    a, b = two_reports()
    other_day = report("Syrian government warplanes bombed Maarat al-Numan again on Saturday, killing four.",
                       dt.date(2019, 12, 28), "Wire A",
                       {"trigger": "bombed", "day": dt.date(2019, 12, 28), "place": MAARAT})
    other_town = report("Syrian government warplanes bombed Saraqib on Tuesday, killing three civilians.",
                        TUE, "Wire C", {"trigger": "bombed", "day": TUE, "place": SARAQIB})
    clusters = cluster_mentions(mentions_of([a, b, other_day, other_town]))
    sizes = sorted(len(c.members) for c in clusters)
    assert sizes == [1, 1, 2]


def test_a_province_level_report_joins_one_town_only():
    """Complete linkage: "strikes in Idlib province" fits both towns but cannot chain them together."""
    a, _ = two_reports()
    saraqib = report("Syrian government warplanes bombed Saraqib on Tuesday, killing three civilians.", TUE,
                     "Wire C", {"trigger": "bombed", "day": TUE, "place": SARAQIB})
    province = report("Syrian government warplanes bombed towns in Idlib province on Tuesday.", TUE, "Wire D",
                      {"trigger": "bombed", "day": TUE, "place": IDLIB_PROVINCE})
    clusters = cluster_mentions(mentions_of([a, saraqib, province]))
    assert sorted(len(c.members) for c in clusters) == [1, 2]
    rules = load_rules()
    m = {x.doc_id: x for x in mentions_of([a, saraqib, province])}
    assert place_relation(m[province.article.id].place, m[a.article.id].place, rules) == "inside"
    assert place_relation(m[saraqib.article.id].place, m[a.article.id].place, rules) is None


def test_aggregate_modality_and_actor_contradictions_are_never_merged():
    a, b = two_reports()
    base = {"trigger": "bombed", "day": TUE, "place": MAARAT}
    text = "Syrian government warplanes bombed Maarat al-Numan on Tuesday."
    variants = [
        report(text + " (aggregate)", TUE, "W1", {**base, "specificity": "aggregate"}),
        report(text + " (negated)", TUE, "W2", {**base, "modality": "negated"}),
        report(text + " (future)", TUE, "W3", {**base, "modality": "future"}),
        report(text + " (russian)", TUE, "W4", {**base, "actor": [RUSSIAN_AIR_FORCE]}),
        report(text + " (old)", TUE, "W5", {**base, "historical": True}),
    ]
    clusters = cluster_mentions(mentions_of([a, b, *variants]))
    together = [c for c in clusters if len(c.members) > 1]
    assert len(together) == 1 and {m.doc_id for m in together[0].members} == {a.article.id, b.article.id}
    assert len(clusters) == 1 + len(variants)


def test_alleged_and_asserted_reports_of_one_strike_merge():
    """Attribution is not a different event: "reportedly bombed" and "bombed" are one strike."""
    a, b = two_reports()
    b.events[0].modality = "alleged"
    [cluster] = cluster_mentions(mentions_of([a, b]))
    assert cluster_record(cluster)["modality"] == "asserted"


def test_repeated_mentions_in_one_article_without_dates_join_only_within_it():
    text = ("Coalition military forces struck ISIL near Ar Raqqah. The strikes destroyed two bridges near Ar "
            "Raqqah.")
    one = report(text, dt.date(2017, 1, 9), "CENTCOM",
                 {"trigger": "struck", "place": RAQQA, "actor": [COALITION], "recipient": []},
                 {"trigger": "strikes", "place": RAQQA, "actor": [COALITION], "recipient": []})
    elsewhere = report(text + " ", dt.date(2017, 1, 9), "CENTCOM",
                       {"trigger": "struck", "place": RAQQA, "actor": [COALITION], "recipient": []})
    clusters = cluster_mentions(mentions_of([one, elsewhere]))
    assert partition(clusters) == {frozenset(e.id for e in one.events),
                                   frozenset(e.id for e in elsewhere.events)}


# ---------------------------------------------------------------- invariants

def _pool() -> list:
    """A mixed pool: two strikes with three reports each, near-misses, and a singleton in Iraq."""
    results = []
    for n, (loc, day) in enumerate(itertools.product((MAARAT, SARAQIB, IDLIB_PROVINCE), (TUE, TUE +
                                                                                           dt.timedelta(1)))):
        for k, source in enumerate(("Wire A", "Wire B")):
            results.append(report(f"Report {n}.{k}: warplanes bombed {loc['name']} on {day}.", day, source,
                                  {"trigger": "bombed", "day": day, "place": loc, "span": k}))
    results.append(report("Report: ISIL attacked Mosul.", TUE, "Wire C",
                          {"trigger": "attacked", "day": TUE, "place": MOSUL, "actor": [], "recipient": []}))
    results.append(report("Report: bombs fell, place unknown.", TUE, "Wire D",
                          {"trigger": "bombs", "day": TUE}))
    return mentions_of(results)


POOL = _pool()


@settings(max_examples=40, deadline=None)
@given(st.permutations(POOL))
def test_clusters_do_not_depend_on_input_order(permuted):
    expected = cluster_mentions(POOL)
    got = cluster_mentions(permuted)
    assert partition(got) == partition(expected)
    assert sorted(c.id for c in got) == sorted(c.id for c in expected)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.sampled_from(POOL), unique_by=lambda m: m.id))
def test_every_mention_is_in_exactly_one_cluster(subset):
    clusters = cluster_mentions(subset)
    ids = [i for c in clusters for i in c.member_ids]
    assert sorted(ids) == sorted(m.id for m in subset)


def test_incremental_clustering_joins_stored_clusters(store):
    a, b = two_reports()
    store.write_results([a], run_id="r1")
    first = cluster_store(store)
    assert (first.mentions, first.created, first.clusters) == (1, 1, 1)
    [before] = list(iter_clusters(store))
    store.write_results([b], run_id="r2")
    second = cluster_store(store, run_id="r2")
    assert (second.mentions, second.created, second.grown, second.clusters) == (1, 0, 1, 1)
    [after] = list(iter_clusters(store))
    assert after["cluster_id"] == before["cluster_id"]
    assert after["n_articles"] == 2 and after["size"]["killed"]["summary"] == "killed: 12–15 across 2 sources"
    again = cluster_store(store)
    assert again.mentions == 0 and again.clusters == 1
    # The same article ingested again is the same article: nothing new to cluster.
    store.write_results([two_reports()[0]], run_id="r3")
    assert cluster_store(store).mentions == 0


def test_incremental_equals_batch_on_the_pool(store):
    results_a = [r for r in (report(f"A{i}", TUE, "W", {"trigger": "A", "day": TUE, "place": MAARAT})
                             for i in range(3))]
    results_b = [report(f"B{i}", TUE, "W", {"trigger": "B", "day": TUE, "place": SARAQIB}) for i in range(2)]
    store.write_results(results_a[:2] + results_b[:1])
    cluster_store(store)
    store.write_results(results_a[2:] + results_b[1:])
    cluster_store(store)
    rows = store.cursor().execute("SELECT cluster_id, count(*) FROM cluster_members GROUP BY 1 ORDER BY 2"
                                  ).fetchall()
    assert [n for _, n in rows] == [2, 3]
    total = store.cursor().execute("SELECT count(*), count(DISTINCT event_id) FROM cluster_members"
                                   ).fetchone()
    assert total == (5, 5)


def test_clustering_thousands_of_events_takes_seconds(store):
    """3,000 mentions over 60 towns and 90 days, three reports per strike: blocking keeps it fast."""
    towns = [dict(MAARAT, geonameid=1000 + i, lat=35.0 + i * 0.2, lon=36.0 + (i % 7) * 0.3,
                  name=f"Town {i}") for i in range(60)]
    results = []
    for n in range(1000):
        town, day = towns[n % 60], TUE + dt.timedelta(days=n % 90)
        for k in range(3):
            results.append(report(f"Strike {n} report {k}: warplanes bombed {town['name']}.", day,
                                  f"Wire {k}", {"trigger": "bombed", "day": day, "place": town}))
    store.write_results(results)
    started = time.perf_counter()
    summary = cluster_store(store)
    seconds = time.perf_counter() - started
    assert summary.mentions == 3000
    assert seconds < 20, f"clustering 3,000 events took {seconds:.1f}s"
    # Strikes on the same town and day (n and n+180 collide on both) are indistinguishable: one cluster.
    assert summary.clusters == count_clusters(store) == len({(n % 60, n % 90) for n in range(1000)})
    on_tuesday = EventFilter(since=TUE, until=TUE)
    assert count_clusters(store, on_tuesday) == len({n % 60 for n in range(0, 1000, 90)})


def _strike_reports(n_strikes: int) -> list[ArticleResult]:
    towns = [dict(MAARAT, geonameid=2000 + i, lat=35.0 + i * 0.2, lon=36.0, name=f"Town {i}")
             for i in range(12)]
    return [report(f"Strike {n} report {k}: warplanes bombed {towns[n % 12]['name']}.",
                   TUE + dt.timedelta(days=n % 20), f"Wire {k}",
                   {"trigger": "bombed", "day": TUE + dt.timedelta(days=n % 20), "place": towns[n % 12]})
            for n in range(n_strikes) for k in range(2)]


def _stored_clusters(store: Store) -> tuple[list, list]:
    members = store.cursor().execute("SELECT event_id, cluster_id, score FROM cluster_members ORDER BY 1"
                                     ).fetchall()
    return list(iter_clusters(store)), members


def test_clustering_parts_in_a_process_pool_gives_the_same_clusters(tmp_path):
    """Parts clustered in pool processes, a stored cluster growing among them: the same clusters,
    records, scores and ids as clustering them here."""
    from concurrent.futures import ProcessPoolExecutor

    first, second = _strike_reports(150), _strike_reports(180)[300:]
    seen = []
    for name, pooled in (("here", False), ("pool", True)):
        with Store.open(str(tmp_path / f"{name}.duckdb")) as st_, ProcessPoolExecutor(2) as pool:
            st_.write_results(first)
            cluster_store(st_, part_size=10, pool=pool if pooled else None)
            st_.write_results(second)
            summary = cluster_store(st_, part_size=10, pool=pool if pooled else None)
            assert summary.mentions == 60 and summary.grown > 0
            seen.append(_stored_clusters(st_))
    assert seen[0] == seen[1]
    clusters, members = seen[0]
    assert len(members) == 360 and len(clusters) == len({(n % 12, n % 20) for n in range(180)})


# ---------------------------------------------------------------- the real pipeline on real-style reports

@pytest.fixture(scope="module")
def pipeline_store(tmp_path_factory):
    """tests/data/cluster/reports.jsonl through `eventlens run` (spaCy loads once for the module)."""
    from eventlens.runners.local import run

    path = tmp_path_factory.mktemp("cluster") / "reports.duckdb"
    summary = run([str(DATA / "reports.jsonl")], db=str(path))
    assert summary.written == 3 and summary.clustered == summary.events
    return path


def _strike_clusters(store: Store) -> list[dict]:
    return [c for c in iter_clusters(store, EventFilter(event_type="ASSAULT"))
            if c["size"].get("killed") and c["event_loc"]]


def test_two_reports_of_one_strike_through_the_pipeline(pipeline_store):
    with Store.open(str(pipeline_store), read_only=True) as store:
        strikes = _strike_clusters(store)
    by_place = {c["event_loc"]["name"]: c for c in strikes}
    assert len(strikes) == 2, [c["event_loc"]["name"] for c in strikes]
    maarat = next(c for name, c in by_place.items() if "Nu" in name)
    saraqib = by_place["Saraqib"]
    assert maarat["n_articles"] == 2 and maarat["n_sources"] == 2
    assert maarat["date"] == "2019-12-24" and saraqib["date"] == "2019-12-28"
    assert maarat["size"]["killed"]["summary"] == "killed: 12–15 across 2 sources"
    assert maarat["size"]["killed"]["conservative"] == 12
    assert maarat["first_reported"] == "2019-12-24"
    assert saraqib["n_articles"] == 1


def test_a_reprint_joins_the_stored_cluster_and_a_rerun_adds_nothing(pipeline_store, tmp_path):
    from eventlens.runners.local import run

    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(pipeline_store.read_bytes())
    with Store.open(str(copy), read_only=True) as store:
        before = {c["cluster_id"]: c for c in _strike_clusters(store)}
    again = run([str(DATA / "reports.jsonl")], db=str(copy))
    assert again.written == 0 and again.clustered == 0
    reprint = run([str(DATA / "reprint.jsonl")], db=str(copy))
    assert reprint.written == 1 and reprint.clustered == reprint.events
    with Store.open(str(copy), read_only=True) as store:
        after = {c["cluster_id"]: c for c in _strike_clusters(store)}
        unclustered = store.cursor().execute(
            "SELECT count(*) FROM events WHERE id NOT IN (SELECT event_id FROM cluster_members)").fetchone()
    assert set(after) == set(before)
    grown = [c for c in after.values() if c["n_articles"] == 3]
    assert len(grown) == 1 and grown[0]["n_sources"] == 3
    assert unclustered == (0,)
