#!/usr/bin/env bash
# Checks for everything the test suite needs beyond node_modules and installs what is missing:
# redis-server and redis-cli, nginx, Debian's Chromium (driven by playwright-core), the brokers the
# consumer tests start on free ports (PostgreSQL, RabbitMQ, NATS from Debian's packages; Kafka 4 in
# KRaft mode from Maven Central's jars, see install-kafka.sh), and the
# Centrifugo binary the differential suite compares against (built with the machine's Go, 1.26 or
# later, from the module proxy: Debian's golang-go is too old for it).
# Runs before `npm test` (its `pretest` script); safe to run again, it only installs what is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || need_apt+=(rabbitmq-server)
command -v nats-server >/dev/null 2>&1 || need_apt+=(nats-server)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "install-test-deps: missing ${need_apt[*]}: install them (Debian: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
  as_root=()
  [ "$(id -u)" -ne 0 ] && as_root=(sudo)
  echo "install-test-deps: installing ${need_apt[*]}"
  "${as_root[@]}" apt-get update -qq
  # The packages' services are not started: the tests start their own servers on free ports.
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
  "${as_root[@]}" rm -f /usr/sbin/policy-rc.d
fi

bash scripts/install-kafka.sh
PATH="$PATH:/usr/local/go/bin" bash scripts/install-centrifugo.sh
PATH="$PATH:/usr/local/go/bin" bash scripts/install-interop-clients.sh
