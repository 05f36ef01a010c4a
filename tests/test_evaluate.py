"""Gold readers, scorers and the gate's bookkeeping, on hand-built predictions in the export shape.

No pipeline runs here: predictions are dicts as ``Event.to_plover()`` etc. produce them, so the
scorers are tested on exactly what users get. Readers are also run on the real gold files when the
gold folder is present (skipped with a message otherwise).
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from eventlens.errors import EvalError
from eventlens.evaluate import (
    acled,
    core,
    displacement,
    event_location,
    gate,
    geoparsing,
    petrarch,
    plover,
    re3d,
)
from eventlens.evaluate.predict import GoldText, export_result
from eventlens.evaluate.report import FieldScore, Report, prf, texts_match, weighted_f1
from eventlens.records import ActorEntity, Article, ArticleResult, Count, Event, Place, Relation, stable_id

GOLD = core.default_gold_dir()
needs_gold = pytest.mark.skipif(not GOLD.is_dir(),
                                reason=f"gold folder {GOLD} not found (set EVENTLENS_GOLD)")

SEED = ("It’s darkly ironic that at the time when the US government assassinated Major-General Qasem "
        "Soleimani, the leader of the Quds Force of the Islamic Revolutionary Guard Corps, it emerged that "
        "at least 300,000 Syrians had been cleansed from Idlib.")
CENTCOM = ("To clarify: U.S. forces are advising and assisting Syrian Democratic Forces (SDF), primarily "
           "Syrian Arab forces operating in the northern part of the country who are leading efforts in the "
           "campaign to defeat Daesh.")


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def event(text: str, trigger: str, kind: str, **extra: object) -> dict:
    """An export record as Event.to_plover() writes it, with the trigger found in the text."""
    ts, te = span(text, trigger)
    record = {"event": kind, "event_text": trigger, "text": text, "confidence": 0.5, "actor": [],
              "recipient": [], "event_loc": None, "size": {}, "mode": None, "cameo": None, "acled": None,
              "text_info": {"start": 0, "end": len(text), "trigger_start": ts, "trigger_end": te}}
    record.update(extra)
    return record


def prediction(text: str = "", events: list | None = None, places: list | None = None,
               relations: list | None = None) -> dict:
    return {"doc_id": None, "text": text, "events": events or [], "places": places or [],
            "relations": relations or [], "error": None}


# --- metrics ---------------------------------------------------------------------------------------

def test_prf_counts_predictions_and_gold_separately():
    score = prf("x", true_pos=3, n_gold=4, n_pred=10, true_pos_pred=5)
    assert score.recall == 0.75
    assert score.precision == 0.5
    assert score.value == pytest.approx(2 * 0.5 * 0.75 / 1.25)


def test_weighted_f1_matches_a_hand_computation():
    gold = ["A", "A", "B", "C"]
    pred = ["A", "B", "B", "NONE"]
    # A: p=1, r=.5, f=.667 (support 2); B: p=.5, r=1, f=.667 (1); C: 0 (1) -> (2*.667 + .667) / 4
    assert weighted_f1("f", gold, pred).value == pytest.approx((2 * 2 / 3 + 2 / 3) / 4)


def test_texts_match_ignores_case_articles_and_allows_whole_word_containment():
    assert texts_match("the Kodori Gorge", "Kodori gorge")
    assert texts_match("Idlib", "Idlib province")
    assert not texts_match("Idlib", "Idlibi")
    assert not texts_match("Aleppo", None)


# --- plover ----------------------------------------------------------------------------------------

def test_old_plover_types_map_through_cameo_roots(tmp_path):
    table = tmp_path / "c2p.txt"
    table.write_text("# header\n08: CONCEDE\n080: CONCEDE, ,\n09: ACCUSE\n10: REQUEST\n11: ACCUSE\n"
                     "19: ASSAULT\n06: COOPERATE\n", encoding="utf-8")
    roots = plover.cameo_root_types(str(table))
    mapped = {old: plover.map_type(old, roots) for old in ("DEMAND", "FIGHT", "DISAPPROVE", "INVESTIGATE",
                                                            "YIELD", "ENGAGE", "PROTEST")}
    assert mapped == {"DEMAND": "REQUEST", "FIGHT": "ASSAULT", "DISAPPROVE": "ACCUSE",
                      "INVESTIGATE": "ACCUSE", "YIELD": "CONCEDE", "ENGAGE": "COOPERATE",
                      "PROTEST": "PROTEST"}


def test_plover_picks_the_event_whose_trigger_is_in_the_gold_words():
    text = "Russian aircraft bombed villages in Herat, killing 46 Afghan civilians."
    gold = plover.PloverGold("g1", text, "ASSAULT", "FIGHT", {"bombed"}, ["RUS"], ["MIL"], ["AFG"], ["CVL"],
                             dead=46)
    wrong = event(text, "killing", "ASSAULT", confidence=0.9)
    right = event(text, "bombed", "ASSAULT", confidence=0.4,
                  actor=[{"entity_text": "Russian aircraft", "country": "RUS", "sector": "MIL"}],
                  recipient=[{"entity_text": "Afghan civilians", "country": "AFG", "sector": "GOV"}],
                  size={"killed": {"low": 46, "high": None, "qualifier": None, "text": "46"}})
    report = plover.score([gold], [prediction(text, [wrong, right])])
    scores = report.scores()
    assert scores["event_type"] == 1.0
    assert scores["actor_country"] == 1.0
    assert scores["recipient_sector"] == 0.0
    assert scores["dead"] == 1.0
    assert [m.field for m in report.misses] == ["recipient_sector"]


def test_plover_without_an_event_is_wrong_not_skipped():
    gold = plover.PloverGold("g2", "Protesters rallied.", "PROTEST", "PROTEST", {"rallied"}, ["USA"],
                             [], [], [])
    report = plover.score([gold], [prediction("Protesters rallied.")])
    assert report.fields["event_type"].n == 1
    assert report.scores()["event_type"] == 0.0


# --- petrarch --------------------------------------------------------------------------------------

PETR_XML = """<?xml version='1.0' encoding='utf-8'?>
<Validation>
# header comment with a literal <EventCoding...> in it
<Sentences>
<Sentence category="AFP" date="20080804" id="S1" evaluate="true"/>
<EventCoding eventcode="173" sourcecode="GUYJUD" targetcode="---OPP" />
<Text>
Guyana's court charged the
opposition leader.
</Text>
<Parse>1 x</Parse>
<Sentence category="AFP" date="20080805" id="S2" evaluate="true"/>
<EventCoding noevents="True" />
<Text>The weather was fine.</Text>
</Sentences>
</Validation>
"""


def test_petrarch_reader_survives_the_header_comment_and_scores_roots(tmp_path):
    path = tmp_path / petrarch.FILE
    path.parent.mkdir(parents=True)
    path.write_text(PETR_XML, encoding="utf-8")
    items = petrarch.read(tmp_path)
    assert [(i.id, len(i.codings)) for i in items] == [("S1", 1), ("S2", 0)]
    assert items[0].text == "Guyana's court charged the opposition leader."
    assert items[0].published.isoformat() == "2008-08-04"
    text = items[0].text
    charged = event(text, "charged", "COERCE", cameo="173",
                    actor=[{"entity_text": "court", "country": "GUY"}],
                    recipient=[{"entity_text": "opposition leader", "country": "GUY"}])
    report = petrarch.score(items, [prediction(text, [charged]), prediction(items[1].text)])
    scores = report.scores()
    assert scores["root_code"] == 1.0
    assert scores["source_country"] == 1.0
    assert report.fields["target_country"].n == 0  # "---" carries no country
    assert scores["no_event_clean"] == 1.0


# --- geoparsing ------------------------------------------------------------------------------------

def test_km_is_great_circle_distance():
    damascus, aleppo = (33.51, 36.29), (36.20, 37.16)
    assert 300 < geoparsing.km(*damascus, *aleppo) < 320


def test_geoparsing_recognition_and_resolution():
    text = SEED
    idlib, syrians, us = span(text, "Idlib"), span(text, "Syrians"), span(text, "US")
    doc = geoparsing.GeoDoc("d", "gwn", text,
                            [geoparsing.Toponym(*idlib, "Idlib", 35.93, 36.63, 169388, "SYR"),
                             geoparsing.Toponym(*us, "US", 39.76, -98.5, 6252001, "USA")],
                            neutral=[syrians])
    places = [{"entity_text": "Idlib", "start": idlib[0], "end": idlib[1], "lat": 35.9, "lon": 36.6,
               "country": "SYR", "geonameid": 169389},
              {"entity_text": "Syrians", "start": syrians[0], "end": syrians[1], "country": "SYR"},
              {"entity_text": "Quds", **dict(zip(("start", "end"), span(text, "Quds"), strict=True))}]
    report = geoparsing.score([doc], [prediction(text, places=places)])
    rec = report.fields["gwn.recognition"]
    assert (rec.recall, rec.precision) == (0.5, 0.5)  # "Syrians" is neutral, "Quds" a false positive
    scores = report.scores()
    assert scores["gwn.resolution_161km"] == 1.0
    assert scores["gwn.country"] == 1.0
    assert scores["gwn.geonameid"] == 0.0


def test_realign_moves_an_off_span_to_the_nearest_occurrence():
    text = "in Winnipeg. Later, in Winnipeg again"
    assert geoparsing._realign(text, 22, 30, "Winnipeg") == (23, 31)


# --- event location --------------------------------------------------------------------------------

def test_event_location_uses_the_event_of_the_gold_verb():
    text = "At least nine civilians were killed in the bombardment of the Aziziyah district."
    verb = span(text, "killed")
    gold = event_location.LocationGold("e1", text, "killed", verb[0] + 3, verb[1] + 3, ["Aziziyah"])
    other = event(text, "bombardment", "ASSAULT", event_loc={"entity_text": "Syria"}, confidence=0.9)
    killed = event(text, "killed", "ASSAULT", event_loc={"entity_text": "Aziziyah district"})
    assert event_location.score([gold], [prediction(text, [other, killed])]).scores()["event_loc"] == 1.0
    gold.verb_start, gold.verb_end = verb  # offsets right: still the same event
    assert event_location.score([gold], [prediction(text, [other, killed])]).scores()["event_loc"] == 1.0
    assert event_location.score([gold], [prediction(text, [other])]).scores()["event_loc"] == 0.0


def test_event_location_without_gold_location_wants_none():
    text = "Gunmen captured two Germans."
    gold = event_location.LocationGold("e2", text, "captured", *span(text, "captured"), [])
    plain = event(text, "captured", "ASSAULT")
    placed = event(text, "captured", "ASSAULT", event_loc={"entity_text": "Germany"})
    assert event_location.score([gold], [prediction(text, [plain])]).scores()["event_loc"] == 1.0
    assert event_location.score([gold], [prediction(text, [placed])]).scores()["event_loc"] == 0.0


# --- displacement ----------------------------------------------------------------------------------

def test_displacement_modes_map_to_idmc_terms():
    assert displacement.term_of("evacuated") == "Evacuated"
    assert displacement.term_of("forced to flee") == "Forced to Flee"
    assert displacement.term_of("expulsion") == "Forced to Flee"
    assert displacement.term_of("destroyed housing") == "Destroyed Housing"
    assert displacement.term_of("partially destroyed housing") == "Partially Destroyed Housing"
    assert displacement.term_of(None) is None


def test_displacement_scores_figure_term_unit_country():
    text = "At least 60 homes were destroyed and 299 families were evacuated in Nuristan."
    gold = displacement.DisplacementGold("i1", text, 299, "Evacuated", "households", "AFG")
    evac = event(text, "evacuated", "DISPLACE", mode="evacuated",
                 size={"displaced": {"low": 299, "high": None, "qualifier": None, "text": "299 families",
                                     "unit": "households"}},
                 event_loc={"entity_text": "Nuristan", "country": "AFG"})
    report = displacement.score([gold], [prediction(text, [evac])])
    assert report.scores() == {"figure": 1.0, "term": 1.0, "unit": 1.0, "country": 1.0, "displace_found": 1.0}
    nothing = displacement.score([gold], [prediction(text)])
    assert nothing.scores()["figure"] == 0.0
    assert len(nothing.misses) == 4


# --- re3d ------------------------------------------------------------------------------------------

def test_re3d_actor_spans_and_unordered_relations():
    text = CENTCOM
    us, sdf, daesh = span(text, "U.S. forces"), span(text, "Syrian Democratic Forces"), span(text, "Daesh")
    sdf_name = "Syrian Democratic Forces"
    actors = [(*us, "U.S. forces"), (*sdf, sdf_name), (*daesh, "Daesh")]
    relations = [re3d.GoldRelation("FightingAgainst", sdf, daesh, sdf_name, "Daesh", (sdf[0], daesh[1])),
                 re3d.GoldRelation("AlliesOf", us, sdf, "U.S. forces", sdf_name, (us[0], sdf[1]))]
    doc = re3d.Re3dDoc("c1", "CENTCOM", text, actors=actors, relations=relations)
    opposes = {"kind": "opposes", "text_info": {"start": 0, "end": len(text)},
               "source": {"entity_text": "Daesh", "start": daesh[0], "end": daesh[1]},
               "target": {"entity_text": "Syrian Democratic Forces", "start": sdf[0], "end": sdf[1]}}
    supports = {"kind": "supports", "text_info": {"start": 0, "end": len(text)},
                "source": {"entity_text": "U.S. forces", "start": None, "end": None},
                "target": {"entity_text": "Syrian Arab forces", "start": None, "end": None}}
    report = re3d.score([doc], [prediction(text, relations=[opposes, supports])])
    fights, allies = report.fields["relation.FightingAgainst"], report.fields["relation.AlliesOf"]
    assert (fights.recall, fights.precision) == (1.0, 1.0)  # reversed direction still matches
    assert (allies.recall, allies.precision) == (0.0, 0.0)  # wrong target text
    actor = report.fields["actor"]
    assert (actor.n, actor.correct, actor.n_pred) == (3, 2, 2)  # offset-less ends are not actor spans


# --- acled types -----------------------------------------------------------------------------------

def test_acled_labels_from_acled_names_and_none_for_unseen():
    strike = event("x", "x", "ASSAULT", acled={"event_type": "Explosions/Remote violence",
                                               "sub_event_type": "Air/drone strike"})
    assert acled.predict_label(prediction("x", [strike])) == "AIR_STRIKE"
    assert acled.predict_label(prediction("x")) == acled.NONE
    items = [acled.AcledGold("1", "x", "AIR_STRIKE"), acled.AcledGold("2", "y", acled.NONE)]
    report = acled.score(items, [prediction("x", [strike]), prediction("y", [strike])])
    assert report.scores()["seen_accuracy"] == 1.0
    assert report.scores()["unseen_is_none"] == 0.0


# --- the export as scored --------------------------------------------------------------------------

def test_export_result_adds_offsets_to_actors_and_places():
    article = Article(id=stable_id("art", SEED), text=SEED)
    ts, te = span(SEED, "assassinated")
    idlib = Place("Idlib", *span(SEED, "Idlib"), name="Idlib", geonameid=169388, country="SYR")
    ev = Event(id="evt_1", doc_id=article.id, event="ASSAULT", event_text="assassinated", text=SEED,
               start=0, end=len(SEED), trigger_start=ts, trigger_end=te,
               actor=[ActorEntity("the US government", country="USA")],
               recipient=[ActorEntity("Qasem Soleimani", country="IRN", start=100, end=115)],
               size={"displaced": Count("displaced", 300000, None, "at least", "at least 300,000 Syrians",
                                        0, 1)}, event_loc=idlib)
    rel = Relation("rel_1", article.id, "leads", ActorEntity("Qasem Soleimani"),
                   ActorEntity("the Quds Force"), SEED, 0, len(SEED))
    out = export_result(ArticleResult(article, events=[ev], relations=[rel], places=[idlib]))
    record = out["events"][0]
    assert (record["actor"][0]["start"], record["actor"][0]["end"]) == span(SEED, "the US government")
    assert record["recipient"][0]["start"] == 100
    assert record["size"]["displaced"]["unit"] == "people"
    assert record["event_loc"]["start"] == idlib.start
    assert out["places"][0]["start"] == idlib.start
    assert out["relations"][0]["target"]["start"] == SEED.index("the Quds Force")


# --- core and gate ---------------------------------------------------------------------------------

def test_unknown_set_names_the_known_ones():
    with pytest.raises(EvalError, match="acled-types"):
        core.evaluate("nonsense", GOLD)


def test_missing_gold_says_how_to_point_at_it(tmp_path):
    with pytest.raises(EvalError, match="EVENTLENS_GOLD"):
        core.evaluate("plover", tmp_path, predictor=lambda items: [])


def _report(value: float) -> Report:
    report = Report("plover", n_items=10)
    report.add(FieldScore("event_type", "accuracy", n=10, correct=round(value * 10)))
    return report


def test_gate_raises_floors_and_lowers_them_only_with_a_reason():
    baseline = gate.empty_baseline()
    prints = {"plover": {"plover-gsr/x": "abc"}}
    gate.update_baseline(baseline, [_report(0.5)], prints)
    assert baseline["sets"]["plover"]["scores"] == {"event_type": 0.5}
    gate.update_baseline(baseline, [_report(0.7)], prints)
    assert baseline["sets"]["plover"]["scores"] == {"event_type": 0.7}
    with pytest.raises(EvalError, match="allow-lower"):
        gate.update_baseline(baseline, [_report(0.6)], prints)
    with pytest.raises(EvalError):
        gate.update_baseline(baseline, [_report(0.6)], prints, allow_lower=True, reason=" ")
    lowered = gate.update_baseline(baseline, [_report(0.6)], prints, allow_lower=True,
                                   reason="new gold split")
    assert lowered == ["plover.event_type"]
    assert baseline["sets"]["plover"]["scores"] == {"event_type": 0.6}
    assert baseline["lowered"][-1]["reason"] == "new gold split"


def test_gate_fails_below_floor_and_on_changed_gold():
    baseline = gate.empty_baseline()
    gate.update_baseline(baseline, [_report(0.7)], {"plover": {"plover-gsr/x": "abc"}})
    assert gate.score_failures(_report(0.7), baseline) == []
    assert "below its floor" in gate.score_failures(_report(0.6), baseline)[0]
    assert gate.fingerprint_failures("plover", baseline, {"plover-gsr/x": "abc"}) == []
    assert "changed" in gate.fingerprint_failures("plover", baseline, {"plover-gsr/x": "abd"})[0]
    assert "is new" in gate.fingerprint_failures("plover", baseline, {"plover-gsr/x": "abc", "y": "1"})[0]


def test_gate_baseline_round_trips(tmp_path):
    baseline = gate.empty_baseline()
    gate.update_baseline(baseline, [_report(0.5)], {"plover": {}})
    path = tmp_path / "baseline.json"
    gate.save_baseline(baseline, path)
    assert gate.load_baseline(path) == baseline
    assert gate.load_baseline(tmp_path / "absent.json")["sets"] == {}


# --- the CLI ---------------------------------------------------------------------------------------

def fake_predictor(items: list[GoldText]) -> list[dict]:
    """Predicts AGREE with the first word as trigger for every text: a system that is sometimes right."""
    out = []
    for item in items:
        first_word = item.text.split()[0]
        out.append(prediction(item.text, [event(item.text, first_word, "AGREE")]))
    return out


@needs_gold
def test_eval_command_prints_a_table_and_writes_json(tmp_path, monkeypatch):
    import typer.main

    from eventlens.cli import app
    from eventlens.cli import eval as eval_cli  # noqa: F401 - registers the command

    monkeypatch.setattr(core, "pipeline_predictor", lambda settings, progress=None: fake_predictor)
    out = tmp_path / "report.json"
    command = typer.main.get_group(app)
    result = CliRunner().invoke(command, ["eval", "plover", "--gold", str(GOLD), "--limit", "50",
                                          "--errors", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "event_type" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    report = data["reports"][0]
    assert report["set"] == "plover" and report["n_items"] == 50
    assert report["fields"]["event_type"]["value"] == pytest.approx(40 / 50)  # 40 AGREE, then CONSULT
    assert len(report["misses"]) == 3
    bad = CliRunner().invoke(command, ["eval", "nonsense", "--gold", str(GOLD)])
    assert bad.exit_code != 0


# --- readers on the real gold ----------------------------------------------------------------------

@needs_gold
def test_readers_on_the_real_gold_files():
    assert len(plover.read(GOLD)) == 322
    assert {i.event for i in plover.read(GOLD)} <= set(plover.PLOVER_TYPES)
    petr = petrarch.read(GOLD)
    assert len(petr) == 78
    assert sum(len(i.codings) for i in petr) > 60
    locs = event_location.read(GOLD)
    assert len(locs) == 494
    assert all(i.text[i.verb_start:i.verb_end] == i.verb for i in locs)
    idmc = displacement.read(GOLD)
    assert len(idmc) == 133 and {i.unit for i in idmc} == {"people", "households"}
    assert len(acled.read(GOLD)) == 510
    docs = re3d.read(GOLD)
    assert sum(len(d.relations) for d in docs) > 100
    assert all(d.text[r.source[0]:r.source[1]] == r.source_text for d in docs for r in d.relations)


@needs_gold
def test_geoparsing_reader_realigns_offsets_and_knows_countries():
    docs = geoparsing.read(GOLD)
    tr = [t for d in docs if d.corpus == "tr-news" for t in d.toponyms]
    assert len(tr) == 1319
    text_of = {d.id: d.text for d in docs}
    aligned = sum(1 for d in docs for t in d.toponyms if text_of[d.id][t.start:t.end] == t.text)
    assert aligned == sum(len(d.toponyms) for d in docs)
    assert sum(1 for t in tr if t.country == "TUR") > 10
