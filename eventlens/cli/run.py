"""`eventlens run INPUT... --db PATH`: ingest, extract, resolve and store in one go."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..errors import EventlensError
from ..ingest.base import IngestOptions
from ..settings import Settings
from . import app
from .common import fail, fail_damaged, print_stats

console = Console(stderr=True)


@app.command("run")
def run_cli(
    inputs: list[str] = typer.Argument(..., help="Files, directories, or - for stdin."),  # noqa: B008
    db: Path = typer.Option(Path("eventlens.duckdb"), "--db", help="The DuckDB store to write."),  # noqa: B008
    date: str = typer.Option(None, "--date", help="Publication date (YYYY-MM-DD) for inputs without one."),
    text_col: str = typer.Option("text", "--text-col", help="JSONL/CSV column holding the text."),
    date_col: str = typer.Option("date", "--date-col", help="JSONL/CSV column holding the date."),
    source: str = typer.Option(None, "--source", help="Source name for articles that carry none."),
    fmt: str = typer.Option(None, "--format", help="Force one input format: text, jsonl, csv, html."),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes for the NLP."),
    batch_size: int = typer.Option(16, "--batch-size", min=1, max=1024),
    blas_threads: int = typer.Option(None, "--blas-threads", min=0,
                                     help="BLAS threads per NLP process (default 0: one per worker with "
                                          "--workers > 1, the library's default in one process)."),
    model: str = typer.Option(None, "--model", help="Another installed spaCy pipeline."),
    config: Path = typer.Option(None, "--config", help="A JSON settings file."),  # noqa: B008
    export: Path = typer.Option(None, "--export", help="Also write the PLOVER JSONL export here."),  # noqa: B008
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    engine: str = typer.Option("local", "--engine", help="local (processes, a DuckDB file) or spark."),
    out: Path = typer.Option(None, "--out", help="Spark: the Parquet store directory to write."),  # noqa: B008
    master: str = typer.Option(None, "--master", help="Spark master URL (default: spark-submit's or "
                                                      "local[*])."),
    wait: float = typer.Option(None, "--wait", min=0,
                               help="Seconds to wait for readers holding the store before giving up "
                                    "(default 600, or EVENTLENS_LOCK_WAIT)."),
) -> None:
    """Ingest INPUTs into the store, extract and resolve events, and print a summary."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Here, not at the top: the runner brings spaCy in, which every other command would pay for.
    from ..runners.local import RunSummary, run

    try:
        published = dt.date.fromisoformat(date) if date else None
    except ValueError:
        fail(f"--date {date!r} is not a date; use YYYY-MM-DD")
    try:
        settings = Settings.load(config, workers=workers, batch_size=batch_size, model=model,
                                 blas_threads=blas_threads)
        options = IngestOptions.from_settings(settings, date=published, text_col=text_col,
                                              date_col=date_col, source=source, fmt=fmt)
        if engine not in ("local", "spark"):
            fail(f"--engine {engine!r} is not known; use local or spark")
        if engine == "spark":
            if out is None:
                fail("--engine spark writes a Parquet directory: give it with --out DIR")
            from ..runners.spark import run_spark

            summary = run_spark(inputs, out=str(out), settings=settings, options=options, master=master)
            db = out
        elif quiet:
            summary = run(inputs, db=str(db), settings=settings, options=options, wait=wait)
        else:
            with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                          TextColumn("{task.fields[stats]}"), TimeElapsedColumn(),
                          console=console, transient=True) as bar:
                task = bar.add_task("processing", total=None, stats="")

                def progress(s: RunSummary) -> None:
                    bar.update(task, completed=s.read, stats=(
                        f"{s.read} read, {s.written} new, {s.skipped} known, {s.rejected} rejected, "
                        f"{s.events} events"))

                summary = run(inputs, db=str(db), settings=settings, options=options, progress=progress,
                              wait=wait)
        if export is not None:
            from ..export import export as do_export
            from ..store.db import Store

            with Store.open(str(db), read_only=True) as store:
                n = do_export(store, "plover", export)
            if not quiet:
                console.print(f"wrote {n} event records to {export}")
    except EventlensError as e:
        fail(str(e))
    except duckdb.Error as e:
        fail_damaged(db, e)
    if not quiet:
        console.print(f"[bold]{summary.read}[/] articles read: {summary.written} new, {summary.skipped} "
                      f"already stored, {summary.rejected} rejected; {summary.events} events")
        for code, n in sorted(summary.reject_reasons.items()):
            console.print(f"  rejected {code}: {n}")
        print_stats(db)
    if summary.rejected:
        raise typer.Exit(code=3)
