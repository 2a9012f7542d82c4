#!/usr/bin/env bash
# Makes the two client programs the interop suite (test/interop) drives against a Switchboard node:
#
# - .cache/interop/centrifuge-go-client, test/interop/go built with the Go module proxy
#   (centrifuge-go as pinned by its go.mod and go.sum; needs Go >= 1.25 on PATH);
# - .cache/interop/venv, a Python venv with test/interop/python/requirements.txt (centrifuge-python
#   and its dependencies, pinned), for test/interop/python/client.py. Installs Debian's python3-venv
#   when `python3 -m venv` cannot work here.
#
# Each is rebuilt only when what it is made from changed (a stamp next to it records that), so a
# second run takes well under a second. Called by scripts/install-test-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

dest="$(pwd)/.cache/interop"
go_src="test/interop/go"
go_bin="$dest/centrifuge-go-client"
venv="$dest/venv"
requirements="test/interop/python/requirements.txt"
mkdir -p "$dest"

# The stamp of a product: what it is built from and with, hashed.
stamp_of() {
  { cat "$@"; } | sha256sum | cut -d' ' -f1
}

as_root=()
apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "install-interop-clients: missing $*: install them (Debian: apt-get install $*)" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  echo "install-interop-clients: installing $*"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "$@" >/dev/null
}

# --- the Go client ---------------------------------------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  echo "install-interop-clients: go is not on PATH; install Go (>= 1.25) first" >&2
  exit 1
fi
go_stamp="$(stamp_of "$go_src/go.mod" "$go_src/go.sum" "$go_src/main.go" <(go version))"
if [ -x "$go_bin" ] && [ "$(cat "$go_bin.stamp" 2>/dev/null)" = "$go_stamp" ]; then
  echo "install-interop-clients: $go_bin is up to date"
else
  echo "install-interop-clients: building $go_src into $go_bin"
  start=$(date +%s)
  rm -f "$go_bin.stamp"
  # -mod=readonly: the build uses go.sum as committed and fails instead of editing it.
  (cd "$go_src" && CGO_ENABLED=0 go build -mod=readonly -buildvcs=false -trimpath -o "$go_bin.tmp" .)
  mv "$go_bin.tmp" "$go_bin"
  echo "$go_stamp" >"$go_bin.stamp"
  echo "install-interop-clients: built the Go client in $(($(date +%s) - start)) s"
fi

# --- the Python client -----------------------------------------------------------------------
if ! command -v python3 >/dev/null 2>&1; then
  apt_install python3 python3-venv
elif ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  # Debian splits venv's pip bootstrap (ensurepip) into python3-venv.
  apt_install python3-venv
fi
py_stamp="$(stamp_of "$requirements" <(python3 -c 'import sys; print(sys.executable, sys.version)'))"
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$py_stamp" ]; then
  echo "install-interop-clients: $venv is up to date"
else
  echo "install-interop-clients: creating $venv from $requirements"
  start=$(date +%s)
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  "$venv/bin/python" -c 'import centrifuge'
  echo "$py_stamp" >"$venv/.stamp"
  echo "install-interop-clients: created the venv in $(($(date +%s) - start)) s"
fi
