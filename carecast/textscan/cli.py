"""`carecast scan`: JSON lines in, findings out.

    carecast scan [FILE] [--only phi | --only LABEL,LABEL] [--org-kind provider|manufacturer]

Each input line: {"id", "text", "kind": "post"|"reply"|"inbound", "context", "org_kind"}.
Each output line: {"id", "spans": [{"start", "end", "label", "rule", "severity"}]}.
A line that is not valid input gets an error on stderr naming its line number; the run goes on and
exits with status 1 at the end. Progress goes to stderr when reading a file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import IO, Any

from carecast.textscan import lexicon
from carecast.textscan.findings import PHI_LABELS
from carecast.textscan.policy import ALL_RULES, Policy
from carecast.textscan.scan import scan


def _rules(only: str | None) -> frozenset[str]:
    if not only:
        return ALL_RULES
    wanted = {part.strip().upper() for part in only.split(",") if part.strip()}
    if "PHI" in wanted or wanted & set(PHI_LABELS):
        wanted.add("PHI")
    unknown = wanted - ALL_RULES - set(PHI_LABELS)
    if unknown:
        raise SystemExit(f"carecast scan: unknown label(s) for --only: {', '.join(sorted(unknown))}")
    return frozenset(wanted & ALL_RULES)


def _labels_kept(only: str | None) -> set[str] | None:
    if not only:
        return None
    wanted = {part.strip().upper() for part in only.split(",") if part.strip()}
    return set(PHI_LABELS) if "PHI" in wanted else wanted


def run(
    stream: IO[str], out: IO[str], err: IO[str], *, only: str | None, org_kind: str | None, progress: bool
) -> int:
    rules = _rules(only)
    keep = _labels_kept(only)
    policies: dict[str, Policy] = {}
    bad = 0
    started = time.monotonic()
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item: Any = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('each line must be a JSON object with a "text" string')
            kind = item.get("kind", "post")
            if kind not in ("post", "reply", "inbound"):
                raise ValueError(f'"kind" must be post, reply or inbound, not {kind!r}')
            tenant = org_kind or item.get("org_kind", "provider")
            if tenant not in ("provider", "manufacturer"):
                raise ValueError(f'"org_kind" must be provider or manufacturer, not {tenant!r}')
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            print(f"carecast scan: line {number}: {exc}", file=err)
            continue
        policy = policies.setdefault(tenant, Policy(org_kind=tenant, rules=rules))
        findings = scan(item["text"], kind=kind, context=item.get("context") or "", policy=policy)
        spans = [f.as_span() for f in findings if keep is None or f.label in keep]
        out.write(json.dumps({"id": item.get("id"), "spans": spans}) + "\n")
        if progress and number % 1000 == 0:
            rate = number / max(time.monotonic() - started, 1e-9)
            print(f"carecast scan: {number} lines ({rate:.0f}/s)", file=err)
    if progress:
        print(f"carecast scan: done in {time.monotonic() - started:.1f} s; {bad} bad line(s)", file=err)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="carecast scan", description="Check texts for PHI and health-care rules."
    )
    parser.add_argument("file", nargs="?", help="JSON lines to read (default: standard input)")
    parser.add_argument("--only", help="phi, or a comma-separated list of labels")
    parser.add_argument(
        "--org-kind", choices=["provider", "manufacturer"], help="override each line's org_kind"
    )
    args = parser.parse_args(argv)
    lexicon.warm()
    if args.file:
        with open(args.file, encoding="utf-8") as stream:
            return run(stream, sys.stdout, sys.stderr, only=args.only, org_kind=args.org_kind, progress=True)
    return run(sys.stdin, sys.stdout, sys.stderr, only=args.only, org_kind=args.org_kind, progress=False)
