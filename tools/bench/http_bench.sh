#!/usr/bin/env bash
# HTTP benchmark: wrk on loopback against mercatod.
#   - GET /api/v1/products/{id}                  (a read-model query)        -c64, -c256
#   - POST /api/v1/cart/items, durable           (lua/add_to_cart.lua)       -c64, -c256
#   - full checkout, tok_visa                    (lua/checkout.lua)          -c64
#   - mixed shoppers: browse, login, add, cart, checkout (lua/mixed.lua)    -c200
#   - mercatod's peak RSS (VmHWM) after the run
# In Markdown mode (default) nginx serving a 200-byte JSON file is measured in the same run
# with the same wrk settings (the HTTP ceiling of this machine) and a Markdown section is
# printed (--out FILE appends it). In --json mode (tools/bench/compare.py's
# contract) nginx is not measured here (the peers do it): every figure is one JSON line on
# stdout, {"metric", "run", "value", "unit"}; everything human goes to stderr.
#
# Setup, once per invocation: a node on a scratch data directory gets PRODUCTS products and
# USERS users registered through the API (Argon2id: in parallel), then stops. Every run then
# starts a fresh node on a copy of that directory (same JWT secret, so the registration
# tokens stay valid): no run inherits another's carts, orders or caches. Before the checkout
# scenario the users' carts are emptied (DELETE /api/v1/cart), so every checkout is of the
# items that scenario added. Load generator and servers share this machine's cores. Every
# server started here is stopped by its PID. Exits non-zero when a request failed.
#
# usage: tools/bench/http_bench.sh [--quick] [--json] [--runs N] [--out FILE] [--build DIR]
#   full: 10 s per figure, 256 users; --quick: 2 s per figure, 200 users (the mixed scenario
#   wants a user per connection). --runs N (default 3) applies to --json; Markdown is 1 run.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build
OUT=""
JSON=0
RUNS=3
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --json) JSON=1 ;;
    --runs) RUNS="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --build) BUILD="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--json] [--runs N] [--out FILE] [--build DIR]" >&2; exit 2 ;;
  esac
  shift
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs needs a positive integer" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then DURATION=2; USERS=200; else DURATION=10; USERS=256; fi
[ "$JSON" = 1 ] || RUNS=1  # the Markdown table is one run
PRODUCTS=60        # 3 pages of 20 for the mixed scenario's browsing; add_to_cart.lua uses 1..12
PASSWORD='Password123!'
LUA=tools/bench/lua
T_START=${EPOCHREALTIME/./}
log() {  # to stderr, with the seconds since the start
  local ms=$(( (${EPOCHREALTIME/./} - T_START) / 1000 ))
  printf '[%4d.%d s] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2
}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
if [ "$JSON" = 0 ]; then command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light); fi
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
MERCATOD="$BUILD/tools/mercatod"
for _ in $(seq 30); do  # a binary being relinked is missing for a moment
  [ -x "$MERCATOD" ] && [ -x "$BUILD/tools/mercato" ] && break
  sleep 2
done
[ -x "$MERCATOD" ] || { log "build first: $MERCATOD is missing"; exit 1; }
[ -x "$BUILD/tools/mercato" ] || { log "build first: $BUILD/tools/mercato is missing"; exit 1; }

WORK=$(mktemp -d /tmp/mercato-http-bench.XXXXXX)
PIDS=()  # running servers only: a stopped one's PID may be reused by then
forget_pid() { local p keep=(); for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; PIDS=("${keep[@]}"); }
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
curl_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; }

# ---- mercatod: bench profile (no rate limits), durable appends -----------------------------
NODE_PID=""
NODE_ENV=()  # extra VAR=value for the node
start_node() {  # data-dir → NODE_PID, M
  local data=$1 port
  for _attempt in 1 2 3; do
    port=$(free_port)
    env MERCATO_STORAGE_DURABILITY=sync "${NODE_ENV[@]}" "$MERCATOD" --data-dir "$data" --listen "127.0.0.1:$port" --profile bench \
      >> "$WORK/mercatod.log" 2>&1 &
    NODE_PID=$!
    PIDS+=("$NODE_PID")
    M="http://127.0.0.1:$port"
    for _ in $(seq 200); do
      curl_ok "$M/health/ready" && return 0
      kill -0 "$NODE_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
    forget_pid "$NODE_PID"
    log "mercatod did not become ready (attempt $_attempt); its log:"
    tail -5 "$WORK/mercatod.log" >&2
    sleep 2  # e.g. the binary was being relinked
  done
  return 1
}
stop_node() {
  local rc=0
  kill -TERM "$NODE_PID"
  wait "$NODE_PID" || rc=$?
  forget_pid "$NODE_PID"
  [ "$rc" = 0 ] || { log "mercatod did not exit cleanly ($rc):"; tail -5 "$WORK/mercatod.log" >&2; return 1; }
}

