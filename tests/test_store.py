"""The DuckDB store: round trip of hand-built records, idempotence, one transaction per article."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from eventlens.errors import StoreError
from eventlens.ingest import article_id
from eventlens.records import (
    ActorEntity,
    Article,
    ArticleResult,
    Attribution,
    Count,
    DateInfo,
    Event,
    Place,
    Reject,
    Relation,
)
from eventlens.settings import Settings
from eventlens.store import Store

DATA = Path(__file__).parent / "data" / "ingest"
REPO = Path(__file__).resolve().parents[1]


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def centcom_result(text: str | None = None, suffix: str = "") -> ArticleResult:
    """The CENTCOM release on Abu Jandal al-Kuwaiti, with one event, one relation and two places."""
    text = (text or (DATA / "centcom_abu_jandal.txt").read_text(encoding="utf-8")) + suffix
    doc_id = article_id(text)
    article = Article(id=doc_id, text=text, published=dt.date(2016, 12, 27), title="Death of Abu Jandal",
                      source="CENTCOM", url="http://www.centcom.mil/", origin="centcom_abu_jandal.txt")
    sent = "On Monday, Dec. 26, Abu Jandal al-Kuwaiti, an ISIL gang leader in Raqqah was struck and killed"
    s = text.index(sent)
    s_end = text.index("\n", s)
    ts, te = span(text, "struck")
    tabqa = Place(entity_text="Tabqa Dam", start=text.index("Tabqa Dam"), end=text.index("Tabqa Dam") + 9,
                  name="Tabqa Dam", geonameid=7910402, lat=35.87, lon=38.57, country="SYR",
                  admin1="Ar Raqqah", feature_code="DAM", resolution="sub-city", score=0.9, reason="name")
    raqqah = Place(entity_text="Raqqah", start=text.index("Raqqah"), end=text.index("Raqqah") + 6,
                   name="Ar Raqqah", geonameid=172957, lat=35.95, lon=39.01, country="SYR",
                   admin1="Ar Raqqah", feature_code="PPLA", resolution="city", score=0.8)
    unresolved = Place(entity_text="War Committee", start=text.index("War Committee"),
                       end=text.index("War Committee") + 13)
    coalition = ActorEntity("a coalition airstrike", name="Global Coalition against Daesh", code="IGOCOA",
                            country=None, sector="MIL", kind="state", actor_id="coalition",
                            start=text.index("a coalition"), end=text.index("a coalition") + 11)
    leader = ActorEntity("Abu Jandal al-Kuwaiti", name="Islamic State", code="IMGMUSISI", country=None,
                         sector="REB", kind="rebels", actor_id="isis")
    killed_at = span(text, "killed")
    event = Event(
        id="evt_" + doc_id[4:] + "01", doc_id=doc_id, event="ASSAULT", event_text="struck",
        text=text[s:s_end], start=s, end=s_end, trigger_start=ts, trigger_end=te, mode="aerial",
        context=["terrorism"], actor=[coalition], recipient=[leader], event_loc=tabqa,
        date_info=DateInfo(dt.date(2016, 12, 26), dt.date(2016, 12, 26), dt.date(2016, 12, 26), "day",
                           "explicit", "Monday, Dec. 26"),
        size={"killed": Count("killed", 1, 1, None, "killed", *killed_at)},
        modality="asserted", specificity="specific", attribution=Attribution(None), cameo="195",
        acled={"event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike"},
        confidence=0.8123,
    )
    rel = Relation(id="rel_" + doc_id[4:], doc_id=doc_id, kind="part_of",
                   source=ActorEntity("Abu Jandal al-Kuwaiti"),
                   target=ActorEntity("ISIL", name="Islamic State"),
                   text=text[s:s_end], start=s, end=s_end, evidence_start=text.index("an ISIL gang leader"),
                   evidence_end=text.index("an ISIL gang leader") + 19)
    return ArticleResult(article=article, events=[event], relations=[rel], places=[raqqah, tabqa, unresolved],
                         sentences=[(s, s_end), (s_end + 2, len(text))])


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "events.duckdb") as st:
        yield st


def test_round_trip_of_hand_built_records(store):
    result = centcom_result()
    summary = store.write_results([result], run_id="run_1")
    assert (summary.written, summary.skipped, summary.failed, summary.events) == (1, 0, 0, 1)
    [record] = list(store.iter_events())
    assert record == result.events[0].to_plover()
    assert record["event_loc"]["geonameid"] == 7910402 and record["confidence"] == 0.812
    [article] = list(store.iter_articles())
    assert article == result.article
    assert list(store.iter_relations()) == [result.relations[0].to_dict()]
    mentions = list(store.iter_places())
    assert [m.place for m in mentions] == sorted(result.places, key=lambda p: p.start)
    assert [m.place.entity_text for m in store.iter_places(resolved_only=True)] == ["Raqqah", "Tabqa Dam"]
    text = article.text
    ti = record["text_info"]
    assert text[ti["trigger_start"]:ti["trigger_end"]] == record["event_text"] == "struck"


def test_flat_columns_match_the_record(store):
    result = centcom_result()
    store.write_results([result])
    cur = store.cursor()
    row = cur.execute("SELECT event, date, precision, geonameid, loc_country, admin1, "
                      "acled->>'sub_event_type' FROM events").fetchone()
    assert row == ("ASSAULT", dt.date(2016, 12, 26), "day", 7910402, "SYR", "Ar Raqqah", "Air/drone strike")
    actors = cur.execute("SELECT role, idx, code, actor_id FROM event_actors ORDER BY role").fetchall()
    assert actors == [("actor", 0, "IGOCOA", "coalition"), ("recipient", 0, "IMGMUSISI", "isis")]
    assert cur.execute("SELECT category, low, high FROM counts").fetchall() == [("killed", 1, 1)]
    first_sentence = cur.execute('SELECT idx, "start" FROM sentences ORDER BY idx').fetchall()[0]
    assert first_sentence == (0, result.events[0].start)
    assert cur.execute("SELECT kind, target_name FROM relations").fetchall() == [("part_of", "Islamic State")]


def test_writing_twice_stores_one_article(store):
    result = centcom_result()
    store.write_results([result])
    again = store.write_results([result, centcom_result()])
    assert (again.written, again.skipped) == (0, 2)
    cur = store.cursor()
    for table, n in (("articles", 1), ("events", 1), ("event_actors", 2), ("places", 3), ("sentences", 2)):
        assert cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == n, table


def test_known_ids(store):
    a, b = centcom_result(), centcom_result(suffix="\nA second paragraph.")
    store.write_results([a])
    assert store.known_ids([a.article.id, b.article.id, "art_missing"]) == {a.article.id}
    assert store.known_ids([]) == set()


def test_a_broken_article_is_rolled_back_whole_and_the_batch_goes_on(store):
    good = centcom_result()
    broken = centcom_result(suffix="\nUpdated.")
    broken.events.append(broken.events[0])  # the same event id twice breaks the primary key
    later = centcom_result(suffix="\nUpdated again.")
    summary = store.write_results([good, broken, later], run_id="run_x")
    assert (summary.written, summary.failed) == (2, 1)
    cur = store.cursor()
    doc = broken.article.id
    for table, col in (("articles", "id"), ("sentences", "doc_id"), ("events", "doc_id"),
                       ("places", "doc_id"), ("relations", "doc_id")):
        assert cur.execute(f"SELECT count(*) FROM {table} WHERE {col} = ?", [doc]).fetchone()[0] == 0, table
    assert cur.execute("SELECT count(*) FROM event_actors").fetchone()[0] == 4  # good + later only
    [rej] = list(store.iter_rejects())
    assert rej.reject.code == "E036" and rej.reject.detail == doc and rej.run_id == "run_x"


def test_result_with_an_error_becomes_a_reject(store):
    result = centcom_result()
    result.error = Reject("feed.jsonl:7", "E020", "the pipeline failed on this article", None)
    summary = store.write_results([result])
    assert (summary.written, summary.failed) == (0, 1)
    assert store.stats().articles == 0
    assert [r.reject.code for r in store.iter_rejects()] == ["E020"]


def test_runs_rejects_and_stats(store):
    run_id = store.start_run(Settings(), ["corpus/"])
    store.record_rejects([Reject("a.txt", "E001", "no text"), Reject("b.txt", "E001", "no text"),
                          Reject("c.bin", "E002", "binary")], run_id)
    store.write_results([centcom_result()], run_id)
    store.finish_run(run_id, {"read": 4, "written": 1})
    [run] = store.runs()
    assert run["id"] == run_id and run["inputs"] == ["corpus/"] and run["counts"] == {"read": 4, "written": 1}
    assert run["settings"]["max_chars"] == Settings().max_chars and run["finished"] >= run["started"]
    stats = store.stats()
    assert (stats.articles, stats.events, stats.relations, stats.places, stats.rejects, stats.runs) == (
        1, 1, 1, 3, 3, 1)
    assert stats.events_by_type == {"ASSAULT": 1}
    assert stats.rejects_by_code == {"E001": 2, "E002": 1}
    assert dict(stats.top_actors) == {"Global Coalition against Daesh": 1, "Islamic State": 1}
    assert [name for name, _ in stats.top_places] == ["Ar Raqqah", "Tabqa Dam"]
    assert [r.reject.origin for r in store.iter_rejects(run_id)] == ["a.txt", "b.txt", "c.bin"]


def test_reopen_read_only_and_refuse_writes(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store.open(path) as st:
        st.write_results([centcom_result()])
    with Store.open(path, read_only=True) as st:
        assert len(list(st.iter_events())) == 1
        with pytest.raises(StoreError) as err:
            st.write_results([centcom_result(suffix=" x")])
        assert err.value.code == "E035"


@pytest.mark.parametrize(("content", "code"), [
    (b"SQLite format 3\x00" + b"\x00" * 200, "E031"),
    (b"article text, not a database\n" * 50, "E031"),
])
def test_foreign_or_corrupt_file_is_a_store_error(tmp_path, content, code):
    path = tmp_path / "bad.duckdb"
    path.write_bytes(content)
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert err.value.code == code and str(path) in err.value.message
    assert path.read_bytes() == content  # never overwritten


def test_another_applications_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE orders (id INTEGER)")
    con.close()
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert err.value.code == "E033"


def test_missing_store_read_only(tmp_path):
    with pytest.raises(StoreError) as err:
        Store.open(tmp_path / "nope.duckdb", read_only=True)
    assert err.value.code == "E030"


def test_a_killed_writer_leaves_whole_articles_only(tmp_path):
    """SIGKILL a writer mid-run: every article in the file has all its rows, and a rerun completes it."""
    path = tmp_path / "killed.duckdb"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_store import centcom_result
        from eventlens.store import Store
        store = Store.open({str(path)!r})
        for i in range(100000):
            store.write_results([centcom_result(suffix=f"\\nParagraph {{i}}.")])
            print(i, flush=True)
    """)
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for _ in range(30):
            proc.stdout.readline()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with Store.open(path) as st:
        cur = st.cursor()
        n = cur.execute("SELECT count(*) FROM articles").fetchone()[0]
        assert n >= 30
        per_article = cur.execute(
            "SELECT a.id, (SELECT count(*) FROM events e WHERE e.doc_id = a.id), "
            "(SELECT count(*) FROM places p WHERE p.doc_id = a.id), "
            "(SELECT count(*) FROM sentences s WHERE s.doc_id = a.id) FROM articles a").fetchall()
        assert {row[1:] for row in per_article} == {(1, 3, 2)}
        assert cur.execute("SELECT count(*) FROM events").fetchone()[0] == n
        assert cur.execute("SELECT count(*) FROM event_actors").fetchone()[0] == 2 * n
        # resuming: the stored ones are skipped, the rest written
        summary = st.write_results([centcom_result(suffix=f"\nParagraph {i}.") for i in range(n + 5)])
        assert (summary.skipped, summary.written) == (n, 5)
