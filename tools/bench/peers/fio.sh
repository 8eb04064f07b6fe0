#!/usr/bin/env bash
# Disk peer: the rate of durable 4 KiB writes on /tmp's disk (where every other bench keeps its
# data), the physical ceiling of any engine that fsyncs each commit. fio, ioengine=sync,
# sequential 4 KiB writes with fdatasync after each, 1 job and 8 jobs (each job its own file).
# The files are laid out (written) before the timed part, so each write overwrites allocated
# blocks: fdatasync flushes data only, no metadata, the cheapest durable write the disk offers.
# Emits disk.fdatasync.j1 / disk.fdatasync.j8 in ops/s (write IOPS summed over the jobs).
#
# usage: tools/bench/peers/fio.sh [--runs N] [--quick]     (full: 10 s per figure, quick: 3 s)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
peers_args "$@"
need_pkgs fio:fio python3:python3
DURATION=10
[ "$QUICK" = 1 ] && DURATION=3
peers_workdir fio

log "fio $(fio --version) in $WORK ($(df --output=source,fstype "$WORK" | tail -1 | tr -s ' ')), ${DURATION} s per figure"
for run in $(seq "$RUNS"); do
  for jobs in 1 8; do
    fio --name="fdatasync-j$jobs" --directory="$WORK" --rw=write --bs=4k --size=16m \
      --ioengine=sync --fdatasync=1 --numjobs="$jobs" --group_reporting \
      --time_based --runtime="$DURATION" --output-format=json > "$WORK/fio.json"
    iops=$("$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
jobs = d["jobs"]
w = sum(j["write"]["iops"] for j in jobs)
if w <= 0 or any(j.get("error", 0) for j in jobs): sys.exit("fio reported no writes or an error")
print(round(w, 1))' "$WORK/fio.json")
    log "run $run, $jobs job(s): $iops fdatasync'd 4 KiB writes/s"
    emit "disk.fdatasync.j$jobs" "$run" "$iops" "ops/s"
    rm -f "$WORK"/fdatasync-*
  done
done
peers_finish
