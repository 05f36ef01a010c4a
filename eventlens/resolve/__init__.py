"""Mentions -> canonical actors, gazetteer places, dates and counts."""
