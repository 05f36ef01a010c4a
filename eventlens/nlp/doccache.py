"""Per-Doc caches for values spaCy rebuilds on every access.

``Doc.text`` joins every token on each call and ``Doc.ents`` builds a new tuple of Spans: cheap once,
costly when asked for each number, event or mention of a long article. The events component asks for
them many times after the entities are final, so they are computed once and kept in ``Doc.user_data``.
``forget(doc)`` drops them; the events component calls it first, so a cache never outlives the entities.

``memo(doc)`` is a dictionary for anything else computed once per Doc and asked for many times (the time
words of a sentence are read once for the sentence and again for each of its events).
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from spacy.tokens import Doc, Span

_TEXT = "eventlens.text"
_ENTS = "eventlens.ents_by_token"
_MEMO = "eventlens.memo"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


def ent_at(doc: Doc, i: int) -> Span | None:
    """The entity covering token ``i``, or None."""
    table = doc.user_data.get(_ENTS)
    if table is None:
        table = {}
        for ent in doc.ents:
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
    doc.user_data.pop(_TEXT, None)
    doc.user_data.pop(_ENTS, None)
    doc.user_data.pop(_MEMO, None)
