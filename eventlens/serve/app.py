"""The read-only JSON API over a store, and the web page that is its client.

The store is opened read-only while requests come and closed soon after the last one, or at once when a
writer waits for it (``SharedReader``): DuckDB lets one process write a file or many read it, and
``eventlens run`` takes the file for each batch it commits. A request waits for the writer's turn to end;
one that still finds the store busy after the deadline gets a 503 with a message, never a stack trace.
Every error is JSON:
``{"error": {"code", "message", "details"}}``.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import EventlensError, StoreError
from ..extract.ontology import PLOVER_TYPES
from ..store import locking
from ..store import query as store_query
from ..store.db import Store
from ..store.query import EventFilter, parse_bbox
from . import filters, queries

log = logging.getLogger(__name__)

MAX_PAGE = 500  # rows per page: enough for a map, small enough that one request stays cheap
MODALITIES = ("asserted", "reported", "alleged", "hypothetical", "counterfactual", "negated", "future")
EVENT_TYPES = PLOVER_TYPES  # the 16 PLOVER types and DISPLACE
# The page and its scripts come from this server only; article text can never bring in a script.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")

# E06x: serving. Bad filters are refused with the message of the filter layer.
ERR_PARAM, ERR_NOT_FOUND, ERR_STORE, ERR_INTERNAL = "E060", "E061", "E062", "E063"


def _static_dir() -> Path:
    return Path(str(resources.files("eventlens.serve").joinpath("static")))


def _error(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status)


class ApiError(HTTPException):
    """An HTTP error with an eventlens code (a filter error keeps the filter layer's own code)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code


class NotFound(ApiError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(404, ERR_NOT_FOUND, f"no {what} {key!r} in this store; list them at /api/{what}s")


class SharedReader:
    """One read-only connection shared by the requests in flight, closed soon after the last of them.

    Opening a DuckDB file costs tens of milliseconds, too much per request for a page that asks a dozen
    at once; holding it open for good would lock out the writer (``eventlens run``, which opens the file
    for each batch it commits). So the connection is closed ``linger`` seconds after the last request,
    and at once when the writer has marked that it waits (``store.locking``): then new requests also
    hold back until the writer has had its turn, rather than keep the file busy by overlapping. A request
    waits for the file at most ``wait`` seconds, then gets a 503. While the connection is open no writer
    can change the file, so every request (and every query of one) sees the state after some commit.
    Every read uses a cursor of its own, so concurrent requests share the connection safely.
    """

    _POLL = 0.02  # seconds between looks at an idle connection (for the writer's mark)

    def __init__(self, path: str, linger: float = 2.0, wait: float | None = None) -> None:
        self.path = path
        self.linger = linger
        self.wait = locking.wait_seconds(wait)
        self._cond = threading.Condition()
        self._store: Store | None = None
        self._users = 0
        self._last = 0.0

    @contextlib.contextmanager
    def use(self) -> Iterator[Store]:
        store = self._enter()
        try:
            yield store
        finally:
            with self._cond:
                self._users -= 1
                self._last = time.monotonic()
                if self._users == 0:
                    if self.linger <= 0 or locking.writer_waiting(self.path):
                        self._close()
                    self._cond.notify_all()

    def _enter(self) -> Store:
        deadline = time.monotonic() + self.wait
        with self._cond:
            # A writer waits: let the requests in flight finish and the connection close, then let the
            # writer have the file before opening it again (Store.open holds back while it waits).
            while self._store is not None and locking.writer_waiting(self.path):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError("E032", f"{self.path} is being written and a writer waits for it; "
                                             "try again in a moment")
                self._cond.wait(min(left, self._POLL))
            if self._store is None:
                self._store = Store.open(self.path, read_only=True,
                                         wait=max(0.0, deadline - time.monotonic()))
                watcher = threading.Thread(target=self._watch, args=(self._store,), daemon=True,
                                           name="eventlens-reader-linger")
                watcher.start()
            self._users += 1
            return self._store

    def _watch(self, store: Store) -> None:
        """Close ``store`` once it is idle and either ``linger`` has passed or a writer waits."""
        while True:
            time.sleep(self._POLL)
            with self._cond:
                if self._store is not store:
                    return
                if self._users == 0 and (time.monotonic() - self._last >= self.linger
                                         or locking.writer_waiting(self.path)):
                    self._close()
                    self._cond.notify_all()
                    return

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def close(self) -> None:
        with self._cond:
            self._close()
            self._cond.notify_all()


def create_app(db: str | Path, *, linger: float = 2.0, wait: float | None = None) -> FastAPI:
    """The API and page for the store at ``db`` (checked now, so a wrong path fails at start).

    ``linger``: seconds the read connection stays open after the last request; ``wait``: seconds a
    request waits for a store being written before a 503 (see ``SharedReader``).
    """
    db_path = str(db)
    reader = SharedReader(db_path, linger, wait)
    with Store.open(db_path, read_only=True, wait=reader.wait) as store:
        store.check()  # a damaged file fails here, not on the first request

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        reader.close()

    app = FastAPI(title="eventlens", version="1", docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Read-only access to an eventlens store: event records with their evidence, "
                              "clusters, articles with the spans of every record, actors, the actor "
                              "network, timelines and stats.")
    app.state.reader = reader
    _install_errors(app)
    app.include_router(router)
    _install_page(app)
    return app


def get_store(request: Request) -> Iterator[Store]:
    """The shared read-only store for one request."""
    reader: SharedReader = request.app.state.reader
    try:
        ctx = reader.use()
        store = ctx.__enter__()
    except StoreError as e:
        raise _StoreUnavailable(e) from e
    try:
        yield store
    finally:
        ctx.__exit__(None, None, None)


class _StoreUnavailable(Exception):
    def __init__(self, error: StoreError) -> None:
        super().__init__(error.message)
        self.error = error


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"param": ".".join(str(p) for p in e.get("loc", ())[1:]) or None, "problem": e.get("msg")}
                   for e in exc.errors()]
        names = ", ".join(d["param"] or "?" for d in details)
        return _error(422, ERR_PARAM, f"invalid parameter(s): {names}; see /docs for what each accepts",
                      details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, ApiError):
            return _error(exc.status_code, exc.code, str(exc.detail))
        if exc.status_code == 404:
            return _error(404, ERR_NOT_FOUND, "no such page; the API is under /api (see /docs)")
        return _error(exc.status_code, ERR_PARAM, str(exc.detail))

    @app.exception_handler(_StoreUnavailable)
    async def unavailable(_: Request, exc: _StoreUnavailable) -> JSONResponse:
        log.warning("store unavailable: %s", exc.error)
        return _error(503, ERR_STORE, exc.error.message)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("error serving %s", request.url.path, exc_info=exc)
        return _error(500, ERR_INTERNAL, "internal error while reading the store; the server log has "
                                         "the details")


