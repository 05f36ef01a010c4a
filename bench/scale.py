"""A long run: N generated articles streamed through `eventlens run`, killed once, resumed.

    python bench/scale.py --articles 100000 [--workers 2] [--short] [--out bench/results/scale.json]

What it checks, for the guarantee that a corpus of 100,000 articles runs in bounded memory and resumes
after an interruption without redoing finished articles:

1. **Corpus**: written line by line to a JSONL file (never held in memory), from the real texts the
   project ships (``tests/data/articles``, ``tests/data/cluster``, ``tests/data/ingest``: CENTCOM, US
   State Department and UK Government releases and the seed article). Article ``i`` is base text
   ``i % B`` with a reference line ``Reference i.`` (so its content id differs: eventlens stores
   identical texts once), published ``i % 28`` days before its base text's date, so copies spread
   over four weeks as a wire report's reprints do. ``--short`` uses the texts' paragraphs (cheaper per
   article; more distinct bases) instead of whole articles.
2. **Run, kill, resume**: `eventlens run` as a subprocess; its RSS (and that of its workers) is
   sampled from /proc every ``--interval`` seconds together with the number of stored articles (read
   from the store between the run's commits). Once ``--kill-at`` of the corpus is stored, the run is
   killed with SIGKILL; the same command runs again to the end.
3. **Checks**: the resumed run reports as skipped exactly the articles stored before the kill (none is
   redone) and the final store holds N articles, each once; every event is in one cluster.

The report (JSON) holds the RSS series of both runs, the peak RSS per process, articles/s of each
phase, and the checks; `--render` prints its summary table. Exit status 1 if a check fails.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "tests" / "data" / "articles", ROOT / "tests" / "data" / "cluster" / "reports.jsonl",
           ROOT / "tests" / "data" / "ingest"]
SPREAD_DAYS = 28
sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _descendants, _status  # noqa: E402  (bench/run.py: /proc helpers)

# ------------------------------------------------------------------ corpus

def base_texts(short: bool) -> list[dict[str, Any]]:
    """The shipped real texts, read by eventlens's own readers (deduplicated by content), as records;
    with ``short``, one record per paragraph of at least 120 characters."""
    from eventlens.ingest.sources import iter_articles
    from eventlens.records import Article

    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a in iter_articles([str(p) for p in SOURCES]):
        if not isinstance(a, Article) or a.published is None:
            continue
        pieces = [p.strip() for p in a.text.split("\n")] if short else [a.text]
        for text in pieces:
            if (short and len(text) < 120) or text in seen:
                continue
            seen.add(text)
            out.append({"date": a.published, "text": text, "title": a.title, "source": a.source})
    return out


def write_corpus(path: Path, n: int, short: bool) -> dict[str, Any]:
    """Write ``n`` articles to ``path`` one line at a time; return the corpus's size."""
    base = base_texts(short)
    words = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            b = base[i % len(base)]
            text = f"{b['text']}\n\nReference {i + 1:07d}."
            words += len(text.split())
            day = b["date"] - dt.timedelta(days=i % SPREAD_DAYS)
            fh.write(json.dumps({"date": day.isoformat(), "text": text, "title": b["title"],
                                 "source": b["source"]}, ensure_ascii=False) + "\n")
    return {"articles": n, "words": words, "distinct_texts": len(base), "short": short,
            "spread_days": SPREAD_DAYS}


# ------------------------------------------------------------------ the run, watched

def _rss_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, 0 if it is gone."""
    status = _status(pid) or {}
    rss, hwm = status.get("VmRSS", "0 kB"), status.get("VmHWM", "0 kB")
    return int(rss.split()[0]) / 1024, int(hwm.split()[0]) / 1024


def _stored(db: Path) -> int | None:
    """Articles in the store, read between the run's commits (None while the run holds the file)."""
    import duckdb

    if not db.exists():
        return 0
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT count(*) FROM articles").fetchone()
            return int(row[0]) if row else 0
    except duckdb.Error:
        return None


