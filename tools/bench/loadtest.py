#!/usr/bin/env python3
"""The replaced system's own load test (a k6 script), replayed faithfully without k6.

Scenario, unchanged from the k6 script (docs/loadtest.md):

  stages   0 -> 100 users over 2 min, 100 for 5 min, -> 200 over 2 min, 200 for 5 min,
           -> 0 over 2 min (k6 ramping-VUs: users started and stopped linearly over each
           stage; a stopped user finishes its iteration, at most 30 s, k6's gracefulRampDown)
  a user   GET  /api/v1/products                                     expect 200
           sleep 1 s
           POST /api/v1/auth/login {"email":"test@example.com","password":"Password123!"}
                                                                     expect 200, data.accessToken
           sleep 1 s
           POST /api/v1/cart/items {"productId":"prod-001","quantity":1}
                with Authorization: Bearer <token>                   expect 201
           sleep 2 s
           (its own keep-alive HTTP/1.1 connection; request timeout 60 s)
  pass     http_req_duration p(95) < 500 ms  and  http_req_failed rate < 1 %

--time-scale F scales the stage lengths only (the sleeps stay 1 s / 1 s / 2 s); --max-users N
scales the 100/200 targets to N/2 and N. One asyncio loop, raw sockets: the client costs a few
per cent of a core at 200 users (its CPU time and event-loop lag are in the summary).

Output: the JSON summary on stdout (and in --summary FILE), progress on stderr.
Exit: 0 thresholds met, 1 a threshold failed, 2 bad arguments, 3 no request got any answer.

usage: tools/bench/loadtest.py --url http://127.0.0.1:8080 [--time-scale 1.0] [--max-users 200]
                               [--start-users 0] [--summary FILE] [--progress-every S]
"""
import argparse
import asyncio
import json
import math
import os
import resource
import sys
import time
import urllib.parse

# The k6 script's stages: (seconds, target users at max_users = 200).
BASE_STAGES = [(120.0, 100), (300.0, 100), (120.0, 200), (300.0, 200), (120.0, 0)]
BASE_MAX_USERS = 200
GRACEFUL_RAMP_DOWN = 30.0  # k6 default gracefulRampDown and gracefulStop
REQUEST_TIMEOUT = 60.0  # k6 default request timeout
SLEEPS = (1.0, 1.0, 2.0)
P95_LIMIT_MS = 500.0
FAILED_RATE_LIMIT = 0.01

ROUTES = [
    ("GET /api/v1/products", 200),
    ("POST /api/v1/auth/login", 200),
    ("POST /api/v1/cart/items", 201),
]
LOGIN_BODY = json.dumps({"email": "test@example.com", "password": "Password123!"}).encode()
CART_BODY = json.dumps({"productId": "prod-001", "quantity": 1}).encode()


def log(msg):
    print(f"[loadtest] {msg}", file=sys.stderr, flush=True)


# ---- schedule --------------------------------------------------------------------------------

def scaled_stages(time_scale, max_users):
    out = []
    for seconds, target in BASE_STAGES:
        users = 0 if target == 0 else max(1, int(target * max_users / BASE_MAX_USERS + 0.5))
        out.append((seconds * time_scale, users))
    return out


def execution_steps(stages, start_users):
    """k6's ramping-VUs plan (RampingVUsConfig.getRawExecutionSteps, one segment): a list of
    (offset s, planned users). Ramping up from a to b over D, user k starts at
    start + D*(k-a)/(b-a); ramping down, the count drops by one at start + D*j/(a-b), j = 1..a-b,
    reaching the target at the stage's end. A step with 0 users closes the plan."""
    steps = [(0.0, start_users)]

    def add(t, n):
        if steps[-1][1] != n:
            steps.append((t, n))

    t_end = 0.0
    current = start_users
    for duration, target in stages:
        t_start = t_end
        t_end += duration
        diff = target - current
        if diff == 0:
            continue
        if duration == 0:
            add(t_end, target)
        elif diff > 0:
            for k in range(current + 1, target + 1):
                add(t_start + duration * (k - current) / diff, k)
        else:
            for j in range(1, -diff + 1):
                add(t_start + duration * j / -diff, current - j)
        current = target
    if steps[-1][1] != 0:
        steps.append((t_end, 0))
    return steps, t_end


# ---- HTTP/1.1 over one keep-alive connection ---------------------------------------------------

class TransportError(Exception):
    pass


