#!/usr/bin/env bash
# `make test` (and CI): install what the tests need, start a throwaway PostgreSQL and Redis on free
# loopback ports, run the whole suite on SQLite (with browser tests) and on PostgreSQL, the Bluesky
# connector against a real PDS (its fixture starts and stops it), the worker tests on SqliteHuey and
# RedisHuey, and the linters. Stops what it started. Any missing piece fails.
set -euo pipefail
cd "$(dirname "$0")/.."
START=$SECONDS
log() { echo "[test +$((SECONDS - START))s] $*"; }
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

# ---- Debian packages: PostgreSQL, Redis, Chromium
missing=()
for p in postgresql redis-server chromium; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/setup.sh
log "Bluesky PDS (Node 22 and @atproto/pds from the npm registry, cached outside the clone)"
scripts/setup-pds.sh
log "lint"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy carecast config
check_dir=$(mktemp -d)
HUEY_IMMEDIATE=1 CARECAST_VAR_DIR="$check_dir" .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
  || { rm -rf "$check_dir"; echo "a model change has no migration: run manage.py makemigrations" >&2; exit 1; }
rm -rf "$check_dir"

# ---- throwaway services on loopback, stopped on exit
TMP=$(mktemp -d /tmp/carecast-test.XXXXXX); chmod 755 "$TMP"
free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PGDATA="$TMP/pg"; PGPORT=$(free_port); REDIS_PORT=$(free_port)
AS_PG=(); [ "$(id -u)" -eq 0 ] && AS_PG=(runuser -u postgres --)
cleanup() {
  [ -f "$PGDATA/postmaster.pid" ] && "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$TMP/redis.pid" ] && kill "$(cat "$TMP/redis.pid")" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
if [ "$(id -u)" -eq 0 ]; then install -d -o postgres -g postgres "$PGDATA"; else mkdir -p "$PGDATA"; fi
"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -o \
  "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
  --daemonize yes --pidfile "$TMP/redis.pid" --logfile "$TMP/redis.log"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping | grep -q PONG || { echo "redis did not start" >&2; exit 1; }
log "postgres on 127.0.0.1:$PGPORT, redis on 127.0.0.1:$REDIS_PORT"

PG_URL="postgres://postgres@127.0.0.1:$PGPORT/carecast"
export CHROMIUM=/usr/bin/chromium CARECAST_REQUIRE_ALL=1 CARECAST_VAR_DIR="$TMP/var"
fail=0
run() {  # run "label" cmd...; "no tests collected" (exit 5) is a failure: every stage must test something
  local label=$1; shift; log "pytest: $label"
  set +e; "$@"; local rc=$?; set -e
  if [ $rc -ne 0 ]; then echo "FAILED: $label (pytest exit $rc)"; fail=1; fi
}
PYTEST=(.venv/bin/python -m pytest -q -p no:cacheprovider)
run "SQLite (with browser tests)" env -u DATABASE_URL -u HUEY_URL HUEY_IMMEDIATE=1 "${PYTEST[@]}" -m "not worker and not pds" tests
run "PostgreSQL"                  env -u HUEY_URL HUEY_IMMEDIATE=1 DATABASE_URL="$PG_URL" "${PYTEST[@]}" -m "not worker and not browser and not pds" tests
run "Bluesky: real PDS + PostgreSQL" env -u HUEY_URL HUEY_IMMEDIATE=1 DATABASE_URL="$PG_URL" "${PYTEST[@]}" -m pds tests
run "worker: SqliteHuey + SQLite" env -u DATABASE_URL -u HUEY_URL HUEY_IMMEDIATE=0 HUEY_SQLITE="$TMP/huey.sqlite3" "${PYTEST[@]}" -m worker tests
run "worker: RedisHuey + PostgreSQL" env HUEY_IMMEDIATE=0 DATABASE_URL="$PG_URL" HUEY_URL="redis://127.0.0.1:$REDIS_PORT/0" "${PYTEST[@]}" -m worker tests
log "done (fail=$fail)"
exit $fail