def watch(cmd: list[str], db: Path, interval: float, kill_at: int | None,
          env: dict[str, str]) -> dict[str, Any]:
    """Run ``cmd``, sampling RSS of its process tree and the stored articles; SIGKILL the tree once
    ``kill_at`` articles are stored. Returns the samples, peaks and outcome."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT, start_new_session=True)
    samples: list[dict[str, Any]] = []
    peaks: dict[int, float] = {}
    killed = False
    stored = 0
    next_count = 0.0
    while proc.poll() is None:
        time.sleep(interval)
        pids = [p for p in _descendants(proc.pid)]
        rss = {}
        for pid in pids:
            now, hwm = _rss_mb(pid)
            if now:
                rss[pid] = round(now, 1)
                peaks[pid] = max(peaks.get(pid, 0.0), hwm)
        elapsed = time.monotonic() - started
        if elapsed >= next_count:  # a read-only open of the store is cheap but not free: every 5 s
            count = _stored(db)
            stored = count if count is not None else stored
            next_count = elapsed + 5.0
        samples.append({"t": round(elapsed, 1), "main_rss_mb": rss.get(proc.pid, 0.0),
                        "workers_rss_mb": sorted((v for k, v in rss.items() if k != proc.pid), reverse=True),
                        "stored": stored})
        if kill_at is not None and not killed and stored >= kill_at:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
    out, err = proc.communicate()
    wall = time.monotonic() - started
    main_peak = peaks.get(proc.pid, 0.0)
    return {"returncode": proc.returncode, "killed": killed, "wall_s": round(wall, 1),
            "main_peak_rss_mb": round(main_peak, 1),
            "worker_peak_rss_mb": round(max((v for k, v in peaks.items() if k != proc.pid), default=0.0), 1),
            "stored_at_end": _stored(db), "stdout": out[-3000:], "stderr": err[-3000:], "samples": samples}



def flatness(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Main-process RSS after the first fifth of the run against the last fifth (before the final
    clustering): a leak grows with the stream, a bounded run stays level."""
    rss = [s["main_rss_mb"] for s in samples if s["main_rss_mb"]]
    if len(rss) < 10:
        return {"samples": len(rss)}
    fifth = len(rss) // 5
    early, late = rss[fifth:2 * fifth], rss[-2 * fifth:-fifth]
    return {"samples": len(rss), "early_median_mb": sorted(early)[len(early) // 2],
            "late_median_mb": sorted(late)[len(late) // 2], "max_mb": max(rss)}


def summary_counts(db: Path) -> dict[str, Any]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        q = {"articles": "SELECT count(*) FROM articles",
             "distinct_articles": "SELECT count(DISTINCT id) FROM articles",
             "events": "SELECT count(*) FROM events",
             "clustered": "SELECT count(*) FROM cluster_members",
             "clusters": "SELECT count(*) FROM clusters",
             "runs": "SELECT count(*) FROM runs"}
        out = {}
        for key, sql in q.items():
            try:
                row = con.execute(sql).fetchone()
                out[key] = int(row[0]) if row else 0
            except duckdb.Error:
                out[key] = None
        return out


def _skipped(stdout: str) -> int | None:
    """'already stored' count from the run's summary line (printed on stderr)."""
    for line in stdout.splitlines():
        if "already stored" in line:
            words = line.replace(",", " ").split()
            for i, w in enumerate(words):
                if w == "already" and i > 0:
                    return int(words[i - 1])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--short", action="store_true", help="paragraphs of the texts, not whole articles")
    parser.add_argument("--kill-at", type=float, default=0.4, help="fraction stored when the run is killed")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between RSS samples")
    parser.add_argument("--keep", type=Path, help="directory to keep the corpus and store in")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    parser.add_argument("--render", type=Path, help="print the summary of a report and stop")
    args = parser.parse_args()
    if args.render:
        print(render(json.loads(args.render.read_text(encoding="utf-8"))))
        return

    with tempfile.TemporaryDirectory(prefix="eventlens-scale-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus_path, db = work / "corpus.jsonl", work / "scale.duckdb"
        for stale in (db, Path(str(db) + ".wal")):
            stale.unlink(missing_ok=True)
        corpus = write_corpus(corpus_path, args.articles, args.short)
        print(f"corpus: {corpus}", file=sys.stderr)
        cmd = [str(Path(sys.executable).parent / "eventlens"), "run", str(corpus_path), "--db", str(db),
               "--workers", str(args.workers), "--wait", "600"]
        env = dict(os.environ, EVENTLENS_LOG="WARNING")
        report: dict[str, Any] = {"date": dt.datetime.now().isoformat(timespec="seconds"),
                                  "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                                  "nproc": os.cpu_count(), "corpus": corpus, "workers": args.workers,
                                  "command": " ".join(cmd[1:]).replace(str(work), "$WORK")}
        kill_at = max(1, int(args.articles * args.kill_at))
        first = watch(cmd, db, args.interval, kill_at, env)
        print(f"first run: killed={first['killed']} stored={first['stored_at_end']} "
              f"wall={first['wall_s']}s", file=sys.stderr)
        second = watch(cmd, db, args.interval, None, env)
        print(f"resumed run: rc={second['returncode']} wall={second['wall_s']}s", file=sys.stderr)
        counts = summary_counts(db)
        before = first["stored_at_end"] or 0
        skipped = _skipped(second["stderr"])
        checks = {
            "first_run_killed": first["killed"],
            "resumed_run_succeeded": second["returncode"] == 0,
            "none_redone": skipped == before,
            "store_has_all_articles": counts["articles"] == counts["distinct_articles"] == args.articles,
            "every_event_clustered": counts["events"] == counts["clustered"],
        }
        report.update({
            "first": {k: v for k, v in first.items() if k not in ("stdout",)},
            "resumed": {k: v for k, v in second.items() if k not in ("stdout",)},
            "stored_before_resume": before, "skipped_by_resume": skipped, "store": counts,
            "rss_flatness_first": flatness(first["samples"]),
            "rss_flatness_resumed": flatness(second["samples"]),
            "articles_per_s_first": round(before / first["wall_s"], 2) if first["wall_s"] else None,
            "articles_per_s_resumed": round((args.articles - before) / second["wall_s"], 2)
            if second["wall_s"] else None,
            "checks": checks, "ok": all(checks.values()),
        })
        report["resumed"]["summary"] = second["stderr"][-1500:]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(render(report))
    print(f"wrote {args.out}", file=sys.stderr)
    if not report["ok"]:
        sys.exit(1)


def render(report: dict[str, Any]) -> str:
    c, f, r = report["corpus"], report["first"], report["resumed"]
    lines = [f"{report['date']}: {report['nproc']} CPUs, load average at start {report['loadavg_at_start']}; "
             f"{c['articles']:,} articles ({c['words']:,} words, {c['distinct_texts']} base texts"
             f"{', paragraphs' if c['short'] else ''}), {report['workers']} worker(s).", "",
             "| phase | wall s | articles | articles/s | main RSS MB (peak) | worker RSS MB (peak) "
             "| main RSS early / late median MB |", "|---|---|---|---|---|---|---|"]
    for name, run, n, rate, flat in (
            ("until SIGKILL", f, report["stored_before_resume"], report["articles_per_s_first"],
             report["rss_flatness_first"]),
            ("resumed to the end", r, c["articles"] - report["stored_before_resume"],
             report["articles_per_s_resumed"], report["rss_flatness_resumed"])):
        lines.append(f"| {name} | {run['wall_s']} | {n:,} | {rate} | {run['main_peak_rss_mb']} "
                     f"| {run['worker_peak_rss_mb']} | {flat.get('early_median_mb')} / "
                     f"{flat.get('late_median_mb')} |")
    lines += ["", "| check | result |", "|---|---|"]
    lines += [f"| {k} | {'yes' if v else 'NO'} |" for k, v in report["checks"].items()]
    s = report["store"]
    lines += ["", f"store: {s['articles']:,} articles, {s['events']:,} events, {s['clusters']:,} clusters; "
                  f"the resumed run skipped {report['skipped_by_resume']:,} stored articles "
                  f"(stored before the kill: {report['stored_before_resume']:,})."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
