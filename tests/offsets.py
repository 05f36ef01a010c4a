"""The offset invariant the record contract rests on, checked the same way by every test that needs it."""
from __future__ import annotations

from eventlens.records import ArticleResult


def assert_offsets(text: str, result: ArticleResult) -> None:
    """Every offset of every record (evidence, trigger, actors, counts, place, relations, places)
    points at the words it quotes."""
    for event in result.events:
        assert text[event.start:event.end] == event.text
        assert text[event.trigger_start:event.trigger_end] == event.event_text
        for ent in event.actor + event.recipient:
            if ent.start is not None:
                assert text[ent.start:ent.end] == ent.entity_text
        for count in event.size.values():
            assert text[count.start:count.end] == count.text
        if event.event_loc is not None:
            assert text[event.event_loc.start:event.event_loc.end] == event.event_loc.entity_text
    for rel in result.relations:
        assert text[rel.start:rel.end] == rel.text
    for place in result.places:
        assert text[place.start:place.end] == place.entity_text
