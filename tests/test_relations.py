"""Actor relations stated in words: fighting against, supporting and fighting beside.

Sentences are excerpts of public-domain US CENTCOM, US State Department and UK Government releases
(the re3d documents) and small hand-made inputs.
"""
from __future__ import annotations

import pytest

from eventlens.evaluate import re3d
from eventlens.nlp.pipeline import load_pipeline
from eventlens.settings import Settings


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return load_pipeline(Settings.load())


def pairs(nlp, text: str, kind: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    doc = nlp(text)
    return {(r.source.entity_text, r.target.entity_text) for r in doc._.relations if r.kind == kind}


def unordered(found: set[tuple[str, str]]) -> set[frozenset[str]]:
    return {frozenset(p) for p in found}


def test_strikes_against_a_group_oppose_the_striker_and_name_the_evidence(nlp):  # type: ignore[no-untyped-def]
    text = "On Jan. 8, Coalition military forces conducted 34 strikes against ISIL terrorists."
    doc = nlp(text)
    opposes = [r for r in doc._.relations if r.kind == "opposes"]
    assert [(r.source.entity_text, r.target.entity_text) for r in opposes] == [
        ("Coalition military forces", "ISIL terrorists")]
    rel = opposes[0]
    assert text[rel.source.start:rel.source.end] == "Coalition military forces"
    assert text[rel.evidence_start:rel.evidence_end] == "strikes"


def test_coordinated_parties_committed_to_defeating_fight_together(nlp):  # type: ignore[no-untyped-def]
    text = ("The UK, the wider Global Coalition and the Government of Iraq are committed to defeating "
            "these terrorists.")
    sides = {"The UK", "the wider Global Coalition", "the Government of Iraq"}
    assert unordered(pairs(nlp, text, "opposes")) == {frozenset((s, "these terrorists")) for s in sides}
    assert unordered(pairs(nlp, text, "allied_with")) == {
        frozenset(("The UK", "the wider Global Coalition")), frozenset(("The UK", "the Government of Iraq")),
        frozenset(("the wider Global Coalition", "the Government of Iraq"))}


def test_their_fight_is_the_fight_of_the_named_parties_before_it(nlp):  # type: ignore[no-untyped-def]
    text = ("The UK remains steadfast in its support of the Government of Iraq and the Iraqi people in "
            "their fight against ISIL.")
    assert pairs(nlp, text, "opposes") == {("the Government of Iraq", "ISIL"), ("the Iraqi people", "ISIL")}
    supports = pairs(nlp, text, "supports")
    assert ("The UK", "the Government of Iraq") in supports
    assert not any(src == "its" for src, _ in supports)  # the possessive resolved to the named party


def test_support_verbs_and_the_campaign_noun(nlp):  # type: ignore[no-untyped-def]
    assert pairs(nlp, "The Coalition is supporting the SDF by providing air and advise and assist support.",
                 "supports") == {("The Coalition", "the SDF")}
    text = "Over the last year the Global Coalition has launched almost 8,000 strikes against ISIL in Iraq."
    assert pairs(nlp, text, "opposes") == {("the Global Coalition", "ISIL")}


def test_liberating_a_town_from_a_group_opposes_it_not_the_towns_adjective(nlp):  # type: ignore[no-untyped-def]
    text = ("Syrian opposition forces liberated the Syrian town of Dabiq from ISIL control, aided by strong "
            "support from our ally Turkey.")
    opposes = pairs(nlp, text, "opposes")
    assert ("Syrian opposition forces", "ISIL") in opposes
    assert not any("Syrian" in (src, tgt) for src, tgt in opposes)


def test_the_sides_of_a_named_war(nlp):  # type: ignore[no-untyped-def]
    assert unordered(pairs(nlp, "He served in the army and took part in the Iran-Iraq War of 1980-88.",
                           "opposes")) == {frozenset(("Iran", "Iraq"))}


def test_praise_and_people_make_no_support_relation(nlp):  # type: ignore[no-untyped-def]
    text = ("Foreign Secretary Boris Johnson welcomes the UN Board of Inquiry's summary of its investigation "
            "into the attack on an aid convoy.")
    assert pairs(nlp, text, "supports") == set()
    text = ("The Department of Defense announced today the death of a soldier who was supporting Operation "
            "Inherent Resolve.")
    assert pairs(nlp, text, "supports") == set()


def test_re3d_recall_counts_actor_pairs_and_precision_accepts_any_gold_pair():
    text = "Coalition aircraft struck ISIL near Raqqah; the strikes destroyed a tunnel."

    def at(words: str) -> tuple[int, int]:
        return text.index(words), text.index(words) + len(words)

    coalition, isil, strikes, tunnel = at("Coalition aircraft"), at("ISIL"), at("strikes"), at("tunnel")
    gold = [re3d.GoldRelation("FightingAgainst", coalition, isil, "Coalition aircraft", "ISIL", (0, 30)),
            re3d.GoldRelation("FightingAgainst", strikes, tunnel, "strikes", "tunnel", (44, 74),
                              actors=False),
            re3d.GoldRelation("FightingAgainst", coalition, tunnel, "Coalition aircraft", "tunnel", (0, 74),
                              actors=False)]
    doc = re3d.Re3dDoc("d1", "CENTCOM", text, relations=gold)

    def rel(src: tuple[int, int], tgt: tuple[int, int]) -> dict[str, object]:
        return {"kind": "opposes", "text_info": {"start": 0, "end": len(text)},
                "source": {"entity_text": text[slice(*src)], "start": src[0], "end": src[1]},
                "target": {"entity_text": text[slice(*tgt)], "start": tgt[0], "end": tgt[1]}}

    prediction = {"events": [], "relations": [rel(isil, coalition), rel(coalition, tunnel)]}
    report = re3d.score([doc], [prediction])
    actors_only, everything = report.fields["relation.all"], report.fields["relation.any_entity"]
    assert (actors_only.n, actors_only.correct, actors_only.precision) == (1, 1, 1.0)
    assert (everything.n, everything.correct) == (3, 2)
    assert [m.gold for m in report.misses if m.field.startswith("relation")] == []  # only actor pairs listed


def test_the_supported_side_fights_the_same_enemy_and_fighters_do_the_firing(nlp):  # type: ignore[no-untyped-def]
    text = ("In support of the Iraqi Security Forces, Coalition aircraft conducted a precision strike on the "
            "location to target enemy fighters firing on Iraqi forces.")
    opposes = unordered(pairs(nlp, text, "opposes"))
    assert frozenset(("the Iraqi Security Forces", "enemy fighters")) in opposes
    assert frozenset(("enemy fighters", "Iraqi forces")) in opposes
    assert frozenset(("Coalition aircraft", "Iraqi forces")) not in opposes  # supporters are not enemies
    assert ("Coalition aircraft", "the Iraqi Security Forces") in pairs(nlp, text, "supports")


def test_object_control_compound_names_and_membership(nlp):  # type: ignore[no-untyped-def]
    text = ("Secretary Kerry urged him to press the regime to cease at once airstrikes against opposition "
            "forces.")
    assert pairs(nlp, text, "opposes") == {("the regime", "opposition forces")}
    text = ("A series of precision U.S. airstrikes against al-Qaida operatives this week killed more than 20 "
            "militants.")
    assert ("U.S.", "al-Qaida") in pairs(nlp, text, "opposes")
    text = ("That is why the UK is working as part of the Global Coalition to degrade and defeat ISIL in "
            "Syria and Iraq.")
    assert pairs(nlp, text, "opposes") == {("the UK", "ISIL"), ("the Global Coalition", "ISIL")}


def test_a_supported_partner_in_its_efforts_and_who_joins_another_s_efforts(nlp):  # type: ignore[no-untyped-def]
    text = ("We are proud that the international coalition has supported the Iraqi Security Forces in its "
            "efforts to defeat ISIL and despite their professionalism there will be challenges ahead.")
    assert unordered(pairs(nlp, text, "opposes")) == {frozenset(("the international coalition", "ISIL")),
                                                      frozenset(("the Iraqi Security Forces", "ISIL"))}
    text = ("They discussed the continued supporting role the United States and the counter-ISIL coalition "
            "can play in Iraq's efforts to destroy the terrorist group.")
    sources = {src for src, _ in pairs(nlp, text, "opposes")}
    assert {"Iraq", "the United States"} <= sources
    assert frozenset(("Iraq", "the United States")) not in unordered(pairs(nlp, text, "allied_with"))


def test_sanctions_and_reinforcing_ones_own_troops_are_no_relation(nlp):  # type: ignore[no-untyped-def]
    text = "The Biden administration targeted Russia with sweeping sanctions and diplomatic expulsions."
    assert pairs(nlp, text, "opposes") == set()
    text = "Government forces recaptured 8 villages from Hayat Tahrir al-Sham in southern Aleppo."
    assert pairs(nlp, text, "opposes") == {("Government forces", "Hayat Tahrir al-Sham")}
