#!/usr/bin/env bash
# The replaced system's own load test (the k6 script, replayed by tools/bench/loadtest.py; the
# scenario and the node configuration are in docs/loadtest.md) against Mercato and against the
# Fastify + Redis peer (tools/bench/peers/fastify-cart), each started fresh for every test:
#
#   Mercato   build/tools/mercatod --profile dev (the demo data: prod-001…, test@example.com /
#             Password123!), MERCATO_HTTP_RATE_LIMIT_ENABLED=false, storage.durability sync (the
#             default), actors.max_line_quantity 0 (no limit) where the node accepts it, else
#             10000 (the most the node accepts; the log says which), a fresh data directory.
#   peer      Fastify + Redis with appendfsync always (every cart write fsynced, as Mercato's),
#             the same catalog and user, Argon2id at Mercato's default cost, the same line limit.
#
# Modes (each prints one JSON line per figure per run on stdout, tools/bench/peers/README.md;
# everything human, the runner's progress included, on stderr):
#   (default)  make bench's `loadtest`: per run and system, the test at 200 users, stages
#              scaled by 0.1 (1.6 min; --quick: 0.05 and one run whatever --runs says). Emits
#              <system>.loadtest.u200.pass (1 passed, 0 failed), .p95_ms, .failed_pct,
#              .products_p95_ms, .login_p95_ms, .cart_p95_ms, .requests, and
#              mercato.loadtest.line_limit (0 = none). A failed threshold is a result, not an
#              error: the exit status is 0 unless a server or the runner broke.
#   --search   make bench's `loadtest_max`: per system, 25, 50, 100, … 1600 users, stages scaled
#              by 0.03, up to the first user count that fails its thresholds, then one try at
#              the geometric middle between the last pass and that failure, rounded to 10
#              (--quick: 25, 100, 400, 1600 users scaled by 0.02, no middle try). Emits <system>.loadtest.max_users (0 when 25 fails)
#              and .first_failing_users (none when 1600 passes). One run whatever --runs says.
#   --full     make loadtest: the whole 16-minute test at 200 users; prints each system's JSON
#              summary on stdout and exits 1 when a system fails its thresholds.
#
# usage: tools/bench/loadtest.sh [--runs N] [--quick] [--build DIR] [--search | --full]
#                                [--systems mercato,fastify] [--time-scale F] [--users N]
set -euo pipefail
. "$(dirname "$0")/peers/lib.sh"
. "$(dirname "$0")/peers/fastify_stack.sh"

BUILD=build
MODE=figures
SYSTEMS=""
TIME_SCALE=""
USERS=200
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD="${2:?--build needs a directory}"; shift ;;
    --search) MODE=search ;;
    --full) MODE=full ;;
    --systems) SYSTEMS="${2:?--systems needs a list}"; shift ;;
    --time-scale) TIME_SCALE="${2:?--time-scale needs a number}"; shift ;;
    --users) USERS="${2:?--users needs a number}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
    --runs) args+=("$1" "${2:?--runs needs a number}"); shift ;;
    --runs=*|--quick) args+=("$1") ;;
    *) echo "usage: $0 [--runs N] [--quick] [--build DIR] [--search | --full] [--systems mercato,fastify] [--time-scale F] [--users N]" >&2
       exit 2 ;;
  esac
  shift
done
peers_args ${args[@]+"${args[@]}"}
case "$MODE" in
  full) SYSTEMS=${SYSTEMS:-mercato}; TIME_SCALE=${TIME_SCALE:-1.0} ;;
  search) SYSTEMS=${SYSTEMS:-mercato,fastify}; TIME_SCALE=${TIME_SCALE:-$([ "$QUICK" = 1 ] && echo 0.02 || echo 0.03)}; RUNS=1 ;;
  *) SYSTEMS=${SYSTEMS:-mercato,fastify}; TIME_SCALE=${TIME_SCALE:-$([ "$QUICK" = 1 ] && echo 0.05 || echo 0.1)}
     [ "$QUICK" = 1 ] && RUNS=1 ;;
