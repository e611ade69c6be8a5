#!/usr/bin/env bash
# What the persistence tests and the load benchmark need besides the venv: PostgreSQL and
# Redis answering on loopback (the machine's own services; started here when they are not),
# and nginx (Debian's package, installed with apt-get when missing; it is only ever run by
# the tests, with its own prefix - the system service is not started). Safe to re-run.
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

wait_for() {  # wait_for NAME COMMAND...
  local name="$1"; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "setup_services: $name did not come up" >&2
  return 1
}

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "setup_services: starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432
fi

if [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null || true)" != "PONG" ]; then
  echo "setup_services: starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for Redis sh -c '[ "$(redis-cli -h 127.0.0.1 -p 6379 ping)" = PONG ]'
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "setup_services: installing nginx with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
  else
    echo "setup_services: nginx is missing and apt-get is not available; the scale-out test will fail" >&2
  fi
fi
