// Helpers of the work-portal journey (tests/e2e/work-journey.test.mjs): RFC 6238 TOTP codes,
// `tongban user add` against the test server's database, a small cookie-keeping HTTP client
// for the staff and citizen realms, and the citizen's side of a case through the API.
import { createHmac } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { REPO, tongbanBin } from './server.mjs'

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function base32Decode (s) {
  const out = []
  let buf = 0
  let bits = 0
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const v = B32.indexOf(ch)
    if (v < 0) throw new Error('bad base32 character ' + ch)
    buf = (buf << 5) | v
    bits += 5
    if (bits >= 8) {
      out.push((buf >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** RFC 4226 HOTP / RFC 6238 TOTP with HMAC-SHA1, 6 digits. */
export function hotp (secret, counter, digits = 6) {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac('sha1', base32Decode(secret)).update(msg).digest()
  const off = mac[mac.length - 1] & 0x0f
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3]
  return String(bin % 10 ** digits).padStart(digits, '0')
}
export const totpStep = (now = Date.now()) => Math.floor(now / 1000 / 30)

// RFC 6238 Appendix B vector (SHA-1, 8 digits, T = 59 s → 94287082), base32 of "12345678901234567890".
if (hotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 1, 8) !== '94287082') throw new Error('TOTP self-check failed')

/**
 * A TOTP code the server will take for this secret: each 30-second step is spent once per account
 * (replay protection), so a second login within the same step uses the next step (the server accepts
 * ±1 step) or waits for a fresh one.
 */
const lastStep = new Map()
export async function totpCode (secret) {
  for (;;) {
    const now = totpStep()
    const last = lastStep.get(secret) ?? -Infinity
    const step = Math.max(now, last + 1)
    if (step <= now + 1) {
      lastStep.set(secret, step)
      return hotp(secret, step)
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
}

/** The environment startServer gave the server (same database and data dir), for CLI subcommands. */
export function serverEnv (server) {
  return {
    ...process.env,
    TONGBAN_DATABASE: process.env.TB_E2E_DATABASE || path.join(server.tmp, 'e2e.db'),
    TONGBAN_DATA_DIR: path.join(server.tmp, 'data'),
  }
}

/** `tongban user add --login … --name … --role … --password-stdin` → { login, password, secret }. */
export function cliUserAdd (server, { login, name, role, department, password }) {
  const bin = tongbanBin()
  const args = ['user', 'add', '--login', login, '--name', name, '--role', role, '--password-stdin']
  if (department) args.push('--department', department)
  const r = spawnSync(bin, args, { cwd: REPO, env: serverEnv(server), input: password + '\n', encoding: 'utf8', timeout: 60000 })
  if (r.status !== 0) throw new Error(`tongban user add ${login} failed (exit ${r.status}): ${r.stdout}${r.stderr}`)
  const m = /otpauth:\/\/totp\/[^\s]*[?&]secret=([A-Z2-7]+)/.exec(r.stdout) || /：\s*([A-Z2-7]{16,})\s*$/m.exec(r.stdout)
  if (!m) throw new Error('no TOTP secret in the output of tongban user add:\n' + r.stdout)
  return { login, name, role, password, secret: m[1] }
}

/** fetch with a cookie jar and the realm's CSRF token. */
export function httpClient (base) {
  const jar = new Map()
  let csrf = ''
  async function call (method, p, body, { raw = false, headers = {} } = {}) {
    const h = { Accept: 'application/json', ...headers }
    if (jar.size) h.Cookie = [...jar].map(([k, v]) => k + '=' + v).join('; ')
    if (csrf && method !== 'GET') h['X-CSRF-Token'] = csrf
    let payload
    if (body instanceof FormData) payload = body
    else if (body !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body) }
    const r = await fetch(base + p, { method, headers: h, body: payload })
    const cookies = r.headers.getSetCookie ? r.headers.getSetCookie()
      : (r.headers.get('set-cookie') || '').split(/,(?=\s*[A-Za-z0-9_-]+=)/).filter(Boolean)
    for (const c of cookies) {
      const [kv] = c.split(';')
      const i = kv.indexOf('=')
      jar.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim())
    }
    const text = await r.text()
    let data = null
    try { data = text ? JSON.parse(text) : null } catch (e) { data = raw ? text : null }
    if (data && data.csrf_token) csrf = data.csrf_token
    return { status: r.status, body: data }
  }
  return {
    get: (p) => call('GET', p),
    post: (p, b, o) => call('POST', p, b, o),
    put: (p, b) => call('PUT', p, b),
    setCsrf: (t) => { csrf = t },
  }
}

/** The 6-digit code of a sandbox SMS text (the one after 验证码 if any, else the first 6-digit run). */
export const smsCode = (text) => ((/验证码\D{0,4}(\d{6})/.exec(text) || /(?<!\d)(\d{6})(?!\d)/.exec(text) || [])[1] || '')

/** A citizen registered and signed in through the API (sandbox SMS). */
export async function citizenSignedIn (base, who) {
  const c = httpClient(base)
  const s = await c.post('/api/v1/auth/sms-code', { phone: who.phone, purpose: 'register' })
  if (s.status !== 200) throw new Error('sms-code ' + s.status + ' ' + JSON.stringify(s.body))
  const box = await c.get('/api/v1/sandbox/sms-outbox?phone=' + who.phone)
  const code = smsCode((box.body && box.body.items && box.body.items[0] && box.body.items[0].text) || '')
  if (!/^\d{6}$/.test(code)) throw new Error('no SMS code in the sandbox outbox')
  const reg = await c.post('/api/v1/auth/register', { type: 'person', name: who.name, id_number: who.id, phone: who.phone, sms_code: code, password: who.password })
  if (reg.status !== 201) throw new Error('register ' + reg.status + ' ' + JSON.stringify(reg.body))
  const login = await c.post('/api/v1/auth/login', { account: who.id, password: who.password })
  if (login.status !== 200) throw new Error('login ' + login.status + ' ' + JSON.stringify(login.body))
  return c
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')

export async function citizenUpload (c, name = 'id-card.pdf') {
  const fd = new FormData()
  fd.append('file', new Blob([PDF], { type: 'application/pdf' }), name)
  const r = await c.post('/api/v1/uploads', fd)
  if (r.status !== 201) throw new Error('upload ' + r.status + ' ' + JSON.stringify(r.body))
  return r.body.id
}
