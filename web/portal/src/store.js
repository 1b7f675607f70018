// Shared client state: the signed-in citizen, the code lists from /api/v1/meta, the region tree.
import { reactive } from 'vue'
import { api, get, setCsrf, ApiError } from './api.js'

export const HOTLINE = '12345'

export const session = reactive({
  user: null, // User from the API (masked fields; the owner also gets id_number / phone)
  checked: false, // GET /api/v1/me answered at least once
})

let mePromise = null

/** Ask the server who is signed in (once per page load unless force). */
export function loadMe (force = false) {
  if (mePromise && !force) return mePromise
  mePromise = get('/api/v1/me')
    .then((r) => {
      session.user = r.user
      setCsrf(r.csrf_token)
      return r.user
    })
    .catch((e) => {
      if (!(e instanceof ApiError) || e.status !== 401) console.warn('GET /api/v1/me:', e.message)
      session.user = null
      setCsrf('')
      return null
    })
    .finally(() => { session.checked = true })
  return mePromise
}

export function setLogin (user, csrf) {
  session.user = user
  session.checked = true
  setCsrf(csrf)
  mePromise = Promise.resolve(user)
}

export async function logout () {
  try { await api('POST', '/api/v1/auth/logout', { body: {} }) } catch (e) { /* the session is gone either way */ }
  session.user = null
  setCsrf('')
  mePromise = Promise.resolve(null)
}

/** Display name: masked (first character + *) for persons, the organisation name for legal persons. */
export function displayName (u) {
  if (!u) return ''
  if (u.type === 'legal' && u.org_name) return u.org_name
  const n = u.name || u.phone_masked || ''
  if (!n) return '用户'
  const chars = Array.from(n)
  return chars.length < 2 ? n : chars[0] + '*'.repeat(chars.length - 1)
}

export const meta = reactive({ data: null, error: '' })
let metaPromise = null

export function loadMeta () {
  if (!metaPromise) {
    metaPromise = get('/api/v1/meta')
      .then((m) => { meta.data = m; return m })
      .catch((e) => { meta.error = e.message; metaPromise = null; throw e })
  }
  return metaPromise
}

export function metaName (list, code) {
  const items = (meta.data && meta.data[list]) || []
  const hit = items.find((i) => String(i.code) === String(code))
  return hit ? hit.name : ''
}

let regionsPromise = null
/** All regions → { list, byCode, children(code) } */
export function loadRegions () {
  if (!regionsPromise) {
    regionsPromise = get('/api/v1/regions')
      .then((r) => {
        // Normalise: level as a number, parent derived from the GB/T 2260 code when absent.
        const list = (r.items || []).map((x) => {
          const code = String(x.code)
          const level = Number(x.level) || (/0000$/.test(code) ? 1 : /00$/.test(code) ? 2 : 3)
          const parent = x.parent ? String(x.parent)
            : level === 3 ? code.slice(0, 4) + '00' : level === 2 ? code.slice(0, 2) + '0000' : null
          return { ...x, code, level, parent }
        })
        const byCode = new Map(list.map((x) => [x.code, x]))
        const kids = new Map()
        for (const x of list) {
          if (!x.parent) continue
          if (!kids.has(x.parent)) kids.set(x.parent, [])
          kids.get(x.parent).push(x)
        }
        return { list, byCode, children: (code) => kids.get(code) || [] }
      })
      .catch((e) => { regionsPromise = null; throw e })
  }
  return regionsPromise
}

/** True when region `code` is `ancestor` or lies below it (parent chain, else GB/T 2260 prefix). */
export function regionWithin (code, ancestor, byCode) {
  if (!code || !ancestor) return false
  if (code === ancestor) return true
  if (byCode && byCode.has(code)) {
    let cur = byCode.get(code)
    const seen = new Set()
    while (cur && cur.parent && !seen.has(cur.code)) {
      seen.add(cur.code)
      if (cur.parent === ancestor) return true
      cur = byCode.get(cur.parent)
    }
    if (byCode.has(ancestor)) return false
  }
  // Prefix fallback: 230000 covers 23xxxx, 230100 covers 2301xx.
  const a = ancestor.replace(/(00)+$/, '')
  return a.length > 0 && a.length < code.length && code.startsWith(a)
}

export function regionCovered (code, matterRegions, byCode) {
  return (matterRegions || []).some((r) => regionWithin(code, r, byCode))
}

const LAST_REGION = 'tb.portal.region'
export function lastRegion () {
  try { return localStorage.getItem(LAST_REGION) || '' } catch (e) { return '' }
}
export function rememberRegion (code) {
  try { localStorage.setItem(LAST_REGION, code) } catch (e) { /* private mode */ }
}

export function fmtTime (s) {
  if (!s) return '—'
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(s)
  return m ? m[1] + ' ' + m[2] + (m[3] || '') : s
}

export function fmtSize (n) {
  if (n == null) return ''
  if (n < 1024) return n + ' B'
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB'
  return (n / 1024 / 1024).toFixed(2) + ' MB'
}

export function fmtFen (fen) {
  if (fen == null) return ''
  return (fen / 100).toFixed(2) + ' 元'
}

/** One-shot values handed from one page to the next (kept out of URLs: ID numbers are personal data). */
export const flash = { account: '', message: '' }

/** payment_status / delivery_status may be null, a string, or an object with a name. */
export function statusText (v) {
  if (v == null || v === '') return '—'
  if (typeof v === 'string') return v
  return v.status_name || v.name || v.status || v.state || '—'
}
