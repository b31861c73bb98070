#!/usr/bin/env bash
# `make bench`: every benchmark in benchmarks/, each printing what it measured and the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
CARECAST_EXTRA_GROUPS="--group bench" scripts/setup.sh
scripts/setup-pds.sh  # bench_publish.py posts to a real Bluesky PDS on loopback
for script in benchmarks/bench_*.py; do
  echo "== $script"
  .venv/bin/python "$script"
done
