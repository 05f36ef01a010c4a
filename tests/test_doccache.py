"""Per-Doc caches: values spaCy rebuilds on every access are computed once while the events component
runs, and a Doc leaves the pipeline without them."""
from __future__ import annotations

from pathlib import Path

import pytest

from eventlens.nlp.doccache import doc_text, ent_at, forget, memo
from eventlens.nlp.pipeline import load_pipeline

SEED = Path(__file__).parent / "data" / "articles" / "000_114ae02e171b13f3.txt"


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def _cache_keys(doc) -> list[str]:
    return [k for k in doc.user_data if isinstance(k, str) and k.startswith("eventlens.")]


def test_the_caches_hold_what_spacy_computes_and_are_forgotten(nlp):
    doc = nlp(SEED.read_text(encoding="utf-8").split("\n", 1)[1])
    assert doc._.events and _cache_keys(doc) == []
    assert doc_text(doc) == doc.text
    ent = doc.ents[0]
    assert ent_at(doc, ent.start) == ent and ent_at(doc, ent.end - 1) == ent
    memo(doc)["answer"] = 42
    assert memo(doc)["answer"] == 42
    assert sorted(_cache_keys(doc)) == ["eventlens.ents_by_token", "eventlens.memo", "eventlens.text"]
    forget(doc)
    assert _cache_keys(doc) == [] and "answer" not in memo(doc)
