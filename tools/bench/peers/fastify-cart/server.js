'use strict'
// The storefront cart service a team builds today, written the usual way: Fastify 4 with a JSON
// schema per route, @fastify/jwt for the bearer token, ioredis for the state. It is the peer of
// Mercato's POST /api/v1/cart/items (same request, same answer shape, same rules: the product
// must exist, be active and have a price; 1..99 units per line). One Node process, no cluster
// module: the way such a service is usually deployed (one process per container).
//
//   POST /api/v1/cart/items   Authorization: Bearer <HS256 JWT, iss + aud checked>
//                             {"productId": "prod-001", "quantity": 1}
//     201 {"data": cart}  |  400 bad body  |  401 bad token  |  404 unknown product
//     409 line would exceed 99 units  |  422 product not for sale
//   GET  /health              200 once Redis answers
//
// Redis keys: product:<id> (hash: name, price, currency, active, stock; seeded at start:
// prod-001..prod-012), cart:<userId> (hash: q:<productId> → units, p:<productId> → the line's
// name and price as JSON, fixed when the line is created), cart-events (stream: one entry per
// item added, the event a typical team publishes for the rest of the shop).
//
// Environment: PORT (required), HOST (127.0.0.1), REDIS_PORT (6379), JWT_SECRET (required),
// JWT_ISSUER (mercato-bench), JWT_AUDIENCE (storefront).

const Fastify = require('fastify')
const Redis = require('ioredis')

const MAX_LINE_QUANTITY = 99
const PRODUCTS = 12

function env(name, fallback) {
  const v = process.env[name] ?? fallback
  if (v === undefined || v === '') {
    console.error(`${name} is required`)
    process.exit(2)
  }
  return v
}

const config = {
  host: env('HOST', '127.0.0.1'),
  port: Number(env('PORT')),
  redisPort: Number(env('REDIS_PORT', '6379')),
  secret: env('JWT_SECRET'),
  issuer: env('JWT_ISSUER', 'mercato-bench'),
  audience: env('JWT_AUDIENCE', 'storefront')
}

const redis = new Redis({ host: '127.0.0.1', port: config.redisPort, maxRetriesPerRequest: 2 })
// Strict bodies, as Mercato's: an unknown field or a string where an integer belongs is a 400
// (Fastify's defaults would strip the one and coerce the other).
const app = Fastify({
  logger: { level: process.env.LOG_LEVEL || 'warn' },
  ajv: { customOptions: { removeAdditional: false, coerceTypes: false } }
})

app.register(require('@fastify/jwt'), {
  secret: config.secret,
  sign: { algorithm: 'HS256', iss: config.issuer, aud: config.audience, expiresIn: '1h' },
  verify: { algorithms: ['HS256'], allowedIss: config.issuer, allowedAud: config.audience }
})

async function authenticate(request) {
  await request.jwtVerify() // throws a 401 (missing, malformed, bad signature, iss/aud, expired)
  if (typeof request.user.sub !== 'string' || request.user.sub === '') {
    throw new HttpError(401, 'the token names no user (sub)')
  }
}

const lineSchema = {
  type: 'object',
  properties: {
    productId: { type: 'string' },
    name: { type: 'string' },
    unitPrice: { type: 'integer' },
    quantity: { type: 'integer' },
    lineTotal: { type: 'integer' }
  }
}

const cartSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    userId: { type: 'string' },
    items: { type: 'array', items: lineSchema },
    itemCount: { type: 'integer' },
    total: { type: 'integer' },
    currency: { type: 'string' }
  }
}

class HttpError extends Error {
  constructor(statusCode, message) {
    super(message)
    this.statusCode = statusCode
  }
}

// The cart as the client sees it, from HGETALL cart:<user>.
function cartView(userId, hash) {
  const items = []
  let itemCount = 0
  let total = 0
  let currency = ''
  for (const [field, value] of Object.entries(hash)) {
    if (!field.startsWith('q:')) continue
    const productId = field.slice(2)
    const line = JSON.parse(hash['p:' + productId] || '{}')
    const quantity = Number(value)
    const lineTotal = line.unitPrice * quantity
    items.push({ productId, name: line.name, unitPrice: line.unitPrice, quantity, lineTotal })
    itemCount += quantity
    total += lineTotal
    currency = line.currency
  }
  items.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0))
  return { id: 'cart-' + userId, userId, items, itemCount, total, currency }
}

app.post('/api/v1/cart/items', {
  onRequest: authenticate,
  schema: {
    body: {
      type: 'object',
      required: ['productId', 'quantity'],
      additionalProperties: false,
      properties: {
        productId: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
        quantity: { type: 'integer', minimum: 1, maximum: MAX_LINE_QUANTITY }
      }
    },
    response: { 201: { type: 'object', properties: { data: cartSchema } } }
  }
}, async (request, reply) => {
  const userId = request.user.sub
  const { productId, quantity } = request.body
  const cartKey = 'cart:' + userId

  // One round trip: the product and the current line.
  const [[e1, product], [e2, inCart]] = await redis.pipeline()
    .hmget('product:' + productId, 'name', 'price', 'currency', 'active')
    .hget(cartKey, 'q:' + productId)
    .exec()
  if (e1 || e2) throw e1 || e2
  const [name, price, currency, active] = product
  if (name === null) throw new HttpError(404, `product ${productId} does not exist`)
  if (active !== '1' || price === null || !currency) throw new HttpError(422, `product ${productId} is not for sale`)
  if (Number(inCart || 0) + quantity > MAX_LINE_QUANTITY) {
    throw new HttpError(409, `quantity must be between 1 and ${MAX_LINE_QUANTITY} per line`)
  }

  // One atomic round trip: the line, the event, the cart read back.
  const line = JSON.stringify({ name, unitPrice: Number(price), currency })
  const results = await redis.multi()
    .hincrby(cartKey, 'q:' + productId, quantity)
    .hsetnx(cartKey, 'p:' + productId, line)
    .xadd('cart-events', 'MAXLEN', '~', '1000000', '*',
      'type', 'CartItemAdded', 'userId', userId, 'productId', productId,
      'quantity', String(quantity), 'unitPrice', price, 'currency', currency, 'at', new Date().toISOString())
    .hgetall(cartKey)
    .exec()
  for (const [err] of results) if (err) throw err
  reply.code(201)
  return { data: cartView(userId, results[3][1]) }
})

app.get('/health', async () => {
  await redis.ping()
  return { status: 'ok' }
})

async function seed() {
  const m = redis.multi()
  for (let i = 1; i <= PRODUCTS; i++) {
    const id = 'prod-' + String(i).padStart(3, '0')
    m.hset('product:' + id, { name: 'Product ' + i, price: 1999, currency: 'EUR', active: '1', stock: 100000000 })
  }
  await m.exec()
}

async function main() {
  await seed()
  await app.listen({ host: config.host, port: config.port })
  const stop = async () => {
    await app.close()
    redis.disconnect()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
