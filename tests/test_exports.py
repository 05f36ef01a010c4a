"""Analyst exports (clusters, ACLED CSV, GeoJSON, CSV, Parquet) and the shared EventFilter query layer.

A hand-built store (short strike reports, see test_cluster.py) checks values exactly; the public-domain
sample articles through the real pipeline check that the exports of a real store are well formed.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_cluster import MAARAT, MOSUL, RUSSIAN_AIR_FORCE, SARAQIB, report, two_reports
from typer.testing import CliRunner

from eventlens.cluster import cluster_store
from eventlens.errors import ExportError
from eventlens.export import export
from eventlens.store import Store
from eventlens.store.query import (
    EventFilter,
    count_clusters,
    count_events,
    get_cluster,
    iter_clusters,
    iter_events,
)

ARTICLES = Path(__file__).parent / "data" / "articles"
# ACLED's export columns, in ACLED's order (acleddata.com data export, 2023 codebook).
ACLED = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
         "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
         "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
         "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
         "fatalities", "tags", "timestamp"]


def hand_results():
    a, b = two_reports()
    saraqib = report("Russian warplanes bombed the town of Saraqib on Saturday, killing four civilians.",
                     dt.date(2019, 12, 28), "Wire A",
                     {"trigger": "bombed", "day": dt.date(2019, 12, 28), "place": SARAQIB, "killed": (4, 4),
                      "actor": [RUSSIAN_AIR_FORCE]})
    mosul = report("Iraqi forces denied that they had shelled Mosul.", dt.date(2017, 1, 9), "Wire C",
                   {"trigger": "shelled", "day": dt.date(2017, 1, 8), "place": MOSUL, "modality": "negated",
                    "actor": [], "recipient": []})
    return [a, b, saraqib, mosul]


@pytest.fixture(scope="module")
def hand_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("exports") / "hand.duckdb"
    with Store.open(str(path)) as store:
        store.write_results(hand_results())
        cluster_store(store)
    with Store.open(str(path), read_only=True) as store:
        yield store


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    """The public-domain sample articles and the seed through the real pipeline."""
    from eventlens.runners.local import run

    path = tmp_path_factory.mktemp("exports") / "real.duckdb"
    run([str(ARTICLES)], db=str(path))
    with Store.open(str(path), read_only=True) as store:
        yield store


def text_of(store, fmt, flt=None) -> tuple[int, str]:
    buf = io.StringIO()
    n = export(store, fmt, buf, flt)
    return n, buf.getvalue()


# ---------------------------------------------------------------- query layer

@pytest.mark.parametrize(("flt", "expected"), [
    (EventFilter(), 4),
    (EventFilter(since="2019-12-24", until="2019-12-24"), 2),
    (EventFilter(since=dt.date(2019, 12, 25)), 1),
    (EventFilter(until=dt.date(2018, 1, 1)), 1),
    (EventFilter(country="syr"), 3),
    (EventFilter(country="IRQ"), 1),
    (EventFilter(admin1="idlib"), 3),
    (EventFilter(bbox=(36.7, 35.8, 36.9, 35.9)), 1),  # Saraqib only
    (EventFilter(bbox="36,35,37,36"), 3),
    (EventFilter(event_type="ASSAULT,COERCE"), 4),
    (EventFilter(event_type=("PROTEST",)), 0),
    (EventFilter(actor="russia"), 1),
    (EventFilter(actor="SYRGOV"), 2),
    (EventFilter(modality="negated"), 1),
    (EventFilter(modality=("asserted", "reported")), 3),
    (EventFilter(text="crowded market"), 1),
    (EventFilter(text="'; DROP TABLE events; --"), 0),
    (EventFilter(country="SYR", actor="syr-government", since="2019-12-24"), 2),
])
def test_event_filters(hand_store, flt, expected):
    assert count_events(hand_store, flt) == expected
    assert len(list(iter_events(hand_store, flt))) == expected


def test_cluster_filters_and_paging(hand_store):
    assert count_clusters(hand_store) == 3
    assert count_clusters(hand_store, EventFilter(country="SYR")) == 2
    assert count_clusters(hand_store, EventFilter(text="crowded market")) == 1  # any member's sentence
    assert count_clusters(hand_store, EventFilter(actor="Wire")) == 0
    assert count_clusters(hand_store, EventFilter(modality="negated")) == 1
    every = [c["cluster_id"] for c in iter_clusters(hand_store)]
    assert [c["cluster_id"] for c in iter_clusters(hand_store, EventFilter(limit=2))] == every[:2]
    assert [c["cluster_id"] for c in iter_clusters(hand_store, EventFilter(limit=2, offset=2))] == every[2:]
    assert get_cluster(hand_store, every[0])["cluster_id"] == every[0]
    assert get_cluster(hand_store, "clu_missing") is None


@pytest.mark.parametrize("kwargs", [
    {"bbox": "1,2,3"}, {"bbox": (10, 0, 5, 1)}, {"since": "2020-02-01", "until": "2020-01-01"},
    {"since": "yesterday"}, {"limit": -1},
])
def test_bad_filters_say_what_to_write(kwargs):
    with pytest.raises(ExportError) as err:
        EventFilter(**kwargs)
    assert err.value.code in {"E046", "E047", "E048"}


def test_filters_are_values():
    assert EventFilter(country="syr", event_type="assault") == EventFilter(country="SYR",
                                                                           event_type=("ASSAULT",))
    assert EventFilter().is_empty and not EventFilter(text="x").is_empty


# ---------------------------------------------------------------- the exports, on the hand-built store

def test_acled_csv_has_exactly_acleds_columns_and_conventions(hand_store):
    n, text = text_of(hand_store, "acled")
    df = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(df.columns) == ACLED
    assert n == len(df) == 2  # the negated shelling is not an ACLED event
    maarat = df[df["location"] == MAARAT["name"]].iloc[0]
    assert maarat["fatalities"] == 12  # lowest credible of 12 and "at least 15"
    assert maarat["iso"] == 760 and maarat["country"] == "Syria" and maarat["region"] == "Middle East"
    assert (maarat["inter1"], maarat["inter2"], maarat["interaction"]) == (1, 7, 17)
    assert maarat["civilian_targeting"] == "Civilian targeting"
    assert maarat["event_date"] == "2019-12-24" and maarat["year"] == 2019 and maarat["time_precision"] == 1
    assert maarat["source"] == "Wire A; Wire B" and "killed: 12–15 across 2 sources" in maarat["notes"]
    assert maarat["event_id_cnty"].startswith("SYR")
    assert '"' + "At least 15 civilians were killed" in maarat["notes"]


def test_clusters_export_lists_every_mention_once(hand_store):
    n, text = text_of(hand_store, "clusters")
    records = [json.loads(line) for line in text.splitlines()]
    assert n == len(records) == 3
    mentions = [m for r in records for m in r["mentions"]]
    assert sorted(mentions) == sorted(e["id"] for e in iter_events(hand_store))
    assert sum(r["n_articles"] for r in records) == 4


def validate_geojson(doc: dict) -> None:
    """The RFC 7946 structure a FeatureCollection of points must have."""
    assert doc["type"] == "FeatureCollection" and isinstance(doc["features"], list)
    assert "crs" not in doc  # RFC 7946 §4: no crs member; coordinates are WGS 84
    for f in doc["features"]:
        assert f["type"] == "Feature"
        assert set(f) <= {"type", "id", "geometry", "properties", "bbox"}
        assert isinstance(f.get("id"), (str, int, float))
        assert f["properties"] is None or isinstance(f["properties"], dict)
        g = f["geometry"]
        if g is not None:
            assert g["type"] == "Point" and len(g["coordinates"]) == 2
            lon, lat = g["coordinates"]
            assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lon, lat))
            assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geojson_is_a_valid_feature_collection_with_lon_first(hand_store):
    n, text = text_of(hand_store, "geojson")
    doc = json.loads(text)
    validate_geojson(doc)
    assert n == len(doc["features"]) == 3
    saraqib = next(f for f in doc["features"] if f["properties"]["place"] == "Saraqib")
    assert saraqib["geometry"]["coordinates"] == [SARAQIB["lon"], SARAQIB["lat"]]
    _, only_iraq = text_of(hand_store, "geojson", EventFilter(country="IRQ"))
    assert [f["properties"]["country"] for f in json.loads(only_iraq)["features"]] == ["IRQ"]


def test_csv_flattens_events_with_their_cluster(hand_store):
    n, text = text_of(hand_store, "csv", EventFilter(country="SYR"))
    df = pd.read_csv(io.StringIO(text))
    assert n == len(df) == 3
    assert df["cluster_id"].notna().all() and df["cluster_id"].nunique() == 2
    assert sorted(df["killed_low"].tolist()) == [4, 12, 15]


def test_parquet_writes_every_table_and_reads_in_duckdb(hand_store, tmp_path):
    out = tmp_path / "tables"
    assert export(hand_store, "parquet", out) == 4
    con = duckdb.connect()
    for table in ("articles", "events", "event_actors", "counts", "clusters", "cluster_members", "runs"):
        assert (out / f"{table}.parquet").exists(), table
    assert con.execute("SELECT count(*) FROM read_parquet(?)",
                       [str(out / "events.parquet")]).fetchone() == (4,)
    assert con.execute("SELECT count(*) FROM read_parquet(?)",
                       [str(out / "cluster_members.parquet")]).fetchone() == (4,)
    filtered = tmp_path / "syria"
    assert export(hand_store, "parquet", filtered, EventFilter(actor="russia")) == 1
    assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(filtered / "articles.parquet")]
                       ).fetchone() == (1,)
    with pytest.raises(ExportError):
        export(hand_store, "parquet", io.StringIO())


def test_formats_of_other_records_refuse_event_filters(hand_store):
    with pytest.raises(ExportError) as err:
        export(hand_store, "places", io.StringIO(), EventFilter(country="SYR"))
    assert err.value.code == "E043"
    n, _ = text_of(hand_store, "plover", EventFilter(country="IRQ"))
    assert n == 1


def test_export_command_takes_the_filters(hand_store, tmp_path):
    import eventlens.cli.export
    import eventlens.cli.stats  # noqa: F401  each module registers its command
    from eventlens.cli import app

    out = tmp_path / "acled.csv"
    result = CliRunner().invoke(app, ["export", "--db", hand_store.path, "--format", "acled", "--out",
                                      str(out), "--country", "SYR", "--actor", "russia",
                                      "--since", "2019-12-01"])
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert list(df.columns) == ACLED and df["location"].tolist() == ["Saraqib"]
    bad = CliRunner().invoke(app, ["export", "--db", hand_store.path, "--format", "geojson", "--bbox", "x"])
    assert bad.exit_code == 2 and "min_lon" in bad.output


# ---------------------------------------------------------------- the exports of a real store

def test_exports_of_the_sample_articles_are_well_formed(real_store, tmp_path):
    assert count_clusters(real_store) > 0
    n_clusters, clusters = text_of(real_store, "clusters")
    members = [m for line in clusters.splitlines() for m in json.loads(line)["mentions"]]
    assert sorted(members) == sorted(e["id"] for e in iter_events(real_store))
    _, geo = text_of(real_store, "geojson")
    doc = json.loads(geo)
    validate_geojson(doc)
    assert len(doc["features"]) == n_clusters
    _, acled = text_of(real_store, "acled")
    df = pd.read_csv(io.StringIO(acled), keep_default_na=False)
    assert list(df.columns) == ACLED and len(df) > 0
    assert (df["iso"].astype(int) > 0).all() and (df["country"] != "").all()
    assert {"Syria", "Iraq"} <= set(df["country"])
    assert (df["fatalities"] >= 0).all()
    n_csv, csv_text = text_of(real_store, "csv")
    assert len(pd.read_csv(io.StringIO(csv_text))) == n_csv == count_events(real_store)
    assert export(real_store, "parquet", tmp_path / "pq") == n_csv