class Connection:
    """One user's connection, opened on first use and reopened after the server closes it.
    A request on a reused connection that dies before any answer byte is sent again once on a
    new connection (what Go's http.Transport, under k6, does)."""

    def __init__(self, host, port, hostport):
        self.host, self.port, self.hostport = host, port, hostport
        self.reader = self.writer = None
        self.used = False

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
        self.used = False

    async def _open(self):
        try:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        except OSError as e:
            raise TransportError(f"connect: {e.strerror or e}") from None
        self.used = False

    async def request(self, method, path, headers, body):
        """→ (status, body bytes, duration ms). Duration: from the first byte written to the
        last byte read (k6's http_req_duration: sending + waiting + receiving)."""
        for attempt in (1, 2):
            if self.writer is None:
                await self._open()
            reused = self.used
            head = [f"{method} {path} HTTP/1.1", f"Host: {self.hostport}", "User-Agent: mercato-loadtest/1 (k6 script replay)"]
            head += [f"{k}: {v}" for k, v in headers]
            if body is not None:
                head.append(f"Content-Length: {len(body)}")
            data = ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")
            started = time.perf_counter()
            got_bytes = False
            try:
                self.writer.write(data)
                await self.writer.drain()
                line = await self.reader.readline()
                if not line:
                    raise ConnectionResetError("connection closed before the answer")
                got_bytes = True
                status, resp_body, keep = await self._read_rest(line)
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                self.close()
                if reused and not got_bytes and attempt == 1:
                    continue  # a stale keep-alive connection: send once more on a new one
                raise TransportError(f"{type(e).__name__}: {e}") from None
            duration = (time.perf_counter() - started) * 1000.0
            self.used = True
            if not keep:
                self.close()
            return status, resp_body, duration
        raise TransportError("unreachable")

    async def _read_rest(self, status_line):
        parts = status_line.decode("latin-1").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ValueError(f"bad status line {status_line[:80]!r}")
        status = int(parts[1])
        http10 = parts[0] == "HTTP/1.0"
        length, chunked, keep = None, False, not http10
        while True:
            line = await self.reader.readline()
            if not line:
                raise asyncio.IncompleteReadError(b"", None)
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection":
                v = value.lower()
                keep = "close" not in v and (not http10 or "keep-alive" in v)
        if chunked:
            chunks = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await self.reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            body = b"".join(chunks)
        elif length is not None:
            body = await self.reader.readexactly(length)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await self.reader.read()
            keep = False
        return status, body, keep


# ---- figures ---------------------------------------------------------------------------------

def percentile(sorted_xs, p):
    """Linear interpolation between closest ranks (k6's trend percentiles)."""
    if not sorted_xs:
        return None
    i = (len(sorted_xs) - 1) * p / 100.0
    lo = math.floor(i)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (i - lo)


class Stats:
    def __init__(self):
        self.durations = {name: [] for name, _ in ROUTES}
        self.statuses = {name: {} for name, _ in ROUTES}
        self.failures = {name: 0 for name, _ in ROUTES}
        self.errors = {}  # transport error text → count
        self.answered = 0
        self.requests = 0
        self.iterations = 0
        self.iterations_aborted = 0  # k6: an exception in the script (no token to read)
        self.iterations_interrupted = 0  # past the graceful ramp-down
        self.window = []  # durations since the last progress line
        self.window_failed = 0

    def record(self, route, status, duration, expected):
        key = str(status) if status else "error"
        self.requests += 1
        self.statuses[route][key] = self.statuses[route].get(key, 0) + 1
        if duration is not None:
            self.durations[route].append(duration)
            self.window.append(duration)
        if status != expected:
            self.failures[route] += 1
            self.window_failed += 1
        if status:
            self.answered += 1

    def error(self, text):
        text = text[:120]
        self.errors[text] = self.errors.get(text, 0) + 1


# ---- the users -------------------------------------------------------------------------------

class User:
    def __init__(self, index, target, stats):
        self.index = index
        self.conn = Connection(*target)
        self.stats = stats
        self.stopping = False
        self.task = None

    async def call(self, route, expected, method, path, headers=(), body=None):
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                status, resp, duration = await self.conn.request(method, path, headers, body)
        except TimeoutError:
            self.conn.close()
            self.stats.record(route, 0, REQUEST_TIMEOUT * 1000.0, expected)
            self.stats.error(f"{route}: timeout after {REQUEST_TIMEOUT:.0f} s")
            return 0, b""
        except TransportError as e:
            self.stats.record(route, 0, None, expected)
            self.stats.error(f"{route}: {e}")
            return 0, b""
        self.stats.record(route, status, duration, expected)
        return status, resp

    async def iteration(self):
        (r_products, s_products), (r_login, s_login), (r_cart, s_cart) = ROUTES
        await self.call(r_products, s_products, "GET", "/api/v1/products")
        await asyncio.sleep(SLEEPS[0])
        _, body = await self.call(r_login, s_login, "POST", "/api/v1/auth/login",
                                  (("Content-Type", "application/json"),), LOGIN_BODY)
        # k6: loginRes.json('data.accessToken') throws on a body that is not JSON (the
        # iteration ends there, the next starts at once); a JSON answer without the field
        # gives undefined, and the script goes on with "Bearer undefined".
        try:
            doc = json.loads(body)
        except ValueError:
            self.stats.iterations_aborted += 1
            return
        token = doc.get("data", {}).get("accessToken") if isinstance(doc, dict) and isinstance(doc.get("data"), dict) else None
        await asyncio.sleep(SLEEPS[1])
        await self.call(r_cart, s_cart, "POST", "/api/v1/cart/items",
                        (("Content-Type", "application/json"),
                         ("Authorization", f"Bearer {token if isinstance(token, str) else 'undefined'}")), CART_BODY)
        await asyncio.sleep(SLEEPS[2])
        self.stats.iterations += 1

    async def run(self):
        try:
            while not self.stopping:
                await self.iteration()
        except asyncio.CancelledError:
            self.stats.iterations_interrupted += 1
        finally:
            self.conn.close()


