"""Crashes and shared files: `eventlens run` killed at random points, damaged and foreign store files, and
readers meeting a writer.

The kill test drives the real command line in subprocesses over a couple of hundred tiny articles (two
sentences of the sample texts each, so the NLP is cheap) and compares every table with an uninterrupted
run's. What DuckDB allows is one process with the file open for writing, and while it has it no other
process can open the file, even read-only: readers wait for it, and get E032 (CLI) or a 503 (API) only
after their deadline, never a traceback (readers during a real run: ``test_concurrency.py``).
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from eventlens.cli import _COMMAND_MODULES
from eventlens.cli import app as cli_app
from eventlens.serve.app import create_app
from eventlens.store.db import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its test client's future package
    from fastapi.testclient import TestClient

SAMPLES = Path(__file__).parent / "data" / "articles"
N_ARTICLES = 200
# Rows that say when or by which run something was written: everything else must be identical.
VOLATILE = {"run_id", "ingested_at", "created_at", "updated_at", "added_at"}
TABLES = ("articles", "sentences", "events", "event_actors", "counts", "relations", "places", "clusters",
          "cluster_members")
# How each table's rows find their article, to check that a killed run left whole articles only.
DOC_OF = {
    "articles": "id", "sentences": "doc_id", "events": "doc_id", "relations": "doc_id", "places": "doc_id",
    "event_actors": "(SELECT e.doc_id FROM events e WHERE e.id = t.event_id)",
    "counts": "(SELECT e.doc_id FROM events e WHERE e.id = t.event_id)",
}


def _register_commands() -> None:
    import importlib

    for name in _COMMAND_MODULES:  # as `eventlens` does
        importlib.import_module(f"eventlens.cli.{name}")


def sample_sentences() -> list[str]:
    """Distinct sentences of the sample articles (the seed and the public-domain JSONL)."""
    lines = (SAMPLES / "public-domain.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    seed = (SAMPLES / "000_114ae02e171b13f3.txt").read_text(encoding="utf-8")
    texts.append(seed.split(" ", 3)[-1])
    out: list[str] = []
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            if 40 <= len(sentence) <= 250 and sentence not in out:
                out.append(sentence)
    return out


def tiny_corpus(path: Path, n: int = N_ARTICLES) -> Path:
    """``n`` articles of two sample sentences each (distinct pairs, so distinct ids), as JSON Lines."""
    sentences = sample_sentences()
    pairs = [(a, b) for i, a in enumerate(sentences) for j, b in enumerate(sentences) if (j - i) % 7 == 1]
    assert len(pairs) >= n
    with path.open("w", encoding="utf-8") as fh:
        for k, (a, b) in enumerate(pairs[:n]):
            fh.write(json.dumps({"text": f"{a} {b}", "date": f"2020-01-{1 + k % 28:02d}"}) + "\n")
    return path


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from eventlens.cli import main; main()", *args]


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every record table, without run ids and timestamps, sorted (duplicates kept).

    Read through ``Store`` so that a reader of the same process (an in-process API) shares the file."""
    with Store.open(db, read_only=True) as store:
        con = store.cursor()
        out = {}
        for table in TABLES:
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall() if r[0] not in VOLATILE]
            names = ", ".join(f'"{c}"' for c in cols)
            out[table] = sorted(con.execute(f"SELECT {names} FROM {table}").fetchall(), key=repr)
        return out


def differences(table: str, got: list[tuple], expected: list[tuple]) -> str:
    """A short account of how two snapshots of a table differ (a full diff would be pages long)."""
    extra = [r for r in got if r not in expected][:2]
    missing = [r for r in expected if r not in got][:2]
    return (f"{table}: {len(got)} rows, expected {len(expected)}; extra {repr(extra)[:300]}; "
            f"missing {repr(missing)[:300]}")


