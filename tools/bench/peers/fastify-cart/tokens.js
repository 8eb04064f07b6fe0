'use strict'
// node tokens.js N > tokens.txt — N bearer tokens (HS256, sub user-1..user-N, iss/aud/exp as
// the server checks them), one a line, signed with JWT_SECRET the way server.js signs and verifies.
const crypto = require('node:crypto')

const n = Number(process.argv[2])
const secret = process.env.JWT_SECRET
if (!Number.isInteger(n) || n < 1 || !secret) {
  console.error('usage: JWT_SECRET=... node tokens.js N')
  process.exit(2)
}
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
const header = b64({ alg: 'HS256', typ: 'JWT' })
const now = Math.floor(Date.now() / 1000)
const out = []
for (let i = 1; i <= n; i++) {
  const body = b64({
    sub: 'user-' + i,
    iss: process.env.JWT_ISSUER || 'mercato-bench',
    aud: process.env.JWT_AUDIENCE || 'storefront',
    iat: now,
    exp: now + 3600
  })
  const sig = crypto.createHmac('sha256', secret).update(header + '.' + body).digest('base64url')
  out.push(header + '.' + body + '.' + sig)
}
process.stdout.write(out.join('\n') + '\n')
