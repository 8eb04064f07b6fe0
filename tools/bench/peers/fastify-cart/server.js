'use strict'
// The storefront service a team builds today, written the usual way: Fastify 4 with a JSON
// schema per route, @fastify/jwt for the bearer token, @node-rs/argon2 for passwords, ioredis
// for the state. It is the peer of Mercato's routes below (same requests, same answer shapes
// and status codes, same rules: the product must exist, be active and have a price; a cart line
// holds at most MAX_LINE_QUANTITY units). One Node process, no cluster module: the way such a
// service is usually deployed (one process per container).
//
//   GET  /api/v1/products     ?page=1&pageSize=20 (1..100), sorted by name
//     200 {"data": [product], "meta": {page, pageSize, total, totalPages}}
//   POST /api/v1/auth/login   {"email", "password"}: Argon2id verification (the hash made at
//                             start with 19 MiB, 2 passes, 1 lane: Mercato's default cost)
//     200 {"data": {accessToken, tokenType, expiresIn, user}}  |  400 bad body  |  401
//   POST /api/v1/cart/items   Authorization: Bearer <HS256 JWT, iss + aud checked>
//                             {"productId": "prod-001", "quantity": 1}
//     201 {"data": cart}  |  400 bad body  |  401 bad token  |  404 unknown product
//     409 line would exceed MAX_LINE_QUANTITY units  |  422 product not for sale
//   GET  /health              200 once Redis answers
//
// Redis keys, seeded at start: product:<id> (hash: the demo catalog Mercato's dev profile
// seeds, prod-001..prod-012: sku, name, description, category, price, currency, active, stock,
// images as JSON, createdAt, updatedAt), products:by-name (sorted set, members
// "<lower-case name>\0<id>": the listing order), user:<id> (hash: email, displayName, role,
// passwordHash) and user-email:<lower-case email> → id, for test@example.com / Password123!.
// Written by the routes: cart:<userId> (hash: q:<productId> → units, p:<productId> → the
// line's name and price as JSON, fixed when the line is created), cart-events (stream: one
// entry per item added, the event a typical team publishes for the rest of the shop).
//
// Environment: PORT (required), HOST (127.0.0.1), REDIS_PORT (6379), JWT_SECRET (required),
// JWT_ISSUER (mercato-bench), JWT_AUDIENCE (storefront), MAX_LINE_QUANTITY (99; 0 = no limit;
// a request adds at most 10000 units, as Mercato's).

const crypto = require('node:crypto')
const Fastify = require('fastify')
const Redis = require('ioredis')
const argon2 = require('@node-rs/argon2')

const MAX_ADD_QUANTITY = 10000 // units one request may add (Mercato's request schema)
// Mercato's default Argon2id cost (OWASP's minimum): 19 MiB, 2 passes, 1 lane.
const ARGON2 = { algorithm: argon2.Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 }
const DEMO_USER = { email: 'test@example.com', password: 'Password123!', displayName: 'Test Customer' }

