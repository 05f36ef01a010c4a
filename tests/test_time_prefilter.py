"""Time words: the substring test that spares a sentence the regexes never drops a time expression.

``resolve.time._scan`` runs a pattern only on a sentence holding one of its pieces (``_needles``). These
tests compare it with the same scan made with every pattern run, on real sentences and on every phrase of
the knowledge file, in the letter cases and look-alike letters Python's case-insensitive matching accepts.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from eventlens.resolve import time as time_words

SEED = Path(__file__).parent / "data" / "articles" / "000_114ae02e171b13f3.txt"
RE3D = Path("/work/shared/gold/re3d")
PUBLISHED = dt.date(2020, 1, 7)
# Real sentences with time words (public-domain CENTCOM and State Department releases, the seed).
SENTENCES = [
    "On Dec. 8, Coalition military forces conducted 34 strikes against ISIL terrorists in Syria and Iraq.",
    "On Saturday, Dae’sh claimed dual attacks in the commercial area of the Al-Sinek neighborhood in "
    "Baghdad which killed at least 28 people.",
    "In the early days of Syria’s revolution, when Assad was losing control of the country, it was "
    "Soleimani who got the call.",
    "The strikes were conducted as part of Operation Inherent Resolve, which began in August 2014.",
    "Two days ago, near Mosul, three strikes destroyed an ISIL tactical unit; last week five more followed.",
    "The talks will resume next month in Geneva, officials said on 12 March 2019.",
]


def _unfiltered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pattern runs: the empty string is in every text."""
    everything = {name: ("",) for name in time_words._needles()}
    monkeypatch.setattr(time_words, "_needles", lambda: everything)


def _scan_both(monkeypatch: pytest.MonkeyPatch, text: str, future: bool = False):
    filtered = time_words._scan(text, 0, PUBLISHED, future)
    with monkeypatch.context() as m:
        _unfiltered(m)
        full = time_words._scan(text, 0, PUBLISHED, future)
    return filtered, full


def _seed_sentences() -> list[str]:
    text = SEED.read_text(encoding="utf-8").split("\n", 1)[1]
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


@pytest.mark.parametrize("text", SENTENCES)
def test_real_sentences_scan_alike(monkeypatch, text):
    filtered, full = _scan_both(monkeypatch, text)
    assert filtered == full
    assert full, "each of these sentences has a time expression"


def test_the_seed_article_scans_alike(monkeypatch):
    found = 0
    for sentence in _seed_sentences():
        for future in (False, True):
            filtered, full = _scan_both(monkeypatch, sentence, future)
            assert filtered == full
            found += len(full)
    assert found > 0


def _phrases() -> list[str]:
    words = time_words._words()
    out = [f"Fighting resumed {p} near the town." for key in ("relative", "historical", "periods")
           for p in words[key]]
    out += [f"The strike came on {w} and again on 3 {m} 2019." for w in words["weekdays"] for m in
            list(words["months"])[:3]]
    out += [f"Shelling began in {m} 2015, {n} weeks ago." for m in words["months"] for n in ("two", "3")]
    out += [f"They {w} attack the base." for w in words["future_words"]]
    return out


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_every_knowledge_phrase_scans_alike_in_any_case(monkeypatch, case):
    for text in _phrases():
        filtered, full = _scan_both(monkeypatch, case(text))
        assert filtered == full, text


def test_look_alike_letters_that_case_insensitive_matching_accepts(monkeypatch):
    # the long s and the Kelvin sign match "s" and "k" in an IGNORECASE pattern
    odd = "Fighting reſumed laſt \u212aelvin week, ſince Auguſt 2015."
    filtered, full = _scan_both(monkeypatch, odd)
    assert full and filtered == full


def test_the_sentence_filter_skips_sentences_without_pieces():
    needles = time_words._needles()
    low = time_words._folded("Coalition forces destroyed an ISIL fighting position near Raqqa.")
    assert not any(time_words._has(low, needles[name]) for name in ("month", "weekday", "ago", "year"))


@pytest.mark.skipif(not RE3D.exists(), reason="the re3d gold texts are not on this machine")
def test_the_re3d_texts_scan_alike(monkeypatch):
    found = 0
    for path in sorted(RE3D.glob("*/documents.json")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for sentence in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]):
                filtered, full = _scan_both(monkeypatch, sentence)
                assert filtered == full, sentence
                found += len(full)
    assert found > 50
