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
    wait: float = typer.Option(None, "--wait", min=0,
                               help="Seconds to wait for a store being written before giving up "
                                    "(default 60, or EVENTLENS_LOCK_WAIT)."),
) -> None:
    """Articles, events by type, top actors and places, rejects by reason."""
    if not db.exists():
        fail(f"{db} does not exist; create it with `eventlens run INPUT --db {db}`")
    from ..store.db import Store

    try:
        # Wait for the file here; the summary then opens it again inside this hold, without waiting,
        # and shows the state after one commit of a run that may be writing the store.
        with Store.open(str(db), read_only=True, wait=wait):
            print_stats(db, top=top)
    except EventlensError as e:
        fail(str(e))
    except duckdb.Error as e:
        fail_damaged(db, e)