// Mercato's demo catalog (tools/mercatod/demo_data.cpp): name, description, category, price, stock.
const CATALOG = [
  ['Espresso Cups (set of 6)', 'Porcelain espresso cups with saucers', 'kitchen', 2499, 120],
  ['Pour-Over Coffee Maker', 'Glass pour-over brewer with a steel filter', 'kitchen', 3999, 60],
  ["Chef's Knife 20 cm", "Forged stainless steel chef's knife", 'kitchen', 8900, 40],
  ['Linen Tea Towels (2)', 'Stonewashed linen tea towels', 'kitchen', 1850, 200],
  ['Merino Wool Beanie', 'Warm ribbed beanie in merino wool', 'apparel', 2900, 150],
  ['Waterproof Rain Jacket', 'Lightweight jacket with taped seams', 'apparel', 12900, 35],
  ['Organic Cotton T-Shirt', 'Crew neck t-shirt in organic cotton', 'apparel', 1990, 300],
  ['Trail Running Shoes', 'Grippy trail shoes with a rock plate', 'footwear', 11900, 50],
  ['Wireless Headphones', 'Over-ear headphones with noise cancelling', 'electronics', 19900, 25],
  ['USB-C Charger 65 W', 'Compact GaN charger with two ports', 'electronics', 4490, 80],
  ['Paperback Notebook A5', 'Dotted notebook, 192 pages', 'stationery', 1290, 500],
  ['Fountain Pen', 'Steel-nib fountain pen with converter', 'stationery', 3490, 70]
]

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
  audience: env('JWT_AUDIENCE', 'storefront'),
  maxLineQuantity: Number(env('MAX_LINE_QUANTITY', '99'))
}
if (!Number.isInteger(config.maxLineQuantity) || config.maxLineQuantity < 0) {
  console.error('MAX_LINE_QUANTITY wants a whole number (0 = no limit)')
  process.exit(2)
}
const maxAdd = config.maxLineQuantity === 0 ? MAX_ADD_QUANTITY : Math.min(config.maxLineQuantity, MAX_ADD_QUANTITY)

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
        quantity: { type: 'integer', minimum: 1, maximum: maxAdd }
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
  if (config.maxLineQuantity !== 0 && Number(inCart || 0) + quantity > config.maxLineQuantity) {
    throw new HttpError(409, `quantity must be between 1 and ${config.maxLineQuantity} per line`)
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

const productSchema = {
  type: 'object',
  properties: {
    active: { type: 'boolean' },
    category: { type: 'string' },
    createdAt: { type: 'string' },
    currency: { type: 'string' },
    description: { type: 'string' },
    id: { type: 'string' },
    images: { type: 'array', items: { type: 'string' } },
    name: { type: 'string' },
    price: { type: 'integer' },
    sku: { type: 'string' },
    stock: { type: 'integer' },
    updatedAt: { type: 'string' }
  }
}

// The product as the client sees it, from HGETALL product:<id>.
function productView(h) {
  return {
    active: h.active === '1',
    category: h.category,
    createdAt: h.createdAt,
    currency: h.currency,
    description: h.description,
    id: h.id,
    images: JSON.parse(h.images || '[]'),
    name: h.name,
    price: Number(h.price),
    sku: h.sku,
    stock: Number(h.stock),
    updatedAt: h.updatedAt
  }
}

// Query strings are text: paging numbers are checked as digits (Ajv does not coerce here).
app.get('/api/v1/products', {
  schema: {
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        page: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' },
        pageSize: { type: 'string', pattern: '^([1-9]|[1-9][0-9]|100)$' }
      }
    },
    response: {
      200: {
        type: 'object',
        properties: {
          data: { type: 'array', items: productSchema },
          meta: {
            type: 'object',
            properties: {
              page: { type: 'integer' },
              pageSize: { type: 'integer' },
              total: { type: 'integer' },
              totalPages: { type: 'integer' }
            }
          }
        }
      }
    }
  }
}, async (request) => {
  const page = Number(request.query.page || 1)
  const pageSize = Number(request.query.pageSize || 20)
  const from = (page - 1) * pageSize
  // One round trip for the page's ids and the total, one for the products.
  const [[e1, total], [e2, members]] = await redis.pipeline()
    .zcard('products:by-name')
    .zrange('products:by-name', from, from + pageSize - 1)
    .exec()
  if (e1 || e2) throw e1 || e2
  const data = []
  if (members.length > 0) {
    const p = redis.pipeline()
    for (const m of members) p.hgetall('product:' + m.slice(m.lastIndexOf('\0') + 1))
    for (const [err, h] of await p.exec()) {
      if (err) throw err
      if (h.id) data.push(productView(h))
    }
  }
  return { data, meta: { page, pageSize, total, totalPages: Math.ceil(total / pageSize) } }
})

// An unknown e-mail costs the same Argon2id work as a wrong password (as Mercato's login),
// so response times do not tell which addresses have accounts.
let dummyHash = null

app.post('/api/v1/auth/login', {
  schema: {
    body: {
      type: 'object',
      required: ['email', 'password'],
      additionalProperties: false,
      properties: {
        email: { type: 'string', minLength: 1, maxLength: 254 },
        password: { type: 'string', minLength: 1, maxLength: 1024 }
      }
    }
  }
}, async (request) => {
  const { email, password } = request.body
  const id = await redis.get('user-email:' + email.trim().toLowerCase())
  const user = id === null ? null : await redis.hgetall('user:' + id)
  if (!user || !user.passwordHash) {
    await argon2.verify(dummyHash, password)
    throw new HttpError(401, 'The e-mail or the password is wrong.')
  }
  if (!(await argon2.verify(user.passwordHash, password))) {
    throw new HttpError(401, 'The e-mail or the password is wrong.')
  }
  const accessToken = app.jwt.sign({ sub: id, role: user.role, email: user.email })
  return {
    data: {
      accessToken,
      tokenType: 'Bearer',
      expiresIn: 3600,
      user: { id, email: user.email, displayName: user.displayName, role: user.role }
    }
  }
})

app.get('/health', async () => {
  await redis.ping()
  return { status: 'ok' }
})

async function seed() {
  const now = new Date().toISOString()
  const m = redis.multi()
  m.del('products:by-name')
  CATALOG.forEach(([name, description, category, price, stock], i) => {
    const id = 'prod-' + String(i + 1).padStart(3, '0')
    m.hset('product:' + id, {
      id,
      sku: 'SKU-' + id,
      name,
      description,
      category,
      price,
      currency: 'EUR',
      active: '1',
      stock,
      images: JSON.stringify(['https://example.com/img/' + id + '.jpg']),
      createdAt: now,
      updatedAt: now
    })
    m.zadd('products:by-name', 0, name.toLowerCase() + '\0' + id)
  })
  const email = DEMO_USER.email.toLowerCase()
  const userId = (await redis.get('user-email:' + email)) || crypto.randomBytes(16).toString('hex')
  m.hset('user:' + userId, {
    email,
    displayName: DEMO_USER.displayName,
    role: 'customer',
    passwordHash: await argon2.hash(DEMO_USER.password, ARGON2)
  })
  m.set('user-email:' + email, userId)
  await m.exec()
  dummyHash = await argon2.hash('not-a-real-password-0', ARGON2)
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
