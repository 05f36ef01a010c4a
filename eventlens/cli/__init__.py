"""The command line: thin Typer commands that check their flags and call plain functions."""
from __future__ import annotations

import importlib

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="eventlens: dated news articles to a source-linked record of armed conflict.")

# Each module registers its commands on `app` when imported.
_COMMAND_MODULES = ("run", "export", "stats", "eval", "serve")


def main() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"eventlens.cli.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"eventlens.cli.{name}":
                raise
    app()
