"""Scoring eventlens's export against gold data sets; the numbers the evaluation gate pins."""
