"""Bad input, end to end: each input is stored or recorded as a reject with a reason, the batch goes on,
the exit code says whether anything was rejected, and memory stays bounded on huge files.

`test_ingest.py` covers the reject codes one by one; this file adds the hostile and odd inputs (encodings,
types, nesting, scripts, other alphabets, sizes), fuzzing of every parser, and the whole command line.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import resource
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eventlens.cli import _COMMAND_MODULES
from eventlens.cli import app as cli_app
from eventlens.ingest import REJECT_CODES, IngestOptions, article_id, iter_articles
from eventlens.records import Article, ArticleResult, Reject
from eventlens.store.db import Store

SAMPLES = Path(__file__).parent / "data" / "articles"
DATE = dt.date(2020, 1, 7)
# Hand-made sentences in other alphabets (a shelling report, as the English sample texts have).
ARABIC = "قصفت القوات الحكومية مدينة معرة النعمان يوم الاثنين، وقتل اثنا عشر مدنياً."
CYRILLIC = "Правительственные войска обстреляли Маарат-эн-Нууман в понедельник, погибли 12 мирных жителей."


def centcom_sentences() -> list[str]:
    lines = (SAMPLES / "public-domain.jsonl").read_text(encoding="utf-8").splitlines()
    text = next(json.loads(line)["text"] for line in lines if '"CENTCOM"' in line)
    return [s.strip() + "." for s in text.split(". ") if 40 < len(s) < 250 and s[0].isupper()]


GOOD = centcom_sentences()[0]


def ingest(paths: list[Path], **opts: object) -> tuple[list[Article], list[Reject]]:
    items = list(iter_articles([str(p) for p in paths], IngestOptions(**opts)))  # type: ignore[arg-type]
    for item in items:
        check_item(item)
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Reject)]


def check_item(item: object, max_chars: int = IngestOptions.max_chars) -> None:
    """What every ingest item must be: an article that can be stored, or a reject with a known code."""
    if isinstance(item, Reject):
        assert item.code in REJECT_CODES and item.reason and item.origin
        return
    assert isinstance(item, Article)
    assert item.text.strip() and len(item.text) <= max_chars and "\x00" not in item.text
    assert item.id == article_id(item.text) and "\r\n" not in item.text


# ---------------------------------------------------------------- one input each


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


CASES: list[tuple[str, bytes | str, str | None]] = [
    # (file name, content, reject code or None for a stored article)
    ("zero.txt", b"", "E001"),
    ("blank.txt", " \n\r\n\t\u00a0\u2003\n", "E001"),
    ("header_only.txt", " date 2020-01-07   \n", "E001"),
    ("random.txt", bytes(range(1, 32)) * 40, "E002"),  # control bytes, no NUL
    ("utf16_nobom.txt", GOOD.encode("utf-16-le"), "E002"),  # NULs between ASCII letters
    ("utf16_bom.txt", codecs.BOM_UTF16_LE + f" date 2020-01-07 {GOOD}".encode("utf-16-le"), None),
    ("utf16_be_bom.txt", codecs.BOM_UTF16_BE + f" date 2020-01-07 {GOOD}".encode("utf-16-be"), None),
    ("latin1.txt", f" date 2020-01-07 Réfugiés à Idlib. {GOOD}".encode("latin-1"), "E003"),
    ("cp1252_quotes.txt", b"\x93Shelling\x94 was reported in Idlib on Monday.", "E003"),
    ("truncated_utf8.txt", ARABIC.rstrip(".").encode("utf-8")[:-1], "E003"),  # half a letter
    ("feb30.txt", f" date 2020-02-30 {GOOD}", "E004"),
    ("month13.txt", f" date 2020-13-01 {GOOD}", "E004"),
    ("future.txt", f" date 2999-12-31 {GOOD}", "E005"),
    ("arabic.txt", f" date 2020-01-07 {ARABIC}", None),
    ("cyrillic.txt", f" date 2020-01-07 {CYRILLIC}", None),
]


@pytest.mark.parametrize(("name", "data", "code"), CASES, ids=[c[0] for c in CASES])
def test_each_odd_file_is_stored_or_rejected_with_its_code(tmp_path: Path, name: str, data: bytes | str,
                                                           code: str | None) -> None:
    path = _write(tmp_path, name, data)
    articles, rejects = ingest([path, SAMPLES / "000_114ae02e171b13f3.txt"])
    assert articles[-1].origin.endswith("000_114ae02e171b13f3.txt")  # the batch went on
    if code is None:
        assert len(articles) == 2 and rejects == []
        assert articles[0].published == DATE
    else:
        assert [r.code for r in rejects] == [code] and len(articles) == 1
        assert rejects[0].origin == str(path)


def test_mojibake_is_stored_as_written_and_other_alphabets_keep_their_characters(tmp_path: Path) -> None:
    """Double-encoded UTF-8 is valid UTF-8: nothing can tell it from real text, so it is stored as it
    is (guessing a repair would change offsets). Arabic, Cyrillic and invisible characters are kept."""
    mojibake = "RÃ©fugiÃ©s fled Idlib after shelling."
    tricky = "Shelling in \u202eIdlib\u202c was re\u200bported by \u0430l-Monitor."  # RTL override, ZWSP
    path = _write(tmp_path, "mixed.jsonl", "\n".join(json.dumps({"text": t, "date": "2020-01-07"}) for t in
                                                     (mojibake, ARABIC, CYRILLIC, tricky)) + "\n")
    articles, rejects = ingest([path])
    assert rejects == [] and [a.text for a in articles] == [mojibake, ARABIC, CYRILLIC, tricky]


def test_jsonl_wrong_types_each_give_one_reject(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": GOOD, "date": "2017-01-09"}),
        json.dumps({"text": ["a", "list"], "date": "2017-01-09"}),  # E007: not a string
        json.dumps({"text": 12, "date": "2017-01-09"}),  # E007
        json.dumps({"text": {"nested": GOOD}}),  # E007
        json.dumps({"text": GOOD + " Again.", "date": 20170109}),  # E004: a number is not a date
        json.dumps({"text": GOOD + " Twice.", "date": {"y": 2017}}),  # E004
        "null",  # E006: not an object
        '"just a string"',  # E006
        json.dumps({"body": GOOD}),  # E007: no text field
        json.dumps({"text": GOOD + " Titled.", "date": "2017-01-09", "title": 7, "url": None}),  # stored
        '{"text": "unterminated',  # E006
        json.dumps({"text": CYRILLIC, "date": "2017-01-09T23:59:59+03:00"}),  # stored, date part kept
    ]
    path = _write(tmp_path, "types.jsonl", "\n".join(lines) + "\n")
    articles, rejects = ingest([path])
    assert [(r.code, r.origin.rsplit(":", 1)[1]) for r in rejects] == [
        ("E007", "2"), ("E007", "3"), ("E007", "4"), ("E004", "5"), ("E004", "6"), ("E006", "7"),
        ("E006", "8"), ("E007", "9"), ("E006", "11")]
    assert len(articles) == 3 and articles[1].title == "7" and articles[2].published == dt.date(2017, 1, 9)


def test_csv_embedded_newlines_quotes_and_delimiters_round_trip(tmp_path: Path) -> None:
    texts = [f'{GOOD}\nA second paragraph, with "quoted words", commas; and\r\na CRLF.',
             'He said: ""no"" — and "left".', f"{ARABIC}\n{CYRILLIC}"]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(["date", "text", "title"])
    for i, text in enumerate(texts):
        writer.writerow([f"2020-01-0{i + 1}", text, f'Title "{i}", with comma'])
    path = _write(tmp_path, "quoted.csv", buf.getvalue())
    articles, rejects = ingest([path])
    assert rejects == []
    assert [a.text for a in articles] == [t.replace("\r\n", "\n") for t in texts]
    assert articles[0].title == 'Title "0", with comma'


def test_html_scripts_iframes_and_deep_nesting(tmp_path: Path) -> None:
    body = f"<p>{GOOD}</p><p>Residents fled the town after the attack on the market, aid groups reported.</p>"
    page = ("<html><head><title>Strike</title><script>var stolen = 'SCRIPT-TEXT';</script></head><body>"
            "<iframe src='https://example.invalid/'>IFRAME-TEXT</iframe>"
            f"<article>{body}<script>document.write('WRITTEN-TEXT')</script>"
            "<style>p {{ content: 'STYLE-TEXT' }}</style></article></body></html>")
    scripted = _write(tmp_path, "scripted.html", page)
    other = f"<p>{centcom_sentences()[1]}</p><p>Aid groups said residents fled the town after the attack.</p>"
    nested = _write(tmp_path, "nested.html", "<html><body>" + "<div>" * 100 + other + "</div>" * 100)
    # lxml stops at 255 levels: a page nested deeper loses its text and is rejected, quickly, not a crash
    abyss = _write(tmp_path, "abyss.html", "<html><body>" + "<div><span>" * 5000 + body)
    articles, rejects = ingest([scripted, nested, abyss], date=DATE)
    assert len(articles) == 2 and [(r.code, Path(r.origin).name) for r in rejects] == [("E009", "abyss.html")]
    assert GOOD in articles[0].text and centcom_sentences()[1] in articles[1].text
    for article in articles:
        assert not any(word in article.text for word in ("SCRIPT-TEXT", "WRITTEN-TEXT", "IFRAME", "STYLE"))


def test_thousands_of_tiny_articles_are_read_and_stored(tmp_path: Path) -> None:
    n = 3000
    path = _write(tmp_path, "tiny.jsonl", "".join(
        json.dumps({"text": f"Report {i}: shelling near Idlib.", "date": "2020-01-07"}) + "\n"
        for i in range(n)))
    articles, rejects = ingest([path, path])  # twice: the second copy adds nothing
    assert len(articles) == n and not rejects and len({a.id for a in articles}) == n
    with Store.open(tmp_path / "tiny.duckdb") as store:
        summary = store.write_results(ArticleResult(a) for a in articles)
        again = store.write_results(ArticleResult(a) for a in articles[:100])
        assert (summary.written, again.skipped) == (n, 100) and store.stats().articles == n


# ---------------------------------------------------------------- fuzzing every parser

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
                           st.text(max_size=40), lambda inner: st.lists(inner, max_size=3) |
                           st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
fuzz_line = st.one_of(
    json_values.map(json.dumps),
    st.fixed_dictionaries({"text": st.one_of(st.text(max_size=80), json_values),
                           "date": st.one_of(st.dates().map(str), st.text(max_size=12), json_values)},
                          optional={"title": json_values, "url": json_values}).map(json.dumps),
    st.text(max_size=60).filter(lambda s: "\n" not in s and "\r" not in s),
)


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".txt", ".jsonl", ".csv", ".tsv", ".html"]))
def test_fuzz_raw_bytes_never_raise(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        items = list(iter_articles([str(path)], IngestOptions(date=DATE, max_chars=2000)))
    for item in items:
        check_item(item, max_chars=2000)
    if suffix in (".txt", ".html"):
        assert len(items) == 1


@FUZZ
@given(lines=st.lists(fuzz_line, max_size=12), bom=st.booleans())
def test_fuzz_jsonl_gives_one_item_per_line(lines: list[str], bom: bool) -> None:
    """Every non-blank line is an article or a reject (or a repeat of an earlier article)."""
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.jsonl"
        path.write_bytes((codecs.BOM_UTF8 if bom else b"") + raw)
        items = list(iter_articles([str(path)], IngestOptions(max_chars=2000)))
    for item in items:
        check_item(item, max_chars=2000)
    texts = [json.loads(ln).get("text") for ln in lines
             if ln.strip() and ln.lstrip().startswith("{") and _is_json_object(ln)]
    repeats = len([t for t in texts if isinstance(t, str)]) - len({article_id(t) for t in texts
                                                                    if isinstance(t, str) and t.strip()})
    nonblank = sum(1 for ln in lines if ln.strip())
    assert nonblank - max(repeats, 0) <= len(items) <= nonblank


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


@FUZZ
@given(rows=st.lists(st.tuples(st.dates(max_value=dt.date(2024, 1, 1)), st.text(max_size=60)), max_size=8))
def test_fuzz_csv_cells_round_trip(rows: list[tuple[dt.date, str]]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(["date", "text"])
    writer.writerows((str(d), t) for d, t in rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_text(buf.getvalue(), encoding="utf-8", newline="")
        items = list(iter_articles([str(path)], IngestOptions(max_chars=2000)))
    for item in items:
        check_item(item, max_chars=2000)
    stored = [i.text for i in items if isinstance(i, Article)]
    expected = list(dict.fromkeys(t.replace("\r\n", "\n") for _, t in rows if t.strip() and "\x00" not in t))
    assert set(stored) <= set(expected)
    assert len(items) <= len(rows)


# ---------------------------------------------------------------- the command line


@pytest.fixture(scope="module")
def cli_runner() -> CliRunner:
    import importlib

    for name in _COMMAND_MODULES:  # as `eventlens` does
        importlib.import_module(f"eventlens.cli.{name}")
    return CliRunner()


def test_run_over_a_folder_of_bad_and_good_inputs(tmp_path: Path, cli_runner: CliRunner) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    expected_codes = {}
    for name, data, code in CASES:
        _write(folder, name, data)
        if code:
            expected_codes[name] = code
    sentences = centcom_sentences()
    _write(folder, "feed.jsonl", "\n".join([json.dumps({"text": sentences[1], "date": "2017-01-09"}),
                                            "{broken", json.dumps({"title": "no text"}),
                                            json.dumps({"text": sentences[2], "date": "2017-01-09"})]) + "\n")
    _write(folder, "scan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    db = tmp_path / "store.duckdb"
    result = cli_runner.invoke(cli_app, ["run", str(folder), "--db", str(db), "-q"])
    assert result.exit_code == 3, result.output  # something was rejected: scripts can tell
    out = tmp_path / "rejects.jsonl"
    assert cli_runner.invoke(cli_app, ["export", "--db", str(db), "--format", "rejects",
                                       "--out", str(out)]).exit_code == 0
    rejects = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_origin = {Path(r["origin"]).name: r for r in rejects}
    for name, code in expected_codes.items():
        assert by_origin[name]["code"] == code and by_origin[name]["reason"], name
    assert by_origin["feed.jsonl:2"]["code"] == "E006" and by_origin["feed.jsonl:3"]["code"] == "E007"
    assert by_origin["scan.pdf"]["code"] == "E009"
    assert len(rejects) == len(expected_codes) + 3
    stats = cli_runner.invoke(cli_app, ["stats", "--db", str(db)])
    assert stats.exit_code == 0 and "rejects by code" in stats.output
    with Store.open(db, read_only=True) as store:
        counts = store.stats()
        assert counts.articles == 3 + 2  # UTF-16 (LE and BE: one text, one article), Arabic, Cyrillic; JSONL
        assert counts.rejects_by_code == dict(Counter([*expected_codes.values(), "E006", "E007", "E009"]))
    # a clean input afterwards: exit 0, and the store keeps what it had
    clean = _write(tmp_path, "clean.txt", " date 2017-01-09 Aid groups said residents fled the town.")
    assert cli_runner.invoke(cli_app, ["run", str(clean), "--db", str(db), "-q"]).exit_code == 0


def _peak_rss_mb(args: list[str], cwd: Path) -> tuple[int, int]:
    """Exit code and peak resident memory (MB) of a command, measured in a fresh process of its own."""
    probe = ("import resource, subprocess, sys\n"
             "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,\n"
             "                    stderr=subprocess.DEVNULL).returncode\n"
             "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, capture_output=True, text=True,
                         check=True, timeout=300).stdout.split()
    return int(out[0]), int(out[1]) // 1024


def test_memory_stays_bounded_on_a_50_mb_file_and_a_10_mb_line(tmp_path: Path) -> None:
    big, small = tmp_path / "big", tmp_path / "small"
    big.mkdir()
    small.mkdir()
    sentence = GOOD + " "
    with (big / "fifty.txt").open("w", encoding="utf-8") as fh:  # 50 MB, one article
        fh.write(" date 2020-01-07 ")
        fh.write(sentence * (50_000_000 // len(sentence)))
    line = json.dumps({"text": sentence * (10_000_000 // len(sentence)), "date": "2020-01-07"})
    with (big / "lines.jsonl").open("w", encoding="utf-8") as fh:  # five 10 MB lines, then a bad one
        fh.write((line + "\n") * 5 + json.dumps({"text": 3}) + "\n")
    with (big / "field.csv").open("w", encoding="utf-8") as fh:  # one 10 MB line, one 10 MB field
        fh.write('date,text\n2020-01-07,"' + "y" * 10_000_000 + '"\n')
    (big / "page.html").write_text("<html><body><p>" + sentence * (25_000_000 // len(sentence)),
                                   encoding="utf-8")
    _write(small, "blank.txt", "  \n")
    cli = [sys.executable, "-c", "from eventlens.cli import main; main()", "run", "-q"]
    rc_small, rss_small = _peak_rss_mb([*cli, str(small), "--db", str(tmp_path / "small.duckdb")], tmp_path)
    rc_big, rss_big = _peak_rss_mb([*cli, str(big), "--db", str(tmp_path / "big.duckdb")], tmp_path)
    assert rc_small == rc_big == 3
    # Reading any of these whole would take 50+ MB (4x that as a Python str); streaming takes a few.
    assert rss_big - rss_small < 64, (rss_small, rss_big)
    with Store.open(tmp_path / "big.duckdb", read_only=True) as store:
        codes = sorted((Path(r.reject.origin).name, r.reject.code) for r in store.iter_rejects())
    assert codes == [("field.csv:2", "E006"), ("fifty.txt", "E008"), *[(f"lines.jsonl:{i}", "E008")
                                                                        for i in range(1, 6)],
                     ("lines.jsonl:6", "E007"), ("page.html", "E008")]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 < 4096  # the test itself stayed sane
