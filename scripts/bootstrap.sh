#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Find a Python 3.10 interpreter, create .venv and install lava_backprop with
# its test extra. Does nothing when .venv is already up to date with
# pyproject.toml. lava-nc 0.10.0 runs on Python 3.10 only.
#
# Looked for, in order: $PYTHON, python3.10 on PATH, pyenv's installed 3.10.x,
# `uv python find 3.10`.
#
# bootstrap.sh --check   exit 0 if .venv is up to date, 3 if not; change nothing.
# EXTRAS (default "test") names the optional dependencies to install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=${VENV:-.venv}
extras=${EXTRAS:-test}
stamp="$venv/.bootstrap-stamp"

is_310() {
  [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1
}

find_python() {
  local c root
  for c in "${PYTHON:-}" "$(command -v python3.10 || true)"; do
    if is_310 "$c"; then echo "$c"; return 0; fi
  done
  for root in "$(pyenv root 2>/dev/null || true)" "${PYENV_ROOT:-$HOME/.pyenv}"; do
    [ -d "$root/versions" ] || continue
    while read -r c; do
      if is_310 "$c"; then echo "$c"; return 0; fi
    done < <(ls -d "$root"/versions/3.10*/bin/python3.10 2>/dev/null | sort -rV)
  done
  if command -v uv >/dev/null 2>&1; then
    c=$(uv python find 3.10 2>/dev/null || true)
    if is_310 "$c"; then echo "$c"; return 0; fi
  fi
  return 1
}

want=$( (cat pyproject.toml scripts/bootstrap.sh; echo "$extras") | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && is_310 "$venv/bin/python" && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "bootstrap: $venv is missing or out of date" >&2
  exit 3
fi

if ! { [ -x "$venv/bin/python" ] && is_310 "$venv/bin/python"; }; then
  if ! python=$(find_python); then
    cat >&2 <<'MSG'
bootstrap: no Python 3.10 found. lava-nc 0.10.0 needs Python 3.10 exactly.
Install one, then run make again, for example:
  pyenv install 3.10            (https://github.com/pyenv/pyenv)
  uv python install 3.10        (https://docs.astral.sh/uv/)
  apt-get install python3.10 python3.10-venv
or point PYTHON at an existing interpreter: make PYTHON=/path/to/python3.10 test
MSG
    exit 1
  fi
  echo "bootstrap: creating $venv with $python ($("$python" --version 2>&1))"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi

echo "bootstrap: installing lava_backprop[$extras] into $venv"
"$venv/bin/python" -m pip install --quiet -e ".[$extras]"
echo "$want" > "$stamp"
echo "bootstrap: $venv is ready"
