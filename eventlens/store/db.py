"""The store: one DuckDB file, one writer, readers that stream.

Each article and all its rows go in one transaction, so a run killed half-way leaves whole articles
only, and the next run skips what is already there (``known_ids`` before the NLP, ``write_results``
again at write time). DuckDB lets one process write a file or many read it, never both: the writer
holds the file only while it commits (``release`` and ``session``), and every open waits for the file
for a bounded time (``locking.acquire``), so readers in other processes (``export``, ``stats``, the API)
run while a store is being written and always see it as some commit left it.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import os
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..errors import StoreError
from ..records import Article, ArticleResult, Place, Reject
from ..settings import Settings
from . import locking
from . import rows as R
from .schema import APPLICATION, SCHEMA_VERSION, TABLES, index_search_text

log = logging.getLogger(__name__)

DEFAULT_PATH = "eventlens.duckdb"
# Never fetch DuckDB extensions at run time: users are often offline, and a foreign file (SQLite)
# would otherwise trigger a download of the reader for it.
_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False}
_DUCKDB_MAGIC = b"DUCK"  # bytes 8..12 of every DuckDB database file
_FETCH = 1000
_ALIAS = "eventlens_store"  # the writer's file, attached to an in-memory DuckDB (Store._connect)
_STAGING = "_eventlens_staging"  # the name an Arrow batch is registered under while it is inserted
# What a bad article can raise while its rows are inserted (a constraint, a value of the wrong type).
_WRITE_ERRORS = (duckdb.Error, pa.ArrowException)


@dataclass
class WriteSummary:
    """What ``write_results`` did: articles written, skipped as already stored, failed (rejected)."""

    written: int = 0
    skipped: int = 0
    failed: int = 0
    events: int = 0


@dataclass
class StoreStats:
    """The numbers ``eventlens stats`` shows."""

    articles: int = 0
    events: int = 0
    relations: int = 0
    places: int = 0
    rejects: int = 0
    runs: int = 0
    events_by_type: dict[str, int] = field(default_factory=dict)
    top_actors: list[tuple[str, int]] = field(default_factory=list)
    top_places: list[tuple[str, int]] = field(default_factory=list)
    rejects_by_code: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class PlaceMention:
    """A resolved (or unresolved) toponym mention and the article it is in."""

    doc_id: str
    place: Place

    def to_dict(self) -> dict[str, Any]:
        p = self.place
        return {"doc_id": self.doc_id, "text": p.entity_text, "start": p.start, "end": p.end,
                "geonameid": p.geonameid, "name": p.name, "lat": p.lat, "lon": p.lon, "country": p.country,
                "admin1": p.admin1, "feature_code": p.feature_code, "resolution": p.resolution}


@dataclass
class StoredReject:
    """A reject as stored: which run saw it and when."""

    reject: Reject
    run_id: str | None
    at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self.reject), "run_id": self.run_id,
                "at": self.at.isoformat() if self.at else None}


def _now() -> dt.datetime:
    """UTC, naive: DuckDB TIMESTAMP has no zone, and TIMESTAMPTZ would need pytz to read back."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...],
                 rows: list[tuple[Any, ...]]) -> None:
    """One INSERT for many rows through an Arrow table: DuckDB's cost is per statement, not per row.
    Runs in the caller's transaction on ``con`` (the store's connection or a cursor of it)."""
    if not rows:
        return
    data = pa.table({col: [row[i] for row in rows] for i, col in enumerate(columns)})
    names = R.select_list(columns)
    con.register(_STAGING, data)
    try:
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {_STAGING}")
    finally:
        con.unregister(_STAGING)


