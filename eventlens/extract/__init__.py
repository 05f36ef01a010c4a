"""Doc -> event and relation mentions: triggers, participants, modality, attribution."""
