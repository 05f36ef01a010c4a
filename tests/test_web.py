"""The web page in headless Chromium (Debian's ``chromium``, driven by Playwright), against a server on
a free loopback port: load, filter, click a point on the map, see the record's words highlighted; and
no script from an article's text, title or URL ever runs."""
from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from eventlens.records import ActorEntity, Article, ArticleResult, Event, Place
from eventlens.runners.local import run
from eventlens.serve.app import create_app
from eventlens.store.db import Store

CHROMIUM = os.environ.get("EVENTLENS_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).parent.parent
SAMPLES = ROOT / "tests" / "data" / "articles"

def _browser_missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "python playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


_missing = _browser_missing()
if _missing and os.environ.get("CI"):
    raise RuntimeError(f"the page tests need a browser in CI: {_missing}")
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


class Server:
    """uvicorn in a thread on a free loopback port, for as long as a test module needs it."""

    def __init__(self, db: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(db, linger=0.5), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = str(tmp_path_factory.mktemp("web") / "sample.duckdb")
    assert run([str(SAMPLES)], db=db).events > 20
    with Server(db) as server:
        yield server


def _page(browser: object, url: str) -> tuple[object, list[str]]:
    context = browser.new_context(viewport={"width": 1500, "height": 1250})  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda err: problems.append(str(err)))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    # Offline: any request that leaves the server is a failure of the page.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url)
               else (problems.append(f"external request {route.request.url}"), route.abort()))
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    return page, problems


def test_filter_click_and_see_the_evidence(browser: object, sample_server: Server, tmp_path: Path) -> None:
    page, problems = _page(browser, sample_server.url)
    assert page.locator("#map path.country").count() > 5
    assert page.locator("#map circle.point").count() > 5
    assert page.locator("#network .node").count() > 3
    assert page.locator("#timeline rect.bar").count() > 0

    page.select_option("select[name=type]", "ASSAULT")
    page.select_option("select[name=country]", "SYR")
    page.click("#apply")
    page.wait_for_function("document.querySelector('#list-count').textContent !== ''")
    page.wait_for_load_state("networkidle")
    api = page.evaluate("fetch('/api/clusters?type=ASSAULT&country=SYR&limit=100').then(r => r.json())")
    assert api["total"] > 0
    assert page.locator("#list-count").inner_text() == f"({api['total']})"
    badges = page.locator("#items .badge").all_inner_texts()
    assert badges and set(badges) == {"ASSAULT"}

    page.locator("#map circle.point").last.click()  # drawn last: the smallest, on top
    page.wait_for_selector("#article-text mark.hl-trigger")
    event_id = page.locator("#evidence").get_attribute("data-event-id")
    event = page.evaluate(f"fetch('/api/events/{event_id}').then(r => r.json())")["event"]
    assert event["event"] == "ASSAULT" and event["event_loc"]["country"] == "SYR"
    trigger = "".join(page.locator("#article-text mark.hl-trigger").all_inner_texts())
    assert trigger == event["event_text"]
    sentence = "".join(page.locator("#article-text mark.hl-sentence").all_text_contents())
    assert sentence == event["text"]
    assert page.locator("#map circle.point.selected").count() == 1
    # the README's picture is refreshed on request (EVENTLENS_SCREENSHOT=1), not by every test run
    shot = tmp_path / "page.png"
    if os.environ.get("EVENTLENS_SCREENSHOT"):
        shot = ROOT / "docs" / "screenshot.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert problems == []
    page.context.close()


HOSTILE_TEXT = (
    "Government forces shelled the market in Idlib on Monday. "
    '<script>window.__pwned = "script";</script> '
    "<img src=x onerror=\"window.__pwned = 'img'\"> "
    "<a href=\"javascript:window.__pwned='link'\">read more</a> "
    "Residents fled the town."
)


def _hostile_store(path: str) -> str:
    """One article whose text, title, source and URL try to run script, and an event over its words."""
    text = HOSTILE_TEXT
    article = Article(id="art_hostile", text=text, published=dt.date(2020, 1, 7),
                      title="<img src=x onerror=\"window.__pwned='title'\">Idlib report",
                      source="<script>window.__pwned='source'</script>",
                      url="javascript:window.__pwned='url'")
    start = 0
    end = text.index("Residents") - 1
    trigger = text.index("shelled")
    idlib = text.index("Idlib")
    place = Place(entity_text="Idlib", start=idlib, end=idlib + 5, name="Idlib", geonameid=169389,
                  lat=35.93, lon=36.63, country="SYR", admin1="Idlib", feature_code="PPLA",
                  resolution="city")
    event = Event(id="evt_hostile", doc_id=article.id, event="ASSAULT", event_text="shelled",
                  text=text[start:end], start=start, end=end, trigger_start=trigger,
                  trigger_end=trigger + len("shelled"), mode="shelling", event_loc=place,
                  actor=[ActorEntity("Government forces", name="Military of Syria", code="SYRMIL",
                                     start=0, end=len("Government forces"))])
    with Store.open(path) as store:
        assert store.write_article(ArticleResult(article, events=[event], places=[place],
                                                 sentences=[(0, end), (end + 1, len(text))]))
    return path


def test_no_script_from_article_text_ever_runs(browser: object, tmp_path: Path) -> None:
    db = _hostile_store(str(tmp_path / "hostile.duckdb"))
    with Server(db) as server:
        page, problems = _page(browser, server.url)
        page.locator("#items button").first.click()
        page.wait_for_selector("#article-text mark.hl-trigger")
        shown = page.locator("#article-text").inner_text()
        assert "<script>" in shown and "onerror=" in shown and "javascript:" in shown
        assert page.locator("#article-text mark.hl-sentence").count() >= 1
        assert page.locator("#evidence img, #evidence script, #evidence a[href^='javascript']").count() == 0
        assert page.locator("#article-title").inner_text().startswith("<img")
        assert page.locator("#article-meta a").count() == 0  # a javascript: URL stays text
        assert "javascript:window.__pwned" in page.locator("#article-meta").inner_text()
        page.locator("#article-meta").click()
        page.locator("#items button").first.hover()
        assert page.evaluate("window.__pwned === undefined")
        assert [p for p in problems if "dialog" in p or "external" in p] == []
        page.context.close()