class Store:
    """An eventlens DuckDB file. Create with ``Store.open``; use as a context manager to close it."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None, path: str, read_only: bool, *,
                 wait: float = 0.0, writer: locking.WriterLock | None = None) -> None:
        self._con = con  # what queries run on; None while released
        self.path = path
        self.read_only = read_only
        self.wait = wait
        self._writer = writer
        self._counted = False  # a read-only connection that locking.acquire counted
        self._base: duckdb.DuckDBPyConnection | None = None  # the writer's in-memory DuckDB, see _connect

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: str | os.PathLike[str] = DEFAULT_PATH, *, read_only: bool = False,
             wait: float | None = None) -> Store:
        """Open (or create) the store at ``path``; ``":memory:"`` for a throwaway one.

        A file another process holds is waited for, up to ``wait`` seconds (default: 60 to read, 600 to
        write, or the environment variable ``EVENTLENS_LOCK_WAIT``). A read-only store sees one state
        for as long as it is open: the state after some commit of the writer, never part of one.

        Raises ``StoreError`` for a missing file in read-only mode (E030), a file that is not DuckDB or
        is damaged (E031), a file still held by another process after ``wait`` seconds, or a second
        writer (E032), a DuckDB file of another application (E033) or of a newer schema (E034).
        """
        spec = str(path)
        # --- Parquet directory (written by the Spark runner): read-only views, see store/parquet.py
        if spec != ":memory:" and Path(spec).is_dir():
            from .parquet import is_parquet_store, open_views  # only for directories

            if read_only:
                return cls(open_views(spec), spec, read_only=True)
            if is_parquet_store(spec):
                raise StoreError("E035", f"{spec} is a Parquet store, which the Spark runner writes; "
                                         "open it read-only, or give a .duckdb file to write to")
        # --- end of the Parquet branch
        seconds = locking.wait_seconds(wait, writer=not read_only)
        writer = None
        if spec != ":memory:":
            _check_file(Path(spec), read_only)
            if not read_only:
                writer = locking.WriterLock(spec)
                writer.acquire(spec)
        store = cls(None, spec, read_only, wait=seconds, writer=writer)
        try:
            store._con = store._connect()
            store._init_schema()
        except duckdb.Error as e:  # the catalog sits in a damaged part of the file
            store.close()
            raise StoreError("E031", f"cannot read {spec} as a DuckDB store ({str(e).splitlines()[0]}); "
                                     "is it damaged? move it away and run again") from e
        except BaseException:
            store.close()
            raise
        return store

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting for it (``locking.acquire``).

        A reader connects to the file: DuckDB shares one instance per file among the connections of a
        process, so nested readers hold one lock. The writer attaches the file to an in-memory DuckDB of
        its own, kept for the store's life: ATTACH and DETACH cost a few milliseconds where starting a
        DuckDB costs 50-100, and the writer takes the file again for every batch."""
        if self.path == ":memory:":
            return duckdb.connect(":memory:", config=_CONFIG)

        def damaged(e: duckdb.Error) -> StoreError:
            first = str(e).splitlines()[0]
            return StoreError("E031", f"cannot open {self.path} as a DuckDB store ({first}); is it damaged? "
                                      "move it away and run again")

        def attach() -> duckdb.DuckDBPyConnection:
            if self._base is None:
                self._base = duckdb.connect(":memory:", config=_CONFIG)
            self._base.execute(f"ATTACH {_quote(self.path)} AS {_ALIAS}")
            self._base.execute(f"USE {_ALIAS}")
            return self._base

        def connect() -> duckdb.DuckDBPyConnection:
            return duckdb.connect(self.path, read_only=True, config=_CONFIG)

        con = locking.acquire(self.path, connect if self.read_only else attach, read_only=self.read_only,
                              wait=self.wait, lock=self._writer, on_error=damaged)
        self._counted = self.read_only
        return con

    # ------------------------------------------------------------ taking turns with readers

    def release(self) -> None:
        """Close the file for now, so readers in other processes can open it; stay its writer.

        Until ``session`` takes it again, reading or writing raises E039. Everything written so far is
        committed (each write is its own transaction); closing also checkpoints the file.
        """
        if self.path != ":memory:":
            self._drop()

    def _drop(self) -> None:
        con, self._con = self._con, None
        if con is None:
            return
        if self._counted:
            locking.reading(self.path, -1)
            self._counted = False
        if con is not self._base:
            con.close()
            return
        try:
            con.execute("USE memory")
            con.execute(f"DETACH {_ALIAS}")
        except duckdb.Error as e:  # a transaction left open by a failed write: drop the whole DuckDB
            log.debug("closing the store's DuckDB instead of detaching the file: %s", e)
            self._base = None
            con.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[Store]:
        """Hold the file for the block: open it again (waiting for readers, see ``locking.acquire``)
        if ``release`` closed it, and close it again after. A no-op on a store that holds its file."""
        if self._con is not None:
            yield self
            return
        self._con = self._connect()
        try:
            yield self
        finally:
            self.release()

    @property
    def held(self) -> bool:
        """True while the store has its file open (not released)."""
        return self._con is not None

    def _init_schema(self) -> None:
        con = self._conn()
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        if "meta" in tables:
            meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
            if meta.get("application") != APPLICATION:
                raise StoreError("E033", f"{self.path} is a DuckDB file of another application; "
                                         "give eventlens a path of its own")
            version = meta.get("schema_version")
            if version != SCHEMA_VERSION:
                raise StoreError("E034", f"{self.path} has store schema {version}, this eventlens reads "
                                         f"{SCHEMA_VERSION}; use a matching eventlens or a new store")
            if self.read_only:
                return
        elif tables:
            raise StoreError("E033", f"{self.path} is a DuckDB file of another application (tables: "
                                     f"{', '.join(sorted(tables)[:5])}); give eventlens a path of its own")
        elif self.read_only:
            raise StoreError("E030", f"{self.path} is an empty database, not an eventlens store; "
                                     "run `eventlens run` to fill it")
        con.begin()
        try:
            for ddl in TABLES.values():
                con.execute(ddl)
            for key, value in (("application", APPLICATION), ("schema_version", SCHEMA_VERSION)):
                con.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT DO NOTHING", [key, value])
            index_search_text(con)  # a store written before the word-search table gets it now
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def check(self) -> None:
        """Read every table once (the counts ``stats`` shows), so that a file damaged past its header
        fails now with E031 rather than half-way through a run or on a request. DuckDB checks a block
        only when it reads it: damage confined to column data no count touches still goes unnoticed."""
        try:
            self.stats(top=1)
        except duckdb.Error as e:
            raise StoreError("E031", f"cannot read the store {self.path} ({str(e).splitlines()[0]}); the "
                                     "file is damaged: move it away and run again, or restore a copy") from e

    def close(self) -> None:
        try:
            self._drop()
            if self._base is not None:
                self._base.close()
                self._base = None
        finally:
            if self._writer is not None:
                self._writer.release()
                self._writer = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for a reader, so that streaming one query never disturbs another."""
        cur = self._conn().cursor()
        if self._con is self._base:  # a cursor starts in the in-memory database, not the attached file
            cur.execute(f"USE {_ALIAS}")
        return cur

    def _conn(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError("E039", f"{self.path} is released for readers; use `with store.session():` "
                                     "to read or write it")
        return self._con

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError("E035", f"{self.path} is open read-only; open it without read_only to write")

    # ------------------------------------------------------------ writing

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """The subset of ``ids`` already stored, so a resumed run can skip them before the NLP."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return set()
        cur = self.cursor()
        found = cur.execute("SELECT id FROM articles WHERE id IN (SELECT UNNEST(?::VARCHAR[]))",
                            [wanted]).fetchall()
        return {r[0] for r in found}

    def write_results(self, results: Iterable[ArticleResult | R.PreparedResult], run_id: str | None = None,
                      *, chunk_size: int = 64) -> WriteSummary:
        """Write results (records, or rows a pool worker prepared: ``rows.PreparedResult``); an article
        and all its rows always commit together or not at all.

        Articles already stored are skipped (idempotent); a result carrying an ``error`` is recorded as a
        reject. Up to ``chunk_size`` articles share one transaction: DuckDB's cost is per statement and
        per commit, not per row, so writing articles one by one is ~30x slower. If a chunk fails (an
        article whose rows break a constraint, such as a duplicated event id), it is rolled back and
        retried one article per transaction, so only the broken article is rejected (E036).
        """
        self._writable()
        summary = WriteSummary()
        pending: list[ArticleResult | R.PreparedResult] = []
        for result in results:
            if result.error is not None:
                self.record_rejects([result.error], run_id)
                summary.failed += 1
                continue
            pending.append(result)
            if len(pending) >= chunk_size:
                self._write_chunk(pending, run_id, summary)
                pending = []
        if pending:
            self._write_chunk(pending, run_id, summary)
        return summary

    def _write_chunk(self, chunk: list[ArticleResult | R.PreparedResult], run_id: str | None,
                     summary: WriteSummary) -> None:
        known = self.known_ids(r.article.id for r in chunk)
        fresh: dict[str, ArticleResult | R.PreparedResult] = {}
        for result in chunk:
            if result.article.id in known or result.article.id in fresh:
                summary.skipped += 1
            else:
                fresh[result.article.id] = result
        if not fresh:
            return
        try:
            self._insert(list(fresh.values()), run_id)
        except _WRITE_ERRORS as e:
            log.warning("a chunk of %d articles failed (%s); writing them one by one", len(fresh),
                        str(e).splitlines()[0])
            for result in fresh.values():
                try:
                    self._insert([result], run_id)
                except _WRITE_ERRORS as err:
                    article = result.article
                    message = (f"article {article.id} not stored ({str(err).splitlines()[0]}); its records "
                               "are inconsistent (duplicate ids?); report this input")
                    log.error("%s", message)
                    self.record_rejects([Reject(article.origin or article.id, "E036", message, article.id)],
                                        run_id)
                    summary.failed += 1
                else:
                    summary.written += 1
                    summary.events += R.event_count(result)
            return
        summary.written += len(fresh)
        summary.events += sum(R.event_count(r) for r in fresh.values())

    def write_article(self, result: ArticleResult, run_id: str | None = None) -> bool:
        """One article and all its rows in one transaction; False if the article was already stored.

        Raises ``StoreError`` E036 if its rows cannot be stored (the article is then absent).
        """
        self._writable()
        if self.known_ids([result.article.id]):
            return False
        try:
            self._insert([result], run_id)
        except _WRITE_ERRORS as e:
            raise StoreError("E036", f"article {result.article.id} not stored ({str(e).splitlines()[0]}); "
                                     "its records are inconsistent (duplicate ids?); "
                                     "report this input") from e
        return True

    def _insert(self, results: list[ArticleResult | R.PreparedResult], run_id: str | None) -> None:
        """All rows of ``results`` in one transaction, one INSERT per table through an Arrow table."""
        now = _now()
        tables: dict[str, list[tuple[Any, ...]]] = {"articles": []}
        for result in results:
            tables["articles"].append(R.article_row(result.article, run_id, now))
            for table, table_rows in R.rows_of(result).items():
                tables.setdefault(table, []).extend(table_rows)
        con = self._conn()
        con.begin()
        try:
            for table, table_rows in tables.items():
                if table_rows:
                    insert_arrow(con, table, R.TABLE_COLUMNS[table], table_rows)
            index_search_text(con, [r.article.id for r in results])
            con.commit()
        except BaseException:
            con.rollback()
            raise

    def record_rejects(self, rejects: Iterable[Reject], run_id: str | None = None) -> int:
        """Append rejects (one transaction for the lot); returns how many."""
        self._writable()
        now = _now()
        batch = [(r.origin, r.code, r.reason, r.detail, run_id, now) for r in rejects]
        if batch:
            self._conn().executemany(R.insert_sql("rejects", R.REJECT_COLUMNS), batch)
        return len(batch)

    def start_run(self, settings: Settings | Mapping[str, Any] | None = None, inputs: Sequence[str] = (),
                  run_id: str | None = None) -> str:
        """Record the start of a run; returns its id (a fresh one unless given)."""
        self._writable()
        run_id = run_id or "run_" + uuid.uuid4().hex[:16]
        if isinstance(settings, Settings):
            settings = dataclasses.asdict(settings)
        self._conn().execute("INSERT INTO runs (id, started, settings, inputs) VALUES (?, ?, ?, ?)",
                          [run_id, _now(), R.dumps(settings or {}), R.dumps(list(inputs))])
        return run_id

    def finish_run(self, run_id: str, counts: Mapping[str, Any] | None = None) -> None:
        """Record the end of a run and what it counted (articles, events, rejects, seconds…)."""
        self._writable()
        self._conn().execute("UPDATE runs SET finished = ?, counts = ? WHERE id = ?",
                          [_now(), R.dumps(dict(counts or {})), run_id])

    # ------------------------------------------------------------ reading

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of one query, fetched a batch at a time on a cursor of its own, so a reader of a large
        store holds one batch in memory, not the whole result."""
        cur = self.cursor()
        try:
            cur.execute(sql, list(params))
            while batch := cur.fetchmany(_FETCH):
                yield from batch
        finally:
            cur.close()

    def iter_events(self, doc_id: str | None = None) -> Iterator[dict[str, Any]]:
        """The PLOVER records (``Event.to_plover()``), ordered by article, then offset."""
        where, params = ("WHERE doc_id = ?", [doc_id]) if doc_id else ("", [])
        sql = f'SELECT record FROM events {where} ORDER BY doc_id, "start", trigger_start, id'
        for (record,) in self.stream(sql, params):
            yield json.loads(record)

    def iter_articles(self, ids: Iterable[str] | None = None) -> Iterator[Article]:
        """Stored articles ordered by id (all, or those in ``ids``)."""
        cols = R.select_list(R.ARTICLE_COLUMNS[:8])
        if ids is None:
            rows = self.stream(f"SELECT {cols} FROM articles ORDER BY id")
        else:
            rows = self.stream(f"SELECT {cols} FROM articles WHERE id IN (SELECT UNNEST(?::VARCHAR[])) "
                               "ORDER BY id", [list(ids)])
        for row in rows:
            yield R.article_from_row(row)

    def iter_relations(self, doc_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Relation records (``Relation.to_dict()``), ordered by article, then offset."""
        where, params = ("WHERE doc_id = ?", [doc_id]) if doc_id else ("", [])
        for (record,) in self.stream(f'SELECT record FROM relations {where} ORDER BY doc_id, "start", id',
                                     params):
            yield json.loads(record)

    def iter_places(self, *, resolved_only: bool = False,
                    doc_id: str | None = None) -> Iterator[PlaceMention]:
        """Toponym mentions ordered by article, then offset; ``resolved_only`` drops those without a
        GeoNames id."""
        clauses, params = [], []
        if resolved_only:
            clauses.append("geonameid IS NOT NULL")
        if doc_id:
            clauses.append("doc_id = ?")
            params.append(doc_id)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = f'SELECT {R.select_list(R.PLACE_COLUMNS)} FROM places {where} ORDER BY doc_id, "start", "end"'
        for row in self.stream(sql, params):
            yield PlaceMention(row[0], R.place_from_row(row))

    def iter_rejects(self, run_id: str | None = None) -> Iterator[StoredReject]:
        where, params = ("WHERE run_id = ?", [run_id]) if run_id else ("", [])
        sql = f'SELECT {R.select_list(R.REJECT_COLUMNS)} FROM rejects {where} ORDER BY "at", origin'
        for origin, code, reason, detail, rid, at in self.stream(sql, params):
            yield StoredReject(Reject(origin, code, reason, detail), rid, at)

    def runs(self) -> list[dict[str, Any]]:
        """Every run with its settings, inputs and counts, oldest first."""
        rows = self.cursor().execute(
            "SELECT id, started, finished, settings, inputs, counts FROM runs ORDER BY started").fetchall()
        return [{"id": r[0], "started": r[1], "finished": r[2],
                 "settings": json.loads(r[3]) if r[3] else None, "inputs": json.loads(r[4]) if r[4] else [],
                 "counts": json.loads(r[5]) if r[5] else None} for r in rows]

    def stats(self, top: int = 10) -> StoreStats:
        """Counts for a quick look at a store: what it holds and what was rejected."""
        cur = self.cursor()

        def scalar(sql: str) -> int:
            row = cur.execute(sql).fetchone()
            return int(row[0]) if row else 0

        def pairs(sql: str, *params: Any) -> list[tuple[str, int]]:
            return [(str(k), int(v)) for k, v in cur.execute(sql, list(params)).fetchall()]

        return StoreStats(
            articles=scalar("SELECT count(*) FROM articles"),
            events=scalar("SELECT count(*) FROM events"),
            relations=scalar("SELECT count(*) FROM relations"),
            places=scalar("SELECT count(*) FROM places"),
            rejects=scalar("SELECT count(*) FROM rejects"),
            runs=scalar("SELECT count(*) FROM runs"),
            events_by_type=dict(pairs("SELECT event, count(*) FROM events GROUP BY event "
                                      "ORDER BY 2 DESC, 1")),
            top_actors=pairs("SELECT coalesce(name, entity_text) AS n, count(*) FROM event_actors "
                             "GROUP BY n ORDER BY 2 DESC, 1 LIMIT ?", top),
            top_places=pairs("SELECT coalesce(name, entity_text) AS n, count(*) FROM places "
                             "WHERE geonameid IS NOT NULL GROUP BY n ORDER BY 2 DESC, 1 LIMIT ?", top),
            rejects_by_code=dict(pairs("SELECT code, count(*) FROM rejects GROUP BY code "
                                       "ORDER BY 2 DESC, 1")),
        )