# ---- the run ---------------------------------------------------------------------------------

async def main_async(a):
    u = urllib.parse.urlsplit(a.url)
    if u.scheme != "http" or not u.hostname:
        raise SystemExit(f"--url wants http://HOST:PORT, got {a.url!r}")
    port = u.port or 80
    target = (u.hostname, port, u.netloc)
    stages = scaled_stages(a.time_scale, a.max_users)
    steps, total = execution_steps(stages, a.start_users)
    log(f"{a.url}: stages {', '.join(f'{d:.1f} s -> {n}' for d, n in stages)} ({total / 60:.1f} min; "
        f"time scale {a.time_scale}, max users {a.max_users}); sleeps 1/1/2 s; p95 < {P95_LIMIT_MS:.0f} ms, "
        f"failed < {FAILED_RATE_LIMIT:.0%}")

    loop = asyncio.get_running_loop()
    stats = Stats()
    active, all_users = [], []
    lag = []
    t0 = loop.time()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    done = asyncio.Event()

    async def lag_probe():
        while not done.is_set():
            want = loop.time() + 0.1
            await asyncio.sleep(0.1)
            lag.append(max(0.0, (loop.time() - want) * 1000.0))

    async def progress():
        last_t, last_n = t0, 0
        while not done.is_set():
            try:
                await asyncio.wait_for(done.wait(), a.progress_every)
            except TimeoutError:
                pass
            now = loop.time()
            n = stats.requests
            w = sorted(stats.window)
            p95 = percentile(w, 95)
            log(f"{now - t0:7.1f} s  users {len(active):4d} (+{sum(1 for x in all_users if x.task and not x.task.done()) - len(active)} finishing)"
                f"  requests {n:7d}  {(n - last_n) / max(now - last_t, 1e-9):7.1f}/s"
                f"  p95 {'—' if p95 is None else f'{p95:.0f} ms'}  failed {stats.window_failed}")
            stats.window, stats.window_failed = [], 0
            last_t, last_n = now, n

    probes = [asyncio.ensure_future(lag_probe()), asyncio.ensure_future(progress())]

    def start_user():
        user = User(len(all_users) + 1, target, stats)
        user.task = asyncio.ensure_future(user.run())
        active.append(user)
        all_users.append(user)

    def stop_user():
        user = active.pop()  # k6 deactivates the most recently started users first
        user.stopping = True
        loop.call_later(GRACEFUL_RAMP_DOWN, lambda t=user.task: t.done() or t.cancel())

    for offset, planned in steps:
        delay = t0 + offset - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        while len(active) < planned:
            start_user()
        while len(active) > planned:
            stop_user()
    # gracefulStop: iterations still running at the end get 30 s, then are interrupted.
    pending = [x.task for x in all_users if not x.task.done()]
    if pending:
        await asyncio.wait(pending, timeout=max(0.0, t0 + total + GRACEFUL_RAMP_DOWN - loop.time()))
        for t in pending:
            t.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    elapsed = loop.time() - t0
    done.set()
    await asyncio.gather(*probes, return_exceptions=True)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    return summarize(a, stages, total, elapsed, stats, lag, len(all_users),
                     (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime))


