"""The text fixes: prefixed words merged back into one token, a line break starting a sentence.

The component reads token attributes from ``Doc.to_array`` and builds Token objects only where it may
act; these tests compare it with the plain token-by-token reading on real and hand-made texts.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.attrs import IDX, ORTH, SENT_START
from spacy.tokens import Doc

from eventlens.nlp import components

DATA = Path(__file__).parent / "data" / "articles"


def _plain(doc: Doc) -> Doc:
    """The fixes read token by token."""
    spans = []
    i, n = 0, len(doc)
    while i + 2 < n:
        a, hyphen, b = doc[i], doc[i + 1], doc[i + 2]
        if (a.lower_ in components.HYPHEN_PREFIXES and hyphen.text == "-" and not a.whitespace_
                and not hyphen.whitespace_ and b.is_alpha and b.is_lower):
            spans.append(doc[i: i + 3])
            i += 3
        else:
            i += 1
    with doc.retokenize() as retok:
        for span in spans:
            retok.merge(span)
    for i, tok in enumerate(doc[:-1]):
        if tok.is_space and "\n" in tok.text:
            doc[i + 1].is_sent_start = True
    return doc


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("eventlens_text_fixes")
    return nlp


def _texts() -> list[str]:
    texts = [(DATA / "000_114ae02e171b13f3.txt").read_text(encoding="utf-8")]
    lines = (DATA / "public-domain.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(line)["text"] for line in lines]
    texts += ["The ministry re-organised its units; they co-operate with ex-rebels.",
              "re-re-organised co-co-operate anti-war pre-war non-state self-defence",
              "RE-elect re-Elect re - elect re-", "Headline\n\nFirst sentence.\nSecond line", "", "\n", "x\n"]
    return texts


def test_fixes_equal_the_plain_reading(nlp):
    for text in _texts():
        fixed = nlp(text)
        plain = _plain(nlp.make_doc(text))
        assert fixed.to_array([ORTH, IDX, SENT_START]).tolist() == plain.to_array(
            [ORTH, IDX, SENT_START]).tolist(), text[:60]


def test_prefixed_words_are_one_token(nlp):
    words = [t.text for t in nlp("The army re-organised and co-operated; re-Elect and re - elect stay.")]
    assert "re-organised" in words and "co-operated" in words
    assert "re-Elect" not in words and "elect" in words
