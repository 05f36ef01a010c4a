"""A store kept as a directory of Parquet files: what the Spark runner writes and every reader can open.

Layout: ``DIR/_eventlens.json`` marks the directory (application, schema version), and each table of
``schema.TABLES`` is a sub-directory of part files, ``DIR/<table>/part-*.parquet``. The part files are
written by DuckDB from an in-memory store filled by the same writer as a DuckDB file
(``Store.write_results``), so their columns and types are those of the DuckDB store by construction.

Reading (``open_views``) attaches an in-memory DuckDB database with one view per table over its part
files; a table without files is an empty table with the store's DDL, so every query of ``Store`` works
unchanged. The views are read-only: a Parquet store is written by runners, never through ``Store``.
"""
from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Mapping
from pathlib import Path

import duckdb

from ..errors import StoreError
from .schema import APPLICATION, SCHEMA_VERSION, TABLES

log = logging.getLogger(__name__)

MARKER = "_eventlens.json"
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def is_parquet_store(path: str | os.PathLike[str]) -> bool:
    """True for a directory that carries the eventlens marker file."""
    return (Path(path) / MARKER).is_file()


def table_dir(root: str | os.PathLike[str], table: str) -> Path:
    return Path(root) / table


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def prepare_dir(root: str | os.PathLike[str]) -> Path:
    """Create ``root`` as a Parquet store, or check that an existing one is ours and of this schema.

    A non-empty directory without the marker is refused (E033): writing part files into someone
    else's folder would mix their files with ours.
    """
    path = Path(root)
    if path.exists() and not path.is_dir():
        raise StoreError("E031", f"{path} is a file; give --out a directory for the Parquet store")
    if is_parquet_store(path):
        _check_marker(path)
        return path
    if path.is_dir() and any(path.iterdir()):
        raise StoreError("E033", f"{path} is a non-empty directory that is not an eventlens Parquet store; "
                                 "give --out a new or empty directory")
    path.mkdir(parents=True, exist_ok=True)
    marker = {"application": APPLICATION, "schema_version": SCHEMA_VERSION, "layout": "parquet"}
    tmp = path / f".{MARKER}.{uuid.uuid4().hex}"
    tmp.write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path / MARKER)
    return path


def _check_marker(path: Path) -> None:
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise StoreError("E031", f"cannot read {path / MARKER} ({e}); is the Parquet store damaged?") from e
    if marker.get("application") != APPLICATION:
        raise StoreError("E033", f"{path} is a Parquet directory of another application")
    if marker.get("schema_version") != SCHEMA_VERSION:
        raise StoreError("E034", f"{path} has store schema {marker.get('schema_version')}, this eventlens "
                                 f"reads {SCHEMA_VERSION}; use a matching eventlens or a new directory")


def open_views(root: str | os.PathLike[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one read-only view per store table over ``root``'s files."""
    path = Path(root)
    if not is_parquet_store(path):
        raise StoreError("E030", f"{path} is a directory but not an eventlens Parquet store (no {MARKER}); "
                                 "give --db a .duckdb file or a directory written by `eventlens run "
                                 "--engine spark --out DIR`")
    _check_marker(path)
    con = duckdb.connect(":memory:", config=_CONFIG)
    try:
        for table, ddl in TABLES.items():
            if table == "meta":
                continue
            files = table_dir(path, table)
            if files.is_dir() and any(files.glob("*.parquet")):
                glob = _sql_string(str(files / "*.parquet"))
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({glob})")
            else:
                con.execute(ddl)
        con.execute(TABLES["meta"])
        con.executemany("INSERT INTO meta VALUES (?, ?)",
                        [("application", APPLICATION), ("schema_version", SCHEMA_VERSION)])
    except duckdb.Error as e:
        con.close()
        raise StoreError("E031", f"cannot read the Parquet store {path} ({str(e).splitlines()[0]}); "
                                 "is a part file damaged? remove it and run again") from e
    return con


def write_tables(con: duckdb.DuckDBPyConnection, root: str | os.PathLike[str], part: str,
                 tables: Mapping[str, str] | None = None) -> dict[str, int]:
    """Copy every non-empty table of the store behind ``con`` to ``root/<table>/<part>.parquet``.

    Each file is written under a hidden name and renamed, so a reader (or a retried Spark task, which
    writes the same part name again) never sees half a file. Returns rows written per table.
    """
    written: dict[str, int] = {}
    for table in tables or TABLES:
        if table == "meta":
            continue
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        n = int(row[0]) if row else 0
        if not n:
            continue
        target_dir = table_dir(root, table)
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target_dir / f".{part}.{uuid.uuid4().hex}.tmp"
        con.execute(f"COPY (SELECT * FROM {table}) TO {_sql_string(str(tmp))} "
                    "(FORMAT parquet, COMPRESSION zstd)")
        os.replace(tmp, target_dir / f"{part}.parquet")
        written[table] = n
    return written
