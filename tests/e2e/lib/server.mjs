// Start a private Tongban server for one test run: temp dir, migrate, seed, serve, wait for /readyz.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** The server binary under test: TB_BIN, else build/tongban. */
export const tongbanBin = () => process.env.TB_BIN || path.join(REPO, 'build', 'tongban')

export async function startServer ({ readyTimeoutMs = 20000 } = {}) {
  const bin = tongbanBin()
  if (!fs.existsSync(bin)) {
    throw new Error(`server binary not found: ${bin} — build it first (make build, or meson setup build && ninja -C build), or set TB_BIN`)
  }
  const webRoot = path.join(REPO, 'web', 'dist')
  if (!fs.existsSync(path.join(webRoot, 'portal', 'index.html'))) {
    throw new Error(`portal not built: ${webRoot}/portal/index.html missing — run: cd web && npm ci && npm run build`)
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tongban-e2e-'))
  const port = await freePort()
  const env = {
    ...process.env,
    TONGBAN_DATABASE: process.env.TB_E2E_DATABASE || path.join(tmp, 'e2e.db'),
    TONGBAN_DATA_DIR: path.join(tmp, 'data'),
    TONGBAN_LISTEN: `127.0.0.1:${port}`,
    TONGBAN_WEB_ROOT: webRoot,
  }
  fs.mkdirSync(env.TONGBAN_DATA_DIR, { recursive: true })
  const logPath = path.join(tmp, 'server.log')
  const log = (s) => fs.appendFileSync(logPath, s)

  for (const sub of ['migrate', 'seed']) {
    const r = spawnSync(bin, [sub], { cwd: REPO, env, encoding: 'utf8', timeout: 120000 })
    log(`$ tongban ${sub} (exit ${r.status})\n${r.stdout || ''}${r.stderr || ''}\n`)
    if (r.status !== 0) {
      throw new Error(`tongban ${sub} failed (exit ${r.status}${r.error ? ', ' + r.error.message : ''}):\n${(r.stdout || '') + (r.stderr || '')}`)
    }
  }

  const child = spawn(bin, ['serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let exited = null
  child.on('exit', (code, signal) => { exited = { code, signal } })
  child.stdout.on('data', (d) => log(d.toString()))
  child.stderr.on('data', (d) => log(d.toString()))

  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + readyTimeoutMs
  let ready = false
  while (Date.now() < deadline) {
    if (exited) break
    try {
      const r = await fetch(base + '/readyz', { signal: AbortSignal.timeout(1000) })
      if (r.status === 200) { ready = true; break }
    } catch (e) { /* not listening yet */ }
    await sleep(150)
  }
  const readLog = () => { try { return fs.readFileSync(logPath, 'utf8') } catch (e) { return '' } }
  async function stop () {
    if (!exited) {
      child.kill('SIGTERM')
      for (let i = 0; i < 50 && !exited; i++) await sleep(100)
      if (!exited) child.kill('SIGKILL')
    }
  }
  if (!ready) {
    await stop()
    throw new Error(`server not ready within ${readyTimeoutMs} ms${exited ? ` (exited ${JSON.stringify(exited)})` : ''}; log:\n${readLog()}`)
  }
  return {
    base, tmp, logPath, readLog,
    async stop ({ keep = false } = {}) {
      await stop()
      if (!keep) fs.rmSync(tmp, { recursive: true, force: true })
    },
  }
}
