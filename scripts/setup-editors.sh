#!/usr/bin/env bash
# Install the real editors the tests in tests/editors drive, where they are missing.
#   bash scripts/setup-editors.sh
# Emacs: Debian's emacs-nox (28.2) with elpa-eglot (1.9), for tests/editors/test_emacs.py.
# Idempotent: does nothing when `emacs` and eglot are already there. Quiet unless it fails.
set -euo pipefail

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup-editors: need root to run: $*" >&2
    return 1
  fi
}

have_eglot() {
  # --batch skips the user's init file but keeps Debian's site-start, which puts
  # /usr/share/emacs/site-lisp/elpa (elpa-eglot) on the load path.
  emacs --batch --eval '(require (quote eglot))' >/dev/null 2>&1
}

apt_install() {
  local log
  log=$(mktemp)
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
    ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "$@" >>"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup-editors: could not install $*" >&2
    return 1
  fi
  rm -f "$log"
}

if ! command -v emacs >/dev/null 2>&1; then
  echo "setup-editors: installing emacs-nox elpa-eglot"
  apt_install emacs-nox elpa-eglot
elif ! have_eglot; then
  echo "setup-editors: installing elpa-eglot"
  apt_install elpa-eglot
fi

have_eglot || {
  echo "setup-editors: emacs is installed but cannot load eglot" >&2
  exit 1
}
