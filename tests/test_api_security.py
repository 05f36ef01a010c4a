"""Hostile requests against the API: injection strings in every text parameter, page caps, paths that try
to reach the file system, oversized requests, and Unicode tricks in stored text.

`test_api.py` checks what the API answers; `test_web.py` checks in Chromium that article text never runs.
This file checks what a hostile client can and cannot make the server do. The store is written directly
(no NLP) from the CENTCOM press-release records of `test_store.py` plus one hostile article.
"""
from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path
from urllib.parse import quote

import pytest

from eventlens.records import ActorEntity, Article, ArticleResult, Event
from eventlens.serve.app import MAX_PAGE, create_app
from eventlens.store.db import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's notice about its test client's future package
    from fastapi.testclient import TestClient

STATIC = Path(__file__).resolve().parents[1] / "eventlens" / "serve" / "static"
# Right-to-left override, zero-width space and joiner, a Cyrillic "а" in "javascript:" and a fullwidth colon.
TRICKY_TEXT = ("Government forces shelled \u202eharbmaL\u202c on Monday, re\u200bports said. "
               "Residents fled to j\u0430vascript\uff1aalert(1) and \u200dIdlib.")
TRICKY_URL = "j\u0430vascript:alert(document.domain)"
INJECTIONS = [
    "' OR '1'='1", "'; DROP TABLE events; --", '" OR ""="', "1) UNION SELECT text FROM articles --",
    "%' OR 1=1 --", "\\'; SELECT 1; --", "forces' --", "$1", "?", "; ATTACH '/tmp/x.db' AS x; --",
    "../../../../etc/passwd", "<script>alert(1)</script>", "\u202e\u200b", "\x00",
]
TEXT_PARAMS = {  # endpoint -> its free-text parameters
    "/api/events": ("admin1", "actor", "text"),
    "/api/clusters": ("admin1", "actor", "text"),
    "/api/timeline": ("admin1", "actor", "text"),
    "/api/actors": ("q",),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from test_store import centcom_result

    path = tmp_path_factory.mktemp("security") / "store.duckdb"
    text = TRICKY_TEXT
    article = Article(id="art_tricky", text=text, published=dt.date(2020, 1, 7),
                      title="\u202eReport\u202c <b>bold</b>", source="Monitor", url=TRICKY_URL)
    trigger = text.index("shelled")
    end = text.index("Residents") - 1
    event = Event(id="evt_tricky", doc_id=article.id, event="ASSAULT", event_text="shelled", text=text[:end],
                  start=0, end=end, trigger_start=trigger, trigger_end=trigger + 7,
                  actor=[ActorEntity("Government forces", start=0, end=17)])
    with Store.open(path) as store:
        store.write_results([centcom_result(suffix=f"\nParagraph {i}.") for i in range(5)])
        assert store.write_article(ArticleResult(article, events=[event], sentences=[(0, end),
                                                                                     (end + 1, len(text))]))
    return str(path)


@pytest.fixture(scope="module")
def client(db: str) -> TestClient:
    return TestClient(create_app(db, linger=0.1), raise_server_exceptions=False)


def table_counts(db: str) -> dict[str, int]:
    with Store.open(db, read_only=True) as store:
        cur = store.cursor()
        names = [r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {n: cur.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}


def assert_json_error(response: object, status: int) -> None:
    assert response.status_code == status, response.text[:300]  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/json")  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert re.fullmatch(r"E06\d|E04\d", body["error"]["code"]) and body["error"]["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text  # type: ignore[attr-defined]


def test_injection_strings_in_every_text_parameter_are_values(client: TestClient, db: str) -> None:
    before = table_counts(db)
    baseline = client.get("/api/events", params={"text": "forces"}).json()["total"]
    assert baseline >= 1
    for path, params in TEXT_PARAMS.items():
        for param in params:
            for value in INJECTIONS:
                response = client.get(path, params={param: value})
                assert response.status_code == 200, (path, param, value, response.text[:300])
                body = response.json()
                if "total" in body:  # nothing in the store contains these strings: a match means SQL ran
                    assert body["total"] == 0, (path, param, value)
    # the same word with a quote appended is a different (absent) value, not a comment that ends the query
    assert client.get("/api/events", params={"text": "forces' --"}).json()["total"] == 0
    for value in INJECTIONS:
        for path in ("/api/events/", "/api/clusters/", "/api/articles/", "/api/actors/"):
            response = client.get(path + quote(value, safe=""))
            assert response.status_code in (404, 422), (path, value)
            assert_json_error(response, response.status_code)
    assert table_counts(db) == before


@pytest.mark.parametrize(("path", "params"), [
    ("/api/events", {"limit": MAX_PAGE + 1}),
    ("/api/events", {"limit": 0}),
    ("/api/events", {"limit": "ten"}),
    ("/api/events", {"offset": -1}),
    ("/api/events", {"offset": 10**12}),
    ("/api/events", {"since": "2020-02-30"}),
    ("/api/events", {"since": "2020-03-01", "until": "2020-01-01"}),
    ("/api/events", {"country": "SYR' OR 1=1"}),
    ("/api/events", {"bbox": "1,2,3"}),
    ("/api/events", {"bbox": "0,0,1,1); DROP TABLE events; --"}),
    ("/api/events", {"type": "ASSAULT') OR ('1'='1"}),
    ("/api/events", {"modality": "asserted' --"}),
    ("/api/events", {"text": "x" * 201}),
    ("/api/events", {"actor": "x" * 10_000}),
    ("/api/clusters", {"limit": 10**6}),
    ("/api/articles", {"limit": MAX_PAGE + 1}),
    ("/api/actors", {"q": "y" * 1000}),
    ("/api/network", {"max_nodes": MAX_PAGE + 1}),
    ("/api/network", {"min_weight": 0}),
    ("/api/timeline", {"interval": "day'); DROP TABLE events; --"}),
    ("/api/timeline", {"interval": "year"}),
    ("/api/stats", {"top": 101}),
])
def test_bad_and_oversized_parameters_are_refused_with_json(client: TestClient, path: str,
                                                             params: dict) -> None:
    assert_json_error(client.get(path, params=params), 422)


def test_pages_are_capped_and_responses_bounded(client: TestClient) -> None:
    page = client.get("/api/events", params={"limit": MAX_PAGE})
    assert page.status_code == 200 and len(page.json()["items"]) <= MAX_PAGE
    far = client.get("/api/events", params={"offset": 10_000_000}).json()
    assert far["items"] == [] and far["total"] >= 1
    huge_query = client.get("/api/events", params={"text": "z" * 60_000})
    assert_json_error(huge_query, 422)
    assert len(huge_query.content) < 2000  # the error does not echo the 60 kB value back


@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fapp.py",
    "/static/%2e%2e%2fapp.py", "/static//etc/passwd", "/static/vendor/../../app.py",
    "/api/articles/..%2f..%2f..%2fetc%2fpasswd", "/api/actors/..%2F..%2Fetc%2Fpasswd",
    "/api/actors/%2Fetc%2Fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/docs/../../etc/passwd",
])
def test_no_path_reaches_the_file_system(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422) or response.request.url.path in ("/", "/docs")
    assert "root:" not in response.text and "[project]" not in response.text
    assert "def create_app" not in response.text and "import " not in response.text[:2000]
    if response.status_code != 200:
        assert_json_error(response, response.status_code)


