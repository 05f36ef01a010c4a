"""``eventlens eval SET --gold PATH``: score the system against a gold set and show where it misses."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import EventlensError
from ..evaluate.core import SETS, default_gold_dir, evaluate, set_names
from ..evaluate.report import Report
from ..settings import Settings
from . import app

GOLD_HELP = "gold folder (default: $EVENTLENS_GOLD, else ../shared/gold)"


@app.command("eval")
def eval_cli(
    set_name: Annotated[str, typer.Argument(metavar="SET", help=f"all, or one of: {', '.join(SETS)}")],
    *,
    gold: Annotated[Path | None, typer.Option(help=GOLD_HELP)] = None,
    out: Annotated[Path | None, typer.Option(help="write the full report as JSON here")] = None,
    errors: Annotated[int, typer.Option(min=0, help="show this many misses per set")] = 0,
    limit: Annotated[int | None, typer.Option(min=1, help="score only the first N items per set")] = None,
    config: Annotated[Path | None, typer.Option(help="settings file (JSON)")] = None,
) -> None:
    """Score eventlens's export against a gold set: per-field accuracy or precision/recall/F1 with counts."""
    console = Console()
    if set_name != "all" and set_name not in SETS:
        raise typer.BadParameter(f"unknown set {set_name!r}; choose all or one of: {', '.join(SETS)}",
                                 param_hint="SET")
    gold_dir = gold or default_gold_dir()
    try:
        settings = Settings.load(config)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as bar:

            def progress_for(name: str) -> Callable[[int, int], None]:
                task = bar.add_task(f"eval {name}", total=None)
                return lambda done, total: bar.update(task, completed=done, total=total)

            reports = []
            for name in set_names(set_name):  # one at a time, so each table shows as soon as it is ready
                report = evaluate(name, gold_dir, settings, limit=limit, progress=progress_for(name))
                reports.append(report)
                console.print(_table(report))
                if errors:
                    _show_misses(console, report, errors)
    except EventlensError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(code=2) from e
    if out:
        payload = {"gold": str(gold_dir), "reports": [r.to_dict(errors=errors or None) for r in reports]}
        out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        console.print(f"report written to {out}")


def _table(report: Report) -> Table:
    seconds = f", {report.seconds:.1f}s" if report.seconds is not None else ""
    table = Table(title=f"{report.set_name} ({report.n_items} items{seconds})", title_justify="left")
    for column in ("field", "score", "n", "correct", "precision", "recall", "F1"):
        table.add_column(column, justify="left" if column == "field" else "right")
    fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
    for name, score in report.fields.items():
        table.add_row(name, fmt(score.value), str(score.n), str(score.correct), fmt(score.precision),
                      fmt(score.recall), fmt(score.f1))
    return table


def _show_misses(console: Console, report: Report, errors: int) -> None:
    console.print(f"[bold]{report.set_name}: first {min(errors, len(report.misses))} of "
                  f"{len(report.misses)} misses[/bold]")
    for miss in report.misses[:errors]:
        console.print(f"  [cyan]{miss.field}[/cyan] gold={miss.gold!r} predicted={miss.predicted!r}")
        console.print(f"    {miss.text[:300]}", markup=False, highlight=False)
