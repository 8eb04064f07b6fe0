#!/usr/bin/env python3
"""`make bench`: Mercato and the systems users would pick instead, side by side in
one run on this machine.

Runs every component below as its own process (each prints one JSON line per figure per run
on stdout, tools/bench/peers/README.md), takes the median of the runs with min-max, prints
the tables and rewrites the block between the markers at the top of docs/benchmarks.md
(everything outside the markers is kept).

usage: tools/bench/compare.py [--quick] [--runs N] [--build DIR] [--out FILE] [--only NAMES]
"""
import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN = "<!-- make bench: begin (rewritten by tools/bench/compare.py; edit outside) -->"
END = "<!-- make bench: end -->"


def components(build):
    b = os.path.join(build, "tools", "bench")
    p = "tools/bench/peers"
    # name, command (flags --runs/--quick appended), what it measures
    return [
        ("disk", [f"{p}/fio.sh"], "fio: 4 KiB writes, fdatasync each, 1 and 8 jobs"),
        ("append", [f"{b}/eventstore_bench", "--json"], "Mercato durable appends and raw RocksDB sync writes"),
        ("postgres", [f"{p}/postgres.sh"], "PostgreSQL 15 event store, pgbench"),
        ("nginx", [f"{p}/nginx.sh"], "nginx, 200-byte JSON file"),
        ("fastify", [f"{p}/fastify.sh"], "Node.js Fastify + Redis cart endpoint"),
        ("http", ["tools/bench/http_bench.sh", "--json", "--build", build], "mercatod over HTTP"),
        ("loadtest", ["tools/bench/loadtest.sh", "--build", build],
         "the replaced system's k6 load test at 200 users: Mercato, Fastify + Redis"),
        ("loadtest_max", ["tools/bench/loadtest.sh", "--search", "--build", build],
         "largest user count that passes the load test"),
        ("rebuild", [f"{b}/projections_bench", "--json"], "projection rebuilds"),
        ("export", [f"{b}/export_bench", "--json"], "mercato events export"),
        ("actors", [f"{b}/actors_bench", "--json"], "rehydration and memory per cart"),
    ]


