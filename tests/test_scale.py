"""The long-run benchmark's corpus and checks (bench/scale.py), without running the pipeline."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import scale

from eventlens.ingest.sources import iter_articles
from eventlens.records import Article


def test_the_corpus_is_n_distinct_dated_articles_of_the_shipped_texts(tmp_path):
    path = tmp_path / "corpus.jsonl"
    size = scale.write_corpus(path, 120, short=True)
    assert size["articles"] == 120 and size["distinct_texts"] > 20
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 120
    assert all(dt.date.fromisoformat(r["date"]) <= dt.date.today() for r in lines)
    articles = [a for a in iter_articles([str(path)]) if isinstance(a, Article)]
    assert len({a.id for a in articles}) == 120  # the reference line makes every copy its own article
    bases = {r["text"].rsplit("\n\nReference", 1)[0] for r in lines}
    assert len(bases) == size["distinct_texts"]
    assert size["words"] == sum(len(r["text"].split()) for r in lines)


def test_the_resumed_run_summary_is_read_and_flatness_compares_the_middle():
    line = "300 articles read: 108 new, 192 already stored, 0 rejected; 1075 events"
    assert scale._skipped("noise\n" + line + "\n") == 192
    assert scale._skipped("no summary") is None
    level = [{"main_rss_mb": 400.0 + (i % 3)} for i in range(50)]
    flat = scale.flatness(level)
    assert abs(flat["late_median_mb"] - flat["early_median_mb"]) <= 2
    growing = [{"main_rss_mb": 400.0 + 10 * i} for i in range(50)]
    grown = scale.flatness(growing)
    assert grown["late_median_mb"] - grown["early_median_mb"] >= 200
