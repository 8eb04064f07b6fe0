#!/usr/bin/env bash
# The HTTP ceiling of this machine: nginx (Debian's nginx-light, `worker_processes auto`, access
# log off, keep-alive) serving a 200-byte JSON file from a temp dir, the same setup as
# tools/bench/http_bench.sh. wrk -t2 -cC -dD --latency, C in 64 256.
# Emits nginx.static.c64 / .c256 (req/s) + .p50_ms .p99_ms .errors.
#
# usage: tools/bench/peers/nginx.sh [--runs N] [--quick]     (full: 10 s per figure, quick: 3 s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
peers_args "$@"
need_pkgs /usr/sbin/nginx:nginx-light wrk:wrk curl:curl python3:python3
NGINX=/usr/sbin/nginx
DURATION=10
[ "$QUICK" = 1 ] && DURATION=3

peers_workdir nginx
PORT=$(free_port)
. "$(dirname "$0")/nginx_static.sh"
nginx_static_setup "$WORK" "$PORT" || die "cannot set up nginx"
"$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" &
track_pid $!
URL="http://127.0.0.1:$PORT/p.json"
wait_for 10 curl -sf "$URL" || { cat "$WORK/nginx/error.log" >&2; die "nginx does not serve the file"; }
log "$($NGINX -v 2>&1 | cut -d' ' -f3) on port $PORT ($(nproc) cores, worker_processes auto), ${DURATION} s per figure"

for run in $(seq "$RUNS"); do
  for c in 64 256; do
    log "run $run: wrk -t2 -c$c -d${DURATION}s $URL"
    wrk_measure nginx.static "$run" "$c" "$DURATION" "$URL"
  done
done
peers_finish
