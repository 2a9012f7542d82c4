#!/usr/bin/env bash
# Makes the two client programs the interop suite (test/interop) drives against a Switchboard node:
#
# - .cache/interop/centrifuge-go-client, test/interop/go built with the Go module proxy
#   (centrifuge-go as pinned by its go.mod and go.sum; needs Go >= 1.25 on PATH);
# - .cache/interop/venv, a Python venv with test/interop/python/requirements.txt (centrifuge-python
#   and its dependencies, pinned), for test/interop/python/client.py. Installs Debian's python3-venv
#   when `python3 -m venv` cannot work here;
# - .cache/interop/java, test/interop/java compiled by Maven (centrifuge-java and its dependencies
#   as pinned by its pom.xml, from Maven Central) into java/target/classes, and java/client.args,
#   the `java @client.args` argument file naming the classpath and the main class. Installs Debian's
#   maven and a JDK when mvn is missing. No jar is made or committed: the classpath points into the
#   local Maven repository (~/.m2).
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
java_src="test/interop/java"
java_out="$dest/java"
java_args="$java_out/client.args"
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

# --- the Java client -------------------------------------------------------------------------
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  apt_install maven openjdk-17-jdk-headless
fi
# The JDK and Maven by their installed paths: asking them their versions starts a JVM each (~1 s).
java_stamp="$(stamp_of "$java_src/pom.xml" $(find "$java_src/src" -type f | sort) \
  <(readlink -f "$(command -v java)" "$(command -v javac)" "$(command -v mvn)"))"
# Up to date also means the jars it names are still in the local Maven repository.
java_jars_present() {
  local jar jars=()
  [ -f "$java_out/classpath.txt" ] || return 1
  # Maven writes the list without a final newline, on which read returns 1 yet fills the array.
  IFS=: read -r -a jars <"$java_out/classpath.txt" || [ "${#jars[@]}" -gt 0 ] || return 1
  for jar in "${jars[@]}"; do [ -f "$jar" ] || return 1; done
}
if [ -f "$java_args" ] && [ "$(cat "$java_out/.stamp" 2>/dev/null)" = "$java_stamp" ] &&
  java_jars_present; then
  echo "install-interop-clients: $java_args is up to date"
else
  echo "install-interop-clients: building $java_src into $java_out"
  start=$(date +%s)
  rm -rf "$java_out"
  mkdir -p "$java_out"
  # compile only: no jar, no test plugins to fetch; build-classpath lists the resolved jars.
  mvn -B -q -Dstyle.color=never -f "$java_src/pom.xml" -Dinterop.build="$java_out/target" \
    -Dmdep.outputFile="$java_out/classpath.txt" compile dependency:build-classpath
  printf -- '-cp "%s:%s"\nswitchboard.interop.Main\n' "$java_out/target/classes" \
    "$(cat "$java_out/classpath.txt")" >"$java_args.tmp"
  mv "$java_args.tmp" "$java_args"
  echo "$java_stamp" >"$java_out/.stamp"
  echo "install-interop-clients: built the Java client in $(($(date +%s) - start)) s"
fi
