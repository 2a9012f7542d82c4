#!/usr/bin/env bash
# Makes a Centrifugo binary of the version the differential conformance suite
# (test/differential) compares Switchboard against.
#
# Looks for one already built (CENTRIFUGO_BIN, the project-local .cache/centrifugo/,
# then $(go env GOPATH)/bin) and otherwise builds it from the Go module proxy with
# `go install`, into .cache/centrifugo/ (gitignored). Prints the path and how long
# the build took. Needs Go >= 1.26 on PATH (what Centrifugo v6.9.1's go.mod asks for).
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with CENTRIFUGO_VERSION in test/differential/centrifugo.ts.
version="v6.9.1"
module="github.com/centrifugal/centrifugo/v6"
dest="$(pwd)/.cache/centrifugo"

if ! command -v go >/dev/null 2>&1; then
  echo "install-centrifugo: go is not on PATH; install Go (>= 1.26) first" >&2
  exit 1
fi

# True when $1 runs and reports $version, as the test harness checks it (a plain `go install`
# without the version stamp reports v0.0.0 and is rebuilt).
is_right_version() {
  [ -x "$1" ] || return 1
  case "$("$1" version 2>/dev/null)" in
    "Centrifugo $version "*) return 0 ;;
    *) return 1 ;;
  esac
}

candidates=()
[ -n "${CENTRIFUGO_BIN:-}" ] && candidates+=("$CENTRIFUGO_BIN")
candidates+=("$dest/centrifugo" "$(go env GOPATH)/bin/centrifugo")
for bin in "${candidates[@]}"; do
  if is_right_version "$bin"; then
    echo "install-centrifugo: $bin is Centrifugo $version already"
    if [ "$bin" != "$dest/centrifugo" ]; then
      mkdir -p "$dest"
      ln -sf "$bin" "$dest/centrifugo"
    fi
    exit 0
  fi
done

mkdir -p "$dest"
echo "install-centrifugo: building $module@$version into $dest (a cold build takes minutes)"
start=$(date +%s)
# The version is stamped as Centrifugo's release builds do, so `centrifugo version` and the
# connect reply name it (a plain `go install` would report 0.0.0).
GOBIN="$dest" CGO_ENABLED=0 go install -trimpath \
  -ldflags "-s -w -X $module/internal/build.Version=${version#v}" "$module@$version"
end=$(date +%s)
if ! is_right_version "$dest/centrifugo"; then
  echo "install-centrifugo: $dest/centrifugo is not $module@$version after the build" >&2
  exit 1
fi
echo "install-centrifugo: built Centrifugo $version in $((end - start)) s: $dest/centrifugo"