esac
for s in ${SYSTEMS//,/ }; do
  case "$s" in mercato|fastify) ;; *) die "unknown system '$s' (mercato, fastify)" ;; esac
done
case "$USERS" in ''|*[!0-9]*|0) die "--users wants a positive integer, got '$USERS'" ;; esac
[ "${BUILD:0:1}" = / ] || BUILD="$REPO_ROOT/$BUILD"
MERCATOD="$BUILD/tools/mercatod"
RUNNER="$REPO_ROOT/tools/bench/loadtest.py"

if [[ ",$SYSTEMS," == *,fastify,* ]]; then
  if ! command -v redis-server >/dev/null || ! command -v node >/dev/null \
     || [ ! -d "$PEERS_DIR/fastify-cart/node_modules/@node-rs/argon2" ]; then
    "$PEERS_DIR/install.sh"
  fi
fi
need_pkgs curl:curl
if [[ ",$SYSTEMS," == *,mercato,* ]]; then
  for _ in $(seq 30); do [ -x "$MERCATOD" ] && break; sleep 2; done  # a binary being relinked
  [ -x "$MERCATOD" ] || die "build first: $MERCATOD is missing"
fi

peers_workdir loadtest
export JWT_SECRET
JWT_SECRET=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(32))')

# ---- servers ----------------------------------------------------------------------------------
LINE_LIMIT=""  # actors.max_line_quantity: 0 (no limit) when the node accepts it, else 10000
SERVER_URL=""
SERVER_PIDS=()
N_STARTS=0

# shellcheck disable=SC2317  # start_mercato and start_fastify are called as "start_$1"
start_mercato() {
  local dir="$WORK/mercato-$N_STARTS" pid port limit rc
  for limit in ${LINE_LIMIT:-0 10000}; do
    mkdir -p "$dir"
    env MERCATO_HTTP_RATE_LIMIT_ENABLED=false MERCATO_ACTORS_MAX_LINE_QUANTITY="$limit" \
      "$MERCATOD" --profile dev --data-dir "$dir/data" --listen 127.0.0.1:0 > "$dir/node.log" 2>&1 &
    pid=$!
    track_pid "$pid"
    port=""
    for _ in $(seq 300); do
      port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/node.log" | head -1)
      [ -n "$port" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if [ -n "$port" ]; then LINE_LIMIT=$limit; break; fi
    rc=timeout
    kill -0 "$pid" 2>/dev/null || { rc=0; wait "$pid" || rc=$?; }
    stop_pid "$pid"
    if [ "$rc" = 2 ] && grep -q max_line_quantity "$dir/node.log" && [ "$limit" != 10000 ]; then
      log "this mercatod refuses actors.max_line_quantity=$limit; using 10000, its largest value"
      rm -rf "$dir"
      continue
    fi
    tail -5 "$dir/node.log" >&2
    die "mercatod did not start (exit status: $rc)"
  done
  SERVER_URL="http://127.0.0.1:$port"
  SERVER_PIDS=("$pid")
  # The demo data is written before the node listens; wait until the catalog shows it.
  wait_for 60 curl -sf "$SERVER_URL/api/v1/products/prod-001" || die "the catalog never showed prod-001"
  log "mercatod (dev profile, rate limits off, actors.max_line_quantity=$LINE_LIMIT) at $SERVER_URL, data $dir/data"
}

# shellcheck disable=SC2317
start_fastify() {
  [ -n "$LINE_LIMIT" ] || LINE_LIMIT=10000  # only the peer runs: Mercato's documented limit
  fastify_stack_start fastify_aof "$WORK/fastify-$N_STARTS" MAX_LINE_QUANTITY="$LINE_LIMIT"
  SERVER_URL="http://127.0.0.1:$APORT"
  SERVER_PIDS=("$APP_PID" "$REDIS_PID")
}

start_server() { N_STARTS=$((N_STARTS + 1)); "start_$1"; }
stop_server() { local p; for p in "${SERVER_PIDS[@]}"; do stop_pid "$p"; done; SERVER_PIDS=(); }

# run_test SYSTEM USERS SCALE SUMMARY → a fresh server, the runner, the server stopped. Sets
# TEST_RC: 0 passed, 1 thresholds failed; anything else stops the bench.
run_test() {
  local system=$1 users=$2 scale=$3 summary=$4
  start_server "$system"
  log "$system: loadtest.py --max-users $users --time-scale $scale"
  TEST_RC=0
  "$PYTHON" "$RUNNER" --url "$SERVER_URL" --max-users "$users" --time-scale "$scale" \
    --summary "$summary" > /dev/null || TEST_RC=$?
  stop_server
  case "$TEST_RC" in
    0|1) ;;
    *) die "$system: the runner failed (exit $TEST_RC)" ;;
  esac
}

