"""The event ontology as data: trigger words and the cues the extractor reads.

Triggers live in ``knowledge/triggers.tsv`` (lemma, part of speech, PLOVER type, mode, CAMEO code, ACLED
type, context); the cue lists in ``knowledge/event_rules.json``. Both are loaded once per process.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import KnowledgeError

PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
    "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "DISPLACE",
)


@dataclass(frozen=True)
class Trigger:
    """One way of saying an event: ``words`` is the lemma, or head lemma plus its particle/modifier."""

    words: tuple[str, ...]
    pos: str  # "V", "N" or "VN"
    event: str
    mode: str | None
    cameo: str | None
    acled_event_type: str | None
    acled_sub_event_type: str | None
    context: tuple[str, ...]

    @property
    def head(self) -> str:
        """The word that carries the part of speech: the verb of a phrasal verb, the noun of a compound."""
        return self.words[0] if "V" in self.pos and len(self.words) > 1 else self.words[-1]


@dataclass(frozen=True)
class Ontology:
    triggers: dict[str, tuple[Trigger, ...]]  # by head lemma
    rules: dict[str, Any]
    # each cue list as a set, built on first use: the extractor asks for some on every trigger
    _word_sets: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def candidates(self, lemma: str) -> tuple[Trigger, ...]:
        return self.triggers.get(lemma, ())

    def words(self, key: str) -> frozenset[str]:
        found = self._word_sets.get(key)
        if found is None:
            found = self._word_sets[key] = frozenset(self.rules.get(key, ()))
        return found


def _read_text(name: str) -> str:
    try:
        return resources.files("eventlens.knowledge").joinpath(name).read_text(encoding="utf-8")
    except OSError as e:
        raise KnowledgeError("E020", f"cannot read knowledge file {name}: {e}; reinstall eventlens") from e


def _parse_triggers(text: str) -> dict[str, tuple[Trigger, ...]]:
    by_head: dict[str, list[Trigger]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 7:
            raise KnowledgeError("E021", f"triggers.tsv line {lineno}: expected 7 tab-separated columns")
        lemma, pos, event, mode, cameo, acled, context = cols[:7]
        if event not in PLOVER_TYPES:
            raise KnowledgeError("E022", f"triggers.tsv line {lineno}: unknown event type {event!r}")
        acled_type, _, acled_sub = acled.partition("|")
        trig = Trigger(
            words=tuple(lemma.lower().split()),
            pos=pos,
            event=event,
            mode=mode or None,
            cameo=cameo if cameo and cameo != "0" else None,
            acled_event_type=acled_type or None,
            acled_sub_event_type=acled_sub or None,
            context=tuple(c for c in context.split(",") if c),
        )
        by_head.setdefault(trig.head, []).append(trig)
    # Longer patterns first, so "suicide bombing" wins over "bombing".
    return {k: tuple(sorted(v, key=lambda t: -len(t.words))) for k, v in by_head.items()}


@lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    triggers = _parse_triggers(_read_text("triggers.tsv"))
    rules = json.loads(_read_text("event_rules.json"))
    return Ontology(triggers=triggers, rules=rules)
