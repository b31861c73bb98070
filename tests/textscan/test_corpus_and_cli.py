"""A quality floor on the labelled corpus (scored by the corpus's own scorer), and `carecast scan`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from carecast.textscan.cli import run

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    if not (CORPUS / "phi-dev.jsonl").exists():
        pytest.fail(f"the labelled corpus is missing at {CORPUS} (it sits beside the repository)")
    out = tmp_path_factory.mktemp("scan") / "pred.jsonl"
    with open(CORPUS / "phi-dev.jsonl") as stream, open(out, "w") as sink:
        assert run(stream, sink, io.StringIO(), only="phi", org_kind=None, progress=False) == 0
    report = tmp_path_factory.mktemp("score") / "report.json"
    subprocess.run(
        [
            sys.executable,
            str(CORPUS / "score_spans.py"),
            str(CORPUS / "phi-dev.jsonl"),
            str(out),
            "--json",
            str(report),
        ],
        check=True,
        capture_output=True,
    )
    return json.loads(report.read_text())


def test_phi_quality_on_the_labelled_corpus(scored):
    exact, doc = scored["exact"], scored["doc"]
    assert exact["f1"] >= 0.965, exact  # measured 0.972; the issue asks for 0.90
    assert doc["recall"] >= 0.98, doc
    assert doc["false_alarm_rate_on_phi_free_docs"] <= 0.05, doc


def _cli(lines: str, *args: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    only = args[args.index("--only") + 1] if "--only" in args else None
    code = run(io.StringIO(lines), out, err, only=only, org_kind=None, progress=False)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_a_malformed_line_is_named_and_the_run_goes_on():
    code, rows, err = _cli(
        '{"id": 1, "text": "call 617-555-0148"}\nnot json\n{"id": 3}\n'
        '{"id": 4, "text": "hi", "kind": "tweet"}\n{"id": 5, "text": "ok"}\n'
    )
    assert code == 1
    assert [r["id"] for r in rows] == [1, 5]
    assert "line 2:" in err and "line 3:" in err and "line 4:" in err and "tweet" in err
    assert rows[0]["spans"] == [
        {"start": 5, "end": 17, "label": "PHONE", "rule": "phi.phone", "severity": "block"}
    ]


def test_only_limits_the_labels():
    line = (
        json.dumps(
            {"id": "a", "text": "Sounds like you have strep, call 617-555-0148 #hearthealth", "kind": "reply"}
        )
        + "\n"
    )
    _, everything, _ = _cli(line)
    assert {s["label"] for s in everything[0]["spans"]} == {"MEDICAL_ADVICE", "PHONE", "HASHTAG_CASE"}
    _, phi, _ = _cli(line, "--only", "phi")
    assert [s["label"] for s in phi[0]["spans"]] == ["PHONE"]
    _, some, _ = _cli(line, "--only", "MEDICAL_ADVICE,HASHTAG_CASE")
    assert {s["label"] for s in some[0]["spans"]} == {"MEDICAL_ADVICE", "HASHTAG_CASE"}


def test_the_installed_command_reads_a_file_and_reports_progress(tmp_path):
    data = tmp_path / "in.jsonl"
    data.write_text(
        "\n".join(json.dumps({"id": i, "text": f"DOB 03/0{i % 9 + 1}/1950"}) for i in range(1200))
    )
    done = subprocess.run(
        [str(REPO / ".venv" / "bin" / "carecast"), "scan", str(data), "--only", "phi"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(done.stdout.splitlines()) == 1200
    assert "1000 lines" in done.stderr and "done in" in done.stderr
