#!/usr/bin/env bash
# The storefront-cart stack people build today: a Fastify 4 service (fastify-cart/server.js,
# one Node process) backed by Redis 7 (Debian's redis-server), under the same wrk load as
# Mercato's POST /api/v1/cart/items (the shared script tools/bench/lua/add_to_cart.lua: many
# users, a bearer token each, products prod-001..prod-012).
# Two Redis configurations, each its own redis-server in a temp dir on a free port:
#   fastify      save "" + appendonly no: in memory only, a crash loses the carts (what such a
#                service usually runs with: the cart is a cache)
#   fastify_aof  appendonly yes + appendfsync always: each write fsynced to the AOF before
#                Redis answers, the durability Mercato gives every add-to-cart
# Before the load: one add must answer 201, a forged and a wrong-audience token 401, an unknown
# product 404, a bad body 400. Then 1 s of unmeasured load (Node's JIT warms up). Carts are
# emptied before each figure (a line holds ≤ 99 units).
# Emits fastify.add_to_cart.cC and fastify_aof.add_to_cart.cC (req/s) + .p50_ms .p99_ms .errors,
# C in 64 256; `wrk -t2 -cC -dD --latency`.
#
# usage: tools/bench/peers/fastify.sh [--runs N] [--quick]
#        full: 10 s per figure, 256 users; quick: 2 s, 128 users (12 figures must fit in 60 s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fastify_stack.sh"
peers_args "$@"
APP="$PEERS_DIR/fastify-cart"
LUA="$REPO_ROOT/tools/bench/lua/add_to_cart.lua"
[ -f "$LUA" ] || die "missing $LUA"
if ! command -v redis-server >/dev/null || ! command -v wrk >/dev/null || ! command -v node >/dev/null \
   || [ ! -d "$APP/node_modules/fastify" ]; then
  "$PEERS_DIR/install.sh"
fi
DURATION=10
USERS=256
[ "$QUICK" = 1 ] && { DURATION=2; USERS=128; }

peers_workdir fastify
export JWT_SECRET JWT_ISSUER=mercato-bench JWT_AUDIENCE=storefront
JWT_SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')
node "$APP/tokens.js" "$USERS" > "$WORK/tokens.txt"
export TOKENS="$WORK/tokens.txt"
TOKEN=$(head -1 "$TOKENS")
FORGED="${TOKEN%?}$([ "${TOKEN: -1}" = A ] && echo B || echo A)"
WRONG_AUD=$(env JWT_AUDIENCE=admin node "$APP/tokens.js" 1)

start_stack() {  # start_stack VARIANT → redis-server + the Fastify service, checked
  fastify_stack_start "$1" "$WORK/$1"
}

expect() {  # expect STATUS TOKEN BODY WHAT
  local got
  got=$(curl -s -o "$WORK/answer.json" -w '%{http_code}' -X POST "http://127.0.0.1:$APORT/api/v1/cart/items" \
    -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3")
  [ "$got" = "$1" ] || { cat "$WORK/answer.json" >&2; echo >&2; die "$4: expected $1, got $got"; }
}

check_stack() {
  expect 201 "$TOKEN" '{"productId":"prod-001","quantity":2}' "an add to cart"
  "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; assert d["userId"]=="user-1" and d["items"][0]["quantity"]>=2 and d["total"]>0, d' \
    "$WORK/answer.json" || die "the 201 does not carry the cart"
  expect 401 "$FORGED" '{"productId":"prod-001","quantity":1}' "a forged token"
  expect 401 "$WRONG_AUD" '{"productId":"prod-001","quantity":1}' "a token for another audience"
  expect 404 "$TOKEN" '{"productId":"prod-999","quantity":1}' "an unknown product"
  expect 400 "$TOKEN" '{"productId":"prod-001","quantity":100}' "quantity 100"
  expect 400 "$TOKEN" '{"productId":"prod-001","quantity":1,"price":0}' "an extra field"
  expect 400 "$TOKEN" '{"productId":"prod-001","quantity":"1"}' "a string quantity"
}

empty_carts() {
  redis-cli -p "$RPORT" --scan --pattern 'cart:*' | xargs -r redis-cli -p "$RPORT" del >/dev/null
}

for variant in fastify fastify_aof; do
  start_stack "$variant"
  check_stack
  log "$variant: warm-up (Node's JIT), 1 s, not measured"
  wrk -t2 -c64 -d1s -s "$LUA" "http://127.0.0.1:$APORT/api/v1/cart/items" >/dev/null
  for run in $(seq "$RUNS"); do
    for c in 64 256; do
      empty_carts
      log "$variant run $run: wrk -t2 -c$c -d${DURATION}s, $USERS users"
      wrk_measure "$variant.add_to_cart" "$run" "$c" "$DURATION" "http://127.0.0.1:$APORT/api/v1/cart/items" "$LUA"
    done
  done
  aof=$(redis-cli -p "$RPORT" info persistence | tr -d '\r' | awk -F: '$1 == "aof_enabled" {e=$2} $1 == "aof_current_size" {z=$2} END {print e ? z " bytes of AOF" : "no AOF"}')
  log "$variant: $(redis-cli -p "$RPORT" xlen cart-events) cart events in Redis, $aof; stopping"
  stop_pid "$APP_PID"
  stop_pid "$REDIS_PID"
done
peers_finish