# Setup over keep-alive connections: products (admin token), users registered in parallel
# (Argon2id is the cost), carts emptied.
cat > "$WORK/setup.py" <<'PY'
import concurrent.futures, http.client, json, sys, threading
cmd, base = sys.argv[1], sys.argv[2]
host, port = base.split("//")[1].split(":")
local = threading.local()
def call(method, path, body=None, token=None, ok=(2,)):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Content-Type": "application/json"}
    if token: headers["Authorization"] = "Bearer " + token
    local.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = local.conn.getresponse()
    data = r.read()
    if r.status // 100 not in ok and r.status not in ok:
        sys.exit(f"{method} {path}: {r.status} {data[:300]!r}")
    return r.status, (json.loads(data) if data else None)
if cmd == "seed":
    admin, products, users, password, users_file, tokens_file = sys.argv[3:9]
    for i in range(1, int(products) + 1):
        call("POST", "/api/v1/products", {"id": f"prod-{i:03d}", "sku": f"SKU-{i:03d}", "name": f"Product {i}",
             "description": "A product", "category": f"cat-{i % 4}", "price": 999 + 100 * (i % 17),
             "currency": "EUR", "images": ["https://example.com/p.jpg"], "stock": 100000000}, admin)
    def register(i):
        # A registration that timed out (503) may still have happened: then the retry gets
        # 409 (e-mail taken) and a login gives the token.
        email = f"bench{i}@example.com"
        for attempt in range(5):
            status, d = call("POST", "/api/v1/auth/register", {"email": email, "password": password,
                             "displayName": "Bench"}, ok=(2, 409, 503))
            if status == 409:
                status, d = call("POST", "/api/v1/auth/login", {"email": email, "password": password}, ok=(2, 503))
            if status // 100 == 2:
                return email, d["data"]["accessToken"]
        sys.exit(f"registering {email}: still 503 after 5 attempts")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        done = list(pool.map(register, range(1, int(users) + 1)))
    with open(users_file, "w") as u, open(tokens_file, "w") as t:
        for email, token in done:
            u.write(f"{email} {token}\n"); t.write(token + "\n")
elif cmd == "clear-carts":
    tokens = open(sys.argv[3]).read().split()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:  # durable writes: more in flight, fewer fsyncs each
        list(pool.map(lambda t: call("DELETE", "/api/v1/cart", token=t), tokens))
PY

log "setup: $PRODUCTS products, $USERS users (Argon2id registrations, 4 in parallel)..."
# Not measured: a long request timeout, so that registrations queued behind the hasher on a
# busy machine wait instead of answering 503.
NODE_ENV=(MERCATO_HTTP_REQUEST_TIMEOUT_MS=120000)
start_node "$WORK/template" || exit 1
NODE_ENV=()
ADMIN=$("$BUILD/tools/mercato" token issue --sub bench-admin --role admin -d "$WORK/template" --profile bench)
python3 "$WORK/setup.py" seed "$M" "$ADMIN" "$PRODUCTS" "$USERS" "$PASSWORD" "$WORK/users.txt" "$WORK/tokens.txt" \
  || { log "setup failed; node log:"; tail -5 "$WORK/mercatod.log" >&2; exit 1; }
stop_node
log "setup done"

# ---- nginx (Markdown mode only): a 200-byte JSON file --------------------------------------
if [ "$JSON" = 0 ]; then
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  NPORT=$(free_port)
  . tools/bench/peers/nginx_static.sh
  nginx_static_setup "$WORK" "$NPORT"
  "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >&2 &
  PIDS+=($!)
  for _ in $(seq 100); do curl_ok "http://127.0.0.1:$NPORT/p.json" && break; sleep 0.1; done
  curl_ok "http://127.0.0.1:$NPORT/p.json" || { log "nginx does not serve the file:"; cat "$WORK/nginx/error.log" >&2; exit 1; }
fi

# ---- measuring -------------------------------------------------------------------------------
# wrk without a scenario script → "<req/s> <p50 ms> <p99 ms> <non2xx + socket errors>"
run_wrk() {  # conns url [lua]
  local c=$1 url=$2 lua=${3:-} out
  if [ -n "$lua" ]; then out=$(TOKENS="$WORK/tokens.txt" wrk -t2 -c"$c" -d"${DURATION}s" --latency -s "$lua" "$url")
  else out=$(wrk -t2 -c"$c" -d"${DURATION}s" --latency "$url"); fi
  echo "$out" >&2
  python3 - "$out" <<'PY'
import re, sys
t = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)", t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = 0
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if m: bad += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if m: bad += sum(int(x) for x in m.groups())
print(f"{rps:.1f} {ms('50'):.3f} {ms('99'):.3f} {bad}")
PY
}

