"""Helpers the CLI commands share: failing with a message, and the summary tables."""
from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    err_console.print(f"[red]error:[/] {message}")
    raise typer.Exit(code=code)


def fail_damaged(db: Path | str, error: Exception) -> NoReturn:
    """A DuckDB error past opening (a truncated or overwritten file is only found when a page of it is
    read): one line that says what to do, never a traceback."""
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    fail(f"[E031] cannot read the store {db} ({first}); the file is damaged: move it away and run again, "
         "or restore a copy")


def print_stats(db: Path | str, top: int = 10) -> None:
    from ..store.db import Store

    with Store.open(str(db), read_only=True) as store:
        stats = store.stats(top=top)
    console.print(f"[bold]{db}[/]: {stats.articles} articles, {stats.events} events, "
                  f"{stats.relations} relations, {stats.places} place mentions, {stats.rejects} rejects, "
                  f"{stats.runs} runs")
    for title, rows in (("events by type", list(stats.events_by_type.items())),
                        ("top actors", stats.top_actors), ("top places", stats.top_places),
                        ("rejects by code", list(stats.rejects_by_code.items()))):
        if not rows:
            continue
        console.print(f"[bold]{title}[/]")
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(justify="left")
        table.add_column(justify="right")
        for name, n in rows[:top]:
            table.add_row(str(name), str(n))
        console.print(table)
