#!/usr/bin/env bash
# PostgreSQL 15 as an event store: appends with optimistic concurrency, measured with pgbench.
#   - its own cluster: initdb in a temp dir (as user postgres: initdb refuses root), started by
#     pg_ctl on a free port, reached over a Unix socket in the temp dir (no TCP listener);
#   - every setting at its default, durability included: fsync = on, synchronous_commit = on,
#     wal_sync_method = fdatasync (Linux): each append is durable before its COMMIT answers;
#   - table events(global_position bigserial primary key, stream_id text, version int, type text,
#     data jsonb, recorded_at timestamptz default now(), UNIQUE (stream_id, version));
#   - one pgbench transaction = one append: INSERT ... SELECT max(version) + 1 of the stream in
#     one statement (one round trip, autocommit). A concurrent append at the same version is
#     refused by the unique constraint. pgbench 15 cannot retry unique violations (the client
#     aborts), so client k owns the streams k, k + C, k + 2C, ... of 10000 and conflicts
#     cannot happen; failed or aborted transactions are still counted (.errors) and fail the bench;
#   - payload: ~200 bytes of JSON, a cart item added as Mercato records it;
#   - pgbench -n -M prepared -c C -j min(2, C) -T D, C in 1 8 32 64; the table is emptied and a
#     CHECKPOINT taken before each figure.
# Emits pg.append.cC (tps, ops/s), pg.append.cC.lat_ms (pgbench latency average), .errors.
#
# usage: tools/bench/peers/postgres.sh [--runs N] [--quick]    (full: 10 s per figure, quick: 2 s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
peers_args "$@"
PG_BIN=/usr/lib/postgresql/15/bin
need_pkgs "$PG_BIN/initdb:postgresql-15" "$PG_BIN/pgbench:postgresql-contrib" runuser:util-linux python3:python3
DURATION=10
[ "$QUICK" = 1 ] && DURATION=2
CLIENTS=(1 8 32 64)
STREAMS=10000

peers_workdir postgres
chown postgres: "$WORK"
DATA="$WORK/data"
SOCK="$WORK/sock"
PORT=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
as_pg mkdir "$SOCK"
as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -A trust -E UTF8 --no-sync >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
cat >> "$DATA/postgresql.conf" <<CONF
# tools/bench/peers/postgres.sh: where to listen; everything else (durability included) default
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
CONF

# shellcheck disable=SC2317  # run by the EXIT trap (on_exit)
pg_stop() {
  local pid
  pid=$(head -1 "$DATA/postmaster.pid" 2>/dev/null) || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >&2 || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "postmaster $pid still alive after pg_ctl stop: KILL"
  kill -9 "$pid" 2>/dev/null || true
}
on_exit pg_stop
as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$WORK/postgres.log" -w -t 60 start >&2 \
  || { cat "$WORK/postgres.log" >&2; die "PostgreSQL did not start"; }

psql_() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d postgres "$@"; }
psql_ -c "CREATE TABLE events (
  global_position bigserial PRIMARY KEY,
  stream_id text NOT NULL,
  version int NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version))"
log "PostgreSQL $(psql_ -Atc 'SHOW server_version') on $SOCK port $PORT:" \
  "$(psql_ -Atc "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
                 WHERE name IN ('fsync','synchronous_commit','wal_sync_method','full_page_writes','shared_buffers','max_connections')")"

cat > "$WORK/append.sql" <<'SQL'
\set k random(0, 10000 / :nclients - 1)
\set s 1 + :client_id + :nclients * :k
\set p random(1, 12)
\set r random(1, 2000000000)
INSERT INTO events (stream_id, version, type, data)
SELECT 'cart-user-' || :s, coalesce(max(version), 0) + 1, 'CartItemAdded',
       ('{"cartId": "cart-user-' || :s || '", "userId": "user-' || :s
        || '", "productId": "prod-' || lpad(CAST(:p AS text), 3, '0') || '", "name": "Product ' || :p
        || '", "quantity": 1, "unitPrice": 1999, "currency": "EUR", "correlationId": "'
        || md5(CAST(:r AS text)) || '"}')::jsonb
  FROM events WHERE stream_id = 'cart-user-' || :s;
SQL
[ "$STREAMS" = 10000 ] || die "the script hard-codes 10000 streams"

for run in $(seq "$RUNS"); do
  for c in "${CLIENTS[@]}"; do
    psql_ -c "TRUNCATE events RESTART IDENTITY" -c "CHECKPOINT"
    j=$((c < 2 ? c : 2))
    rc=0
    PGPASSWORD='' "$PG_BIN/pgbench" -n -M prepared -c "$c" -j "$j" -T "$DURATION" -D nclients="$c" \
      -f "$WORK/append.sql" -h "$SOCK" -p "$PORT" -U postgres postgres >"$WORK/pgbench.out" 2>"$WORK/pgbench.err" || rc=$?
    cat "$WORK/pgbench.out" >&2
    grep -v '^pgbench (' "$WORK/pgbench.err" | head -20 >&2 || true
    rows=$(psql_ -Atc "SELECT count(*) FROM events")
    lines=$("$PYTHON" - "$c" "$run" "$rc" "$rows" "$WORK/pgbench.out" "$WORK/pgbench.err" <<'PY'
import json, re, sys
c, run, rc, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
out, err = open(sys.argv[5]).read(), open(sys.argv[6]).read()
tps = re.search(r"^tps = ([\d.]+) \(without initial connection time\)", out, re.M)
lat = re.search(r"^latency average = ([\d.]+) ms", out, re.M)
if not tps or not lat: sys.exit("pgbench printed no tps / latency")
failed = re.search(r"^number of failed transactions: (\d+)", out, re.M)
errors = (int(failed.group(1)) if failed else 0) + len(re.findall(r"\bclient \d+ .*\baborted\b", err))
if rc != 0 and errors == 0: errors = 1  # pgbench failed for a reason it did not count
done = re.search(r"^number of transactions actually processed: (\d+)", out, re.M)
if done and int(done.group(1)) != rows: errors += abs(int(done.group(1)) - rows)  # appends lost or extra
mid = f"pg.append.c{c}"
for k, v, u in ((mid, round(float(tps.group(1)), 1), "ops/s"), (mid + ".lat_ms", float(lat.group(1)), "ms"),
                (mid + ".errors", errors, "count")):
    print(json.dumps({"metric": k, "run": run, "value": v, "unit": u}))
print(f"[postgres] run {run}, {c} client(s): {tps.group(1)} appends/s, {lat.group(1)} ms average, {errors} failed",
      file=sys.stderr)
sys.exit(3 if errors else 0)
PY
) && prc=0 || prc=$?
    [ -n "$lines" ] && echo "$lines"
    case $prc in
      0) ;;
      3) log "run $run, $c client(s): failed or aborted appends"; BENCH_FAILED=1 ;;
      *) cat "$WORK/pgbench.err" >&2; die "pgbench failed (exit $rc)" ;;
    esac
  done
done
peers_finish
