// playwright-core from web/node_modules, driving Debian's chromium (never a downloaded browser).
import { createRequire } from 'node:module'
import path from 'node:path'
import { REPO } from './server.mjs'

const require = createRequire(path.join(REPO, 'web', 'package.json'))

export function loadPlaywright () {
  try {
    return require('playwright-core')
  } catch (e) {
    throw new Error('playwright-core not installed: run `cd web && npm ci` (' + e.message + ')')
  }
}

export async function launchChromium () {
  const { chromium } = loadPlaywright()
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

/**
 * Collect console errors, page errors and 5xx answers. 4xx answers from /api/ that the
 * journey expects (e.g. 401 from GET /api/v1/me before login) are listed in `allowed`.
 */
export function watchPage (page, problems, allowed = []) {
  const isAllowed = (url, status) => allowed.some((a) => url.includes(a.path) && status === a.status)
  const expected4xx = new Set()
  page.on('response', (r) => {
    const u = r.url()
    if (r.status() >= 500) problems.push(`HTTP ${r.status()} ${r.request().method()} ${u}`)
    else if (r.status() >= 400) {
      if (isAllowed(u, r.status())) expected4xx.add(u)
      else problems.push(`unexpected HTTP ${r.status()} ${r.request().method()} ${u}`)
    }
  })
  page.on('pageerror', (e) => problems.push('page error: ' + e.message))
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return
    const text = msg.text()
    const url = (msg.location() && msg.location().url) || ''
    // Chrome logs every 4xx answer as "Failed to load resource"; the expected ones are not errors.
    const m = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(text)
    if (m && isAllowed(url, Number(m[1]))) return
    problems.push(`console error: ${text}${url ? ' @ ' + url : ''}`)
  })
}
