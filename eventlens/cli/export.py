"""`eventlens export --db PATH --format F --out PATH|- [filters]`."""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import typer

from ..errors import EventlensError
from . import app
from .common import err_console, fail, fail_damaged


@app.command("export")
def export_cli(
    db: Path = typer.Option(Path("eventlens.duckdb"), "--db", help="The DuckDB store."),  # noqa: B008
    fmt: str = typer.Option("plover", "--format", "-f",
                            help="plover, articles, relations, places, rejects, clusters, acled, geojson, "
                                 "csv or parquet (a directory)."),
    out: str = typer.Option("-", "--out", "-o",
                            help="Output file (a directory for parquet), or - for stdout."),
    since: str = typer.Option(None, "--since", help="Events on or after this date (YYYY-MM-DD)."),
    until: str = typer.Option(None, "--until", help="Events on or before this date (YYYY-MM-DD)."),
    country: str = typer.Option(None, "--country", help="Where it happened: ISO3 code, e.g. SYR."),
    admin1: str = typer.Option(None, "--admin1", help="Where it happened: province name, e.g. Idlib."),
    bbox: str = typer.Option(None, "--bbox", help="min_lon,min_lat,max_lon,max_lat"),
    event_type: str = typer.Option(None, "--type", help="Event type(s), comma-separated: ASSAULT,COERCE."),
    actor: str = typer.Option(None, "--actor", help="Actor or target name, code or id (substring)."),
    modality: str = typer.Option(None, "--modality",
                                 help="Modality(ies), comma-separated: asserted,reported."),
    text: str = typer.Option(None, "--text", help="Words in the evidence sentence (substring)."),
    limit: int = typer.Option(None, "--limit", min=0, help="At most this many records."),
    wait: float = typer.Option(None, "--wait", min=0,
                               help="Seconds to wait for a store being written before giving up "
                                    "(default 60, or EVENTLENS_LOCK_WAIT)."),
) -> None:
    """Write the store's records in one of the export formats, optionally filtered."""
    from ..export import DIRECTORY_WRITERS, FORMATS, export
    from ..store.db import Store
    from ..store.query import EventFilter

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt in DIRECTORY_WRITERS and out == "-":
        fail(f"{fmt} writes a directory of files; give it with --out DIR")
    if not db.exists():
        fail(f"{db} does not exist; create it with `eventlens run INPUT --db {db}`")
    try:
        flt = EventFilter(since=since, until=until, country=country, admin1=admin1,  # type: ignore[arg-type]
                          bbox=bbox, event_type=event_type or (), actor=actor,  # type: ignore[arg-type]
                          modality=modality or (), text=text, limit=limit)  # type: ignore[arg-type]
        # One connection for the whole export: while it is open no writer can commit, so the export is
        # the store as some commit left it (a run writing the store waits for the export to end).
        with Store.open(str(db), read_only=True, wait=wait) as store:
            n = export(store, fmt, sys.stdout if out == "-" else out, flt)
    except EventlensError as e:
        fail(str(e))
    except duckdb.Error as e:
        fail_damaged(db, e)
    if out != "-":
        err_console.print(f"wrote {n} {fmt} records to {out}")
