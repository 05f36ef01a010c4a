"""The Spark runner: the same ``process_batch`` mapped over partitions, results written as Parquet.

    eventlens run INPUT... --engine spark --out DIR [--master local[2]]
    spark-submit --master local[4] "$(python -c 'import eventlens.runners.spark as m; print(m.__file__)')" \\
        INPUT... --out DIR

The driver streams the inputs through the ordinary readers (so deduplication, rejects and content ids
are those of a local run), skips articles already in ``DIR`` and stages the rest as Parquet under
``DIR/_staging/<run id>``. Spark reads the staging files, repartitions them, and each task
(``mapPartitionsWithIndex``) runs ``process_batch`` over its partition and writes its rows with
``ParquetSink`` (the store's own writer into an in-memory DuckDB, copied to part files), returning only
counts to the driver. So no record travels through the driver, and ``DIR`` reads like a DuckDB store
(``Store.open(DIR, read_only=True)``, ``eventlens export --db DIR``, ``eventlens stats --db DIR``).

Executors must be able to import eventlens and load the spaCy model: in local mode they are child
processes of this Python; on a cluster, install the package on the nodes (or ship it with
``--py-files``) and point ``PYSPARK_PYTHON`` at that interpreter.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventlens.errors import ConfigError
from eventlens.ingest.base import IngestOptions
from eventlens.ingest.sources import iter_articles
from eventlens.records import Article, Reject
from eventlens.runners.local import RunSummary
from eventlens.runners.parquet import ParquetSink
from eventlens.settings import Settings
from eventlens.store.db import Store
from eventlens.store.parquet import is_parquet_store, prepare_dir, table_dir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

STAGING = "_staging"
_STAGE_ROWS = 256  # articles per staged row group: bounds the driver's memory while ingesting


def _spark_session(master: str | None) -> tuple[SparkSession, bool]:
    """The active session, or a new one (``master`` if given; spark-submit's or ``local[*]`` if not).

    Returns the session and whether this call created it (then the runner stops it at the end).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as e:
        raise ConfigError("E012", "the Spark runner needs PySpark: pip install pyspark "
                                  "(and Java 17: apt-get install openjdk-17-jre-headless)") from e
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    # Executors in local mode start `python3` unless told otherwise; use the interpreter that has eventlens.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("eventlens")
    if master:
        builder = builder.master(master)
    builder = (builder.config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "8"))
    return builder.getOrCreate(), True


def _stage_schema() -> Any:
    import pyarrow as pa

    return pa.schema([("id", pa.string()), ("published", pa.date32()), ("title", pa.string()),
                      ("source", pa.string()), ("url", pa.string()), ("text", pa.string()),
                      ("lang", pa.string()), ("origin", pa.string())])


