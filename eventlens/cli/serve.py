"""`eventlens serve --db PATH`: the read-only JSON API and the web page, on this machine by default."""
from __future__ import annotations

import ipaddress
from pathlib import Path

import typer

from ..errors import EventlensError
from . import app
from .common import err_console, fail


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach; a name other than localhost counts as remote."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_cli(
    db: Path = typer.Option(Path("eventlens.duckdb"), "--db", help="The DuckDB store to serve."),  # noqa: B008
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    allow_remote: bool = typer.Option(False, "--allow-remote",
                                      help="Allow a non-loopback --host: the store becomes readable by "
                                           "anyone who can reach this machine."),
    wait: float = typer.Option(None, "--wait", min=0,
                               help="Seconds a request waits for a store being written before a 503 "
                                    "(default 60, or EVENTLENS_LOCK_WAIT)."),
) -> None:
    """Serve the store read-only: JSON API under /api (docs at /docs) and the web page at /."""
    if not is_loopback(host) and not allow_remote:
        fail(f"--host {host} would expose the store to the network; pass --allow-remote if that is "
             "what you want, or use 127.0.0.1")
    if not db.exists():
        fail(f"{db} does not exist; create it with `eventlens run INPUT --db {db}`")
    import uvicorn

    from ..serve.app import create_app

    try:
        api = create_app(db, wait=wait)
    except EventlensError as e:
        fail(str(e))
    err_console.print(f"serving {db} read-only at http://{host}:{port}/ (API docs at /docs); Ctrl-C stops")
    uvicorn.run(api, host=host, port=port, log_level="info")
