"""Fixtures shared by the extraction tests."""
from __future__ import annotations

import pytest

import eventlens


@pytest.fixture(scope="module")
def run():
    """``run(text, published)`` -> the ArticleResult of one article, through the whole pipeline."""
    def _run(text, published="2020-01-07"):
        return eventlens.process(text, published=published)
    return _run
