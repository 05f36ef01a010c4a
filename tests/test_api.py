"""The JSON API through FastAPI's in-process client, on a real store built from the sample articles."""
from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eventlens.errors import StoreError
from eventlens.runners.local import run
from eventlens.serve import app as serve_app
from eventlens.serve import filters
from eventlens.serve.app import MAX_PAGE, create_app
from eventlens.store.db import Store

with warnings.catch_warnings():
    # Starlette announces a future move of its test client to another httpx package; the client works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SAMPLES = Path(__file__).parent / "data" / "articles"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("api") / "sample.duckdb")
    summary = run([str(SAMPLES)], db=path)
    assert summary.written >= 5 and summary.events > 20
    return path


@pytest.fixture(scope="module")
def client(db: str) -> TestClient:
    return TestClient(create_app(db, linger=0.1), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def records(db: str) -> list[dict]:
    with Store.open(db, read_only=True) as store:
        return list(store.iter_events())


def _all(client: TestClient, path: str, **params: object) -> list[dict]:
    """Every item of a paginated list, fetched page by page."""
    items: list[dict] = []
    offset = 0
    while True:
        page = client.get(path, params={**params, "limit": 7, "offset": offset}).json()
        items += page["items"]
        offset += 7
        if offset >= page["total"]:
            return items


def test_events_paginate_over_every_record(client: TestClient, records: list[dict]) -> None:
    first = client.get("/api/events", params={"limit": 5}).json()
    assert first["total"] == len(records) and len(first["items"]) == 5
    items = _all(client, "/api/events")
    assert sorted(e["id"] for e in items) == sorted(r["id"] for r in records)
    by_id = {r["id"]: r for r in records}
    sample = items[3]
    assert {k: v for k, v in sample.items() if k != "cluster_id"} == by_id[sample["id"]]


def test_event_filters_match_the_records(client: TestClient, records: list[dict]) -> None:
    assaults = _all(client, "/api/events", type="ASSAULT")
    assert assaults and len(assaults) == sum(r["event"] == "ASSAULT" for r in records)
    assert all(e["event"] == "ASSAULT" for e in assaults)
    syria = _all(client, "/api/events", country="SYR")
    assert syria and all(e["event_loc"]["country"] == "SYR" for e in syria)
    # Syria's box holds the Syrian events and no Iraqi city east of it.
    boxed = _all(client, "/api/events", bbox="35.5,32.3,42.4,37.4")
    assert {e["id"] for e in syria} <= {e["id"] for e in boxed} or len(boxed) >= len(syria) // 2
    assert all(35.5 <= e["event_loc"]["lon"] <= 42.4 for e in boxed)
    word = client.get("/api/events", params={"text": "idlib"}).json()
    assert word["total"] and all("idlib" in e["text"].lower() for e in word["items"])
    dated = _all(client, "/api/events", since="2020-01-01", until="2020-01-31")
    assert dated and all("2020-01-01" <= (e["date"] or e["date_info"]["earliest"]) <= "2020-01-31"
                         for e in dated)
    both = client.get("/api/events", params=[("type", "ASSAULT"), ("type", "DISPLACE")]).json()["total"]
    assert both == len(assaults) + sum(r["event"] == "DISPLACE" for r in records)


@pytest.mark.parametrize(("params", "code"), [
    ({"limit": MAX_PAGE + 1}, "E060"), ({"limit": 0}, "E060"), ({"offset": -1}, "E060"),
    ({"since": "yesterday"}, "E060"), ({"type": "BOMB"}, "E060"), ({"modality": "certain"}, "E060"),
    ({"country": "Syria"}, "E060"), ({"bbox": "1,2,3"}, "E047"), ({"bbox": "10,50,20,95"}, "E047"),
    ({"since": "2020-02-01", "until": "2020-01-01"}, "E046"), ({"text": "x" * 500}, "E060"),
])
def test_bad_parameters_are_json_errors_with_a_code(client: TestClient, params: dict, code: str) -> None:
    response = client.get("/api/events", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert "Traceback" not in response.text


def test_one_event_carries_its_evidence_offsets(client: TestClient, records: list[dict]) -> None:
    record = next(r for r in records if r["actor"] and r["event_loc"])
    detail = client.get(f"/api/events/{record['id']}").json()
    assert detail["event"] == record
    article = client.get(f"/api/articles/{detail['article']['doc_id']}").json()
    text = article["text"]
    info = record["text_info"]
    assert text[info["start"]:info["end"]] == record["text"]
    spans = {s["kind"]: s for s in detail["spans"]}
    assert text[spans["trigger"]["start"]:spans["trigger"]["end"]] == record["event_text"]
    assert text[spans["actor"]["start"]:spans["actor"]["end"]] == record["actor"][0]["entity_text"]
    assert client.get("/api/events/evt_0000").status_code == 404


def test_article_spans_point_at_their_words(client: TestClient, db: str) -> None:
    with Store.open(db, read_only=True) as store:
        places = list(store.iter_places())
        relations = list(store.iter_relations())
    doc_id = places[0].doc_id
    article = client.get(f"/api/articles/{doc_id}").json()
    text = article["text"]
    spans = article["spans"]
    assert all(0 <= s["start"] < s["end"] <= len(text) for s in spans)
    place_spans = {(s["start"], s["end"]) for s in spans if s["kind"] == "place"}
    assert place_spans == {(p.place.start, p.place.end) for p in places if p.doc_id == doc_id}
    for p in places:
        if p.doc_id == doc_id:
            assert text[p.place.start:p.place.end] == p.place.entity_text
    for rel in relations:
        rel_article = client.get(f"/api/articles/{rel['doc_id']}").json()
        assert any(s["kind"] == "relation" and s["relation_id"] == rel["id"] for s in rel_article["spans"])
    listing = client.get("/api/articles").json()
    assert listing["total"] == 5 and all("text" not in a for a in listing["items"])


def test_clusters_and_their_members(client: TestClient, records: list[dict]) -> None:
    page = client.get("/api/clusters", params={"limit": MAX_PAGE}).json()
    assert page["clustered"] is True
    assert 0 < page["total"] <= len(records)
    members = [m for c in page["items"] for m in c["mentions"]]
    assert sorted(members) == sorted(r["id"] for r in records)  # every mention in exactly one cluster
    biggest = max(page["items"], key=lambda c: c["n_mentions"])
    detail = client.get(f"/api/clusters/{biggest['cluster_id']}").json()
    assert sorted(e["id"] for e in detail["events"]) == sorted(biggest["mentions"])
    event = client.get(f"/api/events/{biggest['mentions'][0]}").json()
    assert event["cluster_id"] == biggest["cluster_id"]
    typed = client.get("/api/clusters", params={"type": "DISPLACE", "limit": MAX_PAGE}).json()
    assert typed["items"] and all(c["event"] == "DISPLACE" for c in typed["items"])


def test_actors_relations_and_network(client: TestClient, db: str) -> None:
    with Store.open(db, read_only=True) as store:
        relations = list(store.iter_relations())
    actors = client.get("/api/actors", params={"limit": 100}).json()
    weights = [a["events"] + a["relations"] for a in actors["items"]]
    assert weights == sorted(weights, reverse=True)
    top = actors["items"][0]
    detail = client.get(f"/api/actors/{top['key']}").json()
    assert detail["name"] == top["name"] and detail["events"] == top["events"]
    assert len(detail["relations"]) >= top["relations"]
    assert client.get("/api/actors", params={"q": top["code"] or top["name"]}).json()["total"] >= 1
    net = client.get("/api/network", params={"max_nodes": MAX_PAGE}).json()
    ids = {n["id"] for n in net["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in net["edges"])
    loops = sum(1 for r in relations if (r["source"]["actor_id"] or "") == (r["target"]["actor_id"] or "-"))
    assert sum(e["weight"] for e in net["edges"]) == len(relations) - loops
    with_events = client.get("/api/network", params={"include_events": True, "max_nodes": MAX_PAGE}).json()
    assert len(with_events["edges"]) > len(net["edges"])
    assert client.get("/api/actors/nobody-at-all").status_code == 404


def test_timeline_counts_every_matching_event(client: TestClient, records: list[dict]) -> None:
    for interval in ("day", "week", "month"):
        line = client.get("/api/timeline", params={"interval": interval}).json()
        assert sum(r["count"] for r in line["series"]) + line["undated"] == len(records)
    month = client.get("/api/timeline", params={"interval": "month", "type": "ASSAULT"}).json()
    assert {r["type"] for r in month["series"]} == {"ASSAULT"}
    assert all(r["period"].endswith("-01") for r in month["series"])
    assert client.get("/api/timeline", params={"interval": "hour"}).status_code == 422


def test_stats_and_facets(client: TestClient, db: str, records: list[dict]) -> None:
    stats = client.get("/api/stats").json()
    with Store.open(db, read_only=True) as store:
        assert {k: v for k, v in stats.items() if k != "clusters"} == json.loads(
            json.dumps(store.stats().to_dict()))
    assert stats["clusters"] > 0
    facets = client.get("/api/facets").json()
    assert sum(facets["types"].values()) == len(records)


def test_errors_are_json_without_stack_traces(client: TestClient, db: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = TestClient(create_app(db, linger=0), raise_server_exceptions=False)
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "E061"

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(filters, "events", broken)
    response = client.get("/api/events")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "E063"
    assert "secret internals" not in response.text and "Traceback" not in response.text

    def locked(*args: object, **kwargs: object) -> None:
        raise StoreError("E032", "x.duckdb is open for writing in another process; wait for it to finish")

    monkeypatch.setattr(serve_app.Store, "open", locked)
    busy = fresh.get("/api/stats")
    assert busy.status_code == 503 and busy.json()["error"]["code"] == "E062"


def test_the_store_is_released_for_a_writer_soon_after_requests(db: str) -> None:
    lingering = TestClient(create_app(db, linger=0.3))
    assert lingering.get("/api/events").status_code == 200
    with pytest.raises(StoreError) as held:  # still held between requests: a writer that will not wait
        Store.open(db, wait=0).close()          # (and so leaves no mark for the server) is refused
    assert held.value.code == "E032"
    time.sleep(0.8)
    with Store.open(db) as store:  # read-write: fails if the reader had not let go
        assert not store.read_only


def test_page_docs_and_assets_are_served_locally(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    for asset in ("/static/app.js", "/static/vendor/topojson-client.min.js",
                  "/static/vendor/countries-50m.json", "/static/vendor/swagger-ui-bundle.js"):
        assert client.get(asset).status_code == 200, asset
    assert "/api/events" in client.get("/openapi.json").json()["paths"]


def test_serve_refuses_a_public_address_without_allow_remote(tmp_path: Path) -> None:
    import importlib

    from eventlens.cli import _COMMAND_MODULES
    from eventlens.cli import app as cli_app
    from eventlens.cli import serve as serve_cli

    for name in _COMMAND_MODULES:  # as `eventlens` does, so that "serve" is one command among several
        importlib.import_module(f"eventlens.cli.{name}")

    assert serve_cli.is_loopback("127.0.0.1") and serve_cli.is_loopback("::1")
    assert serve_cli.is_loopback("localhost") and not serve_cli.is_loopback("0.0.0.0")
    result = CliRunner().invoke(cli_app, ["serve", "--db", str(tmp_path / "x.duckdb"), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "--allow-remote" in result.output
    result = CliRunner().invoke(cli_app, ["serve", "--db", str(tmp_path / "x.duckdb"), "--allow-remote",
                                          "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "does not exist" in result.output
