# shellcheck shell=bash disable=SC2034  # (RUNS, QUICK, REPO_ROOT, ... are for the sourcing script)
# Shared by the peer benches (tools/bench/peers/*.sh): options, JSON lines, free ports, the
# wrk parser, and the clean-up of everything a bench starts. Sourced, not run.
# Contract (tools/bench/compare.py reads it): one JSON object per line per measured value per
# run on STDOUT; everything human on STDERR.

PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$PEERS_DIR/../../.." && pwd)
# Debian's python3 (the parsers need only its standard library): a pyenv shim costs ~0.5 s a call.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
RUNS=3
QUICK=0
BENCH_FAILED=0

# Options every peer takes: --runs N (default 3), --quick.
peers_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --runs) RUNS="${2:?--runs needs a number}"; shift ;;
      --runs=*) RUNS="${1#--runs=}" ;;
      --quick) QUICK=1 ;;
      -h|--help) echo "usage: $0 [--runs N] [--quick]" >&2; exit 0 ;;
      *) echo "usage: $0 [--runs N] [--quick]" >&2; exit 2 ;;
    esac
    shift
  done
  case "$RUNS" in ''|*[!0-9]*|0) echo "--runs wants a positive integer, got '$RUNS'" >&2; exit 2 ;; esac
}

log() { echo "[$(basename "$0" .sh)] $*" >&2; }
die() { log "error: $*"; exit 1; }

# emit METRIC RUN VALUE UNIT → {"metric": ..., "run": ..., "value": ..., "unit": ...}
emit() {
  "$PYTHON" -c 'import json,sys; m,r,v,u=sys.argv[1:]; print(json.dumps({"metric":m,"run":int(r),"value":float(v) if "." in v or "e" in v.lower() else int(v),"unit":u}))' "$@"
}

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- temp dir + clean-up ---------------------------------------------------------------------
# WORK is this bench's mktemp -d directory. Servers are registered with track_pid (killed by
# PID, then waited for) or on_exit (a command, e.g. pg_ctl stop), all undone on EXIT.
PIDS=()
EXIT_CMDS=()
track_pid() { PIDS+=("$1"); }
stop_pid() {  # stop_pid PID → TERM, wait (KILL after 5 s), forget it
  local p=$1 keep=() q
  kill "$p" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && { log "PID $p still alive after TERM: KILL"; kill -9 "$p" 2>/dev/null || true; }
  wait "$p" 2>/dev/null || true
  for q in "${PIDS[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
  PIDS=("${keep[@]}")
}
on_exit() { EXIT_CMDS+=("$1"); }
_peers_cleanup() {
  local rc=$?
  set +e
  local i
  for ((i = ${#EXIT_CMDS[@]} - 1; i >= 0; i--)); do eval "${EXIT_CMDS[$i]}"; done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
  exit "$rc"
}
peers_workdir() {  # peers_workdir NAME → sets WORK (on /tmp's disk) and the EXIT trap
  WORK=$(mktemp -d "/tmp/mercato-peer-$1.XXXXXX")
  trap _peers_cleanup EXIT
  trap 'exit 130' INT TERM
}

# ---- packages ---------------------------------------------------------------------------------
# need_pkgs CMD:PKG ... → installs the Debian packages whose command is missing (one apt-get update).
need_pkgs() {
  local missing=() pair cmd
  for pair in "$@"; do
    cmd=${pair%%:*}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

wait_for() {  # wait_for SECONDS CMD... → retries CMD every 0.1 s
  local n=$(($1 * 10)); shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# ---- wrk ----------------------------------------------------------------------------------------
# wrk_measure PREFIX RUN CONNS DURATION URL [LUA] → runs `wrk -t2 -cC -dD --latency`, copies its
# report to stderr, emits PREFIX.cC (req/s), .p50_ms, .p99_ms, .errors (non-2xx + socket errors).
# Non-2xx answers and connect/read/write errors mark the bench failed (exit 1 at the end; the
# remaining runs go on); timeouts (wrk's 2 s) are counted in .errors but are a figure, not a failure.
wrk_measure() {
  local prefix=$1 run=$2 c=$3 d=$4 url=$5 lua=${6:-} out lines rc
  if [ -n "$lua" ]; then out=$(wrk -t2 -c"$c" -d"${d}s" --latency -s "$lua" "$url")
  else out=$(wrk -t2 -c"$c" -d"${d}s" --latency "$url"); fi
  echo "$out" >&2
  lines=$("$PYTHON" - "$prefix.c$c" "$run" "$out" <<'PY'
import json, re, sys
mid, run, t = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\b", t, re.M)
    if not m: sys.exit("wrk report without a %s%% latency" % label)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
m = re.search(r"Requests/sec:\s+([\d.]+)", t)
if not m: sys.exit("wrk report without Requests/sec")
failed = timeouts = 0
m2 = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if m2: failed += int(m2.group(1))
m2 = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if m2: failed, timeouts = failed + sum(int(x) for x in m2.groups()[:3]), int(m2.group(4))
bad = failed + timeouts
for k, v, u in ((mid, round(float(m.group(1)), 2), "req/s"), (mid + ".p50_ms", round(ms("50"), 3), "ms"),
                (mid + ".p99_ms", round(ms("99"), 3), "ms"), (mid + ".errors", bad, "count")):
    print(json.dumps({"metric": k, "run": run, "value": v, "unit": u}))
sys.exit(3 if failed else 4 if timeouts else 0)
PY
) && rc=0 || rc=$?
  [ -n "$lines" ] && echo "$lines"
  case $rc in
    0) ;;
    3) log "$prefix.c$c run $run: requests failed (see the wrk report above)"; BENCH_FAILED=1 ;;
    4) log "$prefix.c$c run $run: requests timed out (> 2 s; counted in .errors, the server is overloaded)" ;;
    *) log "could not parse wrk's report"; BENCH_FAILED=1 ;;
  esac
}

peers_finish() {  # the exit status: 1 if any measurement failed
  [ "$BENCH_FAILED" = 0 ] || { log "some measurements failed"; exit 1; }
  exit 0
}
