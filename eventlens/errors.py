"""Error classes with codes. Each message says what went wrong and what to do about it.

Codes: E00x ingest, E01x settings, E02x models and knowledge, E03x store, E04x export and query,
E05x evaluation.
"""
from __future__ import annotations


class EventlensError(Exception):
    """Base class: ``code`` is stable across releases, ``message`` says what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message


class IngestError(EventlensError):
    """An input could not become an article; recorded as a reject, never fatal for a batch."""


class ConfigError(EventlensError):
    pass


class ModelError(EventlensError):
    pass


class KnowledgeError(EventlensError):
    pass


class StoreError(EventlensError):
    pass


class ExportError(EventlensError):
    pass


class EvalError(EventlensError):
    pass
