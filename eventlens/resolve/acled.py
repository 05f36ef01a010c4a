"""ACLED's event and sub-event type for a record: the trigger's default, adjusted by who was hit.

ACLED codes by target as much as by weapon: an attack on armed men is a battle, on civilians violence
against civilians; force against protesters is its own sub-event. Strategic developments of type
"Other" and displacement (ACLED has no displacement type) give no ACLED type at all rather than a guess.
"""
from __future__ import annotations

from ..extract.ontology import Trigger
from ..records import Event

ARMED_KINDS = {"state", "rebel", "political_militia", "identity_militia", "external", "military"}
_DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}


def acled_for(trigger: Trigger, event: Event) -> dict[str, str] | None:
    event_type, sub = trigger.acled_event_type, trigger.acled_sub_event_type
    if not event_type or not sub or event.event == "DISPLACE":
        return None
    if event_type == "Strategic developments" and sub == "Other":
        return None
    kinds = {r.kind for r in event.recipient if r.kind}
    actor_kinds = {a.kind for a in event.actor if a.kind}
    if event_type == "Violence against civilians" and kinds & ARMED_KINDS and "civilians" not in kinds:
        event_type, sub = "Battles", "Armed clash"
    elif event_type == "Battles" and sub == "Armed clash" and kinds and kinds <= {"civilians"}:
        event_type, sub = "Violence against civilians", "Attack"
    if event.event == "COERCE" and "protesters" in kinds:
        event_type, sub = "Protests", "Excessive force against protesters"
    if event.event == "ASSAULT" and "protesters" in kinds and event_type != "Explosions/Remote violence":
        event_type, sub = "Protests", "Excessive force against protesters"
    if event.event == "PROTEST" and event_type == "Protests" and actor_kinds & {"rioters"}:
        event_type, sub = "Riots", "Violent demonstration"
    return {"disorder_type": _DISORDER.get(event_type, "Strategic developments"),
            "event_type": event_type, "sub_event_type": sub}
