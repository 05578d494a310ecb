// What the Node SDK suites (node/cases.js: the SDK v2, node-v3/cases.js: the SDK v3) share:
// names, authport's tester endpoints, the JWKS, Cognito's SECRET_HASH, and the runner whose exit
// status is the number of failed cases. AUTHPORT_COGNITO_ENDPOINT is authport's Cognito API.
const crypto = require('node:crypto')

const ENDPOINT = process.env.AUTHPORT_COGNITO_ENDPOINT
const unique = (tag) => `${tag}-${Math.random().toString(36).slice(2)}${Date.now()}`
const email = (tag) => `${unique(tag)}@example.com`

function expect (condition, what) {
  if (!condition) throw new Error(`expected ${what}`)
}

// `promise` fails with a 400 `code` (and exactly `message`, when given); `describe(err)` says
// how this SDK names an error's code and HTTP status.
async function refusedWith (describe, promise, code, message) {
  try {
    await promise
  } catch (err) {
    const { code: actual, status } = describe(err)
    if (actual !== code) throw new Error(`${actual}: ${err.message} (wanted ${code})`)
    if (status !== 400) throw new Error(`status ${status} (wanted 400)`)
    if (message !== undefined && err.message !== message) throw new Error(`${JSON.stringify(err.message)} (wanted ${JSON.stringify(message)})`)
    return
  }
  throw new Error(`succeeded, wanted ${code}`)
}

// Cognito's SECRET_HASH: Base64(HMAC-SHA256(secret, username + client id)).
const secretHash = (secret, username, clientId) =>
  crypto.createHmac('sha256', secret).update(username + clientId).digest('base64')

async function jwks (poolId) {
  const response = await fetch(`${ENDPOINT}/${poolId}/.well-known/jwks.json`)
  if (!response.ok) throw new Error(`JWKS: ${response.status}`)
  return response.json()
}

// The code of the last message Cognito would have sent `username`, which must be a `kind`.
async function lastCode (poolId, username, kind) {
  const query = new URLSearchParams({ pool: poolId, username })
  const response = await fetch(`${ENDPOINT}/_authport/messages?${query}`)
  if (!response.ok) throw new Error(`messages: ${response.status} ${await response.text()}`)
  const { Messages: messages } = await response.json()
  const last = messages[messages.length - 1]
  if (!last || last.Kind !== kind || !last.Message.includes(last.Code)) {
    throw new Error(`no ${kind} to ${username}: ${JSON.stringify(messages)}`)
  }
  return last.Code
}

// Moves authport's test clock (the server runs with --cognito-api-test-clock) forward.
async function advanceClock (seconds) {
  const response = await fetch(`${ENDPOINT}/_authport/clock`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ AdvanceSeconds: seconds })
  })
  if (!response.ok) throw new Error(`the test clock answered ${response.status}: start authport with --cognito-api-test-clock`)
}

// Runs every case in order, reports each, and exits with the number that failed.
async function runCases (cases) {
  let failed = 0
  for (const [name, run] of Object.entries(cases)) {
    try {
      await run()
      console.log(`ok   ${name}`)
    } catch (err) {
      failed += 1
      console.log(`FAIL ${name}\n${err.stack || err}`)
    }
  }
  console.log(`${Object.keys(cases).length - failed} passed, ${failed} failed`)
  process.exit(failed)
}

module.exports = { ENDPOINT, unique, email, expect, refusedWith, secretHash, jwks, lastCode, advanceClock, runCases }
