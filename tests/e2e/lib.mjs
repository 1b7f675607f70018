// Shared helpers of the browser journeys (tests/e2e/*.test.mjs): import everything from here,
//   import { openJourney, makeCitizen, staffLogin, ... } from './lib.mjs'
// so that starting the server, signing in, reading the sandbox SMS outbox, screenshots and the
// console watch exist once. The building blocks stay in lib/*.mjs (re-exported below).
//
// Exports
//   from lib/server.mjs   REPO, tongbanBin(), startServer({ readyTimeoutMs })
//                           → { base, tmp, logPath, readLog(), stop({ keep }) }
//   from lib/browser.mjs  loadPlaywright(), launchChromium(), watchPage(page, problems, allowed4xx)
//   from lib/ids.mjs      idCheckDigit(), makeIdNumber(area, birth), makePhone(), makeName(), makePassword()
//   from lib/work.mjs     base32Decode(), hotp(), totpStep(), totpCode(secret), serverEnv(server),
//                         cliUserAdd(server, { login, name, role, department?, password }) → { …, secret },
//                         httpClient(base) → { get, post, put, setCsrf }, smsCode(text),
//                         citizenSignedIn(base, who) → httpClient, PDF, citizenUpload(client, name?)
//   here                  SHOTS, TIMEOUT, sleep(ms), poll(fn, ms?, every?), tid(page, testid),
//                         requireWebDist(apps), jsonApi(base), makeCitizen(area, birth, extra?),
//                         smsOutbox(base, phone), waitSmsCode(base, phone, purpose, after?, ms?),
//                         staffClient(base, who), staffLogin(page, who, { next, code, whoami }),
//                         citizenLogin(page, account, password), toast(page, re), pickOption(page, text),
//                         selectIn(page, testid, typed, optionText?), sql(server, statement),
//                         openJourney(t, options) → { server, B, api, browser, problems, pages,
//                                                     newPage(contextOptions?), shot(page, name), step(name, fn), passed() }
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { REPO, startServer } from './lib/server.mjs'
import { launchChromium, watchPage } from './lib/browser.mjs'
import { makeIdNumber, makePhone, makeName, makePassword } from './lib/ids.mjs'
import { httpClient, totpCode, serverEnv, smsCode } from './lib/work.mjs'

export * from './lib/server.mjs'
export * from './lib/browser.mjs'
export * from './lib/ids.mjs'
export * from './lib/work.mjs'

/** Screenshots of every journey go here (git-ignored). */
export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots')
/** Default wait of every page action: long enough for a busy 2-core CI machine. */
export const TIMEOUT = 15000

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Calls fn until it returns something truthy or ms pass; returns the last value (falsy on timeout). */
export async function poll (fn, ms = 20000, every = 250) {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v || Date.now() > end) return v
    await sleep(every)
  }
}

/** Every page marks what the tests touch with data-testid; this is the one way the journeys find it. */
export const tid = (p, id) => p.locator(`[data-testid="${id}"]`)

/** Fails early with the build command when a portal the journey opens was not built. */
export function requireWebDist (apps = ['portal']) {
  for (const app of apps) {
    if (!fs.existsSync(path.join(REPO, 'web', 'dist', app, 'index.html'))) {
      throw new Error(`web/dist/${app}/index.html missing — run: cd web && npm ci && npm run build (or npx vite build && npx vite build --mode work)`)
    }
  }
}

/** Plain fetch returning { status, body } (JSON or null): public API reads that need no cookies. */
export function jsonApi (base) {
  return async (p, init) => {
    const r = await fetch(base + p, init)
    const body = await r.json().catch(() => null)
    return { status: r.status, body }
  }
}

/** A fresh natural person: valid GB 11643 ID number (area, birth date), phone, name, password. */
export function makeCitizen (area = '230102', birth = '19900101', extra = {}) {
  return { name: makeName(), id: makeIdNumber(area, birth), phone: makePhone(), password: makePassword(), ...extra }
}

/** The sandbox SMS outbox of one phone (what the sandbox provider "sent"), oldest first. */
export async function smsOutbox (base, phone) {
  const r = await jsonApi(base)('/api/v1/sandbox/sms-outbox?phone=' + encodeURIComponent(phone))
  return (r.body && r.body.items) || []
}

