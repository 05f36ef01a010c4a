"""Per-Doc caches: values spaCy rebuilds on every access are computed once while the events component
runs, and a Doc leaves the pipeline without them."""
from __future__ import annotations

from pathlib import Path

import pytest

from eventlens.extract.participants import _phrase_span, phrase_span
from eventlens.nlp.doccache import (
    children_of,
    doc_ents,
    doc_text,
    ent_at,
    forget,
    head_ids,
    head_of,
    memo,
    sentence_of,
    sentence_words,
    span_ents,
    span_text,
    span_tokens,
    token_words,
    tokens,
)
from eventlens.nlp.pipeline import load_pipeline
from eventlens.records import ActorEntity
from eventlens.resolve.actors import DocActors, _resolve_actor, load_actor_knowledge, resolve_actor

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
    assert sorted(_cache_keys(doc)) == ["eventlens.ents_by_token", "eventlens.memo", "eventlens.text",
                                        "eventlens.tokens"]  # the text is joined from the token list
    forget(doc)
    assert _cache_keys(doc) == [] and "answer" not in memo(doc)


def test_token_lists_equal_what_spacy_builds(nlp):
    doc = nlp(SEED.read_text(encoding="utf-8").split("\n", 1)[1])
    toks = tokens(doc)
    assert [t.i for t in toks] == list(range(len(doc)))
    assert head_ids(doc) == [t.head.i for t in doc]
    for tok in doc:
        assert [c.i for c in children_of(tok)] == [c.i for c in tok.children]
        assert head_of(tok).i == tok.head.i
        sent = sentence_of(tok)
        assert (sent.start, sent.end) == (tok.sent.start, tok.sent.end)
    ents = [(e.start, e.end, e.label_) for e in doc.ents]
    assert [(e.start, e.end, e.label_) for e in doc_ents(doc)] == ents
    for sent in doc.sents:
        assert [t.i for t in span_tokens(sent)] == [t.i for t in sent]
        assert [(e.start, e.end) for e in span_ents(sent)] == [(e.start, e.end) for e in sent.ents]
        assert span_text(sent) == sent.text
        assert sentence_words(sent) == {t.lower_ for t in sent} | {t.lemma_.lower() for t in sent}
    assert span_text(doc[3:3]) == doc[3:3].text == ""
    forget(doc)
    assert _cache_keys(doc) == []


def test_token_words_equal_spacy_strings_and_are_forgotten(nlp):
    doc = nlp("The Iraqi Army's 9th Division shelled Mosul; MILITANTS were withdrawn, leaders said.")
    words = token_words(doc)
    assert words.lower == [t.lower_ for t in doc]
    assert words.lemma == [t.lemma_.lower() for t in doc]
    assert words.pos == [t.pos_ for t in doc] and words.dep == [t.dep_ for t in doc]
    assert "militants" in words.lower and "shell" in words.lemma
    assert token_words(doc) is words  # made once per Doc
    forget(doc)
    assert token_words(doc) is not words


def test_phrase_spans_and_actor_answers_kept_per_doc_equal_fresh_ones(nlp):
    """The answers kept per Doc are the answers computed afresh, and a caller that changes the record
    it got back does not change the next answer."""
    doc = nlp(SEED.read_text(encoding="utf-8").split("\n", 1)[1])
    forget(doc)
    knowledge = load_actor_knowledge()
    heads = [t for t in doc if t.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "poss")]
    assert len(heads) > 50
    kept, fresh = DocActors(), DocActors()
    resolved = 0
    for _ in range(2):  # the second round reads what the first one kept
        for head in heads:
            span = phrase_span(head)
            assert (span.start, span.end) == (_phrase_span(head).start, _phrase_span(head).end)
            got = resolve_actor(span, knowledge=knowledge, doc_actors=kept)
            want = _resolve_actor(span, knowledge, fresh)
            assert got == want
            if got is not None:
                resolved += 1
                got.name = "changed by a caller"
                assert resolve_actor(span, knowledge=knowledge, doc_actors=kept) == want
    assert resolved > 20 and kept.resolved
    before = kept.version
    kept.remember("Somebody Quite New", ActorEntity(entity_text="Somebody Quite New", kind="person"))
    assert kept.version > before