# A shopper scenario (lua/shoppers.lua) → its RESULT lines, "key value", in $WORK/result.txt.
# --timeout 10s: wrk's default (2 s) drops slower answers from its latency histogram and
# counts them as socket errors, so a checkout that took 3 s would lower p99 and max instead
# of raising them. mercatod answers every request within http.request_timeout_ms (5 s; a
# 503 after that, counted as an error), so with 10 s the percentiles and max are the real
# ones and a wrk timeout means a request that truly hung. (The product GET and add-to-cart
# figures keep wrk's defaults, like the peers they are compared with.)
run_scenario() {  # conns lua
  local c=$1 lua=$2
  rm -f "$WORK/result.txt"
  USERS="$WORK/users.txt" PRODUCTS=$PRODUCTS PASSWORD=$PASSWORD WRK_THREADS=2 RESULT="$WORK/result.txt" \
    wrk -t2 -c"$c" -d"${DURATION}s" --latency --timeout 10s -s "$lua" "$M" >&2
  [ -s "$WORK/result.txt" ] || { log "wrk wrote no result for $lua"; exit 1; }
}
# result key [default] → value
res() { awk -v k="$1" -v d="${2:-0}" '$1 == k { print $2; f = 1 } END { if (!f) print d }' "$WORK/result.txt"; }
# the sum of <kind>.bad over every kind, plus socket errors
res_errors() { awk '$1 ~ /\.bad$/ || $1 == "socket_errors" { s += $2 } END { print s + 0 }' "$WORK/result.txt"; }

declare -A FIG  # metric → value (this run)
declare -A FIG_NGINX  # connections → "req/s p50 p99 errors" (Markdown mode)
FAILED=0
emit() {  # run metric value unit [extra json]
  FIG[$2]=$3
  if [ "$JSON" = 1 ]; then
    printf '{"metric": "%s", "run": %d, "value": %s, "unit": "%s"%s}\n' "$2" "$1" "$3" "$4" "${5:+, $5}"
  fi
}
emit_wrk() {  # run metric "rps p50 p99 errors"
  local r=$1 id=$2 rps p50 p99 bad
  read -r rps p50 p99 bad <<<"$3"
  emit "$r" "$id" "$rps" req/s; emit "$r" "$id.p50_ms" "$p50" ms; emit "$r" "$id.p99_ms" "$p99" ms
  emit "$r" "$id.errors" "$bad" count
  [ "$bad" = 0 ] || { FAILED=1; log "!! $id: $bad errors"; }
}

for run in $(seq 1 "$RUNS"); do
  log "== run $run/$RUNS (fresh node on a copy of the seeded data; wrk -t2, ${DURATION} s per figure)"
  rm -rf "$WORK/run"
  cp -a "$WORK/template" "$WORK/run"
  start_node "$WORK/run" || exit 1
  for c in 64 256; do
    if [ "$JSON" = 0 ]; then
      log "-- nginx -c$c"; FIG_NGINX[$c]=$(run_wrk "$c" "http://127.0.0.1:$NPORT/p.json")
    fi
    log "-- GET /api/v1/products/prod-001 -c$c"
    emit_wrk "$run" "mercato.http.product_get.c$c" "$(run_wrk "$c" "$M/api/v1/products/prod-001")"
    log "-- POST /api/v1/cart/items -c$c"
    emit_wrk "$run" "mercato.http.add_to_cart.c$c" "$(run_wrk "$c" "$M/api/v1/cart/items" "$LUA/add_to_cart.lua")"
  done

  log "-- emptying the carts"
  python3 "$WORK/setup.py" clear-carts "$M" "$WORK/tokens.txt"
  log "-- checkout (add one item, check out; tok_visa) -c64"
  run_scenario 64 "$LUA/checkout.lua"
  d=$(res duration_s 1)
  id=mercato.http.checkout.c64
  emit "$run" "$id" "$(python3 -c "print(round($(res checkout.ok) / $d, 1))")" req/s \
    "\"checkouts\": $(res checkout.ok), \"adds\": $(res add.ok), \"add_p50_ms\": $(res add.p50_ms)"
  emit "$run" "$id.p50_ms" "$(res checkout.p50_ms)" ms
  emit "$run" "$id.p99_ms" "$(res checkout.p99_ms)" ms
  e=$(res_errors); emit "$run" "$id.errors" "$e" count
  [ "$e" = 0 ] || { FAILED=1; log "!! $id: $e errors"; }

  log "-- mixed shoppers -c200"
  run_scenario 200 "$LUA/mixed.lua"
  d=$(res duration_s 1)
  id=mercato.http.mixed.c200
  emit "$run" "$id" "$(python3 -c "print(round($(res requests) / $d, 1))")" req/s \
    "\"logins\": $(res login.ok), \"checkouts\": $(res checkout.ok), \"adds\": $(res add.ok), \"login_p50_ms\": $(res login.p50_ms), \"checkout_p50_ms\": $(res checkout.p50_ms), \"add_p50_ms\": $(res add.p50_ms)"
  for p in p50 p95 p99 max; do emit "$run" "$id.${p}_ms" "$(res "wrk_${p}_ms")" ms; done
  e=$(res_errors); emit "$run" "$id.errors" "$e" count
  [ "$e" = 0 ] || { FAILED=1; log "!! $id: $e errors"; }

  rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$NODE_PID/status")
  emit "$run" mercato.node.rss_mib "$rss" MiB
  stop_node
  log "run $run done"
