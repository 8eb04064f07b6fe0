# shellcheck shell=bash disable=SC2034  # (RPORT, APORT, ... are for the sourcing script)
# Sourced by tools/bench/peers/fastify.sh and tools/bench/loadtest.sh, after lib.sh: the Fastify +
# Redis stack's start in one place — a redis-server of its own and the service
# (fastify-cart/server.js), both on free loopback ports, both stopped by PID on exit (track_pid).
#
# fastify_stack_start VARIANT DIR [VAR=value ...] → RPORT, APORT, REDIS_PID, APP_PID; the
# service's environment gets the VAR=value pairs (JWT_SECRET etc. come from the caller's).
#   fastify      save "" + appendonly no: in memory only, a crash loses the carts
#   fastify_aof  appendonly yes + appendfsync always: each write fsynced before Redis answers
# Logs: DIR/redis.log, DIR/app.log.
fastify_stack_start() {
  local variant=$1 dir=$2
  shift 2
  mkdir -p "$dir/redis"
  RPORT=$(free_port)
  {
    echo "bind 127.0.0.1"; echo "port $RPORT"; echo "protected-mode yes"; echo "daemonize no"
    echo "dir $dir/redis"; echo "logfile $dir/redis.log"; echo 'save ""'
    if [ "$variant" = fastify_aof ]; then echo "appendonly yes"; echo "appendfsync always"
    else echo "appendonly no"; fi
  } > "$dir/redis.conf"
  redis-server "$dir/redis.conf" &
  REDIS_PID=$!; track_pid "$REDIS_PID"
  wait_for 10 redis-cli -p "$RPORT" ping || { cat "$dir/redis.log" >&2; die "redis-server did not start"; }
  APORT=$(free_port)
  env PORT="$APORT" REDIS_PORT="$RPORT" HOST=127.0.0.1 "$@" node "$PEERS_DIR/fastify-cart/server.js" > "$dir/app.log" 2>&1 &
  APP_PID=$!; track_pid "$APP_PID"
  wait_for 20 curl -sf "http://127.0.0.1:$APORT/health" || { cat "$dir/app.log" >&2; die "the Fastify service did not start"; }
  log "$variant: redis-server $(redis-server --version | cut -d' ' -f3 | cut -d= -f2) on port $RPORT" \
    "(appendonly $(redis-cli -p "$RPORT" config get appendonly | tail -1), appendfsync $(redis-cli -p "$RPORT" config get appendfsync | tail -1))," \
    "Fastify service (node $(node --version), one process) on port $APORT"
}
