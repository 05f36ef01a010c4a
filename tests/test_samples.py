"""The bundled sample articles through the real command line: run, export, contract, expected records."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "articles"
CHECKER = ROOT.parent / "shared" / "tools" / "check_contract.py"


def _eventlens(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from eventlens.cli import main; main()", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("samples")
    db = tmp / "eventlens.duckdb"
    run = _eventlens("run", str(SAMPLES), "--db", str(db), "--export", str(tmp / "events.jsonl"), cwd=tmp)
    assert run.returncode == 0, run.stderr[-2000:]
    arts = _eventlens("export", "--db", str(db), "--format", "articles", "--out", str(tmp / "articles.jsonl"),
                      cwd=tmp)
    assert arts.returncode == 0, arts.stderr[-2000:]
    events = [json.loads(line) for line in (tmp / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    articles = {a["doc_id"]: a for a in map(json.loads, (tmp / "articles.jsonl").read_text().splitlines())}
    return tmp, run, events, articles


def test_run_prints_a_summary(exported):
    _, run, _, _ = exported
    out = run.stdout + run.stderr
    assert "5 articles" in out
    assert "events by type" in out and "ASSAULT" in out
    assert "top actors" in out and "top places" in out


def test_every_record_points_at_its_words(exported):
    _, _, events, articles = exported
    assert len(articles) == 5
    assert len({e["doc_id"] for e in events}) == 5, "every sample article yields events"
    for event in events:
        text = articles[event["doc_id"]]["text"]
        info = event["text_info"]
        assert text[info["start"]:info["end"]] == event["text"]
        assert text[info["trigger_start"]:info["trigger_end"]] == event["event_text"]


def test_contract_checker_passes(exported):
    tmp, _, _, _ = exported
    if not CHECKER.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHECKER} is missing under CI")
        pytest.skip(f"{CHECKER} not found (the shared folder is not next to this checkout)")
    result = subprocess.run([sys.executable, str(CHECKER), str(tmp / "events.jsonl"),
                             str(tmp / "articles.jsonl")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def _by_title(events, articles, word):
    ids = {d for d, a in articles.items() if word in (a.get("title") or "")}
    assert ids, word
    return [e for e in events if e["doc_id"] in ids]


def test_centcom_strikes_on_isil(exported):
    _, _, events, articles = exported
    report = _by_title(events, articles, "January 9")
    strikes = [e for e in report if e["event"] == "ASSAULT" and e["event_text"] == "strikes"]
    first = strikes[0]
    assert first["date"] == "2017-01-08" and first["date_info"]["precision"] == "day"
    assert first["acled"]["sub_event_type"] == "Air/drone strike"
    assert any("Coalition" in a["entity_text"] for a in first["actor"])
    assert any(r["name"] == "Islamic State" for r in first["recipient"])
    assert {e["event_loc"]["country"] for e in strikes if e["event_loc"]} >= {"SYR", "IRQ"}


def test_state_department_jabla_and_tartus(exported):
    _, _, events, articles = exported
    report = _by_title(events, articles, "Jabla")
    killed = [e for e in report if "killed" in e["size"]]
    assert killed and all(e["size"]["killed"]["qualifier"] == "more than" for e in killed)
    assert {e["size"]["killed"]["low"] for e in killed} == {60}
    [condemn] = [e for e in report if e["event"] == "ACCUSE" and e["event_text"] == "condemns"]
    assert condemn["actor"][0]["country"] == "USA"
    places = {e["event_loc"]["entity_text"] for e in report if e["event_loc"]}
    assert places & {"Jabla", "Tartus"}


def test_uk_statement_on_sinjar(exported):
    _, _, events, articles = exported
    report = _by_title(events, articles, "Sinjar")
    assert any(e["event"] == "SUPPORT" and "Ellwood" in (e["actor"] or [{}])[0].get("entity_text", "")
               for e in report)
    assert all(e["date_info"]["latest"] <= "2015-11-13" for e in report if e["date_info"])