done
log "done"

if [ "$JSON" = 0 ]; then
  row() {  # label conns metric-id [nginx req/s]
    local id=$3 ratio="—"
    [ -n "${4:-}" ] && ratio=$(python3 -c "print(f'{${FIG[$id]}/$4:.2f}×')")
    printf '| %s | %s | %.0f | %.2f | %.2f | %s | %s |\n' "$1" "$2" "${FIG[$id]}" "${FIG[$id.p50_ms]}" \
      "${FIG[$id.p99_ms]}" "${FIG[$id.errors]}" "$ratio"
  }
  ROWS=""
  for c in 64 256; do
    read -r n_rps n_p50 n_p99 n_bad <<<"${FIG_NGINX[$c]}"
    ROWS+="$(printf '| nginx static 200 B | %s | %.0f | %.2f | %.2f | %s | 1.00× |' "$c" "$n_rps" "$n_p50" "$n_p99" "$n_bad")"$'\n'
    ROWS+="$(row 'GET /api/v1/products/{id}' "$c" "mercato.http.product_get.c$c" "$n_rps")"$'\n'
    ROWS+="$(row 'POST /api/v1/cart/items (durable)' "$c" "mercato.http.add_to_cart.c$c" "$n_rps")"$'\n'
  done
  ROWS+="$(row 'checkout (add + POST /api/v1/cart/checkout; checkouts/s, checkout latency)' 64 mercato.http.checkout.c64)"$'\n'
  ROWS+="$(row 'mixed shoppers (browse, login, add, cart, checkout)' 200 mercato.http.mixed.c200)"$'\n'
  MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)"
  SECTION=$(cat <<MD

## HTTP (wrk on loopback)

Machine: $MACHINE; wrk, nginx and mercatod share these cores. wrk -t2, ${DURATION} s per
figure, HTTP/1.1 keep-alive. mercatod: bench profile (rate limits off), durability sync
(every command is fsynced before its answer), $USERS users registered through the API,
$PRODUCTS products. nginx (\`worker_processes auto\`) serves a 200-byte JSON file. The mixed
scenario (tools/bench/lua/mixed.lua) has p95 $(printf %.0f "${FIG[mercato.http.mixed.c200.p95_ms]}") ms and max
$(printf %.0f "${FIG[mercato.http.mixed.c200.max_ms]}") ms. Command: \`tools/bench/http_bench.sh$( [ "$QUICK" = 1 ] && echo " --quick")\`.

| what | connections | req/s | p50 ms | p99 ms | errors + non-2xx | vs nginx |
|---|---:|---:|---:|---:|---:|---:|
$ROWS
Targets (docs/product.md): add-to-cart ≥ 0.30× nginx with p99 ≤ 5 ms at 64 connections; product GET ≥ 0.6×.
MD
)
  echo "$SECTION"
  [ -n "$OUT" ] && echo "$SECTION" >> "$OUT"
fi
if [ "$FAILED" != 0 ]; then
  log "some requests failed (the !! lines above). From the node's access log: non-2xx answers by"
  log "route, and the slowest requests (wrk counts an answer slower than its --timeout as a socket"
  log "error: 2 s for product GET and add-to-cart, 10 s for checkout and mixed):"
  python3 - "$WORK/mercatod.log" >&2 <<'PY' || true
import collections, json, sys
bad, slow = collections.Counter(), []
for line in open(sys.argv[1], errors="replace"):
    try: e = json.loads(line)
    except ValueError: continue
    if not isinstance(e, dict) or e.get("logger") != "access": continue
    if isinstance(e.get("status"), int) and e["status"] // 100 != 2: bad[(e.get("method"), e.get("route"), e["status"])] += 1
    slow.append((e.get("duration_ms", 0), e.get("method"), e.get("route"), e.get("status")))
for (method, route, status), n in bad.most_common(20): print(f"  {n:7d} x {status} {method} {route}")
for ms, method, route, status in sorted(slow, reverse=True)[:5]: print(f"  slow: {ms:9.1f} ms {status} {method} {route}")
PY
  grep -E '"level":"(error|critical)"' "$WORK/mercatod.log" | tail -5 >&2 || true
  exit 1
fi
exit 0
