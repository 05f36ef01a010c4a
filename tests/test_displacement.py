"""Displacement figures: which number a text reports, the records that carry it, and how it is scored.

Inputs are small hand-made reports in the style of relief bulletins (wrapped lines, bullets, tables of
figures), public-domain UK Government and CENTCOM sentences (re3d) and hand-built export dicts for the
scorer.
"""
from __future__ import annotations

import pytest

import eventlens
from eventlens.evaluate.displacement import DisplacementGold, choose, figure_of, score
from eventlens.nlp.pipeline import load_pipeline
from eventlens.resolve.counts import best_displacement, scan_counts
from eventlens.settings import Settings

UK_GOV = ("This is part of a much wider human catastrophe: hundreds of thousands of Syrians have been "
          "killed at the hands of Assad and ISIL, millions have been displaced and historic cities such as "
          "Aleppo have been reduced to rubble by regime bombardment.")
CENTCOM = ("Near Mosul, five strikes engaged four ISIL tactical units; destroyed three ISIL-held buildings, "
           "two vehicles, two mortar systems, a rocket propelled grenade launcher, a VBIED staging facility, "
           "and a VBIED; damaged 29 supply routes; and suppressed an ISIL tactical unit and a mortar team.")


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline(Settings())


def mentions(nlp, text):
    doc = nlp(text)
    out = [m for sent in doc.sents for m in scan_counts(sent)]
    for m in out:  # the offset contract holds across line breaks too
        assert doc.text[m.count.start:m.count.end] == m.count.text
    return out


def displaced(mention_list):
    return [(m.count.low, m.count.high, m.count.unit, m.term) for m in mention_list
            if m.count.category == "displaced"]


def top_displace(result):
    """The DISPLACE record a reader takes first: the most confident one with a figure."""
    records = [e for e in result.events if e.event == "DISPLACE" and "displaced" in e.size]
    assert records, [(e.event, e.mode, e.size) for e in result.events]
    return max(records, key=lambda e: e.confidence)


# ---------------------------------------------------------------- wrapped lines

def test_category_word_on_the_next_line_of_a_wrapped_clause(nlp):
    text = "After the fire 2,400 residents of the camp became\nhomeless and are sleeping in the open."
    assert displaced(mentions(nlp, text)) == [(2400, 2400, "people", "Homeless")]


def test_phrase_split_over_lines(nlp):
    text = "About 1,150 people lost\ntheir homes\n(district office)"
    assert displaced(mentions(nlp, text)) == [(1150, 1150, "people", "Homeless")]


def test_table_cell_of_houses_destroyed(nlp):
    found = mentions(nlp, "412\nHouses\ndestroyed")
    assert [(m.count.category, m.count.low, m.count.unit) for m in found] == [
        ("destroyed_housing", 412, "households")]


def test_closed_sentence_does_not_run_into_the_next_line(nlp):
    """A line that ends with a full stop is a sentence of its own: the next line's word is not its."""
    text = "Officials registered 300 people.\nHomeless shelters in the capital opened on Monday."
    assert displaced(mentions(nlp, text)) == []


# ---------------------------------------------------------------- the counted noun

def test_bulleted_figure_finds_its_noun_past_the_modifiers(nlp):
    text = ("Population identified in the northern region:\n"
            "• 45,210 internally displaced persons (8,102 households)")
    assert displaced(mentions(nlp, text)) == [(45210, 45210, "people", "Displaced"),
                                              (8102, 8102, "households", "Displaced")]


def test_vague_magnitude_from_real_text(nlp):
    found = displaced(mentions(nlp, UK_GOV))
    assert found == [(2_000_000, 9_000_000, "people", "Displaced")]


# ---------------------------------------------------------------- sums and rankings

def test_figures_for_two_places_add_up_past_a_qualifier_between_them(nlp):
    text = ("In Kandal province, 12 houses were destroyed and more than 40 damaged, while in Takeo "
            "province, 9 houses were destroyed.")
    doc = nlp(text)
    by_cat = {m.count.category: m.count for s in doc.sents for m in scan_counts(s)}
    assert (by_cat["destroyed_housing"].low, by_cat["destroyed_housing"].unit) == (21, "households")


def test_people_displaced_outrank_homes_damaged(nlp):
    doc = nlp("Floods damaged 2,300 houses in the valley and more than 640 people had to evacuate "
              "in the hill districts.")
    best = best_displacement(doc[:])
    assert best is not None and (best.count.low, best.count.unit, best.term) == (640, "people", "Evacuated")


# ---------------------------------------------------------------- records

def test_homes_buried_without_a_trigger_make_a_displace_record():
    result = eventlens.process("Mudslides buried 14 homes in the village after two days of rain.")
    record = top_displace(result)
    count = record.size["displaced"]
    assert (record.mode, count.low, count.unit) == ("destroyed housing", 14, "households")


def test_people_record_ranks_above_a_housing_record():
    result = eventlens.process("The storm destroyed 75 houses in the district.\nSome 3,000 residents "
                               "became\nhomeless and are staying with relatives.")
    record = top_displace(result)
    assert (record.size["displaced"].low, record.size["displaced"].unit, record.mode) == (
        3000, "people", "homeless")


# ---------------------------------------------------------------- scorer

def test_open_ended_figure_is_read_by_its_high_end():
    assert figure_of({"low": None, "high": 7800}) == 7800
    assert figure_of({"low": 120, "high": None}) == 120
    assert figure_of({"low": 200, "high": 900}) == 200
    assert figure_of(None) is None


def _record(mode, low, high, unit, confidence):
    return {"event": "DISPLACE", "mode": mode, "confidence": confidence,
            "size": {"displaced": {"low": low, "high": high, "unit": unit}}}


def test_scorer_takes_the_most_confident_record_and_its_open_figure():
    events = [_record("destroyed housing", 50, 50, "households", 0.4),
              _record("displaced", None, 7800, "people", 0.5)]
    record, count = choose(events)
    assert record is events[1] and count is events[1]["size"]["displaced"]
    gold = DisplacementGold("x", "text", 7800, "Displaced", "people", None)
    report = score([gold], [{"events": events, "places": []}])
    assert (report.fields["figure"].value, report.fields["term"].value, report.fields["unit"].value) == (
        1.0, 1.0, 1.0)


def test_figure_stated_apart_from_its_noun_keeps_the_noun_unit(nlp):
    text = "According to the relief agency, the number of displaced families is estimated to be 512."
    assert displaced(mentions(nlp, text)) == [(512, 512, "households", "Displaced")]


def test_others_after_a_count_of_houses_are_houses(nlp):
    doc = nlp("The cyclone damaged about 60 houses and destroyed 15 others, officials said.")
    by_cat = {m.count.category: m.count for s in doc.sents for m in scan_counts(s)}
    assert (by_cat["destroyed_housing"].low, by_cat["destroyed_housing"].unit) == (15, "households")
    assert by_cat["damaged_housing"].low == 60


def test_buildings_held_by_fighters_are_not_homes():
    result = eventlens.process(CENTCOM)
    assert not [e for e in result.events if e.event == "DISPLACE"]
    assert all("destroyed_housing" not in e.size for e in result.events)
