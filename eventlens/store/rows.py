"""Records to table rows and back. Column order matches ``schema.TABLES``; the INSERT statements are
built from the column lists here (names only, never values) so the two cannot drift apart."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from ..records import Article, ArticleResult, Event, Place, Reject, Relation

ARTICLE_COLUMNS = ("id", "published", "title", "source", "url", "text", "lang", "origin", "run_id",
                   "ingested_at")
SENTENCE_COLUMNS = ("doc_id", "idx", "start", "end")
EVENT_COLUMNS = (
    "id", "doc_id", "event", "mode", "modality", "specificity", "historical", "date", "earliest", "latest",
    "precision", "basis", "loc_text", "loc_name", "geonameid", "lat", "lon", "loc_country", "admin1",
    "feature_code", "resolution", "start", "end", "trigger_start", "trigger_end", "event_text", "cameo",
    "acled", "confidence", "record",
)
ACTOR_COLUMNS = ("event_id", "role", "idx", "entity_text", "name", "code", "country", "sector", "kind",
                 "actor_id", "start", "end")
COUNT_COLUMNS = ("event_id", "category", "low", "high", "qualifier", "text", "unit", "start", "end")
RELATION_COLUMNS = (
    "id", "doc_id", "kind", "source_text", "source_name", "source_code", "source_country", "source_actor_id",
    "target_text", "target_name", "target_code", "target_country", "target_actor_id", "text", "start", "end",
    "evidence_start", "evidence_end", "modality", "record",
)
PLACE_COLUMNS = ("doc_id", "start", "end", "entity_text", "geonameid", "name", "lat", "lon", "country",
                 "admin1", "admin2", "feature_code", "resolution", "score", "reason")
REJECT_COLUMNS = ("origin", "code", "reason", "detail", "run_id", "at")


def insert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


def select_list(columns: tuple[str, ...]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def article_row(article: Article, run_id: str | None, now: dt.datetime) -> tuple[Any, ...]:
    return (article.id, article.published, article.title, article.source, article.url, article.text,
            article.lang, article.origin, run_id, now)


def article_from_row(row: tuple[Any, ...]) -> Article:
    (id_, published, title, source, url, text, lang, origin) = row[:8]
    return Article(id=id_, text=text, published=published, title=title, source=source, url=url,
                   lang=lang or "en", origin=origin)


def event_row(event: Event) -> tuple[Any, ...]:
    di, loc = event.date_info, event.event_loc
    return (
        event.id, event.doc_id, event.event, event.mode, event.modality, event.specificity, event.historical,
        di.date if di else None, di.earliest if di else None, di.latest if di else None,
        di.precision if di else None, di.basis if di else None,
        loc.entity_text if loc else None, loc.name if loc else None, loc.geonameid if loc else None,
        loc.lat if loc else None, loc.lon if loc else None, loc.country if loc else None,
        loc.admin1 if loc else None, loc.feature_code if loc else None, loc.resolution if loc else None,
        event.start, event.end, event.trigger_start, event.trigger_end, event.event_text, event.cameo,
        dumps(event.acled) if event.acled else None, event.confidence, dumps(event.to_plover()),
    )


def actor_rows(event: Event) -> list[tuple[Any, ...]]:
    rows = []
    for role, entities in (("actor", event.actor), ("recipient", event.recipient)):
        for idx, ent in enumerate(entities):
            rows.append((event.id, role, idx, ent.entity_text, ent.name, ent.code, ent.country, ent.sector,
                         ent.kind, ent.actor_id, ent.start, ent.end))
    return rows


def count_rows(event: Event) -> list[tuple[Any, ...]]:
    return [(event.id, category, c.low, c.high, c.qualifier, c.text, c.unit, c.start, c.end)
            for category, c in event.size.items()]


def relation_row(rel: Relation) -> tuple[Any, ...]:
    s, t = rel.source, rel.target
    return (rel.id, rel.doc_id, rel.kind, s.entity_text, s.name, s.code, s.country, s.actor_id,
            t.entity_text, t.name, t.code, t.country, t.actor_id, rel.text, rel.start, rel.end,
            rel.evidence_start, rel.evidence_end, rel.modality, dumps(rel.to_dict()))


def place_row(doc_id: str, place: Place) -> tuple[Any, ...]:
    return (doc_id, place.start, place.end, place.entity_text, place.geonameid, place.name, place.lat,
            place.lon, place.country, place.admin1, place.admin2, place.feature_code, place.resolution,
            place.score, place.reason)


def place_from_row(row: tuple[Any, ...]) -> Place:
    (_doc, start, end, text, geonameid, name, lat, lon, country, admin1, admin2, feature_code, resolution,
     score, reason) = row
    return Place(entity_text=text, start=start, end=end, name=name, geonameid=geonameid, lat=lat, lon=lon,
                 country=country, admin1=admin1, admin2=admin2, feature_code=feature_code,
                 resolution=resolution, score=score if score is not None else 0.0, reason=reason)


def result_rows(result: ArticleResult) -> dict[str, list[tuple[Any, ...]]]:
    """Every child row of one article, by table (the article row itself is added by the writer)."""
    doc_id = result.article.id
    rows: dict[str, list[tuple[Any, ...]]] = {
        "sentences": [(doc_id, i, s, e) for i, (s, e) in enumerate(result.sentences)],
        "events": [], "event_actors": [], "counts": [],
        "relations": [relation_row(r) for r in result.relations],
        "places": [place_row(doc_id, p) for p in result.places],
    }
    for event in result.events:
        rows["events"].append(event_row(event))
        rows["event_actors"].extend(actor_rows(event))
        rows["counts"].extend(count_rows(event))
    return rows


@dataclass
class PreparedResult:
    """An ``ArticleResult`` already turned into its store rows, where it was made (a pool worker):
    the rows are cheaper to send between processes than the records, and the one writer only inserts
    them. ``article`` is left out in transit (the writer has the article it sent) and set again by
    ``attach``."""

    article_id: str
    rows: dict[str, list[tuple[Any, ...]]]
    n_events: int
    error: Reject | None = None
    article: Article | None = None

    @classmethod
    def of(cls, result: ArticleResult) -> PreparedResult:
        return cls(result.article.id, result_rows(result) if result.error is None else {},
                   len(result.events), result.error)

    def attach(self, article: Article) -> PreparedResult:
        if article.id != self.article_id:
            raise ValueError(f"result of {self.article_id} paired with article {article.id}")
        self.article = article
        return self


def rows_of(result: ArticleResult | PreparedResult) -> dict[str, list[tuple[Any, ...]]]:
    return result.rows if isinstance(result, PreparedResult) else result_rows(result)


def event_count(result: ArticleResult | PreparedResult) -> int:
    return result.n_events if isinstance(result, PreparedResult) else len(result.events)


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "articles": ARTICLE_COLUMNS,
    "sentences": SENTENCE_COLUMNS,
    "events": EVENT_COLUMNS,
    "event_actors": ACTOR_COLUMNS,
    "counts": COUNT_COLUMNS,
    "relations": RELATION_COLUMNS,
    "places": PLACE_COLUMNS,
    "rejects": REJECT_COLUMNS,
}
