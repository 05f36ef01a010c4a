"""Quantities: the gate that spares a sentence the quantity pattern never drops a quantity.

``resolve.quantities.find_quantities`` scans only text in which ``_quantity_gate`` finds a digit or a
number word once folded. These tests compare its matches with the full scan of the pattern on real
sentences, on every phrase of the number-word file in several letter cases and contexts, and on ranges
that run into their joiner; and check the folding on every character.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eventlens.resolve.quantities import _numbers, _quantity_gate, find_quantities, quantity_patterns
from eventlens.resolve.time import _folded

DATA = Path(__file__).parent / "data" / "articles"


def _spans(matches):
    return [(m.start(), m.end(), m.group(0)) for m in matches]


def _same(text: str) -> None:
    assert _spans(find_quantities(text)) == _spans(quantity_patterns().quantity.finditer(text)), text


def _sentences() -> list[str]:
    texts = [(DATA / "000_114ae02e171b13f3.txt").read_text(encoding="utf-8")]
    lines = (DATA / "public-domain.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(line)["text"] for line in lines]
    return [s for text in texts for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def test_the_gate_is_built():
    assert _quantity_gate() is not None


def test_sample_sentences_scan_alike():
    sentences = _sentences()
    assert len(sentences) > 80
    for text in sentences:
        _same(text)
    skipped = [s for s in sentences if not _quantity_gate().search(_folded(s))]
    assert skipped, "some sentences hold no quantity and are skipped"
    assert not any(_spans(quantity_patterns().quantity.finditer(s)) for s in skipped)


def _phrases() -> list[str]:
    nums = _numbers()
    return [str(w) for key in ("units", "scales", "vague", "vague_multipliers", "qualifiers", "shares")
            for w in nums[key]]


@pytest.mark.parametrize("case", [str.lower, str.upper, str.title])
def test_every_phrase_of_the_number_words_scans_alike(case):
    for phrase in _phrases():
        for text in (f"{phrase} people", f"about {phrase} of them", f"{phrase}-five", f"some {phrase}",
                     f"{phrase} hundred troops", f"({phrase})", f"x{phrase} 12", f"{phrase}to ten",
                     f"between {phrase} and nine", f"a {phrase}"):
            _same(case(text))


@pytest.mark.parametrize("text", [
    "fiveto ten people were hurt", "FIVEOR SIX", "twenty-five were killed", "a few hundred fled",
    "Two-thirds of the army", "about 1,000 were displaced", "$5 million in aid", "approx. 300 homes",
    "no fewer than\n 300 people", "in excess of  two thousand", "Hundreds of thousands fled",
    "a handful of soldiers", "the majority of residents", "ſix hundred", "the talks went on",
    "someone often tended the cement", "dozens", "100s of people", "près de deux cents",
    "TRÊS MIL", "“Seven” – they said", "ſeven people", "KILLED ſIX", "İN excess of ten",
])
def test_hand_made_texts_scan_alike(text):
    _same(text)


def test_folding_spells_every_matched_letter_as_the_gate_does():
    """Every character the case-insensitive pattern takes for a letter of the gate's words is that
    letter once folded, and folding keeps each character a word character or not (the gate's
    boundaries)."""
    words = _quantity_gate().pattern
    letters = sorted({c for c in words if c.isalpha()})
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    matched = {m.group(0) for m in re.finditer("[" + re.escape("".join(letters)) + "]", everything,
                                                re.IGNORECASE)}
    for ch in matched:
        for letter in letters:
            if re.fullmatch(re.escape(letter), ch, re.IGNORECASE):
                assert _folded(ch) == letter, (ch, letter)
    word = re.compile(r"\w")
    for ch in everything:
        folded = _folded(ch)
        is_word = word.fullmatch(ch) is not None
        assert (word.fullmatch(folded[0]) is not None) == is_word == (word.fullmatch(folded[-1]) is not None)
