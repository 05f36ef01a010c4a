"""The per-article work as a pure function: ``process_batch(articles, settings) -> results``.

Runners (local processes, Spark partitions) only split the input and call this. One article that fails
inside the NLP never sinks the batch: it comes back with ``error`` set and no records.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence

from spacy.tokens import Doc

from .extract.relations import relation_id
from .ingest.base import article_id
from .nlp.pipeline import load_pipeline
from .records import Article, ArticleResult, Reject, stable_id
from .settings import Settings

log = logging.getLogger(__name__)


def finalize(article: Article, doc: Doc) -> ArticleResult:
    """Stamp the article id on the Doc's records and derive their stable ids."""
    events = list(doc._.events or [])
    relations = list(doc._.relations or [])
    for event in events:
        event.doc_id = article.id
        event.id = stable_id("evt", article.id, event.trigger_start, event.trigger_end, event.event)
    for rel in relations:
        rel.doc_id = article.id
        rel.id = relation_id(article.id, rel)
    sentences = [(s.start_char, s.end_char) for s in doc.sents]
    return ArticleResult(article=article, events=events, relations=relations,
                         places=list(doc._.places or []), sentences=sentences)


def _failed(article: Article, exc: Exception) -> ArticleResult:
    log.warning("article %s failed in the pipeline: %s", article.id, exc)
    return ArticleResult(article=article, error=Reject(
        origin=article.origin or article.id, code="E009",
        reason=f"processing failed: {type(exc).__name__}: {exc}"[:500]))


def iter_process(articles: Iterable[Article], settings: Settings | None = None) -> Iterator[ArticleResult]:
    """Process a stream of articles, yielding one result per article in input order."""
    settings = settings or Settings()
    nlp = load_pipeline(settings)
    batch: list[Article] = []
    for article in articles:
        batch.append(article)
        if len(batch) >= settings.batch_size:
            yield from _run(nlp, batch, settings)
            batch = []
    if batch:
        yield from _run(nlp, batch, settings)


def _run(nlp, batch: list[Article], settings: Settings) -> list[ArticleResult]:  # type: ignore[no-untyped-def]
    docs = []
    for article in batch:
        doc = nlp.make_doc(article.text)
        doc._.published = article.published
        docs.append(doc)
    try:
        return [finalize(a, d) for a, d in zip(batch, nlp.pipe(docs, batch_size=settings.batch_size),
                                                strict=True)]
    except Exception:  # find the article that broke the batch, keep the others
        results = []
        for article in batch:
            try:
                doc = nlp.make_doc(article.text)
                doc._.published = article.published
                results.append(finalize(article, nlp(doc)))
            except Exception as e:
                results.append(_failed(article, e))
        return results


def process_batch(articles: Sequence[Article], settings: Settings | None = None) -> list[ArticleResult]:
    return list(iter_process(articles, settings))


def process(text: str, published: dt.date | str | None = None, *, title: str | None = None,
            source: str | None = None, url: str | None = None,
            settings: Settings | None = None) -> ArticleResult:
    """Run eventlens on one text. ``published`` anchors relative dates ("yesterday", "last week")."""
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    article = Article(id=article_id(text), text=text, published=published, title=title, source=source,
                      url=url)
    return process_batch([article], settings)[0]