/** The sandbox e-mail outbox of one address (when no smtp_url is set), oldest first. */
export async function emailOutbox (base, email) {
  const r = await jsonApi(base)('/api/v1/sandbox/email-outbox?email=' + encodeURIComponent(email))
  return (r.body && r.body.items) || []
}

/** The newest code with this purpose in list() once it holds more than `after` messages (sending is queued). */
async function waitCode (list, to, purpose, after, ms) {
  const code = await poll(async () => {
    const items = await list()
    const it = items.filter((x) => x.purpose === purpose).sort((a, b) => b.id - a.id)[0]
    return (items.length > after && it && smsCode(it.text)) || ''
  }, ms, 200)
  if (!code) throw new Error(`no ${purpose} code to ${to} within ${ms} ms`)
  return code
}

/**
 * The code of the newest SMS with this purpose (register, elevate, phone_old, deregister, …) once the
 * outbox holds more than `after` messages: count the outbox before pressing 发送 so an older code of
 * the same purpose is not taken.
 */
export const waitSmsCode = (base, phone, purpose, after = 0, ms = 15000) => waitCode(() => smsOutbox(base, phone), phone, purpose, after, ms)
/** The same for the sandbox e-mail outbox (email_old, email_new). */
export const waitEmailCode = (base, email, purpose, after = 0, ms = 15000) => waitCode(() => emailOutbox(base, email), email, purpose, after, ms)

/** A staff member signed in through the API (password, then TOTP): an httpClient of the staff realm. */
export async function staffClient (base, who) {
  const c = httpClient(base)
  const r = await c.post('/api/v1/staff/auth/login', { login: who.login, password: who.password })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  const m = await c.post('/api/v1/staff/auth/mfa', { mfa_token: r.body.mfa_token, method: 'totp', code: await totpCode(who.secret) })
  assert.equal(m.status, 200, JSON.stringify(m.body))
  return c
}

/**
 * Signs a staff member in to the work portal: password, then the TOTP code (totpCode spends each
 * 30-second step once, as the server does). `next` opens that page afterwards (the kiosk); pass
 * whoami: false where the landing page has no header (kiosk, screen).
 */
export async function staffLogin (p, who, { next, code, whoami = true } = {}) {
  await p.goto('/work/login' + (next ? '?next=' + encodeURIComponent(next) : ''))
  await tid(p, 'login-name').fill(who.login)
  await tid(p, 'login-password').fill(who.password)
  await tid(p, 'login-submit').click()
  await tid(p, 'mfa-code').waitFor()
  await tid(p, 'mfa-code').fill(code || await totpCode(who.secret))
  await tid(p, 'mfa-submit').click()
  if (whoami) await tid(p, 'whoami').waitFor()
}

/** Fills and submits the portal's login form; the caller waits for what it expects next. */
export async function citizenLogin (p, account, password) {
  await p.goto('/login')
  await tid(p, 'login-account').fill(account)
  await tid(p, 'login-password').fill(password)
  await tid(p, 'login-submit').click()
}

/** Waits for an Element Plus message (toast) with this text; the newest if several are up. */
export async function toast (p, re) {
  await p.locator('.el-message', { hasText: re }).last().waitFor()
}

/** Element Plus pops select options into the body; pick the visible one with this text. */
export async function pickOption (p, text) {
  const opt = p.locator('.el-select-dropdown__item:visible', { hasText: text }).first()
  await opt.waitFor()
  await opt.click()
}

/** Opens the el-select with this testid, optionally types to filter, picks an option. */
export async function selectIn (p, testid, typed, optionText) {
  await tid(p, testid).click()
  if (typed) await p.keyboard.type(typed)
  await pickOption(p, optionText || typed)
}

/**
 * Runs one SQL statement against the test server's database — sqlite3 CLI, or psql when
 * TB_E2E_DATABASE is a postgres:// URL — for what no page can do (e.g. move a booking to today).
 * Returns the output (tuples only, unaligned).
 */
