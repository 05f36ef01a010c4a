"""eventlens: dated news articles to a geocoded, source-linked record of armed conflict.

    >>> import eventlens
    >>> result = eventlens.process(text, published="2020-01-07")
    >>> [event.to_plover() for event in result.events]
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .records import ActorEntity, Article, ArticleResult, Count, DateInfo, Event, Place, Relation
from .settings import Settings

__version__ = "0.1.0"
__all__ = ["ActorEntity", "Article", "ArticleResult", "Count", "DateInfo", "Event", "Place", "Relation",
           "Settings", "load_pipeline", "process", "process_batch"]

if TYPE_CHECKING:
    from .nlp.pipeline import load_pipeline
    from .pipeline import process, process_batch


def __getattr__(name: str) -> Any:
    # spaCy and the knowledge load only when asked for, not at import
    if name in ("process", "process_batch"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "load_pipeline":
        from .nlp.pipeline import load_pipeline

        return load_pipeline
    raise AttributeError(name)
