"""The seed article end to end: the records a reader of it expects, each with its evidence."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
from offsets import assert_offsets

import eventlens
from eventlens.ingest.base import split_header

SEED = Path(__file__).parent / "data" / "articles" / "000_114ae02e171b13f3.txt"


@pytest.fixture(scope="module")
def seed():
    date, text = split_header(SEED.read_text(encoding="utf-8"))
    assert date == "2020-01-07"
    result = eventlens.process(text, published=date)
    return text, result


def _events(result, event_type, trigger=None):
    return [e for e in result.events
            if e.event == event_type and (trigger is None or e.event_text.lower().startswith(trigger))]


def _names(entities):
    return {(a.name or a.entity_text) for a in entities}


def _countries(entities):
    return {a.country for a in entities if a.country}


def test_soleimani_killed_by_the_us(seed):
    text, result = seed
    [event] = _events(result, "ASSAULT", "assassinated")
    assert event.mode == "assassination"
    assert "USA" in _countries(event.actor)
    assert any("Soleimani" in (a.name or "") for a in event.recipient)
    assert text[event.start:event.end] == event.text
    assert "US government assassinated" in event.text


def test_displacement_from_idlib_at_least_300000(seed):
    _, result = seed
    [event] = _events(result, "DISPLACE", "cleansed")[:1]
    displaced = event.size["displaced"]
    assert (displaced.low, displaced.high, displaced.qualifier) == (300000, None, "at least")
    assert "SYR" in _countries(event.recipient)
    assert event.event_loc is not None and event.event_loc.entity_text == "Idlib"
    assert event.event_loc.country == "SYR"
    assert event.modality == "reported"
    assert event.attribution is not None and event.attribution.text == "it emerged that"
    assert event.specificity == "aggregate"


def test_regime_bombing_campaign_backed_by_russia_and_iran(seed):
    _, result = seed
    [bombings] = _events(result, "ASSAULT", "bombings")
    assert "SYR" in _countries(bombings.actor)
    assert bombings.specificity == "aggregate"
    [backing] = _events(result, "SUPPORT", "backed")
    assert _countries(backing.actor) == {"RUS", "IRN"}
    supports = {(r.source.country, r.target.country) for r in result.relations if r.kind == "supports"}
    assert {("RUS", "SYR"), ("IRN", "SYR")} <= supports


def test_hospitals_schools_and_houses_bombed(seed):
    _, result = seed
    [event] = _events(result, "ASSAULT", "bombed")
    assert {"hospitals", "schools", "houses"} <= {a.entity_text for a in event.recipient}


def test_flight_of_hundreds_of_thousands(seed):
    _, result = seed
    [event] = _events(result, "DISPLACE", "forcing")
    displaced = event.size["displaced"]
    assert (displaced.low, displaced.high) == (200000, 900000)
    assert displaced.text == "hundreds of thousands of Syrians"


def test_maarat_al_numan_emptied_of_civilians(seed):
    _, result = seed
    events = [e for e in _events(result, "DISPLACE", "cleansed") if "Maarat" in e.text]
    assert len(events) == 1
    loc = events[0].event_loc
    assert loc is not None and loc.entity_text == "Maarat al Numan"
    # within a few km of 35.65 N 36.68 E
    km = 6371 * math.radians(1) * math.hypot(loc.lat - 35.65,
                                              (loc.lon - 36.68) * math.cos(math.radians(35.65)))
    assert km < 5
    assert any(a.kind == "civilians" for a in events[0].recipient)


def test_order_to_shoot_protesters_is_historical(seed):
    _, result = seed
    [event] = _events(result, "ASSAULT", "shoot")
    assert event.historical is True
    assert any(a.kind == "protesters" for a in event.recipient)
    assert "SYR" in _countries(event.actor)


def test_defections(seed):
    _, result = seed
    assert _events(result, "REJECT", "defections")


def test_soleimani_organises_mobilises_and_brings_in_fighters(seed):
    _, result = seed
    mobilize = [e for e in result.events if e.event == "MOBILIZE"]
    by_soleimani = [e for e in mobilize if any("Soleimani" in (a.name or "") for a in e.actor)]
    triggers = {e.event_text.lower() for e in by_soleimani}
    assert {"brought", "re-organised", "mobilised", "brought in"} <= triggers
    [mobilised] = [e for e in by_soleimani if e.event_text == "mobilised"]
    assert "Hezbollah" in _names(mobilised.recipient)
    assert "IRQ" in _countries(mobilised.recipient)
    [brought_in] = [e for e in by_soleimani if e.event_text == "brought in"]
    assert "IRN" in _countries(brought_in.recipient)
    assert "AFG" in _countries(brought_in.recipient)
    troops = brought_in.size["troops"]
    assert (troops.low, troops.high) == (2000, 9000)


def test_relations(seed):
    _, result = seed
    kinds = {(r.kind, r.source.name, r.target.name) for r in result.relations}
    names = {(k, s, t) for k, s, t in kinds}
    assert any(k == "proxy_of" and "Hezbollah" in (s or "") and t and "Iran" in t for k, s, t in names)
    assert any(k == "leads" and s and "Soleimani" in s and t and "Quds" in t for k, s, t in names)


def test_counterfactual_is_not_asserted(seed):
    text, result = seed
    start = text.index("This will be music")
    end = text.index("Qasem Soleimani.", start)
    inside = [e for e in result.events if start <= e.trigger_start < end]
    assert all(e.modality != "asserted" for e in inside)


def test_places_of_the_seed(seed):
    _, result = seed
    by_text = {p.entity_text: p for p in result.places if p.geonameid}
    assert by_text["Syria"].country == "SYR" and by_text["Syria"].resolution == "country"
    assert by_text["Idlib"].country == "SYR"
    assert "Iranian" not in by_text


def test_every_offset_points_at_its_words(seed):
    text, result = seed
    assert result.events
    assert_offsets(text, result)
