"""`eventlens export --db PATH --format F --out PATH|-`."""
from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..errors import EventlensError
from . import app
from .common import err_console, fail


@app.command("export")
def export_cli(
    db: Path = typer.Option(Path("eventlens.duckdb"), "--db", help="The DuckDB store."),  # noqa: B008
    fmt: str = typer.Option("plover", "--format", "-f",
                            help="plover, articles, relations, places or rejects."),
    out: str = typer.Option("-", "--out", "-o", help="Output file, or - for stdout."),
) -> None:
    """Write the store's records in one of the export formats."""
    from ..export import FORMATS, export
    from ..store.db import Store

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not db.exists():
        fail(f"{db} does not exist; create it with `eventlens run INPUT --db {db}`")
    try:
        with Store.open(str(db), read_only=True) as store:
            n = export(store, fmt, sys.stdout if out == "-" else out)
    except EventlensError as e:
        fail(str(e))
    if out != "-":
        err_console.print(f"wrote {n} {fmt} records to {out}")
