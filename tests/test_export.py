"""Exports: PLOVER, articles, relations, places and rejects as JSON Lines, checked against the contract."""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_store import centcom_result

from eventlens.errors import ExportError
from eventlens.export import FORMATS, export
from eventlens.ingest import IngestOptions, iter_articles
from eventlens.records import ActorEntity, Article, ArticleResult, Count, DateInfo, Event, Place, Reject
from eventlens.store import Store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CHECKER = SHARED / "tools" / "check_contract.py"
SEED = SHARED / "seed" / "000_114ae02e171b13f3.txt"


def shared(path: Path) -> Path:
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data missing at {path}; CI needs the shared folder")
        pytest.skip(f"shared data not found at {path} (the ../shared folder is not present)")
    return path


def seed_result() -> ArticleResult:
    """The seed article through the real ingest, with the DESIGN.md example event built by hand."""
    [article] = list(iter_articles([str(shared(SEED))], IngestOptions()))
    assert isinstance(article, Article)
    text = article.text
    sent_start = text.index("it emerged that")
    sent_start = text.rindex("It’s", 0, sent_start)
    sent_end = text.index("Idlib.") + len("Idlib.")
    trig = text.index("cleansed")
    idlib = text.index("Idlib", trig)
    size_start = text.index("at least 300,000 Syrians")
    event = Event(
        id="evt_seed_displace", doc_id=article.id, event="DISPLACE", event_text="cleansed",
        text=text[sent_start:sent_end], start=sent_start, end=sent_end, trigger_start=trig,
        trigger_end=trig + len("cleansed"), mode="cleansing", context=["migration", "human_rights"],
        actor=[ActorEntity("the Assad regime", "Government of Syria", "SYRGOV", "SYR", "GOV", "state",
                           "syr-government")],
        recipient=[ActorEntity("Syrians", "Syrian civilians", "SYRCVL", "SYR", "CVL", "civilians")],
        event_loc=Place("Idlib", idlib, idlib + 5, name="Idlib", geonameid=169388, lat=35.9, lon=36.6,
                        country="SYR", admin1="Idlib", feature_code="ADM1", resolution="admin1"),
        date_info=DateInfo(dt.date(2020, 1, 7), dt.date(2019, 12, 1), dt.date(2020, 1, 7), "month",
                           "publication"),
        size={"displaced": Count("displaced", 300_000, None, "at least", "at least 300,000 Syrians",
                                 size_start, size_start + 24)},
        modality="reported", specificity="aggregate", confidence=0.8,
    )
    place = Place("Idlib", idlib, idlib + 5, name="Idlib", geonameid=169388, lat=35.9, lon=36.6,
                  country="SYR", admin1="Idlib", feature_code="ADM1", resolution="admin1")
    return ArticleResult(article=article, events=[event], places=[place], sentences=[(sent_start, sent_end)])


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "export.duckdb") as st:
        st.write_results([centcom_result()], run_id="run_e")
        st.record_rejects([Reject("feed.jsonl:3", "E004", "impossible date '2020-13-45'", '{"date": …}')],
                          "run_e")
        yield st


def lines(fmt: str, st: Store) -> list[dict]:
    buf = io.StringIO()
    n = export(st, fmt, buf)
    records = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert n == len(records)
    return records


def test_plover_is_exactly_the_record(store):
    [record] = lines("plover", store)
    assert record == centcom_result().events[0].to_plover()
    assert list(record) == list(centcom_result().events[0].to_plover())  # key order kept too


def test_articles_export_has_the_contract_keys_and_the_stored_text(store):
    [article] = lines("articles", store)
    assert list(article) == ["doc_id", "published", "title", "source", "url", "text"]
    assert article["published"] == "2016-12-27"
    assert article["text"] == centcom_result().article.text


def test_places_export_has_every_resolved_mention(store):
    places = lines("places", store)
    assert [p["text"] for p in places] == ["Raqqah", "Tabqa Dam"]  # "War Committee" is unresolved
    assert set(places[0]) >= {"text", "start", "end", "geonameid", "name", "lat", "lon", "country", "admin1",
                              "feature_code", "resolution"}
    text = centcom_result().article.text
    assert all(text[p["start"]:p["end"]] == p["text"] for p in places)


def test_relations_and_rejects(store):
    [rel] = lines("relations", store)
    assert rel["kind"] == "part_of" and rel["target"]["name"] == "Islamic State"
    assert set(rel) == {"id", "doc_id", "kind", "source", "target", "text", "text_info", "modality"}
    [rej] = lines("rejects", store)
    assert (rej["origin"], rej["code"], rej["run_id"]) == ("feed.jsonl:3", "E004", "run_e")


def test_non_ascii_is_written_as_utf8(tmp_path):
    text = "Shelling hit الرقة (Raqqah) and Ma‘arrat al-Nu‘man on Tuesday."
    with Store.open(tmp_path / "u.duckdb") as st:
        article = Article(id="art_arabic", text=text, published=dt.date(2019, 12, 24))
        st.write_results([ArticleResult(article)])
        out = tmp_path / "articles.jsonl"
        assert export(st, "articles", out) == 1
    raw = out.read_bytes().decode("utf-8")
    assert "الرقة" in raw and "\\u" not in raw


def test_unknown_format_and_unwritable_path(store, tmp_path):
    with pytest.raises(ExportError) as err:
        export(store, "kml", io.StringIO())
    assert err.value.code == "E040" and "plover" in err.value.message
    target = tmp_path / "no" / "such" / "dir" / "events.jsonl"
    with pytest.raises(ExportError) as err:
        export(store, "plover", target)
    assert err.value.code == "E041"
    assert set(FORMATS) >= {"plover", "articles", "relations", "places", "rejects"}


def test_file_export_replaces_the_file_whole(store, tmp_path):
    out = tmp_path / "events.jsonl"
    out.write_text("stale\n" * 10, encoding="utf-8")
    assert export(store, "plover", out) == 1
    assert out.read_text(encoding="utf-8").count("\n") == 1
    assert not (tmp_path / "events.jsonl.part").exists()


def test_seed_export_passes_the_contract_checker(tmp_path):
    checker = shared(CHECKER)
    with Store.open(tmp_path / "seed.duckdb") as st:
        st.write_results([seed_result(), centcom_result()])
        export(st, "plover", tmp_path / "events.jsonl")
        export(st, "articles", tmp_path / "articles.jsonl")
    proc = subprocess.run([sys.executable, str(checker), str(tmp_path / "events.jsonl"),
                           str(tmp_path / "articles.jsonl")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 records, 2 articles, 0 problems" in proc.stdout


def test_contract_checker_catches_an_offset_that_misses(tmp_path):
    """The check above can fail: shift one offset and the checker reports it."""
    checker = shared(CHECKER)
    result = centcom_result()
    result.events[0].trigger_start += 1
    with Store.open(tmp_path / "bad.duckdb") as st:
        st.write_results([result])
        export(st, "plover", tmp_path / "events.jsonl")
        export(st, "articles", tmp_path / "articles.jsonl")
    proc = subprocess.run([sys.executable, str(checker), str(tmp_path / "events.jsonl"),
                           str(tmp_path / "articles.jsonl")], capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "trigger offsets do not point at event_text" in proc.stdout