def test_the_api_is_read_only_and_refuses_bodies(client: TestClient, db: str) -> None:
    before = table_counts(db)
    body = b"{" + b'"text": "' + b"a" * 5_000_000 + b'"}'
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for path in ("/api/events", "/api/events/evt_tricky", "/api/articles/art_tricky", "/"):
            response = client.request(method, path, content=body,
                                      headers={"content-type": "application/json"})
            assert_json_error(response, 405)
            assert len(response.content) < 2000
    assert table_counts(db) == before


def test_unicode_tricks_come_back_unchanged_and_are_rendered_as_text(client: TestClient) -> None:
    """The API returns text exactly as stored (offsets index it); the page puts it in the DOM as text and
    links only http(s) URLs, so a homoglyph or RTL-disguised `javascript:` stays inert words."""
    article = client.get("/api/articles/art_tricky").json()
    assert article["text"] == TRICKY_TEXT and article["url"] == TRICKY_URL
    event = client.get("/api/events/evt_tricky").json()
    trigger = next(s for s in event["spans"] if s["kind"] == "trigger")
    assert TRICKY_TEXT[trigger["start"]:trigger["end"]] == "shelled"
    app_js = (STATIC / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in app_js, sink
    link_check = re.search(r"function safeHref\(url\) \{(.*?)\n\}", app_js, re.S)
    assert link_check and "new URL(url)" in link_check.group(1) and '"https:"' in link_check.group(1)
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_sql_is_never_built_from_request_values() -> None:
    """Every f-string that builds SQL in the store and serving code interpolates code-defined fragments
    only (column lists, aliases, placeholders); request values travel as ``?`` parameters. A new
    interpolation of a name that is not one of these fragments fails here and must be reviewed."""
    root = Path(__file__).resolve().parents[1] / "eventlens"
    allowed = {"alias", "c", "best_date", "cols['country']", "_actor_match('ea')", "members", "columns",
               "_where(conditions)", "EVENT_ORDER", "CLUSTER_ORDER", "page", "key", "src", "tgt",
               "_actor_rows_sql()", "where", "base", "in_docs", "doc_clause", "akey", "rkey", "ev_doc",
               "table", "names", "_STAGING", "column", "best", "undated_where", "cols",
               "marks", "R.select_list(R.PLACE_COLUMNS)", "R.select_list(R.ARTICLE_COLUMNS[:8])",
               "R.select_list(R.REJECT_COLUMNS)", "_sentence_contains('ev')",
               "interval"}  # a request value, but checked against filters.INTERVALS before it is used
    sql = re.compile(r"\bf([\"'])(?:SELECT|INSERT|UPDATE|DELETE|WITH|FROM|WHERE|UNION|EXISTS|"
                     r"contains|lower|coalesce|date_trunc)\b.*?\1")
    unexpected = []
    for path in [*sorted((root / "store").glob("*.py")), *sorted((root / "serve").glob("*.py"))]:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in sql.finditer(line):
                for name in re.findall(r"\{([^{}]+)\}", m.group(0)):
                    if name not in allowed:
                        unexpected.append(f"{path.name}:{lineno}: {{{name}}}")
    assert unexpected == []
