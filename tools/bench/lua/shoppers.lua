-- Shared engine of the shopper scenarios (checkout.lua, mixed.lua) for wrk 4.
--
-- wrk's request()/response() callbacks do not say which connection they serve, so a shopper
-- is not a connection here but a user: each wrk thread owns a set of users (USERS file, one
-- "email token" per line; thread k of WRK_THREADS takes every WRK_THREADS-th user), keeps
-- the ready ones in a FIFO, and request() takes the next ready user and builds that user's
-- next request. The request carries `X-Request-Id: s<user>-<n>`, which the server echoes;
-- response() finds the user by it, lets the scenario update the user's state, and puts the
-- user back in the queue. So a user never has two requests in flight (its steps are
-- sequential, like a person's), whichever connection carries them. With at least as many
-- users as connections every connection always finds a ready user; if none is ready (a
-- socket error lost a user's answer), the connection browses anonymously
-- (GET /api/v1/products/prod-001, kind "anon").
--
-- Latency per request kind is timed here (monotonic clock via LuaJIT's FFI) from request()
-- to response(), because wrk's own histogram mixes all kinds. done() merges the threads'
-- figures and writes "key value" lines to the file named by RESULT:
--   duration_s requests socket_errors status_errors wrk_p50_ms wrk_p95_ms wrk_p99_ms wrk_max_ms
--   <kind>.ok <kind>.bad <kind>.p50_ms <kind>.p99_ms <kind>.max_ms  (for every kind seen)
-- A scenario decides what counts as "ok" (2xx, and e.g. a confirmed checkout).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } mercato_bench_timespec;
  int clock_gettime(int clock_id, mercato_bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("mercato_bench_timespec")

local M = {}

function M.now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1000
end

M.products = tonumber(os.getenv("PRODUCTS") or "12")

function M.product_id(n)
  return string.format("prod-%03d", (n - 1) % M.products + 1)
end

function M.json_headers(token)
  return {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
end

local function percentile(sorted, p)
  if #sorted == 0 then return 0 end
  local i = math.ceil(#sorted * p / 100)
  if i < 1 then i = 1 end
  return sorted[i]
end

-- scenario = {
--   start(user)                                  -- once per user, in its thread
--   next(user) -> kind, method, path, headers, body
--   finish(user, kind, status, body, ok) -> ok   -- after the answer; may refuse a 2xx
-- }
function M.run(scenario)
  local threads = {}
  local counter = 0

  function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
    threads[#threads + 1] = thread
  end

  local users = {}   -- this thread's users, by global index
  local queue = {}   -- FIFO of ready user indexes
  local qhead, qtail = 1, 0
  -- Globals, so that done() can read them with thread:get (wrk 4.1 copies flat tables only:
  -- a nested one crashes it): counts["<kind>.ok"/"<kind>.bad"], lat_<kind> = {us, ...},
  -- kinds = "k1 k2 ...".
  counts = {}
  kinds = ""

  local function push(i)
    qtail = qtail + 1
    queue[qtail] = i
  end

  local function pop()
    if qhead > qtail then return nil end
    local i = queue[qhead]
    queue[qhead] = nil
    qhead = qhead + 1
    return i
  end

  local function record(kind, ok, us)
    local lat = _G["lat_" .. kind]
    if not lat then
      lat = {}
      _G["lat_" .. kind] = lat
      counts[kind .. ".ok"] = 0
      counts[kind .. ".bad"] = 0
      kinds = kinds .. " " .. kind
    end
    local key = kind .. (ok and ".ok" or ".bad")
    counts[key] = counts[key] + 1
    lat[#lat + 1] = us
  end

  function init(args)
    local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
    math.randomseed(1000 + tid)
    local i, total = 0, 0
    for line in io.lines(os.getenv("USERS")) do
      i = i + 1
      local email, token = line:match("^(%S+)%s+(%S+)$")
      if email and (i - 1) % nthreads == tid then
        local u = {id = i, email = email, token = token, seq = 0}
        users[i] = u
        push(i)
      end
    end
    total = i
    for _, u in pairs(users) do
      u.total = total
      scenario.start(u)
    end
  end

  local anon_started = {}
  local verified = false
  function request()
    -- wrk calls request() once in thread 0's state before the thread runs, only to count the
    -- requests in the string (script_verify_request); that request is never sent, so it
    -- must not take a user, or the user would wait for an answer forever.
    if tid == 0 and not verified then
      verified = true
      return wrk.format("GET", "/api/v1/products/prod-001")
    end
    local i = pop()
    if not i then
      anon_started[#anon_started + 1] = M.now_us()
      return wrk.format("GET", "/api/v1/products/prod-001")
    end
    local u = users[i]
    local kind, method, path, headers, body = scenario.next(u)
    u.seq = u.seq + 1
    u.kind = kind
    headers = headers or {}
    headers["X-Request-Id"] = "s" .. u.id .. "-" .. u.seq
    u.t0 = M.now_us()
    return wrk.format(method, path, headers, body)
  end

  function response(status, headers, body)
    local rid = headers["X-Request-Id"] or headers["x-request-id"]
    local id = rid and tonumber(rid:match("^s(%d+)%-"))
    local u = id and users[id]
    local ok = status >= 200 and status < 300
    if not u or not u.t0 then
      local t0 = table.remove(anon_started, 1)
      record("anon", ok, t0 and (M.now_us() - t0) or 0)
      return
    end
    local us = M.now_us() - u.t0
    u.t0 = nil
    ok = scenario.finish(u, u.kind, status, body or "", ok)
    record(u.kind, ok, us)
    push(id)
  end

  function done(summary, latency, requests)
    local merged = {}
    for _, t in ipairs(threads) do
      local c = t:get("counts") or {}
      for kind in (t:get("kinds") or ""):gmatch("%S+") do
        local m = merged[kind]
        if not m then
          m = {ok = 0, bad = 0, lat = {}}
          merged[kind] = m
        end
        m.ok = m.ok + (c[kind .. ".ok"] or 0)
        m.bad = m.bad + (c[kind .. ".bad"] or 0)
        for _, v in ipairs(t:get("lat_" .. kind) or {}) do m.lat[#m.lat + 1] = v end
      end
    end
    local e = summary.errors
    local out = {
      string.format("duration_s %.6f", summary.duration / 1e6),
      string.format("requests %d", summary.requests),
      string.format("socket_errors %d", e.connect + e.read + e.write + e.timeout),
      string.format("status_errors %d", e.status),
      string.format("wrk_p50_ms %.3f", latency:percentile(50) / 1000),
      string.format("wrk_p95_ms %.3f", latency:percentile(95) / 1000),
      string.format("wrk_p99_ms %.3f", latency:percentile(99) / 1000),
      string.format("wrk_max_ms %.3f", latency.max / 1000),
    }
    for kind, m in pairs(merged) do
      table.sort(m.lat)
      out[#out + 1] = string.format("%s.ok %d", kind, m.ok)
      out[#out + 1] = string.format("%s.bad %d", kind, m.bad)
      out[#out + 1] = string.format("%s.p50_ms %.3f", kind, percentile(m.lat, 50) / 1000)
      out[#out + 1] = string.format("%s.p99_ms %.3f", kind, percentile(m.lat, 99) / 1000)
      out[#out + 1] = string.format("%s.max_ms %.3f", kind, percentile(m.lat, 100) / 1000)
    end
    local text = table.concat(out, "\n") .. "\n"
    io.stderr:write(text)
    local path = os.getenv("RESULT")
    if path then
      local f = assert(io.open(path, "w"))
      f:write(text)
      f:close()
    end
  end
end

return M
