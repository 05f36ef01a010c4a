"""Per-Doc caches for values spaCy rebuilds on every access.

``Doc.text`` joins every token on each call and ``Doc.ents`` builds a new tuple of Spans: cheap once,
costly when asked for each number, event or mention of a long article. The events component asks for
them many times after the entities are final, so they are computed once and kept in ``Doc.user_data``.
``forget(doc)`` drops them; the events component calls it first, so a cache never outlives the entities.

``memo(doc)`` is a dictionary for anything else computed once per Doc and asked for many times (the time
words of a sentence are read once for the sentence and again for each of its events). The token, head
and children lists below have keys of their own, the entity and sentence lists live in ``memo``; all are
exact copies of what spaCy returns, so code that reads them gives the same answers as code that asks
spaCy each time. One difference: a list hands out the same Token object for an index every time, where
spaCy builds a new one, so compare tokens by ``.i`` (or ``==``), never with ``is``.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable
from typing import Any

from spacy.attrs import HEAD
from spacy.tokens import Doc, Span, Token

_TEXT = "eventlens.text"
_ENTS = "eventlens.ents_by_token"
_MEMO = "eventlens.memo"
_TOKENS = "eventlens.tokens"
_HEADS = "eventlens.heads"
_CHILDREN = "eventlens.children"
_WORDS = "eventlens.words"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(_TEXT)
    if text is None:
        # what ``Doc.text`` does, from the one token list (spaCy would build every Token again)
        text = doc.user_data[_TEXT] = "".join(t.text_with_ws for t in tokens(doc))
    return text


def ent_at(doc: Doc, i: int) -> Span | None:
    """The entity covering token ``i``, or None."""
    table = doc.user_data.get(_ENTS)
    if table is None:
        table = {}
        for ent in doc_ents(doc):
            for j in range(ent.start, ent.end):
                table[j] = ent
        doc.user_data[_ENTS] = table
    return table.get(i)


def memo(doc: Doc) -> dict[Hashable, Any]:
    """This Doc's dictionary of computed values; keys name their computation and its arguments."""
    table = doc.user_data.get(_MEMO)
    if table is None:
        table = doc.user_data[_MEMO] = {}
    return table


def forget(doc: Doc) -> None:
    for key in (_TEXT, _ENTS, _MEMO, _TOKENS, _HEADS, _CHILDREN, _WORDS):
        doc.user_data.pop(key, None)


# Token objects: ``doc[i]``, ``token.head``, ``token.children`` and iterating a Span each build new Python
# Token objects, and extraction walks the same sentences and trees many times per event. These lists are
# made once per Doc (under keys of their own: they are asked for most) and the hot loops index them with
# plain ints.

def tokens(doc: Doc) -> list[Token]:
    """Every Token of the Doc, built once; ``tokens(doc)[i]`` is ``doc[i]`` without a new object."""
    toks = doc.user_data.get(_TOKENS)
    if toks is None:
        toks = doc.user_data[_TOKENS] = list(doc)
    return toks  # type: ignore[no-any-return]


def span_tokens(span: Span) -> list[Token]:
    """The tokens of a Span (a sentence, a phrase), from the Doc's one list."""
    return tokens(span.doc)[span.start:span.end]


def head_ids(doc: Doc) -> list[int]:
    """The head index of every token (a root is its own head)."""
    heads = doc.user_data.get(_HEADS)
    if heads is None:
        # HEAD is stored as the offset to the head, an unsigned view of a signed number
        offsets = doc.to_array(HEAD).astype("int64")
        heads = doc.user_data[_HEADS] = [i + h for i, h in enumerate(offsets.tolist())]
    return heads  # type: ignore[no-any-return]


def head_of(token: Token) -> Token:
    """``token.head`` from the Doc's token list."""
    doc = token.doc
    return tokens(doc)[head_ids(doc)[token.i]]


