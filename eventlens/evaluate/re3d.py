"""Dstl re3d (``re3d/<source>/{documents,entities,relations}.json``): actor mentions and actor relations.

Annotations carry a crowd-model ``confidence``; those below ``MIN_CONFIDENCE`` are dropped (the README:
"filter on confidence"; 0.5 keeps what the model thinks more likely right than wrong). Actors are the
Organisation, Person and Nationality entities, compared with the export's actors (event actors and
recipients, relation ends) by character overlap. Relations: re3d's FightingAgainst is eventlens's
``opposes``; AlliesOf ("fighting alongside") is ``allied_with``, ``supports`` or ``proxy_of``. Both are
symmetric in the schema ("in armed conflict against another entity", "on the same side of a conflict")
and the gold often codes both directions, so they are compared as unordered pairs.

Which gold relations count. re3d's schema lets any entity be an end, and about a third of its
FightingAgainst pairs are not between two actors: "strikes destroyed three tunnel entrances" (Weapon to
Location), "attack, bomber, fighter and remotely piloted aircraft against ISIL" (MilitaryPlatform to
Organisation). The gold README lists re3d for "actor relations", and eventlens's relations are
actor-to-actor by contract, so recall (``relation.*``) is measured on the pairs whose two ends are actor
entities (the same ``ACTOR_TYPES`` the actor measure uses); ``relation.any_entity`` keeps the recall over
every pair for comparison. Precision asks whether a predicted relation is in the gold at all, so a
prediction matching a pair with a non-actor end is right, not a false positive.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EvalError
from .predict import GoldText, Prediction, Predictor
from .report import Miss, Report, overlaps, prf, texts_match

FOLDER = "re3d"
MIN_CONFIDENCE = 0.5
ACTOR_TYPES = frozenset({"Organisation", "Person", "Nationality"})
RELATION_KINDS = {"opposes": "FightingAgainst", "allied_with": "AlliesOf", "supports": "AlliesOf",
                  "proxy_of": "AlliesOf"}
RELATION_TYPES = ("FightingAgainst", "AlliesOf")

Span = tuple[int, int]


@dataclass
class GoldRelation:
    type: str
    source: Span
    target: Span
    source_text: str
    target_text: str
    span: Span  # the whole extent: both ends and the words between
    actors: bool = True  # both ends are actor entities (Organisation, Person, Nationality)


@dataclass
class Re3dDoc:
    id: str
    folder: str
    text: str
    actors: list[tuple[int, int, str]] = field(default_factory=list)
    relations: list[GoldRelation] = field(default_factory=list)


def _lines(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, ValueError) as e:
        raise EvalError("E051", f"cannot read re3d file {path}: {e}") from e


def read(gold_dir: Path, *, limit: int | None = None) -> list[Re3dDoc]:
    root = gold_dir / FOLDER
    folders = sorted(p for p in root.iterdir() if (p / "documents.json").exists()) if root.is_dir() else []
    if not folders:
        raise EvalError("E051", f"no re3d source folders with documents.json under {root}")
    docs: list[Re3dDoc] = []
    for folder in folders:
        documents = _lines(folder / "documents.json")
        by_id = {d["_id"]: Re3dDoc(d["_id"], folder.name, d["text"]) for d in documents}
        types: dict[tuple[str, int, int], str] = {}
        for ent in _lines(folder / "entities.json"):
            doc = by_id.get(ent["documentId"])
            types[(ent["documentId"], int(ent["begin"]), int(ent["end"]))] = ent["type"]
            if doc and ent["type"] in ACTOR_TYPES and float(ent.get("confidence", 1)) >= MIN_CONFIDENCE:
                doc.actors.append((int(ent["begin"]), int(ent["end"]), ent.get("value", "")))
        for rel in _lines(folder / "relations.json"):
            doc = by_id.get(rel["documentId"])
            confident = float(rel.get("confidence", 1)) >= MIN_CONFIDENCE
            if not doc or rel["type"] not in RELATION_TYPES or not confident:
                continue
            source = (int(rel["sourceBegin"]), int(rel["sourceEnd"]))
            target = (int(rel["targetBegin"]), int(rel["targetEnd"]))
            if any(r.type == rel["type"] and {r.source, r.target} == {source, target} for r in doc.relations):
                continue  # the other direction of a pair already kept
            ends = [*source, *target, int(rel["begin"]), int(rel["end"])]
            actors = all(types.get((doc.id, *end)) in ACTOR_TYPES for end in (source, target))
            doc.relations.append(GoldRelation(rel["type"], source, target, rel.get("source", ""),
                                              rel.get("target", ""), (min(ends), max(ends)), actors))
        docs.extend(sorted(by_id.values(), key=lambda d: d.id))
    return docs[:limit] if limit else docs


def predicted_actors(prediction: Prediction) -> list[Span]:
    """Every actor span the export mentions, once."""
    spans: set[Span] = set()
    for event in prediction.get("events") or []:
        for actor in (event.get("actor") or []) + (event.get("recipient") or []):
            if actor.get("start") is not None and actor.get("end") is not None:
                spans.add((int(actor["start"]), int(actor["end"])))
    for relation in prediction.get("relations") or []:
        for end in (relation.get("source") or {}, relation.get("target") or {}):
            if end.get("start") is not None and end.get("end") is not None:
                spans.add((int(end["start"]), int(end["end"])))
    return sorted(spans)


def _end_matches(entity: dict[str, Any], gold: Span, gold_text: str) -> bool:
    if entity.get("start") is not None and entity.get("end") is not None:
        return overlaps(int(entity["start"]), int(entity["end"]), *gold)
    return texts_match(gold_text, entity.get("entity_text"))


def relation_matches(predicted: dict[str, Any], gold: GoldRelation) -> bool:
    if RELATION_KINDS.get(predicted.get("kind") or "") != gold.type:
        return False
    info = predicted.get("text_info") or {}
    if info.get("start") is not None and not overlaps(int(info["start"]), int(info["end"]), *gold.span):
        return False
    src, tgt = predicted.get("source") or {}, predicted.get("target") or {}
    src_is_source = _end_matches(src, gold.source, gold.source_text)
    tgt_is_target = _end_matches(tgt, gold.target, gold.target_text)
    src_is_target = _end_matches(src, gold.target, gold.target_text)
    tgt_is_source = _end_matches(tgt, gold.source, gold.source_text)
    return (src_is_source and tgt_is_target) or (src_is_target and tgt_is_source)


def score(docs: list[Re3dDoc], predictions: list[Prediction]) -> Report:
    folders = sorted({d.folder for d in docs})
    report = Report("re3d", n_items=len(docs), files=[f"{FOLDER}/{f}" for f in folders])
    actor_found = actor_gold = actor_right = actor_pred = 0
    # per relation type: [gold found, gold, predictions right, predictions]
    rel: dict[str, list[int]] = {t: [0, 0, 0, 0] for t in (*RELATION_TYPES, "all", "any_entity")}
    for doc, prediction in zip(docs, predictions, strict=True):
        spans = predicted_actors(prediction)
        actor_pred += len(spans)
        actor_right += sum(1 for s in spans if any(overlaps(*s, a[0], a[1]) for a in doc.actors))
        for start, end, value in doc.actors:
            actor_gold += 1
            if any(overlaps(*s, start, end) for s in spans):
                actor_found += 1
            else:
                report.misses.append(Miss("actor", value, None, _context(doc.text, start, end), doc.id))
        relations = [r for r in prediction.get("relations") or [] if r.get("kind") in RELATION_KINDS]
        for relation in relations:
            kind = RELATION_KINDS[relation["kind"]]
            ok = any(relation_matches(relation, g) for g in doc.relations)
            for key in (kind, "all", "any_entity"):
                rel[key][3] += 1
                rel[key][2] += ok
        for gold in doc.relations:
            found = any(relation_matches(r, gold) for r in relations)
            for key in (gold.type, "all", "any_entity") if gold.actors else ("any_entity",):
                rel[key][1] += 1
                rel[key][0] += found
            if not found and gold.actors:
                got = [(r["kind"], r["source"].get("entity_text"), r["target"].get("entity_text"))
                       for r in relations]
                report.misses.append(Miss(f"relation.{gold.type}", [gold.source_text, gold.target_text], got,
                                          _context(doc.text, *gold.span), doc.id))
    report.add(prf("actor", true_pos=actor_found, n_gold=actor_gold, n_pred=actor_pred,
                   true_pos_pred=actor_right))
    for key, (found, n_gold, right, n_pred) in rel.items():
        report.add(prf(f"relation.{key}", true_pos=found, n_gold=n_gold, n_pred=n_pred, true_pos_pred=right))
    return report


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    return " ".join(text[max(0, start - width): end + width].split())


def evaluate(gold_dir: Path, predictor: Predictor, *, limit: int | None = None) -> Report:
    docs = read(gold_dir, limit=limit)
    predictions = predictor([GoldText(doc.id, doc.text) for doc in docs])
    return score(docs, predictions)
