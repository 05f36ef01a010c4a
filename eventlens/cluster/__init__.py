"""eventlens.cluster: event mentions from many articles grouped into one record per real event.

>>> from eventlens.cluster import cluster_store
>>> with Store.open("eventlens.duckdb") as store:
...     summary = cluster_store(store)
"""
from __future__ import annotations

from .consensus import cluster_record
from .core import Cluster, cluster_mentions
from .mentions import Mention, mention_from_record
from .store import ClusterSummary, cluster_store

__all__ = ["Cluster", "ClusterSummary", "Mention", "cluster_mentions", "cluster_record", "cluster_store",
           "mention_from_record"]
