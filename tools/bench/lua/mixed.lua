-- wrk script: a mixed shopper scenario (browse, login, add to cart, view cart, checkout).
-- Each shopper (a user of the USERS file, see shoppers.lua) walks this cycle of 10 steps,
-- starting at a step of its own so that the shoppers are spread over the cycle:
--    1 GET  /api/v1/products?page=P&pageSize=20           (a random page of the catalogue)
--    2 GET  /api/v1/products/{id}
--    3 GET  /api/v1/products?category=C&sort=price&page=1&pageSize=20
--    4 GET  /api/v1/products/{id}
--    5 POST /api/v1/cart/items                            (201)
--    6 GET  /api/v1/products/{id}
--    7 POST /api/v1/cart/items                            (201)
--    8 GET  /api/v1/cart
--    9 POST /api/v1/cart/checkout  tok_visa               (201, confirmed; an add instead
--                                                          while the shopper's cart is empty)
--   10 GET  /api/v1/products/{id}
-- Login: POST /api/v1/auth/login once per session; the answer's accessToken is used from
-- then on. Sessions are MIX_SESSION_S seconds (default 60) and staggered: shopper k of N
-- logs in first at k/N of a session into the run, so N shoppers log in N/MIX_SESSION_S
-- times a second (200 shoppers: ~3.3/s). Until its first login a shopper uses the token it
-- got at registration. Why not "one login per ~20 requests": a login is an Argon2id verify
-- (libsodium's interactive limits, 64 MiB, ~0.1 s of a core), so a 2-core node has room for
-- only ~10 logins/s; in a closed loop without think time, one login per 20 requests would
-- put nearly every connection in the hasher's queue (multi-second waits, wrk timeouts) and
-- measure nothing but Argon2id.
-- Products: PRODUCTS ids prod-001.. (categories cat-0..cat-3: prod-N is in cat-(N % 4)).
-- Errors: every non-2xx answer and every checkout that is not confirmed.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local shoppers = dofile(dir .. "shoppers.lua")

local session_us = tonumber(os.getenv("MIX_SESSION_S") or "60") * 1e6
local password = os.getenv("PASSWORD") or "Password123!"
local page_size = 20
local pages = math.max(1, math.ceil(shoppers.products / page_size))
local t_start = nil

local function product(u)
  return "/api/v1/products/" .. shoppers.product_id(math.random(shoppers.products))
end

local function add(u)
  return "add", "POST", "/api/v1/cart/items", shoppers.json_headers(u.token),
    '{"productId":"' .. shoppers.product_id(math.random(shoppers.products)) .. '","quantity":1}'
end

local steps = {
  function(u) return "list", "GET", "/api/v1/products?page=" .. math.random(pages) .. "&pageSize=" .. page_size end,
  function(u) return "product", "GET", product(u) end,
  function(u) return "list", "GET", "/api/v1/products?category=cat-" .. math.random(0, 3) .. "&sort=price&page=1&pageSize=" .. page_size end,
  function(u) return "product", "GET", product(u) end,
  add,
  function(u) return "product", "GET", product(u) end,
  add,
  function(u) return "cart", "GET", "/api/v1/cart", {["Authorization"] = "Bearer " .. u.token} end,
  function(u)
    if u.items == 0 then return add(u) end
    return "checkout", "POST", "/api/v1/cart/checkout", shoppers.json_headers(u.token), '{"paymentToken":"tok_visa"}'
  end,
  function(u) return "product", "GET", product(u) end,
}

shoppers.run({
  start = function(u)
    t_start = t_start or shoppers.now_us()
    u.items = 0
    u.step = (u.id - 1) % #steps + 1
    u.login_at = t_start + session_us * ((u.id - 1) / u.total)
  end,
  next = function(u)
    if shoppers.now_us() >= u.login_at then
      return "login", "POST", "/api/v1/auth/login", {["Content-Type"] = "application/json"},
        '{"email":"' .. u.email .. '","password":"' .. password .. '"}'
    end
    local kind, method, path, headers, body = steps[u.step](u)
    u.step = u.step % #steps + 1
    return kind, method, path, headers, body
  end,
  finish = function(u, kind, status, body, ok)
    if kind == "login" then
      u.login_at = shoppers.now_us() + session_us
      local token = ok and body:match('"accessToken"%s*:%s*"([^"]+)"')
      if token then u.token = token end
      return token ~= nil
    elseif kind == "add" then
      if ok then u.items = u.items + 1 end
    elseif kind == "checkout" then
      u.items = 0
      return ok and body:find('"outcome":"confirmed"', 1, true) ~= nil
    end
    return ok
  end,
})
