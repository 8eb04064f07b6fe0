-- wrk script: full checkouts (POST /api/v1/cart/checkout with tok_visa) by many shoppers.
-- Each shopper (a user of the USERS file, see shoppers.lua) repeats: add one item to its cart
-- (POST /api/v1/cart/items, 201) → check the cart out (201 with the order). A shopper checks
-- out only after its add answered 2xx, so every checkout is a real one of a one-line cart:
-- place order → reserve stock → authorize payment → confirm, all durable. A checkout counts
-- as ok only if it answers 2xx with `"outcome":"confirmed"`.
--
-- Half the requests are adds: wrk's own latency histogram and Requests/sec mix both kinds,
-- so the figures to read are this script's "checkout.*" lines (RESULT file, written by
-- done()): confirmed checkouts per second of the run and checkout-only latency.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local shoppers = dofile(dir .. "shoppers.lua")

local checkout_body = '{"paymentToken":"tok_visa"}'

shoppers.run({
  start = function(u)
    u.items = 0
    u.n = u.id
  end,
  next = function(u)
    if u.items > 0 then
      return "checkout", "POST", "/api/v1/cart/checkout", shoppers.json_headers(u.token), checkout_body
    end
    u.n = u.n + 1
    return "add", "POST", "/api/v1/cart/items", shoppers.json_headers(u.token),
      '{"productId":"' .. shoppers.product_id(u.n) .. '","quantity":1}'
  end,
  finish = function(u, kind, status, body, ok)
    if kind == "add" then
      if ok then u.items = u.items + 1 end
      return ok
    end
    u.items = 0 -- confirmed, compensated or refused: the next step is a fresh add
    return ok and body:find('"outcome":"confirmed"', 1, true) ~= nil
  end,
})
