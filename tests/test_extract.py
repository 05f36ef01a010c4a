"""Event extraction on short sentences: voice, participants, modality, specificity, relations."""
from __future__ import annotations


def _one(result, event_type):
    found = [e for e in result.events if e.event == event_type]
    assert found, [(e.event, e.event_text) for e in result.events]
    return found[0]


def test_active_voice_actor_and_recipient(run):
    event = _one(run("Russian warplanes bombed a hospital in Idlib on Monday."), "ASSAULT")
    assert event.event_text == "bombed"
    assert "RUS" in {a.country for a in event.actor}
    assert [r.entity_text for r in event.recipient] == ["a hospital"]
    assert event.event_loc is not None and event.event_loc.entity_text == "Idlib"
    assert event.date_info.date.isoformat() == "2020-01-06"
    assert event.modality == "asserted" and event.specificity == "specific"


def test_passive_voice_with_by_agent(run):
    event = _one(run("Two schools were shelled by government forces near Aleppo."), "ASSAULT")
    assert event.mode == "shelling"
    assert "SYR" in {a.country for a in event.actor} or any(a.sector == "MIL" for a in event.actor)
    assert [r.entity_text for r in event.recipient] == ["Two schools"]


def test_nominal_trigger_with_light_verb(run):
    text = "On Jan. 8, Coalition military forces conducted 34 strikes against ISIL terrorists in Syria."
    result = run(text, published="2017-01-09")
    event = _one(result, "ASSAULT")
    assert event.event_text == "strikes"
    assert event.actor, "the subject of the light verb is the agent"
    assert any("ISIL" in r.entity_text or (r.name or "").startswith("Islamic State")
               for r in event.recipient)
    assert event.date_info.date.isoformat() == "2017-01-08"
    assert not [e for e in result.events if e.event_text == "conducted"]


def test_weapons_destroyed_are_things_not_attacks(run):
    # a CENTCOM strike summary (public domain): the IED was destroyed, it did not explode
    text = ("Near Ar Raqqah, 15 strikes engaged five ISIL tactical units; destroyed two artillery "
            "systems, a VBIED, a bulldozer, an IED and a tank.")
    result = run(text, published="2017-01-09")
    assert {e.event_text for e in result.events if e.event == "ASSAULT"} == {"strikes"}
    assert _one(result, "COERCE").event_text == "destroyed"


def test_counterfactual(run):
    event = _one(run("Had the army not withdrawn, it would have shelled the town."), "ASSAULT")
    assert event.modality == "counterfactual"


def test_negated_future_hypothetical(run):
    assert _one(run("The rebels did not attack the convoy."), "ASSAULT").modality == "negated"
    assert _one(run("The army will attack the town next week."), "ASSAULT").modality == "future"
    assert _one(run("The militia could attack the town."), "ASSAULT").modality == "hypothetical"


def test_reported_with_attribution(run):
    event = _one(run("Local officials said that gunmen killed five villagers."), "ASSAULT")
    assert event.modality == "reported"
    assert event.attribution is not None
    assert event.attribution.text.startswith("Local officials said")
    assert event.attribution.source == "Local officials"
    assert event.size["killed"].low == 5


def test_alleged(run):
    event = _one(run("Militants reportedly abducted twelve aid workers."), "ASSAULT")
    assert event.modality == "alleged"
    assert event.mode == "abduct"


def test_generic_strategy_is_not_specific(run):
    result = run("The only way to win was to target civilian areas with the air force.")
    assert _one(result, "ASSAULT").specificity == "generic"


def test_pronoun_follows_the_subject_person(run):
    text = ("Qasem Soleimani visited Damascus. He met Bashar al-Assad and the two discussed the war. "
            "He later mobilised Iraqi militias.")
    event = next(e for e in run(text).events if e.event == "MOBILIZE")
    assert [a.name for a in event.actor] == ["Qasem Soleimani"]


def test_relations_backed_by(run):
    result = run("Government forces, backed by Russian aircraft, attacked the town.")
    assert any(r.kind == "supports" and r.source.country == "RUS" for r in result.relations)
