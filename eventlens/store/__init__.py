"""The DuckDB store: schema, the single writer, and the queries exports and the API read through."""
from .db import DEFAULT_PATH, PlaceMention, Store, StoredReject, StoreStats, WriteSummary

__all__ = ["DEFAULT_PATH", "PlaceMention", "Store", "StoreStats", "StoredReject", "WriteSummary"]