def rows_per_article(db: Path) -> dict[str, dict[str, int]]:
    """For each table with article rows: article id -> number of rows."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {table: dict(con.execute(f"SELECT {doc} AS d, count(*) FROM {table} t GROUP BY d").fetchall())
                for table, doc in DOC_OF.items()}
    finally:
        con.close()


def test_run_killed_at_random_points_resumes_to_the_uninterrupted_result(tmp_path: Path) -> None:
    corpus = tiny_corpus(tmp_path / "tiny.jsonl")
    reference_db, resumed_db = tmp_path / "reference.duckdb", tmp_path / "resumed.duckdb"
    # The uninterrupted run goes alongside the killed ones: same CPU, less waiting.
    reference = subprocess.Popen(cli("run", str(corpus), "--db", str(reference_db), "-q"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    rng = random.Random(int(os.environ.get("EVENTLENS_KILL_SEED", "12")))
    copies: list[Path] = []
    kills = 0
    for attempt in range(8):
        proc = subprocess.Popen(cli("run", str(corpus), "--db", str(resumed_db), "-q"),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Start-up (the spaCy pipeline) takes a few seconds; later kills land later, in the writing.
        time.sleep(rng.uniform(2.0, 6.0) + 2.0 * attempt)
        if proc.poll() is not None:  # finished before the kill: the rest is the final run's to check
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        if resumed_db.exists():
            copy = tmp_path / f"killed{kills}.duckdb"
            shutil.copy(resumed_db, copy)
            if Path(f"{resumed_db}.wal").exists():
                shutil.copy(f"{resumed_db}.wal", f"{copy}.wal")
            copies.append(copy)
        if kills == 4:
            break
    final = subprocess.run(cli("run", str(corpus), "--db", str(resumed_db), "-q"), check=False,
                           capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr[-2000:]
    _, err = reference.communicate(timeout=600)
    assert reference.returncode == 0, err[-2000:]
    assert kills >= 2

    expected = snapshot(reference_db)
    assert len(expected["articles"]) == N_ARTICLES and len(expected["events"]) > N_ARTICLES
    assert expected["clusters"] and len(expected["cluster_members"]) == len(expected["events"])
    got = snapshot(resumed_db)
    # same rows, same multiplicity: no duplicates, nothing missing
    assert [differences(t, got[t], expected[t]) for t in TABLES if got[t] != expected[t]] == []

    # Each killed state held whole articles only, each exactly as the uninterrupted run stored it.
    whole = rows_per_article(reference_db)
    stored = []
    for copy in copies:
        partial = rows_per_article(copy)
        articles = set(partial["articles"])
        stored.append(len(articles))
        for table, per_doc in partial.items():
            assert set(per_doc) <= articles, (copy.name, table)
            assert all(per_doc[d] == whole[table][d] for d in per_doc), (copy.name, table)
        state = snapshot(copy)
        assert set(state["events"]) <= set(expected["events"])
        # Clusters are written in one transaction after the last article: all of them or none.
        assert state["cluster_members"] in ([], expected["cluster_members"]), copy.name
    assert stored == sorted(stored)  # resuming never lost an article


# ---------------------------------------------------------------- damaged and foreign files


def _small_store(path: Path) -> Path:
    """A real store with one hand-made article, written without the NLP."""
    from test_store import centcom_result

    with Store.open(path) as store:
        for i in range(40):
            store.write_results([centcom_result(suffix=f"\nParagraph {i}.")])
    return path


def _damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how.startswith("truncate"):
        os.truncate(path, size * int(how[len("truncate"):]) // 100)
    elif how == "overwrite":
        with path.open("r+b") as fh:
            fh.seek(12288)
            fh.write(random.Random(3).randbytes(min(64 * 4096, size - 12288)))
    elif how == "sqlite":
        path.write_bytes(b"SQLite format 3\x00" + bytes(4080))
    elif how == "foreign":
        path.unlink()
        con = duckdb.connect(str(path))
        con.execute("CREATE TABLE orders (id INTEGER, item VARCHAR)")
        con.close()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _small_store(tmp_path_factory.mktemp("stores") / "pristine.duckdb")


@pytest.mark.parametrize("how", ["truncate50", "truncate70", "overwrite", "sqlite", "foreign"])
def test_damaged_or_foreign_store_is_a_clear_error_for_every_command(tmp_path: Path, pristine: Path,
                                                                       how: str) -> None:
    _register_commands()
    db = tmp_path / "store.duckdb"
    shutil.copy(pristine, db)
    _damage(db, how)
    article = tmp_path / "a.txt"
    article.write_text("date 2020-01-07 Government forces shelled Maarat al Numan on Monday.\n")
    runner = CliRunner()
    commands = {
        "run": ["run", str(article), "--db", str(db), "-q"],
        "export": ["export", "--db", str(db), "--format", "plover", "--out", str(tmp_path / "e.jsonl")],
        "stats": ["stats", "--db", str(db)],
        "serve": ["serve", "--db", str(db), "--port", "1"],  # fails before it would listen
    }
    before = db.read_bytes()
    for name, args in commands.items():
        result = runner.invoke(cli_app, args)
        if name == "export" and result.exit_code == 0:
            # DuckDB checks a block when it reads it: an export that reads only intact blocks is whole.
            with Store.open(pristine, read_only=True) as store:
                whole = [json.dumps(r, sort_keys=True) for r in store.iter_events()]
            written = (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()
            assert sorted(json.dumps(json.loads(x), sort_keys=True) for x in written) == sorted(whole)
            continue
        assert result.exit_code == 2, (name, result.output, result.exception)
        assert isinstance(result.exception, SystemExit), (name, result.exception)
        assert "Traceback" not in result.output
        assert re.search(r"\[E03[13]\]", result.output), (name, result.output)
        assert "another process" not in result.output  # a damaged file is not a writer's lock
    assert db.read_bytes() == before  # a command that refuses a file leaves it as it was


# ---------------------------------------------------------------- readers meeting a writer


WRITER = """
import sys, time
sys.path.insert(0, {tests!r})
from test_store import centcom_result
from eventlens.store import Store
with Store.open({db!r}) as store:
    for i in range(3):
        store.write_results([centcom_result(suffix=f"\\nLater paragraph {{i}}.")])
    print("writing", flush=True)
    sys.stdin.readline()  # hold the file, as a long `eventlens run` does, until told to stop
