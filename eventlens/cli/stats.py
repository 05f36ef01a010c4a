"""`eventlens stats --db PATH`: what the store holds."""
from __future__ import annotations

from pathlib import Path

import duckdb
import typer

from ..errors import EventlensError
from . import app
from .common import fail, fail_damaged, print_stats


@app.command("stats")
def stats_cli(
    db: Path = typer.Option(Path("eventlens.duckdb"), "--db", help="The DuckDB store."),  # noqa: B008
    top: int = typer.Option(10, "--top", min=1, max=1000),
) -> None:
    """Articles, events by type, top actors and places, rejects by reason."""
    if not db.exists():
        fail(f"{db} does not exist; create it with `eventlens run INPUT --db {db}`")
    try:
        print_stats(db, top=top)
    except EventlensError as e:
        fail(str(e))
    except duckdb.Error as e:
        fail_damaged(db, e)
