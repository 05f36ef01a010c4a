"""PETRARCH-2 validation sentences (``petrarch-gsr/PETR2_GSR_validation.xml``): CAMEO codings.

The file is not well-formed XML (its header comment holds a literal ``<EventCoding...>``), so it is
read with patterns over the ``<Sentences>`` part. A CAMEO code is compared on its root (first two
digits), actors on their country (first three letters; ``---`` means no country and is skipped); an
IGO, NGO or IMG code is compared with the same prefix of the predicted actor's code.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor, confidence, events_of
from .report import Report, Tally

FILE = "petrarch-gsr/PETR2_GSR_validation.xml"

_SENTENCE = re.compile(r"<Sentence\b([^>]*)/?>(.*?)<Text>(.*?)</Text>", re.S)
_CODING = re.compile(r"<EventCoding\b([^>]*)/?>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


@dataclass
class Coding:
    eventcode: str
    source: str
    target: str

    @property
    def root(self) -> str:
        return self.eventcode[:2]


@dataclass
class PetrarchGold:
    id: str
    text: str
    published: dt.date | None
    codings: list[Coding] = field(default_factory=list)  # empty: the sentence codes no event


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.datetime.strptime(value or "", "%Y%m%d").date()
    except ValueError:
        return None


def read(gold_dir: Path, *, limit: int | None = None) -> list[PetrarchGold]:
    path = gold_dir / FILE
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise EvalError("E051", f"cannot read PETRARCH gold file {path}: {e}") from e
    body = raw.split("<Sentences>", 1)[-1]
    items: list[PetrarchGold] = []
    for m in _SENTENCE.finditer(body):
        attrs = dict(_ATTR.findall(m.group(1)))
        codings = []
        for c in _CODING.finditer(m.group(2)):
            cattrs = dict(_ATTR.findall(c.group(1)))
            if cattrs.get("eventcode"):
                codings.append(Coding(cattrs["eventcode"], cattrs.get("sourcecode", ""),
                                      cattrs.get("targetcode", "")))
        text = " ".join(html.unescape(m.group(3)).split())
        sent_id = attrs.get("id", f"sent{len(items)}")
        items.append(PetrarchGold(sent_id, text, _date(attrs.get("date")), codings))
        if limit and len(items) >= limit:
            break
    if not items:
        raise EvalError("E052", f"no <Sentence> records in {path}; is it the PETRARCH-2 validation file?")
    return items


def country(code: str) -> str | None:
    code = code.strip()
    return None if len(code) < 3 or code.startswith("---") else code[:3]


# CAMEO's codes for actors of no one country stand where a country code would be ("IGOUNO" for the UN)
NON_STATE_CODES = ("IGO", "NGO", "IMG", "MNC")


def _first(actors: list[dict[str, Any]]) -> str | None:
    """The first actor's country, or its CAMEO non-state prefix (IGO, NGO, IMG, MNC) where it has none."""
    if not actors:
        return None
    code = (actors[0].get("code") or "")[:3]
    return actors[0].get("country") or (code if code in NON_STATE_CODES else None)


def best_event(coding: Coding, events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Same CAMEO root first, then the same source country, then the highest confidence."""
    if not events:
        return None

    def rank(event: dict[str, Any]) -> tuple[bool, bool, float]:
        return ((event.get("cameo") or "")[:2] == coding.root,
                _first(event.get("actor") or []) == country(coding.source), confidence(event))

    return max(events, key=rank)


def score(items: list[PetrarchGold], predictions: list[Prediction]) -> Report:
    report = Report("petrarch", n_items=len(items), files=[FILE])
    tally = Tally(report)
    tally.ensure("coverage", "root_code", "source_country", "target_country", "no_event_clean")
    for gold, prediction in zip(items, predictions, strict=True):
        events = events_of(prediction)
        if not gold.codings:
            tally.check("no_event_clean", not events, None, [e.get("event") for e in events],
                        gold.text, gold.id)
            continue
        for coding in gold.codings:
            event = best_event(coding, events)
            if not tally.check("coverage", event is not None, coding.eventcode, None, gold.text, gold.id):
                continue
            predicted_root = (event.get("cameo") or "")[:2] or None
            tally.check("root_code", predicted_root == coding.root, coding.eventcode, event.get("cameo"),
                        gold.text, gold.id)
            for name, code, actors in (("source_country", coding.source, event.get("actor") or []),
                                       ("target_country", coding.target, event.get("recipient") or [])):
                gold_country = country(code)
                if gold_country is None:
                    continue
                predicted = _first(actors)
                tally.check(name, predicted == gold_country, code, predicted, gold.text, gold.id)
    return tally.finish()


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    items = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(item.id, item.text, item.published) for item in items])
    return score(items, predictions)
