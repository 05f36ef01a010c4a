"""spaCy pipeline assembly and eventlens's own spaCy components."""
