"""The API's reads: one event with its evidence, articles with the spans of every record, actors and
their relations, the actor network, timeline counts.

Every function takes an open read-only ``Store`` and returns plain JSON-ready values (this is the
HTTP boundary, where records become dicts). Filtered lists of events and clusters go through
``eventlens.serve.filters`` and the shared filter layer. No SQL here is built from user text: values
are always parameters.
"""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from ..store import query
from ..store.db import Store

# An actor is keyed by its canonical id when the knowledge knew it, else by its name or words, so that
# the network joins "the regime" and "Assad's government" only when the resolver did.
_ACTOR_KEY = "coalesce({p}actor_id, 'name:' || lower(coalesce({p}name, {p}entity_text)))"
_REL_KEY = "coalesce({s}_actor_id, 'name:' || lower(coalesce({s}_name, {s}_text)))"


def _rows(store: Store, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    cur = store.cursor()
    try:
        cur.execute(sql, list(params))
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        cur.close()


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def event_detail(store: Store, event_id: str) -> dict[str, Any] | None:
    """One event record with its article's metadata, its cluster and the offsets of its parts.

    ``spans`` locate the sentence, trigger, actor, recipient and count words in the article text, so a
    client can highlight them without re-finding strings (a word can occur twice in a sentence).
    """
    rows = _rows(store, 'SELECT e.record, e.doc_id, e."start", e."end", e.trigger_start, e.trigger_end, '
                        "a.title, a.url, a.source, a.published "
                        "FROM events e JOIN articles a ON a.id = e.doc_id WHERE e.id = ?", [event_id])
    if not rows:
        return None
    row = rows[0]
    return {
        "event": json.loads(row["record"]),
        "article": {"doc_id": row["doc_id"], "title": row["title"], "url": row["url"],
                    "source": row["source"], "published": _iso(row["published"])},
        "cluster_id": query.cluster_of(store, event_id),
        "spans": _event_spans(store, [event_id]),
    }


def _event_spans(store: Store, event_ids: list[str]) -> list[dict[str, Any]]:
    if not event_ids:
        return []
    ids = [event_ids]
    spans: list[dict[str, Any]] = []
    for r in _rows(store, 'SELECT id, "start", "end", trigger_start, trigger_end, event FROM events '
                          "WHERE id IN (SELECT UNNEST(?::VARCHAR[]))", ids):
        spans.append({"kind": "sentence", "start": r["start"], "end": r["end"], "event_id": r["id"],
                      "label": r["event"]})
        spans.append({"kind": "trigger", "start": r["trigger_start"], "end": r["trigger_end"],
                      "event_id": r["id"], "label": r["event"]})
    for r in _rows(store, 'SELECT event_id, role, "start", "end", coalesce(name, entity_text) AS label, code '
                          'FROM event_actors WHERE event_id IN (SELECT UNNEST(?::VARCHAR[])) AND "start" '
                          "IS NOT NULL", ids):
        spans.append({"kind": r["role"], "start": r["start"], "end": r["end"], "event_id": r["event_id"],
                      "label": r["label"], "code": r["code"]})
    for r in _rows(store, 'SELECT event_id, category, "start", "end", low, high FROM counts '
                          'WHERE event_id IN (SELECT UNNEST(?::VARCHAR[])) AND "start" IS NOT NULL', ids):
        spans.append({"kind": "count", "start": r["start"], "end": r["end"], "event_id": r["event_id"],
                      "label": r["category"], "low": r["low"], "high": r["high"]})
    return spans


def article_detail(store: Store, doc_id: str) -> dict[str, Any] | None:
    """An article's text and the spans of every record in it: events (sentence and trigger), their
    actors and counts, place mentions, relations (sentence and the words that carry the relation)."""
    articles = list(store.iter_articles([doc_id]))
    if not articles:
        return None
    article = articles[0]
    event_ids = [r["id"] for r in _rows(store, "SELECT id FROM events WHERE doc_id = ?", [doc_id])]
    spans = _event_spans(store, event_ids)
    for mention in store.iter_places(doc_id=doc_id):
        p = mention.place
        spans.append({"kind": "place", "start": p.start, "end": p.end, "label": p.name or p.entity_text,
                      "geonameid": p.geonameid, "resolution": p.resolution})
    for r in _rows(store, 'SELECT id, kind, "start", "end", evidence_start, evidence_end FROM relations '
                          "WHERE doc_id = ?", [doc_id]):
        spans.append({"kind": "relation", "start": r["start"], "end": r["end"], "relation_id": r["id"],
                      "label": r["kind"]})
        if r["evidence_start"] is not None:
            spans.append({"kind": "relation_evidence", "start": r["evidence_start"],
                          "end": r["evidence_end"], "relation_id": r["id"], "label": r["kind"]})
    spans.sort(key=lambda s: (s["start"], -s["end"], s["kind"]))
    return {**article.to_dict(), "lang": article.lang, "event_ids": event_ids, "spans": spans}


def list_articles(store: Store, *, limit: int, offset: int) -> dict[str, Any]:
    total = _rows(store, "SELECT count(*) AS n FROM articles")[0]["n"]
    items = _rows(store, "SELECT a.id AS doc_id, a.published, a.title, a.source, a.url, "
                         "length(a.text) AS chars, "
                         "(SELECT count(*) FROM events e WHERE e.doc_id = a.id) AS events "
                         "FROM articles a ORDER BY a.published DESC NULLS LAST, a.id LIMIT ? OFFSET ?",
                  [limit, offset])
    for item in items:
        item["published"] = _iso(item["published"])
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _actor_rows_sql() -> str:
    """Every actor mention, from events (as actor or recipient) and from both ends of relations."""
    key = _ACTOR_KEY.format(p="")
    src, tgt = _REL_KEY.format(s="source"), _REL_KEY.format(s="target")
    return (
        f"SELECT {key} AS key, coalesce(name, entity_text) AS name, code, country, sector, kind, "
        "entity_text, event_id, NULL AS relation_id FROM event_actors "
        f"UNION ALL SELECT {src}, coalesce(source_name, source_text), source_code, source_country, NULL, "
        "NULL, source_text, NULL, id FROM relations "
        f"UNION ALL SELECT {tgt}, coalesce(target_name, target_text), target_code, target_country, NULL, "
        "NULL, target_text, NULL, id FROM relations"
    )


def list_actors(store: Store, *, q: str | None, limit: int, offset: int) -> dict[str, Any]:
    """Actors with their codes and how often they occur, most frequent first; ``q`` matches the name,
    the code or any of the words that named it."""
    where, params = "", []
    if q:
        where = ("WHERE strpos(lower(name), lower(?)) > 0 OR strpos(lower(coalesce(code, '')), lower(?)) > 0 "
                 "OR strpos(lower(entity_text), lower(?)) > 0")
        params = [q, q, q]
    base = (f"SELECT key, any_value(name) AS name, max(code) AS code, max(country) AS country, "
            "max(sector) AS sector, max(kind) AS kind, count(DISTINCT event_id) AS events, "
            "count(DISTINCT relation_id) AS relations, list(DISTINCT entity_text) AS texts "
            f"FROM ({_actor_rows_sql()}) {where} GROUP BY key")
    total = _rows(store, f"SELECT count(*) AS n FROM ({base})", params)[0]["n"]
    items = _rows(store, f"SELECT * FROM ({base}) ORDER BY events + relations DESC, key LIMIT ? OFFSET ?",
                  [*params, limit, offset])
    for item in items:
        item["texts"] = sorted(t for t in item["texts"] if t)[:10]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def actor_detail(store: Store, key: str) -> dict[str, Any] | None:
    """One actor: its codes, the words that named it, its events by type and its relations."""
    rows = _rows(store, f"SELECT * FROM ({_actor_rows_sql()}) WHERE key = ?", [key])
    if not rows:
        return None
    first = next((r for r in rows if r["code"]), rows[0])
    event_ids = sorted({r["event_id"] for r in rows if r["event_id"]})
    by_type = _rows(store, "SELECT event, count(*) AS n FROM events WHERE id IN "
                           "(SELECT UNNEST(?::VARCHAR[])) GROUP BY event ORDER BY n DESC, event",
                    [event_ids]) if event_ids else []
    src, tgt = _REL_KEY.format(s="source"), _REL_KEY.format(s="target")
    relations = [json.loads(r["record"]) for r in _rows(
        store, f'SELECT record FROM relations WHERE {src} = ? OR {tgt} = ? ORDER BY doc_id, "start"',
        [key, key])]
    return {"key": key, "name": first["name"], "code": first["code"], "country": first["country"],
            "sector": first["sector"], "kind": first["kind"],
            "texts": sorted({r["entity_text"] for r in rows if r["entity_text"]}),
            "events": len(event_ids), "events_by_type": {r["event"]: r["n"] for r in by_type},
            "event_ids": event_ids[:200], "relations": relations}


def network(store: Store, *, include_events: bool, min_weight: int, max_nodes: int,
            doc_ids: list[str] | None = None) -> dict[str, Any]:
    """The actor network: nodes are actors, edges are relations (kind, weight = how many relation
    mentions), and with ``include_events`` also actor -> recipient pairs of events (kind = event type).

    ``doc_ids`` restricts it to some articles (the page passes none: relations carry no date or place of
    their own, so event filters do not apply to them)."""
    src, tgt = _REL_KEY.format(s="source"), _REL_KEY.format(s="target")
    in_docs = "doc_id IN (SELECT UNNEST(?::VARCHAR[]))"
    doc_clause, doc_params = (f"WHERE {in_docs}", [doc_ids]) if doc_ids else ("", [])
    edges = _rows(store, f"SELECT {src} AS source, {tgt} AS target, kind, count(*) AS weight, "
                         "list(id ORDER BY id)[1:20] AS relation_ids, "
                         "any_value(coalesce(source_name, source_text)) AS source_name, "
                         "any_value(coalesce(target_name, target_text)) AS target_name, "
                         "any_value(source_code) AS source_code, any_value(target_code) AS target_code "
                         f"FROM relations {doc_clause} GROUP BY 1, 2, 3", doc_params)
    for edge in edges:
        edge["origin"] = "relation"
    if include_events:
        akey, rkey = _ACTOR_KEY.format(p="a."), _ACTOR_KEY.format(p="r.")
        ev_doc = "AND e.doc_id IN (SELECT UNNEST(?::VARCHAR[]))" if doc_ids else ""
        for edge in _rows(store, f"SELECT {akey} AS source, {rkey} AS target, e.event AS kind, "
                                 "count(DISTINCT e.id) AS weight, "
                                 "any_value(coalesce(a.name, a.entity_text)) AS source_name, "
                                 "any_value(coalesce(r.name, r.entity_text)) AS target_name, "
                                 "any_value(a.code) AS source_code, any_value(r.code) AS target_code, "
                                 "list(DISTINCT e.id)[1:20] AS event_ids "
                                 "FROM event_actors a JOIN event_actors r ON r.event_id = a.event_id "
                                 "AND r.role = 'recipient' JOIN events e ON e.id = a.event_id "
                                 f"WHERE a.role = 'actor' {ev_doc} GROUP BY 1, 2, 3", doc_params):
            edge["origin"] = "event"
            edges.append(edge)
    edges = [e for e in edges if e["weight"] >= min_weight and e["source"] != e["target"]]
    degree: dict[str, int] = defaultdict(int)
    names: dict[str, tuple[str, str | None]] = {}
    for e in edges:
        degree[e["source"]] += e["weight"]
        degree[e["target"]] += e["weight"]
        names.setdefault(e["source"], (e.pop("source_name"), e.pop("source_code")))
        names.setdefault(e["target"], (e.pop("target_name"), e.pop("target_code")))
        for k in ("source_name", "source_code", "target_name", "target_code"):
            e.pop(k, None)
    keep = set(sorted(degree, key=lambda k: (-degree[k], k))[:max_nodes])
    nodes = [{"id": k, "name": names[k][0], "code": names[k][1], "weight": degree[k]}
             for k in sorted(keep, key=lambda k: (-degree[k], k))]
    edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
    edges.sort(key=lambda e: (-e["weight"], e["source"], e["target"], e["kind"]))
    return {"nodes": nodes, "edges": edges}