def _event_filter(
    *,
    since: Annotated[dt.date | None, Query(description="event date on or after (YYYY-MM-DD)")] = None,
    until: Annotated[dt.date | None, Query(description="event date on or before (YYYY-MM-DD)")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$", description="ISO3 of the place")] = None,
    admin1: Annotated[str | None, Query(max_length=200, description="first-level region name")] = None,
    bbox: Annotated[str | None, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")] = None,
    type: Annotated[list[str] | None, Query(description="event type(s), any of them")] = None,
    modality: Annotated[list[str] | None, Query(description="modality(ies), any of them")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="words, name, code or id of an actor")
                     ] = None,
    text: Annotated[str | None, Query(max_length=200, description="words of the evidence sentence")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> EventFilter:
    """The API's filter parameters as the shared ``EventFilter``; unknown types and modalities are
    refused here, so a typo gives a message rather than an empty page."""
    types = [t.strip().upper() for t in (type or []) for t in t.split(",") if t.strip()]
    bad = [t for t in types if t not in EVENT_TYPES]
    if bad:
        raise ApiError(422, ERR_PARAM,
                       f"unknown event type(s) {', '.join(bad)}; use {', '.join(EVENT_TYPES)}")
    modalities = [m.strip().lower() for m in (modality or []) for m in m.split(",") if m.strip()]
    bad = [m for m in modalities if m not in MODALITIES]
    if bad:
        raise ApiError(422, ERR_PARAM,
                       f"unknown modality(ies) {', '.join(bad)}; use {', '.join(MODALITIES)}")
    try:
        return EventFilter(since=since, until=until, country=country, admin1=admin1,
                           bbox=parse_bbox(bbox) if bbox else None, event_type=tuple(types), actor=actor,
                           modality=tuple(modalities), text=text, limit=limit, offset=offset)
    except EventlensError as e:
        raise ApiError(422, e.code, e.message) from e


_ID = r"^[A-Za-z0-9_.:\-]{1,200}$"


def _path_id() -> Any:
    return PathParam(pattern=_ID, description="an id as the API returned it")


def _found(kind: str, key: str, record: dict[str, Any] | None) -> dict[str, Any]:
    """The record a one-record route returns, or 404 (``NotFound`` says where to list them) when the
    store has no such record."""
    if record is None:
        raise NotFound(kind, key)
    return record


StoreDep = Annotated[Store, Depends(get_store)]
QueryDep = Annotated[EventFilter, Depends(_event_filter)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
router = APIRouter()


@router.get("/api/events", tags=["events"])
def list_events(store: StoreDep, flt: QueryDep) -> dict[str, Any]:
    """Event records (PLOVER JSON plus ``cluster_id``) matching the filters, by article then offset."""
    return filters.events(store, flt)

@router.get("/api/events/{event_id}", tags=["events"])
def get_event(store: StoreDep, event_id: Annotated[str, _path_id()]) -> dict[str, Any]:
    """One event with its article, cluster and the offsets of its sentence, trigger, actors, counts."""
    return _found("event", event_id, queries.event_detail(store, event_id))

@router.get("/api/clusters", tags=["clusters"])
def list_clusters(store: StoreDep, flt: QueryDep) -> dict[str, Any]:
    """Cluster records (one real event reported by one or more mentions) matching the filters."""
    return filters.clusters(store, flt)

@router.get("/api/clusters/{cluster_id}", tags=["clusters"])
def get_cluster(store: StoreDep, cluster_id: Annotated[str, _path_id()]) -> dict[str, Any]:
    """One cluster with all its event records."""
    return _found("cluster", cluster_id, filters.cluster_detail(store, cluster_id))

@router.get("/api/articles", tags=["articles"])
def list_articles(store: StoreDep, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Articles without their text, newest first, with how many events each gave."""
    return queries.list_articles(store, limit=limit, offset=offset)

@router.get("/api/articles/{doc_id}", tags=["articles"])
def get_article(store: StoreDep, doc_id: Annotated[str, _path_id()]) -> dict[str, Any]:
    """An article's text and the character spans of every record in it."""
    return _found("article", doc_id, queries.article_detail(store, doc_id))

@router.get("/api/actors", tags=["actors"])
def list_actors(store: StoreDep, q: Annotated[str | None, Query(max_length=200)] = None,
                limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    """Actors with their codes, most mentioned first; ``q`` matches name, code or words."""
    return queries.list_actors(store, q=q or None, limit=limit, offset=offset)

@router.get("/api/actors/{key:path}", tags=["actors"])
def get_actor(store: StoreDep, key: Annotated[str, PathParam(min_length=1, max_length=300,
                                                               description="key from /api/actors")]
              ) -> dict[str, Any]:
    """One actor: codes, the words that named it, events by type, relations."""
    return _found("actor", key, queries.actor_detail(store, key))

@router.get("/api/network", tags=["actors"])
def get_network(store: StoreDep,
                include_events: Annotated[bool, Query(description="add actor->recipient edges")] = False,
                min_weight: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                max_nodes: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 150) -> dict[str, Any]:
    """The actor network: nodes, and edges weighted by how many mentions support them."""
    return queries.network(store, include_events=include_events, min_weight=min_weight,
                           max_nodes=max_nodes)

@router.get("/api/timeline", tags=["events"])
def get_timeline(store: StoreDep, flt: QueryDep,
                 interval: Annotated[str, Query(pattern="^(day|week|month)$")] = "day") -> dict[str, Any]:
    """Counts of matching events per day, week or month, by type."""
    return filters.timeline(store, flt, interval)

@router.get("/api/facets", tags=["stats"])
def get_facets(store: StoreDep) -> dict[str, Any]:
    """The values the filters take in this store, with counts."""
    return filters.facets(store)

@router.get("/api/stats", tags=["stats"])
def get_stats(store: StoreDep, top: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    """What the store holds: counts of articles, events, relations, places, rejects, runs."""
    out = store.stats(top=top).to_dict()
    out["clusters"] = store_query.count_clusters(store)
    return out






def _install_page(app: FastAPI) -> None:
    static = _static_dir()
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path == "/" or request.url.path.startswith("/static/"):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(static / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="eventlens API",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