def summarize(a, stages, total, elapsed, stats, lag, users_started, cpu_s):
    def r1(x):
        return None if x is None else round(x, 1)

    routes = {}
    everything = []
    failed = requests = 0
    for name, expected in ROUTES:
        xs = sorted(stats.durations[name])
        everything += xs
        n = sum(stats.statuses[name].values())
        requests += n
        failed += stats.failures[name]
        routes[name] = {
            "expected_status": expected, "count": n, "failures": stats.failures[name],
            "statuses": dict(sorted(stats.statuses[name].items())),
            "p50_ms": r1(percentile(xs, 50)), "p95_ms": r1(percentile(xs, 95)),
            "p99_ms": r1(percentile(xs, 99)), "max_ms": r1(xs[-1] if xs else None),
        }
    everything.sort()
    p95 = percentile(everything, 95)
    rate = failed / requests if requests else 1.0
    ok_p95 = p95 is not None and p95 < P95_LIMIT_MS
    ok_failed = requests > 0 and rate < FAILED_RATE_LIMIT
    lag.sort()
    return {
        "url": a.url,
        "time_scale": a.time_scale,
        "max_users": a.max_users,
        "stages": [{"seconds": round(d, 3), "target": n} for d, n in stages],
        "planned_seconds": round(total, 1),
        "elapsed_seconds": round(elapsed, 1),
        "users_started": users_started,
        "iterations": stats.iterations,
        "iterations_aborted": stats.iterations_aborted,
        "iterations_interrupted": stats.iterations_interrupted,
        "requests": requests,
        "routes": routes,
        "http_req_duration": {
            "avg_ms": r1(sum(everything) / len(everything)) if everything else None,
            "p50_ms": r1(percentile(everything, 50)), "p90_ms": r1(percentile(everything, 90)),
            "p95_ms": r1(p95), "p99_ms": r1(percentile(everything, 99)),
            "max_ms": r1(everything[-1] if everything else None),
        },
        "http_req_failed": {"rate": round(rate, 6), "failed": failed, "total": requests},
        "transport_errors": dict(sorted(stats.errors.items(), key=lambda kv: -kv[1])[:10]),
        "thresholds": {
            f"http_req_duration p(95)<{P95_LIMIT_MS:.0f}": {"value_ms": r1(p95), "ok": ok_p95},
            f"http_req_failed rate<{FAILED_RATE_LIMIT}": {"value": round(rate, 6), "ok": ok_failed},
        },
        "passed": ok_p95 and ok_failed,
        "client": {"cpu_seconds": round(cpu_s, 2), "cpu_share": round(cpu_s / elapsed, 3) if elapsed else None,
                   "loop_lag_p99_ms": r1(percentile(lag, 99)), "loop_lag_max_ms": r1(lag[-1] if lag else None)},
        "answered": stats.answered,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="the server, http://HOST:PORT")
    ap.add_argument("--time-scale", type=float, default=1.0,
                    help="multiplies the stage lengths (1.0: the full 16 minutes; 0.1: 1.6 minutes)")
    ap.add_argument("--max-users", type=int, default=BASE_MAX_USERS,
                    help="the peak user count; the first plateau is half of it (default 200)")
    ap.add_argument("--start-users", type=int, default=0,
                    help="users running at t = 0 (0, as the scenario says; k6's `stages` shortcut would start 1)")
    ap.add_argument("--summary", default=None, help="also write the JSON summary to this file")
    ap.add_argument("--progress-every", type=float, default=None,
                    help="seconds between progress lines on stderr (default: 10, or less for short runs)")
    a = ap.parse_args()
    if not (a.time_scale > 0) or a.time_scale > 100:
        ap.error("--time-scale wants a number in (0, 100]")
    if a.max_users < 1 or a.max_users > 100000:
        ap.error("--max-users wants 1..100000")
    if a.start_users < 0 or a.start_users > a.max_users:
        ap.error("--start-users wants 0..max-users")
    if a.progress_every is None:
        a.progress_every = min(10.0, max(1.0, 960.0 * a.time_scale / 20))
    # Many users, one file descriptor each.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, a.max_users * 2 + 64))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    summary = asyncio.run(main_async(a))
    text = json.dumps(summary, indent=2)
    print(text, flush=True)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(text + "\n")
    th = summary["thresholds"]
    d, f = summary["http_req_duration"], summary["http_req_failed"]
    verdict = "PASSED" if summary["passed"] else "FAILED"
    log(f"{verdict}: p95 {d['p95_ms']} ms ({'ok' if list(th.values())[0]['ok'] else 'over 500 ms'}), "
        f"failed {f['rate']:.2%} of {f['total']} ({'ok' if list(th.values())[1]['ok'] else 'over 1 %'}); "
        f"{summary['iterations']} iterations, client CPU {summary['client']['cpu_share']:.1%}, "
        f"loop lag p99 {summary['client']['loop_lag_p99_ms']} ms")
    for name, r in summary["routes"].items():
        log(f"  {name:26s} {r['count']:7d}  statuses {r['statuses']}  p50 {r['p50_ms']}  p95 {r['p95_ms']}  p99 {r['p99_ms']} ms")
    for text_, n in summary["transport_errors"].items():
        log(f"  error x{n}: {text_}")
    if summary["answered"] == 0:
        log("no request got an answer: is the server up?")
        sys.exit(3)
    sys.exit(0 if summary["passed"] else 1)


if __name__ == "__main__":
    main()