def _quote(path: str) -> str:
    """A path as an SQL string literal (ATTACH takes no bound parameter)."""
    return "'" + path.replace("'", "''") + "'"


def _check_file(path: Path, read_only: bool) -> None:
    """Catch a missing or foreign file before DuckDB does: DuckDB's own error for, say, a SQLite file
    is an attempt to download a reader extension, which says nothing useful offline."""
    if not path.exists():
        if read_only:
            raise StoreError("E030", f"no store at {path}; run `eventlens run INPUT` to create it "
                                     "or pass --db with the right path")
        if not path.parent.exists():
            raise StoreError("E031", f"directory {path.parent} does not exist; create it first")
        return
    if path.is_dir():
        raise StoreError("E031", f"{path} is a directory; give the path of a .duckdb file")
    if path.stat().st_size == 0:
        # An empty file (a temp file, a `touch`) holds nothing: DuckDB refuses it, so start afresh.
        if read_only:
            raise StoreError("E030", f"{path} is empty, not an eventlens store; "
                                     "run `eventlens run` to fill it")
        path.unlink()
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as e:
        raise StoreError("E031", f"cannot read {path}: {e.strerror or e}; check permissions") from e
    if head and head[8:12] != _DUCKDB_MAGIC:
        raise StoreError("E031", f"{path} is not a DuckDB file (an eventlens store is one); "
                                 "give another path or move the file away")
