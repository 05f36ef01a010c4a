"""Data files: actors, event ontology, gazetteer sources and the gazetteer build."""
