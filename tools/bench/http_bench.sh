#!/usr/bin/env bash
# HTTP benchmark (issue #5): wrk on loopback against mercatod and, in the same run with the
# same wrk settings, nginx serving a 200-byte JSON file (the HTTP ceiling of this machine).
#   - GET /api/v1/products/{id}           (a read model query)
#   - POST /api/v1/cart/items, durable    (fsynced appends; many users, one token each)
# Load generator and servers share this machine's cores. Prints a Markdown section;
# --out FILE appends it. Every server started here is stopped by its PID.
#
# usage: tools/bench/http_bench.sh [--quick] [--out FILE] [--build DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=build
OUT=""
DURATION=10
USERS=256
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) DURATION=3; USERS=128 ;;
    --out) OUT="$2"; shift ;;
    --build) BUILD="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--out FILE] [--build DIR]" >&2; exit 2 ;;
  esac
  shift
done
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
MERCATOD="$BUILD/tools/mercatod"
[ -x "$MERCATOD" ] || { echo "build first: $MERCATOD is missing" >&2; exit 1; }

WORK=$(mktemp -d /tmp/mercato-http-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- nginx: a 200-byte JSON file -----------------------------------------------------------
NPORT=$(free_port)
mkdir -p "$WORK/www" "$WORK/nginx"
chmod 755 "$WORK" "$WORK/www"  # nginx workers run unprivileged
python3 -c 'import json; d={"data":{"id":"prod-001","name":"Espresso Cups","price":2499,"pad":""}}; s=json.dumps(d); d["data"]["pad"]="x"*(200-len(s)); open("'"$WORK"'/www/p.json","w").write(json.dumps(d))'
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$NPORT; root $WORK/www; default_type application/json; }
}
NGINX
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)
curl_ok() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; }

# ---- mercatod: bench profile (no rate limits), durable appends -----------------------------
MPORT=$(free_port)
MERCATO_STORAGE_DURABILITY=sync "$MERCATOD" --data-dir "$WORK/data" --listen "127.0.0.1:$MPORT" --profile bench \
  > "$WORK/mercatod.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
  curl_ok "http://127.0.0.1:$NPORT/p.json" && curl_ok "http://127.0.0.1:$MPORT/health/live" && break
  sleep 0.1
done
M="http://127.0.0.1:$MPORT"
curl_ok "http://127.0.0.1:$NPORT/p.json" || { echo "nginx does not serve the file:"; cat "$WORK/nginx/error.log"; exit 1; }

# A product to read and to buy (the bench profile seeds no demo data).
ADMIN=$("$BUILD/tools/mercato" token issue --sub bench-admin --role admin -d "$WORK/data" --profile bench)
for i in $(seq -w 1 12); do
  curl -sf -X POST "$M/api/v1/products" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
    -d '{"id":"prod-0'"$i"'","sku":"SKU-'"$i"'","name":"Product '"$i"'","description":"A product","category":"misc","price":1999,"currency":"EUR","images":["https://example.com/p.jpg"],"stock":100000000}' \
    >/dev/null || { echo "creating a product failed:"; curl -s -X POST "$M/api/v1/products" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{}'; tail -5 "$WORK/mercatod.log"; exit 1; }
done
# Users: registered through the API, one token each (login).
: > "$WORK/tokens.txt"
for i in $(seq 1 "$USERS"); do
  curl -sf -X POST "$M/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d '{"email":"bench'"$i"'@example.com","password":"Password123!","displayName":"Bench"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])' >> "$WORK/tokens.txt"
done


# wrk → "<req/s> <p50 ms> <p99 ms> <non2xx+errors>"
run_wrk() {  # conns url [lua]
  local c=$1 url=$2 lua=${3:-}
  local out
  if [ -n "$lua" ]; then out=$(TOKENS="$WORK/tokens.txt" wrk -t2 -c"$c" -d"${DURATION}s" --latency -s "$lua" "$url")
  else out=$(wrk -t2 -c"$c" -d"${DURATION}s" --latency "$url"); fi
  echo "$out" > "$WORK/last-wrk.txt"
  python3 - "$out" <<'PY'
import re, sys
t = sys.argv[1]
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)", t, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
bad = 0
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if m: bad += int(m.group(1))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if m: bad += sum(int(x) for x in m.groups())
print(f"{rps:.0f} {ms('50'):.2f} {ms('99'):.2f} {bad}")
PY
}

ROWS=""
for c in 64 256; do
  read -r n_rps n_p50 n_p99 n_bad <<<"$(run_wrk $c "http://127.0.0.1:$NPORT/p.json")"
  read -r g_rps g_p50 g_p99 g_bad <<<"$(run_wrk $c "$M/api/v1/products/prod-001")"
  read -r a_rps a_p50 a_p99 a_bad <<<"$(run_wrk $c "$M/api/v1/cart/items" tools/bench/lua/add_to_cart.lua)"
  ratio() { python3 -c "print(f'{$1/$2:.2f}×')"; }
  ROWS+="| nginx static 200 B | $c | $n_rps | $n_p50 | $n_p99 | $n_bad | 1.00× |"$'\n'
  ROWS+="| GET /api/v1/products/{id} | $c | $g_rps | $g_p50 | $g_p99 | $g_bad | $(ratio "$g_rps" "$n_rps") |"$'\n'
  ROWS+="| POST /api/v1/cart/items (durable) | $c | $a_rps | $a_p50 | $a_p99 | $a_bad | $(ratio "$a_rps" "$n_rps") |"$'\n'
done
EVENTS=$(curl -sf "$M/metrics" | awk '/^eventstore_events_total/ {print $2; exit}' || true)

MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(uname -sr)"
SECTION=$(cat <<MD

## HTTP (wrk on loopback, issue #5)

Machine: $MACHINE; wrk, nginx and mercatod share these cores. wrk -t2, ${DURATION} s per
figure, HTTP/1.1 keep-alive. mercatod: bench profile (rate limits off), durability sync
(every add-to-cart is fsynced before its 201), $USERS users with a token each, 12 products.
nginx 1.22 (\`worker_processes auto\`) serves a 200-byte JSON file. Command:
\`tools/bench/http_bench.sh$( [ "$DURATION" = 3 ] && echo " --quick")\`.

| what | connections | req/s | p50 ms | p99 ms | errors + non-2xx | vs nginx |
|---|---:|---:|---:|---:|---:|---:|
$ROWS
Targets (issue #5): add-to-cart ≥ 0.30× nginx with p99 ≤ 5 ms at 64 connections; product GET ≥ 0.6×.
MD
)
echo "$SECTION"
[ -n "$OUT" ] && echo "$SECTION" >> "$OUT"
exit 0
