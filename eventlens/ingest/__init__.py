"""Files, JSONL/CSV, HTML and stdin -> Article records; bad input -> Reject records with reasons.

>>> from eventlens.ingest import IngestOptions, iter_articles
>>> for item in iter_articles(["corpus/"], IngestOptions(source="my feed")): ...
"""
from .base import REJECT_CODES, IngestOptions, article_id, normalise, parse_date, split_header
from .sources import SUFFIX_FORMATS, iter_articles

__all__ = [
    "REJECT_CODES",
    "SUFFIX_FORMATS",
    "IngestOptions",
    "article_id",
    "iter_articles",
    "normalise",
    "parse_date",
    "split_header",
]