def children_of(token: Token) -> list[Token]:
    """``list(token.children)``, in the same (document) order, from lists made once per Doc."""
    doc = token.doc
    kids = doc.user_data.get(_CHILDREN)
    if kids is None:
        toks = tokens(doc)
        kids = [[] for _ in toks]
        for i, h in enumerate(head_ids(doc)):
            if h != i:
                kids[h].append(toks[i])
        doc.user_data[_CHILDREN] = kids
    return kids[token.i]  # type: ignore[no-any-return]


class Words:
    """Per-token strings of a Doc, read once: ``text[i]`` is ``doc[i].text``, ``lower[i]`` is
    ``doc[i].lower_``, ``lemma[i]`` is ``doc[i].lemma_.lower()``, ``pos[i]`` and ``dep[i]`` are ``.pos_``
    and ``.dep_``. spaCy looks each
    up in its string store on every access; rules that test every token of a sentence against word lists
    read these lists and build nothing for the tokens that pass none of their tests."""

    __slots__ = ("dep", "lemma", "lower", "pos", "text")

    def __init__(self, toks: list[Token]) -> None:
        self.text = [t.text for t in toks]
        self.lower = [t.lower_ for t in toks]
        self.lemma = [t.lemma_.lower() for t in toks]
        self.pos = [t.pos_ for t in toks]
        self.dep = [t.dep_ for t in toks]


def token_words(doc: Doc) -> Words:
    """The Doc's per-token strings (see :class:`Words`), made once."""
    found = doc.user_data.get(_WORDS)
    if found is None:
        found = doc.user_data[_WORDS] = Words(tokens(doc))
    return found  # type: ignore[no-any-return]


def doc_ents(doc: Doc) -> tuple[Span, ...]:
    """``doc.ents``, built once (spaCy builds every entity Span again on each access)."""
    table = memo(doc)
    ents = table.get("ents")
    if ents is None:
        ents = table["ents"] = doc.ents
    return ents  # type: ignore[no-any-return]


def span_ents(span: Span) -> list[Span]:
    """``span.ents``: the entities wholly inside the span, in order (as spaCy computes it)."""
    out = []
    start, end = span.start, span.end
    for ent in doc_ents(span.doc):
        if ent.start >= start:
            if ent.end <= end:
                out.append(ent)
            else:
                break
    return out


def sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) token indices of every sentence, in order."""
    table = memo(doc)
    bounds = table.get("sents")
    if bounds is None:
        bounds = table["sents"] = [(s.start, s.end) for s in doc.sents]
    return bounds  # type: ignore[no-any-return]


def sentence_of(token: Token) -> Span:
    """``token.sent`` from the sentence bounds found once per Doc."""
    doc = token.doc
    bounds = sentence_bounds(doc)
    i = token.i
    k = bisect_right(bounds, (i, len(doc) + 1)) - 1
    table = memo(doc)
    spans = table.get("sent_spans")
    if spans is None:
        spans = table["sent_spans"] = [None] * len(bounds)
    if spans[k] is None:
        start, end = bounds[k]
        spans[k] = doc[start:end]
    return spans[k]  # type: ignore[no-any-return]


def span_text(span: Span) -> str:
    """``span.text`` cut from the Doc's text (spaCy joins the tokens' texts again on each access)."""
    if span.end <= span.start:
        return ""
    return doc_text(span.doc)[span.start_char:span.end_char]


def sentence_words(sent: Span) -> frozenset[str]:
    """The lowercase forms and lemmas of a sentence's words, for rules that ask whether a cue word
    occurs anywhere in it; made once per sentence."""
    key = ("sentence_words", sent.start, sent.end)
    table = memo(sent.doc)
    words = table.get(key)
    if words is None:
        w = token_words(sent.doc)
        words = table[key] = frozenset(w.lower[sent.start:sent.end]) | frozenset(w.lemma[sent.start:sent.end])
    return words  # type: ignore[no-any-return]
