"""JSON Lines writers: one record per line, UTF-8, non-ASCII kept as is (Arabic names stay readable).

Each writer streams from the store, so exporting a large store needs no more memory than one record.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from ..store import Store


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False))
        out.write("\n")
        n += 1
    return n


def write_plover(store: Store, out: TextIO) -> int:
    """Events exactly as ``Event.to_plover()`` made them (DESIGN.md, "The record")."""
    return write_jsonl(store.iter_events(), out)


def write_articles(store: Store, out: TextIO) -> int:
    """``{"doc_id", "published", "title", "source", "url", "text"}``: what every offset indexes."""
    return write_jsonl((a.to_dict() for a in store.iter_articles()), out)


def write_relations(store: Store, out: TextIO) -> int:
    return write_jsonl(store.iter_relations(), out)


def write_places(store: Store, out: TextIO) -> int:
    """Every resolved toponym mention; unresolved ones stay in the store (``Store.iter_places``)."""
    return write_jsonl((m.to_dict() for m in store.iter_places(resolved_only=True)), out)


def write_rejects(store: Store, out: TextIO) -> int:
    return write_jsonl((r.to_dict() for r in store.iter_rejects()), out)
