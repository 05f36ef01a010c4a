"""The DuckDB schema: one table per record kind, plus ``meta`` that marks a file as an eventlens store.

Flat columns carry what queries filter and group on (type, date, place, actor code); the ``record``
JSON column of ``events`` and ``relations`` is the exact export record, so an export never has to
reassemble a record from columns and cannot drift from ``Event.to_plover()``.

``event_search`` (outside ``TABLES``: derived, never exported) holds each event's evidence sentence
lower-cased, so the API's word search scans short strings instead of cutting 16,000 sentences out of
their articles on every request. It is rebuilt from ``events`` and ``articles`` at any time by
``index_search_text``; the query layer uses it only while it is complete (one row per event).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

SCHEMA_VERSION = "1"
APPLICATION = "eventlens"

TABLES: dict[str, str] = {
    "meta": """
        CREATE TABLE IF NOT EXISTS meta (
            key VARCHAR PRIMARY KEY,
            value VARCHAR
        )""",
    "articles": """
        CREATE TABLE IF NOT EXISTS articles (
            id VARCHAR PRIMARY KEY,
            published DATE,
            title VARCHAR,
            source VARCHAR,
            url VARCHAR,
            text VARCHAR NOT NULL,
            lang VARCHAR,
            origin VARCHAR,
            run_id VARCHAR,
            ingested_at TIMESTAMP
        )""",
    "sentences": """
        CREATE TABLE IF NOT EXISTS sentences (
            doc_id VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            "start" INTEGER NOT NULL,
            "end" INTEGER NOT NULL
        )""",
    "events": """
        CREATE TABLE IF NOT EXISTS events (
            id VARCHAR PRIMARY KEY,
            doc_id VARCHAR NOT NULL,
            event VARCHAR NOT NULL,
            mode VARCHAR,
            modality VARCHAR,
            specificity VARCHAR,
            historical BOOLEAN,
            date DATE,
            earliest DATE,
            latest DATE,
            precision VARCHAR,
            basis VARCHAR,
            loc_text VARCHAR,
            loc_name VARCHAR,
            geonameid BIGINT,
            lat DOUBLE,
            lon DOUBLE,
            loc_country VARCHAR,
            admin1 VARCHAR,
            feature_code VARCHAR,
            resolution VARCHAR,
            "start" INTEGER,
            "end" INTEGER,
            trigger_start INTEGER,
            trigger_end INTEGER,
            event_text VARCHAR,
            cameo VARCHAR,
            acled JSON,
            confidence DOUBLE,
            record JSON NOT NULL
        )""",
    "event_actors": """
        CREATE TABLE IF NOT EXISTS event_actors (
            event_id VARCHAR NOT NULL,
            role VARCHAR NOT NULL,
            idx INTEGER NOT NULL,
            entity_text VARCHAR,
            name VARCHAR,
            code VARCHAR,
            country VARCHAR,
            sector VARCHAR,
            kind VARCHAR,
            actor_id VARCHAR,
            "start" INTEGER,
            "end" INTEGER
        )""",
    "counts": """
        CREATE TABLE IF NOT EXISTS counts (
            event_id VARCHAR NOT NULL,
            category VARCHAR NOT NULL,
            low BIGINT,
            high BIGINT,
            qualifier VARCHAR,
            text VARCHAR,
            unit VARCHAR,
            "start" INTEGER,
            "end" INTEGER
        )""",
    "relations": """
        CREATE TABLE IF NOT EXISTS relations (
            id VARCHAR PRIMARY KEY,
            doc_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            source_text VARCHAR,
            source_name VARCHAR,
            source_code VARCHAR,
            source_country VARCHAR,
            source_actor_id VARCHAR,
            target_text VARCHAR,
            target_name VARCHAR,
            target_code VARCHAR,
            target_country VARCHAR,
            target_actor_id VARCHAR,
            text VARCHAR,
            "start" INTEGER,
            "end" INTEGER,
            evidence_start INTEGER,
            evidence_end INTEGER,
            modality VARCHAR,
            record JSON NOT NULL
        )""",
    "places": """
        CREATE TABLE IF NOT EXISTS places (
            doc_id VARCHAR NOT NULL,
            "start" INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            entity_text VARCHAR,
            geonameid BIGINT,
            name VARCHAR,
            lat DOUBLE,
            lon DOUBLE,
            country VARCHAR,
            admin1 VARCHAR,
            admin2 VARCHAR,
            feature_code VARCHAR,
            resolution VARCHAR,
            score DOUBLE,
            reason VARCHAR
        )""",
    # Filled by eventlens.cluster: one row per cluster (one real event), with its consensus record, and
    # one membership row per event mention (every clustered mention is in exactly one cluster).
    "clusters": """
        CREATE TABLE IF NOT EXISTS clusters (
            cluster_id VARCHAR PRIMARY KEY,
            event VARCHAR NOT NULL,
            modality VARCHAR,
            specificity VARCHAR,
            n_mentions INTEGER,
            n_articles INTEGER,
            n_sources INTEGER,
            first_reported DATE,
            date DATE,
            earliest DATE,
            latest DATE,
            loc_name VARCHAR,
            geonameid BIGINT,
            lat DOUBLE,
            lon DOUBLE,
            country VARCHAR,
            admin1 VARCHAR,
            fatalities BIGINT,
            record JSON NOT NULL,
            run_id VARCHAR,
            created_at TIMESTAMP,
            updated_at TIMESTAMP
        )""",
    "cluster_members": """
        CREATE TABLE IF NOT EXISTS cluster_members (
            event_id VARCHAR PRIMARY KEY,
            cluster_id VARCHAR NOT NULL,
            score DOUBLE,
            run_id VARCHAR,
            added_at TIMESTAMP
        )""",
    "rejects": """
        CREATE TABLE IF NOT EXISTS rejects (
            origin VARCHAR,
            code VARCHAR,
            reason VARCHAR,
            detail VARCHAR,
            run_id VARCHAR,
            "at" TIMESTAMP
        )""",
    "runs": """
        CREATE TABLE IF NOT EXISTS runs (
            id VARCHAR PRIMARY KEY,
            started TIMESTAMP,
            finished TIMESTAMP,
            settings JSON,
            inputs JSON,
            counts JSON
        )""",
}

SEARCH_TABLE = "event_search"
SEARCH_DDL = """
    CREATE TABLE IF NOT EXISTS event_search (
        event_id VARCHAR NOT NULL,
        text VARCHAR NOT NULL
    )"""
# The sentence as the fallback search cuts it (offsets are code points in Python and in DuckDB's
# substr); an event whose article or offsets are missing gets '' and, as there, never matches.
_FILL = ("INSERT INTO event_search (event_id, text) "
         'SELECT e.id, coalesce(lower(substr(a.text, e."start" + 1, e."end" - e."start")), \'\') '
         "FROM events e LEFT JOIN articles a ON a.id = e.doc_id "
         "WHERE e.id NOT IN (SELECT event_id FROM event_search)")


def index_search_text(con: Any, doc_ids: Sequence[str] | None = None) -> int:
    """Add the lower-cased evidence sentence of every event not in ``event_search`` yet (only those of
    the articles ``doc_ids`` when given, the cheap call after writing them); returns how many.

    ``con`` is a writable DuckDB connection (or cursor), inside the caller's transaction if it has one.
    Creates the table if needed, so it is also the upgrade of a store written before the table existed.
    Events already indexed are skipped, so calling it twice never duplicates a row.
    """
    con.execute(SEARCH_DDL)
    if doc_ids is None:
        row = con.execute(_FILL).fetchone()
    else:
        row = con.execute(_FILL + " AND e.doc_id IN (SELECT UNNEST(?::VARCHAR[]))",
                          [list(doc_ids)]).fetchone()
    return int(row[0]) if row else 0