def _stage(inputs: Sequence[str], options: IngestOptions, root: Path, staging: Path,
           sink: ParquetSink, summary: RunSummary) -> int:
    """Stream the inputs into staging Parquet, skipping stored articles; rejects go to ``sink``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _stage_schema()
    staged = 0
    existing = Store.open(str(root), read_only=True) if (
        is_parquet_store(root) and table_dir(root, "articles").is_dir()) else None
    writer: pq.ParquetWriter | None = None
    chunk: list[Article] = []

    def flush() -> None:
        nonlocal writer, staged
        known = existing.known_ids(a.id for a in chunk) if existing else set()
        summary.skipped += len(known)
        fresh = [a for a in chunk if a.id not in known]
        chunk.clear()
        if not fresh:
            return
        columns = {name: [getattr(a, name) for a in fresh] for name in schema.names}
        if writer is None:
            staging.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(str(staging / "articles.parquet"), schema)
        writer.write_table(pa.table(columns, schema=schema))
        staged += len(fresh)

    try:
        for item in iter_articles(inputs, options):
            if isinstance(item, Reject):
                summary.rejected += 1
                summary.reject_reasons[item.code] = summary.reject_reasons.get(item.code, 0) + 1
                sink.reject([item])
                continue
            summary.read += 1
            chunk.append(item)
            if len(chunk) >= _STAGE_ROWS:
                flush()
        flush()
    finally:
        if writer is not None:
            writer.close()
        if existing is not None:
            existing.close()
    return staged


def _article(row: Any) -> Article:
    return Article(id=row["id"], text=row["text"], published=row["published"], title=row["title"],
                   source=row["source"], url=row["url"], lang=row["lang"] or "en", origin=row["origin"])


def _partition_task(root: str, run_id: str, settings: Settings,
                    ) -> Callable[[int, Iterator[Any]], Iterator[tuple[int, int, int, int, int]]]:
    """The function each Spark task runs on its partition: process it, write its part files, and
    return only counts. Plain rows (``mapPartitionsWithIndex``), not pandas: nothing here needs a
    DataFrame library, and PySpark's pandas bridge lags behind pandas releases."""

    def task(partition: int, rows: Iterator[Any]) -> Iterator[tuple[int, int, int, int, int]]:
        from eventlens.pipeline import process_batch
        from eventlens.runners.threads import limit_blas

        limit_blas(settings, pooled=True)  # Spark's Python workers are a pool: one BLAS thread each
        chunk_size = max(settings.batch_size * 4, 32)
        articles = 0
        chunk: list[Article] = []
        # Part names depend only on the run and the partition: a retried task overwrites its files.
        with ParquetSink(root, f"part-{run_id}-{partition:05d}", run_id=run_id) as sink:
            for row in rows:
                chunk.append(_article(row))
                if len(chunk) >= chunk_size:
                    sink.write(process_batch(chunk, settings))
                    articles += len(chunk)
                    chunk = []
            if chunk:
                sink.write(process_batch(chunk, settings))
                articles += len(chunk)
        done = sink.summary
        yield (partition, articles, done.written, done.failed, done.events)

    return task


def run_spark(inputs: Sequence[str], *, out: str, settings: Settings | None = None,
              options: IngestOptions | None = None, master: str | None = None,
              partitions: int | None = None, spark: SparkSession | None = None) -> RunSummary:
    """Ingest ``inputs``, process them on Spark and write (or add to) the Parquet store ``out``.

    ``partitions`` defaults to a few per core so that one long article does not hold up a whole core.
    Resumable like the local runner: articles already in ``out`` are skipped before the NLP.
    """
    settings = settings or Settings()
    options = options or IngestOptions.from_settings(settings)
    root = prepare_dir(out)
    summary = RunSummary(run_id="run_" + uuid.uuid4().hex[:16])
    staging = root / STAGING / summary.run_id
    driver = ParquetSink(root, f"part-{summary.run_id}-driver", run_id=summary.run_id, flush_every=10**9)
    created = False
    try:
        staged = _stage(inputs, options, root, staging, driver, summary)
        log.info("staged %d new articles (%d read, %d already stored, %d rejected)", staged,
                 summary.read, summary.skipped, summary.rejected)
        if staged:
            if spark is None:
                spark, created = _spark_session(master)
            cores = spark.sparkContext.defaultParallelism
            n = partitions or max(1, min(cores * 4, -(-staged // 16)))
            frame = spark.read.parquet(str(staging)).repartition(n)
            task = _partition_task(str(root), summary.run_id, settings)
            for _partition, _articles, written, failed, events in (
                    frame.rdd.mapPartitionsWithIndex(task).collect()):
                summary.written += written
                summary.failed += failed
                summary.events += events
            summary.rejected += summary.failed
            if summary.failed:
                summary.reject_reasons["E009"] = summary.reject_reasons.get("E009", 0) + summary.failed
        driver.run_row(summary.run_id, settings, list(inputs), {
            "read": summary.read, "written": summary.written, "skipped": summary.skipped,
            "rejected": summary.rejected, "events": summary.events})
    finally:
        driver.close()
        shutil.rmtree(staging, ignore_errors=True)
        if not any((root / STAGING).glob("*")):
            shutil.rmtree(root / STAGING, ignore_errors=True)
        if created and spark is not None:
            spark.stop()
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m eventlens.runners.spark INPUT... --out DIR`` (and spark-submit): ``eventlens run
    --engine spark`` with the same flags."""
    from eventlens.cli import main as cli_main

    args = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["eventlens", "run", "--engine", "spark", *args]
    cli_main()


if __name__ == "__main__":
    # Run through the package module, so that the task function pickles by reference, not as __main__.
    from eventlens.runners.spark import main as _main

    _main()
