#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Find a Python 3.10 interpreter, create .venv and install lava_backprop with
# its test extra. Does nothing when .venv is already up to date with
# pyproject.toml. lava-nc 0.10.0 runs on Python 3.10 only.
#
# Looked for, in order: $PYTHON, python3.10 on PATH, pyenv's installed 3.10.x,
# `uv python find 3.10`. If none is found, one is downloaded without root by
# `uv python install 3.10`, with the uv on PATH or else a uv pip-installed into
# ${XDG_CACHE_HOME:-$HOME/.cache}/lava_backprop/uv (python3 -m venv + pip).
# LAVA_BACKPROP_NO_PYTHON_DOWNLOAD=1 skips the download and just says how to get one.
#
# bootstrap.sh --check   exit 0 if .venv is up to date, 3 if not; change nothing.
# bootstrap.sh --find    print the Python 3.10 .venv would be built on (getting
#                        one as above if needed); create no venv.
# EXTRAS (default "test") names the optional dependencies to install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv=${VENV:-.venv}
extras=${EXTRAS:-test}
stamp="$venv/.bootstrap-stamp"
uv_tools=${XDG_CACHE_HOME:-$HOME/.cache}/lava_backprop/uv

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

# Print the path of a Python 3.10 downloaded by uv; on failure print the failed
# step and return 1. Progress goes to stderr.
download_python() {
  local uv c
  uv=$(command -v uv || true)
  if [ -z "$uv" ]; then
    uv=$uv_tools/bin/uv
    if [ ! -x "$uv" ]; then
      if ! command -v python3 >/dev/null 2>&1; then
        echo "there is no uv, and no python3 on PATH to install it with"; return 1
      fi
      echo "bootstrap: installing uv into $uv_tools (python3 -m venv, then pip install uv)" >&2
      rm -rf "$uv_tools"
      if ! python3 -m venv "$uv_tools" >&2; then
        rm -rf "$uv_tools"; echo "python3 -m venv $uv_tools failed"; return 1
      fi
      if ! "$uv_tools/bin/python" -m pip install --quiet uv >&2; then
        rm -rf "$uv_tools"; echo "installing uv with python3 -m pip failed"; return 1
      fi
    fi
  fi
  echo "bootstrap: no Python 3.10 found; downloading one with $uv python install 3.10" >&2
  if ! "$uv" python install 3.10 >&2; then
    echo "uv python install 3.10 failed"; return 1
  fi
  c=$("$uv" python find 3.10 2>/dev/null || true)
  if ! is_310 "$c"; then
    echo "uv python find 3.10 found no Python 3.10 after uv python install 3.10"; return 1
  fi
  echo "bootstrap: using the Python 3.10 that uv installed: $c" >&2
  echo "$c"
}

# Print the interpreter to build .venv on, or say how to get one and return 1.
get_python() {
  local out why
  if find_python; then return 0; fi
  if [ "${LAVA_BACKPROP_NO_PYTHON_DOWNLOAD:-0}" != 0 ]; then
    why="None was downloaded: LAVA_BACKPROP_NO_PYTHON_DOWNLOAD is set."
  elif out=$(download_python); then
    echo "$out"; return 0
  else
    why="Downloading one with uv failed: $out."
  fi
  cat >&2 <<MSG
bootstrap: no Python 3.10 found. lava-nc 0.10.0 needs Python 3.10 exactly.
$why
Install one, then run make again, for example:
  pyenv install 3.10            (https://github.com/pyenv/pyenv)
  uv python install 3.10        (https://docs.astral.sh/uv/)
  apt-get install python3.10 python3.10-venv
or point PYTHON at an existing interpreter: make PYTHON=/path/to/python3.10 test
MSG
  return 1
}

if [ "${1:-}" = "--find" ]; then
  get_python || exit 1
  exit 0
fi

want=$( (cat pyproject.toml scripts/bootstrap.sh; echo "$extras") | sha256sum | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && is_310 "$venv/bin/python" && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "bootstrap: $venv is missing or out of date" >&2
  exit 3
fi

if ! { [ -x "$venv/bin/python" ] && is_310 "$venv/bin/python"; }; then
  python=$(get_python) || exit 1
  echo "bootstrap: creating $venv with $python ($("$python" --version 2>&1))"
  rm -rf "$venv"
  # A venv made here that does not become ready is removed again.
  trap '[ $? -eq 0 ] || rm -rf "$venv"' EXIT
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi

echo "bootstrap: installing lava_backprop[$extras] into $venv"
"$venv/bin/python" -m pip install --quiet -e ".[$extras]"
echo "$want" > "$stamp"
echo "bootstrap: $venv is ready"
