"""Turning gold texts into predictions in the export shape, which is what every scorer reads.

Scoring works from the export dicts (``Event.to_plover()``, ``Relation.to_dict()``, ``Place.to_dict()``)
so that what is measured is what users get. The export of an actor carries no offsets, so the
prediction adds ``start``/``end`` to actors, relation ends and places where the records know them.

A *predictor* is any callable ``(list[GoldText]) -> list[dict]``: the pipeline in production, a
hand-built function in unit tests.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import itertools
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..errors import EvalError
from ..records import ActorEntity, Article, ArticleResult, Place, stable_id
from ..settings import Settings

log = logging.getLogger(__name__)

CHUNK = 64  # articles per process_batch call: large enough for nlp.pipe, small enough to report progress


@dataclass(frozen=True)
class GoldText:
    """A text to run the system on; ``key`` lets a scorer find its prediction again."""

    key: str
    text: str
    published: dt.date | None = None


Prediction = dict[str, Any]  # {"doc_id", "text", "events", "relations", "places", "error"}
Predictor = Callable[[Sequence[GoldText]], list[Prediction]]
Progress = Callable[[int, int], None]


def empty_prediction(text: str = "") -> Prediction:
    return {"doc_id": None, "text": text, "events": [], "relations": [], "places": [], "error": None}


def _actor_dict(actor: ActorEntity, text: str) -> dict[str, Any]:
    out = actor.to_dict()
    start, end = actor.start, actor.end
    if start is None and actor.entity_text:
        # No offsets on the record: the first occurrence of its words is the best guess.
        found = text.find(actor.entity_text)
        if found >= 0:
            start, end = found, found + len(actor.entity_text)
    out["start"], out["end"] = start, end
    return out


def _place_dict(place: Place) -> dict[str, Any]:
    out = place.to_dict()
    out["start"], out["end"] = place.start, place.end
    return out


def export_result(result: ArticleResult) -> Prediction:
    """One article's result as export dicts, with offsets on actors and places for span scoring."""
    text = result.article.text
    events = []
    for event in result.events:
        record = event.to_plover()
        record["actor"] = [_actor_dict(a, text) for a in event.actor]
        record["recipient"] = [_actor_dict(a, text) for a in event.recipient]
        if event.event_loc is not None and record.get("event_loc") is not None:
            record["event_loc"]["start"] = event.event_loc.start
            record["event_loc"]["end"] = event.event_loc.end
        for category, count in event.size.items():
            record["size"][category].setdefault("unit", count.unit)
        events.append(record)
    relations = []
    for relation in result.relations:
        record = relation.to_dict()
        record["source"] = _actor_dict(relation.source, text)
        record["target"] = _actor_dict(relation.target, text)
        relations.append(record)
    return {
        "doc_id": result.article.id,
        "text": text,
        "events": events,
        "relations": relations,
        "places": [_place_dict(p) for p in result.places],
        "error": result.error.reason if result.error else None,
    }


def _process_batch() -> Callable[[list[Article], Settings], list[ArticleResult]]:
    try:
        module = importlib.import_module("eventlens.pipeline")
    except ModuleNotFoundError as e:
        raise EvalError("E050", "eventlens.pipeline is not importable, so there is nothing to evaluate; "
                                "install eventlens with its pipeline (pip install -e .)") from e
    return module.process_batch  # type: ignore[no-any-return]


def pipeline_predictor(settings: Settings, *, progress: Progress | None = None) -> Predictor:
    """A predictor that runs ``eventlens.pipeline.process_batch`` over the texts in chunks.

    Identical texts are processed once (gold sets repeat a sentence for each of its annotations).
    With ``settings.workers > 1`` the chunks go to a pool of processes, each loading the pipeline once.
    """

    def predict(items: Sequence[GoldText]) -> list[Prediction]:
        process_batch = _process_batch()
        unique: dict[str, Article] = {}
        for item in items:
            art_id = stable_id("art", item.text)
            if art_id not in unique:
                unique[art_id] = Article(id=art_id, text=item.text, published=item.published)
        articles = list(unique.values())
        # With workers, at least two chunks per worker, so a set of a few long articles still spreads out.
        size = CHUNK
        if settings.workers > 1:
            size = max(1, min(CHUNK, -(-len(articles) // (2 * settings.workers))))
        chunks = [articles[begin:begin + size] for begin in range(0, len(articles), size)]
        by_id: dict[str, Prediction] = {}
        done = 0
        with contextlib.ExitStack() as stack:
            if settings.workers > 1 and len(chunks) > 1:
                pool = stack.enter_context(ProcessPoolExecutor(max_workers=settings.workers))
                batches = pool.map(process_batch, chunks, itertools.repeat(settings))
            else:
                batches = (process_batch(chunk, settings) for chunk in chunks)
            for chunk, results in zip(chunks, batches, strict=True):
                for article, result in zip(chunk, results, strict=True):
                    by_id[article.id] = export_result(result)
                done += len(chunk)
                if progress is not None:
                    progress(done, len(articles))
                log.debug("evaluated %d/%d texts", done, len(articles))
        return [by_id.get(stable_id("art", item.text)) or empty_prediction(item.text) for item in items]

    return predict


# Helpers the scorers share for reading predictions.

def events_of(prediction: Prediction) -> list[dict[str, Any]]:
    return list(prediction.get("events") or [])


def trigger_span(event: dict[str, Any]) -> tuple[int, int] | None:
    info = event.get("text_info") or {}
    start, end = info.get("trigger_start"), info.get("trigger_end")
    if start is None or end is None:
        return None
    return int(start), int(end)


def confidence(event: dict[str, Any]) -> float:
    return float(event.get("confidence") or 0.0)


def size_matches(event: dict[str, Any], category: str, gold: int) -> bool:
    """The gold number equals the low end, or lies inside the predicted range."""
    count = (event.get("size") or {}).get(category)
    if not count or count.get("low") is None:
        return False
    low, high = count["low"], count.get("high")
    return bool(low == gold or (high is not None and low <= gold <= high))