# emit_summary PREFIX RUN SUMMARY → the figures of one test
emit_summary() {
  "$PYTHON" - "$@" <<'PY'
import json, sys
prefix, run, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = json.load(open(path))
r = s["routes"]
def line(metric, value, unit):
    print(json.dumps({"metric": f"{prefix}.{metric}", "run": run, "value": value, "unit": unit}))
line("pass", 1 if s["passed"] else 0, "bool")
line("p95_ms", s["http_req_duration"]["p95_ms"], "ms")
line("failed_pct", round(100 * s["http_req_failed"]["rate"], 3), "%")
line("products_p95_ms", r["GET /api/v1/products"]["p95_ms"], "ms")
line("login_p95_ms", r["POST /api/v1/auth/login"]["p95_ms"], "ms")
line("cart_p95_ms", r["POST /api/v1/cart/items"]["p95_ms"], "ms")
line("requests", s["requests"], "count")
PY
}

passed() { "$PYTHON" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["passed"] else 1)' "$1"; }

case "$MODE" in
  figures)
    for run in $(seq "$RUNS"); do
      for system in ${SYSTEMS//,/ }; do
        f="$WORK/$system-u$USERS-run$run.json"
        run_test "$system" "$USERS" "$TIME_SCALE" "$f"
        emit_summary "$system.loadtest.u$USERS" "$run" "$f"
      done
    done
    if [[ ",$SYSTEMS," == *,mercato,* ]]; then emit mercato.loadtest.line_limit 1 "$LINE_LIMIT" units; fi
    ;;
  search)
    for system in ${SYSTEMS//,/ }; do
      best=0 failing=""
      ladder="25 50 100 200 400 800 1600"
      [ "$QUICK" = 1 ] && ladder="25 100 400 1600"
      for users in $ladder; do
        run_test "$system" "$users" "$TIME_SCALE" "$WORK/$system-search-$users.json"
        if passed "$WORK/$system-search-$users.json"; then best=$users; else failing=$users; break; fi
      done
      if [ -n "$failing" ] && [ "$best" -gt 0 ] && [ "$QUICK" = 0 ]; then
        mid=$("$PYTHON" -c 'import math,sys; a,b=map(int,sys.argv[1:]); print(int(round(math.sqrt(a*b)/10)*10))' "$best" "$failing")
        if [ "$mid" -gt "$best" ] && [ "$mid" -lt "$failing" ]; then
          run_test "$system" "$mid" "$TIME_SCALE" "$WORK/$system-search-$mid.json"
          if passed "$WORK/$system-search-$mid.json"; then best=$mid; else failing=$mid; fi
        fi
      fi
      log "$system: largest user count that passes: $best${failing:+ (fails at $failing)} (time scale $TIME_SCALE)"
      emit "$system.loadtest.max_users" 1 "$best" users
      [ -n "$failing" ] && emit "$system.loadtest.first_failing_users" 1 "$failing" users
    done
    ;;
  full)
    worst=0
    for system in ${SYSTEMS//,/ }; do
      f="$WORK/$system-full.json"
      run_test "$system" "$USERS" "$TIME_SCALE" "$f"
      "$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[2])); print(json.dumps({"system": sys.argv[1], "line_limit": int(sys.argv[3]), **d}, indent=2))' \
        "$system" "$f" "$LINE_LIMIT"
      [ "$TEST_RC" = 0 ] || worst=1
    done
    exit "$worst"
    ;;
esac
peers_finish