"""


def test_readers_of_a_store_held_past_their_deadline_get_e032_and_503(tmp_path: Path,
                                                                    pristine: Path) -> None:
    """A writer that keeps the file (a plain ``Store.open`` never releases it) outlasts the readers'
    wait: they give up with E032 (CLI) or a 503 (API) after their deadline, never a traceback."""
    _register_commands()
    db = tmp_path / "busy.duckdb"
    shutil.copy(pristine, db)
    api = TestClient(create_app(db, linger=0, wait=0.3), raise_server_exceptions=False)
    assert api.get("/api/stats").status_code == 200  # and the reader lets go at once (linger=0)
    script = WRITER.format(tests=str(Path(__file__).parent), db=str(db))
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as writer:
        assert writer.stdout is not None and writer.stdin is not None
        assert writer.stdout.readline().strip() == "writing"
        runner = CliRunner()
        for args in (["stats", "--db", str(db), "--wait", "0.5"],
                     ["export", "--db", str(db), "--format", "rejects", "--out", str(tmp_path / "r.jsonl"),
                      "--wait", "0.5"]):
            began = time.monotonic()
            result = runner.invoke(cli_app, args)
            assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
            assert "[E032]" in result.output and "Traceback" not in result.output
            assert 0.5 <= time.monotonic() - began < 30  # it waited, and then gave up
        for path in ("/api/stats", "/api/events", "/api/clusters", "/api/articles/art_0123456789abcdef"):
            busy = api.get(path)
            assert busy.status_code == 503, path
            assert busy.headers["content-type"].startswith("application/json")
            assert busy.json()["error"]["code"] == "E062" and "Traceback" not in busy.text
        writer.stdin.write("\n")
        writer.stdin.flush()
        assert writer.wait(timeout=60) == 0
    # the writer is gone: the same server answers again and sees what it wrote
    stats = api.get("/api/stats")
    assert stats.status_code == 200 and stats.json()["articles"] == 43