def run_component(name, cmd, runs, quick, log):
    full = cmd + ["--runs", str(runs)] + (["--quick"] if quick else [])
    print(f"==> {name}: {' '.join(shlex.quote(c) for c in full)}", file=sys.stderr, flush=True)
    start = time.monotonic()
    with open(log, "w") as err:
        proc = subprocess.run(full, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
    took = time.monotonic() - start
    values = {}
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            d = json.loads(line)
            values.setdefault(d["metric"], []).append(float(d["value"]))
        except (ValueError, KeyError) as e:
            print(f"    {name}: unreadable line {line!r}: {e}", file=sys.stderr)
    ok = proc.returncode == 0 and bool(values)
    status = "ok" if ok else f"FAILED (exit {proc.returncode}, {len(values)} figures; log: {log})"
    print(f"    {name}: {len(values)} figures in {took:.0f} s, {status}", file=sys.stderr, flush=True)
    if not ok:
        try:
            with open(log) as f:
                tail = f.readlines()[-15:]
            sys.stderr.write("".join("    | " + t for t in tail))
        except OSError:
            pass
    return full, values, ok, took


class Figures:
    def __init__(self):
        self.v = {}

    def add(self, values):
        self.v.update(values)

    def med(self, metric):
        xs = self.v.get(metric)
        return statistics.median(xs) if xs else None

    def cell(self, metric, digits=0, spread=True):
        xs = self.v.get(metric)
        if not xs:
            return "—"
        fmt = f"{{:,.{digits}f}}"
        m = fmt.format(statistics.median(xs))
        if spread and len(xs) > 1:
            return f"{m} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"
        return m

    def ratio(self, a, b):
        x, y = self.med(a), self.med(b)
        if x is None or y is None or y == 0:
            return "—"
        return f"{x / y:.2f}×"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = sh("awk '/MemTotal/ {printf \"%.0f GiB\", $2/1048576}' /proc/meminfo")
    disk = sh("df -h /tmp | awk 'NR==2 {print $1 \", \" $2}'")
    return f"{os.cpu_count()} cores ({model}), {mem} RAM, /tmp on {disk}, {platform.system()} {platform.release()}"


def versions():
    items = [
        ("RocksDB", "dpkg-query -W -f='${Version}' librocksdb7.8 2>/dev/null"),
        ("PostgreSQL", "ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1"),
        ("Redis", "redis-server --version 2>/dev/null | sed -n 's/.*v=\\([^ ]*\\).*/\\1/p'"),
        ("Node.js", "node --version 2>/dev/null"),
        ("nginx", "dpkg-query -W -f='${Version}' nginx-light 2>/dev/null || dpkg-query -W -f='${Version}' nginx 2>/dev/null"),
        ("wrk", "dpkg-query -W -f='${Version}' wrk 2>/dev/null"),
        ("fio", "fio --version 2>/dev/null"),
    ]
    out = []
    for name, cmd in items:
        v = sh(cmd)
        if v:
            out.append(f"{name} {v}")
    return ", ".join(out)


def bold(cell):
    return cell if cell == "—" else f"**{cell}**"


def loadtest_table(f, quick):
    """The replaced system's load test (tools/bench/loadtest.sh, docs/loadtest.md)."""
    def verdict(metric):
        xs = f.v.get(metric)
        if not xs:
            return "—"
        ok = sum(1 for x in xs if x >= 1)
        word = "passed" if ok * 2 > len(xs) else "**failed**"
        return f"{word} ({ok} of {len(xs)} runs passed)" if len(xs) > 1 else word

    def largest(system):
        best = f.med(f"{system}.loadtest.max_users")
        if best is None:
            return "—"
        fails = f.med(f"{system}.loadtest.first_failing_users")
        if fails is None:
            return f"≥ {best:,.0f} (the top of the search)"
        return f"{best:,.0f} (fails at {fails:,.0f})"

    limit = f.med("mercato.loadtest.line_limit")
    limit_text = "—" if limit is None else ("no line limit" if limit == 0 else f"`actors.max_line_quantity` {limit:,.0f}")
    md = ["### The replaced system's load test (its k6 script, `tools/bench/loadtest.py`)", ""]
    md.append("The test the replaced system was accepted with (docs/loadtest.md): users ramp 0 → 100 → 200 → 0 "
              "over 16 minutes, each looping `GET /api/v1/products`, 1 s, `POST /api/v1/auth/login`, 1 s, "
              "`POST /api/v1/cart/items`, 2 s, on its own keep-alive connection; it passes when the p95 of all "
              "requests is under 500 ms and under 1 % fail. Here its stages are scaled by "
              + ("0.05 (48 s)" if quick else "0.1 (1.6 minutes)") + ", the sleeps are not; a fresh server per run. "
              f"Mercato: dev profile (its demo data), rate limits off, durable appends, {limit_text}. "
              "Fastify + Redis: the same routes, catalog and user, `appendfsync always`, Argon2id at 19 MiB / 2 passes "
              "/ 1 lane. Largest user count: "
              + ("25, 100, 400, 1,600 users with stages scaled by 0.02, up to the first failure" if quick else
                 "25, 50, 100, … 1,600 users with stages scaled by 0.03, up to the first failure, then one try "
                 "halfway (geometric)") + ", one run, a fresh server each.")
    md.append("")
    md.append("| system | thresholds at 200 users | p95, all requests (ms) | failed (%) | p95 products / login / cart (ms) | requests | largest user count that passes |")
    md.append("|---|---|---:|---:|---:|---:|---:|")
    for label, system in (("**Mercato**", "mercato"), ("Fastify + Redis", "fastify")):
        m = f"{system}.loadtest.u200"
        md.append(
            f"| {label} | {verdict(m + '.pass')} | {f.cell(m + '.p95_ms', 1)} | {f.cell(m + '.failed_pct', 2)} | "
            f"{f.cell(m + '.products_p95_ms', 1, False)} / {f.cell(m + '.login_p95_ms', 1, False)} / "
            f"{f.cell(m + '.cart_p95_ms', 1, False)} | {f.cell(m + '.requests', 0, False)} | {largest(system)} |")
    return md


def tables(f, quick, runs):
    md = []
    md.append("### Durable writes: one event per commit, acknowledged after fsync")
    md.append("")
    md.append("Operations per second, median of the runs (min–max). Mercato: `event_store::append` of one "
              "~200-byte event (group commit, stream index and version records in the same batch). RocksDB: "
              "`DB::Write` with `sync=true` of one 200-byte value per thread (the library Mercato links). "
              "PostgreSQL: one `INSERT` per transaction into an events table with `UNIQUE(stream_id, version)`, "
              "the version read first (optimistic concurrency), default durability (`fsync=on`, "
              "`synchronous_commit=on`). fio: 4 KiB writes with `fdatasync` after each (jobs = writers): "
              "the disk's own limit.")
    md.append("")
    md.append("| writers | disk fdatasync (fio) | raw RocksDB sync | **Mercato** | PostgreSQL 15 | Mercato ÷ RocksDB | Mercato ÷ PostgreSQL |")
    md.append("|---:|---:|---:|---:|---:|---:|---:|")
    for c, disk in (("1", "disk.fdatasync.j1"), ("8", "disk.fdatasync.j8"), ("32", None), ("64", None)):
        md.append(
            f"| {c} | {f.cell(disk) if disk else '—'} | {f.cell(f'rocksdb.sync_append.c{c}')} | "
            f"{bold(f.cell(f'mercato.append.c{c}'))} | {f.cell(f'pg.append.c{c}')} | "
            f"{f.ratio(f'mercato.append.c{c}', f'rocksdb.sync_append.c{c}')} | "
            f"{f.ratio(f'mercato.append.c{c}', f'pg.append.c{c}')} |")
    md.append("")
    md.append("p99 latency (µs) — Mercato: " + ", ".join(
        f"{c} writers {f.cell(f'mercato.append.c{c}.p99_us', spread=False)}" for c in ("1", "8", "64")) +
        "; RocksDB: " + ", ".join(
        f"{c} writers {f.cell(f'rocksdb.sync_append.c{c}.p99_us', spread=False)}" for c in ("1", "8", "64")) +
        "; PostgreSQL mean latency (ms): " + ", ".join(
        f"{c} clients {f.cell(f'pg.append.c{c}.lat_ms', 2, spread=False)}" for c in ("1", "8", "32", "64")) + ".")
    md.append("")
    md.append("### HTTP on loopback (wrk -t2, keep-alive)")
    md.append("")
    md.append("Requests per second, median (min–max); latency in ms (medians of the runs). Mercato's add-to-cart "
              "is durable (fsynced before its 201, a JWT per shopper); the Fastify+Redis service is the "
              "cart endpoint teams write today (JWT check, JSON-schema validation, product lookup, `HINCRBY` "
              "+ `XADD`, cart read back), once on Redis' default persistence (no fsync per write) and once "
              "with `appendfsync always` (durable like Mercato). Same wrk script and users for both.")
    md.append("")
    md.append("| what | conns | req/s | p50 | p99 | errors | vs nginx | vs Fastify+Redis |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = [
        ("nginx, 200-byte static JSON (ceiling)", "nginx.static", False),
        ("**Mercato** `GET /api/v1/products/{id}`", "mercato.http.product_get", False),
        ("**Mercato** `POST /api/v1/cart/items` (durable)", "mercato.http.add_to_cart", True),
        ("Fastify + Redis, add to cart (default persistence)", "fastify.add_to_cart", False),
        ("Fastify + Redis, add to cart (`appendfsync always`)", "fastify_aof.add_to_cart", False),
    ]
    for c in ("64", "256"):
        for label, key, vs_fastify in rows:
            m = f"{key}.c{c}"
            md.append(
                f"| {label} | {c} | {f.cell(m)} | {f.cell(m + '.p50_ms', 2, False)} | {f.cell(m + '.p99_ms', 2, False)} | "
                f"{f.cell(m + '.errors', 0, False)} | {f.ratio(m, f'nginx.static.c{c}')} | "
                f"{f.ratio(m, f'fastify.add_to_cart.c{c}') if vs_fastify else ''} |")
    m = "mercato.http.checkout.c64"
    md.append(f"| **Mercato** full checkout (add, then `POST /api/v1/checkout` with `tok_visa`) | 64 | {f.cell(m)} | "
              f"{f.cell(m + '.p50_ms', 2, False)} | {f.cell(m + '.p99_ms', 2, False)} | {f.cell(m + '.errors', 0, False)} | | |")
    md.append("")
    m = "mercato.http.mixed.c200"
    md.append("Mixed shoppers at 200 connections (browse the catalog, view products, log in now and then, add to "
              f"cart, view the cart, check out): **{f.cell(m)} req/s**, p50 {f.cell(m + '.p50_ms', 2, False)} ms, "
              f"p95 {f.cell(m + '.p95_ms', 2, False)} ms, p99 {f.cell(m + '.p99_ms', 2, False)} ms, "
              f"max {f.cell(m + '.max_ms', 1, False)} ms, errors {f.cell(m + '.errors', 0, False)}. "
              f"mercatod peak RSS over a run: {f.cell('mercato.node.rss_mib', 0, False)} MiB.")
    md.append("")
    md += loadtest_table(f, quick)
    md.append("")
    md.append("### Mercato's own figures")
    md.append("")
    md.append("| figure | median (min–max) |")
    md.append("|---|---:|")
    for label, metric, unit in (
        ("projection rebuild, catalog", "mercato.rebuild.catalog", "events/s"),
        ("projection rebuild, order history", "mercato.rebuild.orders", "events/s"),
        ("export, raw Cap'n Proto", "mercato.export.raw", "events/s"),
        ("export, NDJSON", "mercato.export.ndjson", "events/s"),
        ("rehydrate an entity of 10,000 events, no snapshot", "mercato.rehydrate.full_10k_us", "µs"),
        ("rehydrate from a snapshot", "mercato.rehydrate.snapshot_us", "µs"),
        ("memory per live cart actor", "mercato.actor.bytes_per_cart", "bytes"),
    ):
        md.append(f"| {label} | {f.cell(metric)} {unit} |")
    md.append("")
    md.append("Rebuilds fold a generated shop log of "
              + ("~200k events" if quick else "~1M events") + " (`projections_bench`); exports write a log of "
              + ("200k" if quick else "2M") + " CartItemAdded events to /dev/null with the real `mercato` binary, "
              "process start included (`export_bench`); memory per cart is the RSS growth over "
              + ("20k" if quick else "200k") + " live cart actors divided by their number (`actors_bench`).")
    return md


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short figures: the whole run in under 10 minutes")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure (median, min-max); at least 3 for the table")
    ap.add_argument("--build", default="build", help="the build directory")
    ap.add_argument("--out", default=None, help="rewrite the make-bench block of this Markdown file")
    ap.add_argument("--only", default=None, help="comma-separated components (default: all)")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    comps = components(a.build)
    if a.only:
        wanted = set(a.only.split(","))
        unknown = wanted - {c[0] for c in comps}
        if unknown:
            ap.error(f"unknown components {sorted(unknown)}; known: {[c[0] for c in comps]}")
        comps = [c for c in comps if c[0] in wanted]
    for c in comps:
        exe = os.path.join(ROOT, c[1][0])
        if not os.access(exe, os.X_OK):
            sys.exit(f"compare.py: {c[1][0]} is missing: build first (make build)")

    logdir = os.path.join("/tmp", f"mercato-bench-logs-{os.getpid()}")
    os.makedirs(logdir, exist_ok=True)
    started = time.monotonic()
    # Every peer's packages (and the Fastify app's npm ci) first, so no figure pays for them.
    print("==> installing the peers (tools/bench/peers/install.sh)", file=sys.stderr, flush=True)
    with open(os.path.join(logdir, "install.log"), "w") as log:
        if subprocess.run(["tools/bench/peers/install.sh"], cwd=ROOT, stdout=log, stderr=log).returncode != 0:
            sys.exit(f"compare.py: installing the peers failed; see {logdir}/install.log")
    f = Figures()
    commands, failed = [], []
    for name, cmd, what in comps:
        full, values, ok, took = run_component(name, cmd, a.runs, a.quick, os.path.join(logdir, f"{name}.log"))
        f.add(values)
        commands.append((name, what, full, took))
        if not ok:
            failed.append(name)
    total = time.monotonic() - started

    md = [BEGIN, "## Mercato against its peers (`make bench`)", ""]
    md.append(f"Measured on {time.strftime('%Y-%m-%d', time.gmtime())} on this machine: {machine()}. "
              f"Peers: {versions()}. Load generators (wrk, pgbench, fio) and servers share these cores, "
              f"so every figure is lower than on a dedicated client/server pair, and comparable only within "
              f"this table. Each figure is the median of {a.runs} runs (min–max in brackets)"
              f"{'; **quick mode**: short runs, small data, noisy' if a.quick else ''}. "
              f"The whole run took {total / 60:.1f} minutes.")
    if failed:
        md.append("")
        md.append(f"**Failed components (their figures are missing): {', '.join(failed)}.**")
    md.append("")
    md += tables(f, a.quick, a.runs)
    md.append("")
    md.append("Commands (from the repository root; each prints one JSON line per figure per run):")
    md.append("")
    md.append("```sh")
    md.append(f"tools/bench/compare.py{' --quick' if a.quick else ''} --runs {a.runs}"
              + (f" --out {a.out}" if a.out else "") + "   # make bench: --out docs/benchmarks.md; make bench-quick: --quick")
    for name, what, full, took in commands:
        md.append(f"{' '.join(shlex.quote(c) for c in full):<90} # {what} ({took:.0f} s)")
    md.append("```")
    md.append(END)
    block = "\n".join(md) + "\n"
    print(block)

    if a.out:
        try:
            with open(a.out) as fh:
                old = fh.read()
        except FileNotFoundError:
            old = "# Benchmarks\n"
        if BEGIN in old and END in old:
            new = old[: old.index(BEGIN)] + block + old[old.index(END) + len(END) + 1:]
        else:  # first time: after the title line
            nl = old.find("\n") + 1
            new = old[:nl] + "\n" + block + "\n" + old[nl:]
        with open(a.out, "w") as fh:
            fh.write(new)
        print(f"compare.py: rewrote the make-bench block of {a.out}", file=sys.stderr)
    if failed:
        print(f"compare.py: failed: {', '.join(failed)} (logs in {logdir})", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
