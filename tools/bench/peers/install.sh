#!/usr/bin/env bash
# Installs what the peer benches need, from Debian's packages, only what is missing (one
# `apt-get update`, then `apt-get install -y --no-install-recommends`), and the Fastify cart
# service's npm packages (`npm ci` from its pinned package-lock.json into fastify-cart/).
# Debian may start its own postgresql/redis/nginx services on install; the benches never use
# them: each bench runs its own instance in a temp dir on a free loopback port.
#
# usage: tools/bench/peers/install.sh [--runs N] [--quick]   (options accepted and ignored)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
peers_args "$@"

PG_BIN=/usr/lib/postgresql/15/bin
need_pkgs fio:fio "$PG_BIN/initdb:postgresql-15" "$PG_BIN/pgbench:postgresql-contrib" \
  redis-server:redis-server redis-cli:redis-tools wrk:wrk /usr/sbin/nginx:nginx-light \
  node:nodejs npm:npm python3:python3 curl:curl runuser:util-linux
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 is not in $PG_BIN"
id postgres >/dev/null 2>&1 || die "no postgres user (postgresql-15 creates it)"

APP="$PEERS_DIR/fastify-cart"
if [ ! -f "$APP/node_modules/.package-lock.json" ] || ! cmp -s "$APP/package-lock.json" "$APP/.installed-lock.json"; then
  log "npm ci in $APP"
  (cd "$APP" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$APP/package-lock.json" "$APP/.installed-lock.json"
fi
versions="fio $(fio --version), $("$PG_BIN/postgres" --version), redis $(redis-server --version | cut -d" " -f3 | cut -d= -f2)"
versions+=", $(/usr/sbin/nginx -v 2>&1 | cut -d' ' -f3), node $(node --version), $(wrk --version 2>&1 | head -1 | cut -d" " -f1-2 || true)"
log "peers ready: $versions"
