-- wrk script: durable POST /api/v1/cart/items by many shoppers (TOKENS = a file of bearer
-- tokens, one per line; products prod-001..prod-012). Shared by Mercato's HTTP bench and the
-- Fastify+Redis peer so both see the same load.
-- Shoppers, not a storm on one cart: each wrk thread cycles through its own half of the
-- users, so one user's requests rarely overlap (a real shopper waits for the 201).
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do tokens[#tokens + 1] = line end
local n = 0
request = function()
  n = n + 1
  local t = tokens[((n * 2 + offset) % #tokens) + 1]
  -- the next product once a thread has been round all its users: lines fill evenly (≤ 99 each)
  local p = string.format("prod-%03d", math.floor(n / math.floor(#tokens / 2)) % 12 + 1)
  return wrk.format("POST", "/api/v1/cart/items",
    {["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json"},
    '{"productId":"' .. p .. '","quantity":1}')
end
