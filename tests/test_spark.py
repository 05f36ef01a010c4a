"""The Spark runner on local[2]: the same records as the local runner, in a Parquet store that the
store's readers, ``eventlens export`` and ``eventlens stats`` open like a DuckDB file.

Needs PySpark and Java 17 (CI installs both); one Spark session for the module keeps it to about a
minute on two cores.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventlens.errors import StoreError
from eventlens.runners import local
from eventlens.runners.parquet import ParquetSink
from eventlens.settings import Settings
from eventlens.store.db import Store
from eventlens.store.parquet import MARKER, prepare_dir

ARTICLES = Path(__file__).parent / "data" / "articles"
SETTINGS = Settings(batch_size=4)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    from eventlens.runners.spark import _spark_session

    session, _ = _spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def local_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("local") / "local.duckdb"
    local.run([str(ARTICLES)], db=str(db), settings=SETTINGS)
    return db


@pytest.fixture(scope="module")
def spark_out(tmp_path_factory, spark):
    from eventlens.runners.spark import run_spark

    out = tmp_path_factory.mktemp("spark") / "store"
    summary = run_spark([str(ARTICLES)], out=str(out), settings=SETTINGS, spark=spark, partitions=3)
    return out, summary


def _cli_app():
    """The Typer app with its commands registered (with one command Typer would drop the command name)."""
    from eventlens.cli import app
    from eventlens.cli import export as _export  # noqa: F401
    from eventlens.cli import run as _run  # noqa: F401
    from eventlens.cli import stats as _stats  # noqa: F401

    return app


def _contents(path: Path) -> dict[str, list]:
    with Store.open(str(path), read_only=True) as store:
        articles = [(a.id, a.published, a.title, a.source, a.url, a.text, a.origin)
                    for a in store.iter_articles()]
        cur = store.cursor()
        tables = {}
        for table in ("sentences", "event_actors", "counts", "events", "relations", "places"):
            tables[table] = cur.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        return {"articles": articles, "events": list(store.iter_events()),
                "relations": list(store.iter_relations()),
                "places": [p.to_dict() for p in store.iter_places()], **tables}


def test_spark_and_local_runs_give_identical_records(spark_out, local_db):
    out, summary = spark_out
    assert summary.written == 5 and summary.failed == 0 and summary.events > 0
    spark_rows, local_rows = _contents(out), _contents(local_db)
    assert spark_rows["events"], "the sample must yield events"
    for table in spark_rows:
        assert spark_rows[table] == local_rows[table], table


def test_parquet_tables_have_the_store_schema(spark_out, local_db):
    out, _ = spark_out
    with Store.open(str(out), read_only=True) as pq_store, Store.open(str(local_db), read_only=True) as db:
        for table in ("articles", "events", "event_actors", "counts", "relations", "places", "runs"):
            pq_cols = pq_store.cursor().execute(f"DESCRIBE {table}").fetchall()
            db_cols = db.cursor().execute(f"DESCRIBE {table}").fetchall()
            assert [c[:2] for c in pq_cols] == [c[:2] for c in db_cols], table
    assert not (out / "_staging").exists()


def test_a_second_spark_run_reprocesses_nothing(spark_out, spark):
    from eventlens.runners.spark import run_spark

    out, first = spark_out
    before = _contents(out)
    again = run_spark([str(ARTICLES)], out=str(out), settings=SETTINGS, spark=spark)
    assert (again.read, again.skipped, again.written) == (first.written, first.written, 0)
    assert _contents(out) == before
    with Store.open(str(out), read_only=True) as store:
        assert store.stats().runs == 2


def test_export_and_stats_commands_read_the_parquet_store(spark_out, local_db, tmp_path):
    from typer.testing import CliRunner

    app = _cli_app()
    out, summary = spark_out
    runner = CliRunner()
    target = tmp_path / "events.jsonl"
    result = runner.invoke(app, ["export", "--db", str(out), "--format", "plover", "--out", str(target)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    with Store.open(str(local_db), read_only=True) as store:
        assert records == list(store.iter_events())
    result = runner.invoke(app, ["stats", "--db", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{summary.events} events" in result.output


def test_a_parquet_store_is_read_only_and_marked(tmp_path):
    out = prepare_dir(tmp_path / "pq")
    with ParquetSink(out, "part-test") as sink:
        sink.run_row("run_x", SETTINGS, ["x"], {"read": 0})
    with pytest.raises(StoreError) as err:
        Store.open(str(out))
    assert err.value.code == "E035"
    with Store.open(str(out), read_only=True) as store:
        assert store.stats().runs == 1 and store.stats().articles == 0
        with pytest.raises(StoreError):
            store.record_rejects([])
    (out / MARKER).unlink()
    with pytest.raises(StoreError) as err:
        Store.open(str(out), read_only=True)
    assert err.value.code == "E030"
    with pytest.raises(StoreError) as err:
        prepare_dir(out)
    assert err.value.code == "E033"


def test_run_command_with_the_spark_engine(spark, tmp_path):
    """``eventlens run --engine spark --out DIR`` (the same path as ``python -m eventlens.runners.spark``
    and spark-submit) reuses the active session and leaves a store that ``Store.open`` reads."""
    from typer.testing import CliRunner

    app = _cli_app()
    out = tmp_path / "cli-store"
    result = CliRunner().invoke(app, ["run", str(ARTICLES / "public-domain.jsonl"), "--engine", "spark",
                                      "--out", str(out), "--batch-size", "4", "-q"])
    with Store.open(str(out), read_only=True) as store:
        rejects = [r.to_dict() for r in store.iter_rejects()]
        assert result.exit_code == 0, (result.output, rejects)
        assert store.stats().articles == 4
    missing = CliRunner().invoke(app, ["run", str(ARTICLES), "--engine", "spark", "-q"])
    assert missing.exit_code == 2 and "--out" in missing.output