export function sql (server, statement) {
  const db = serverEnv(server).TONGBAN_DATABASE
  let r
  if (/^postgres(ql)?:\/\//.test(db)) {
    const psql = ['/usr/lib/postgresql/15/bin/psql', 'psql'].find((p) => p === 'psql' || fs.existsSync(p))
    r = spawnSync(psql, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', db, '-c', statement], { encoding: 'utf8', timeout: 30000 })
  } else {
    r = spawnSync('sqlite3', ['-cmd', '.timeout 10000', db, statement], { encoding: 'utf8', timeout: 30000 })
  }
  if (r.error || r.status !== 0) throw new Error(`SQL failed (${statement}): ${r.error ? r.error.message : r.stderr}`)
  return (r.stdout || '').trim()
}

const fileSafe = (name) => name.replace(/[^\w\u4e00-\u9fa5]+/g, '_')

/**
 * The frame of one journey, inside its node:test test `t`:
 *  - checks the web build, starts a private server (startServer) and Chromium;
 *  - t.after closes the browser and stops the server; after a failure the temp dir is kept and
 *    the tail of the server log is printed (call passed() as the journey's last line);
 *  - newPage(contextOptions) opens a page in its own context (own cookies: one person each) whose
 *    console errors, CSP violations, page errors and unexpected 4xx/5xx go to `problems`;
 *  - shot(page, name) writes screenshots/<prefix>[NN-]<name>.png;
 *  - step(name, fn) runs fn as a subtest; the first failing step stops the journey and screenshots
 *    every page as <prefix>FAILED-<step>[-<page no>].png.
 * Options: prefix (screenshot names; with a prefix, that journey's old screenshots are removed first),
 * apps (web/dist apps needed), allowed4xx (see watchPage), viewport (default of newPage),
 * settleMs (pause before a screenshot for toasts and transitions), numbered (NN- in screenshot names),
 * checkEachStep (assert no problems after every step, not only where the journey asks).
 */
export async function openJourney (t, {
  prefix = '', apps = ['portal'], allowed4xx = [], viewport = { width: 1440, height: 960 },
  settleMs = 250, numbered = true, checkEachStep = true,
} = {}) {
  fs.mkdirSync(SHOTS, { recursive: true })
  if (prefix) {
    for (const f of fs.readdirSync(SHOTS)) if (f.startsWith(prefix) && f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f))
  }
  requireWebDist(apps)
  const server = await startServer()
  let browser = null
  let ok = false
  t.after(async () => {
    if (browser) await browser.close().catch(() => {})
    if (!ok) console.error('--- server log (' + server.logPath + ') ---\n' + server.readLog().slice(-6000))
    await server.stop({ keep: !ok })
  })
  const B = server.base
  browser = await launchChromium()
  const problems = []
  const pages = []

  async function newPage (contextOptions = {}) {
    const ctx = await browser.newContext({ viewport, locale: 'zh-CN', baseURL: B, ...contextOptions })
    const p = await ctx.newPage()
    p.setDefaultTimeout(TIMEOUT)
    watchPage(p, problems, allowed4xx)
    pages.push(p)
    return p
  }

  let shotNo = 0
  async function shot (p, name) {
    shotNo++
    if (settleMs) await p.waitForTimeout(settleMs)
    const no = numbered ? String(shotNo).padStart(2, '0') + '-' : ''
    await p.screenshot({ path: path.join(SHOTS, prefix + no + name + '.png'), fullPage: true })
  }

  async function step (name, fn) {
    let error = null
    await t.test(name, async () => {
      try {
        await fn()
        if (checkEachStep) assert.deepEqual(problems, [], 'no console errors, CSP violations or unexpected HTTP errors')
      } catch (e) {
        error = e
        for (const [i, p] of pages.entries()) {
          const file = prefix + 'FAILED-' + fileSafe(name) + (pages.length > 1 ? '-' + i : '') + '.png'
          await p.screenshot({ path: path.join(SHOTS, file), fullPage: true }).catch(() => {})
        }
        throw e
      }
    })
    if (error) throw new Error(`journey stopped at step "${name}": ${error.message}`)
  }

  return { server, B, api: jsonApi(B), browser, problems, pages, newPage, shot, step, passed: () => { ok = true } }
}
