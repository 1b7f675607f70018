// Small API client for the Tongban HTTP API (docs/api.md).
// - same-origin cookies (tb_sid), JSON in and out
// - X-CSRF-Token on every state-changing request, kept from login / GET /api/v1/me
// - errors mapped from {"error":{code,message,field,details}} to ApiError

let csrfToken = ''

export function setCsrf (token) { csrfToken = token || '' }
export function getCsrf () { return csrfToken }

export class ApiError extends Error {
  constructor (status, body) {
    const e = (body && body.error) || {}
    super(e.message || defaultMessage(status))
    this.name = 'ApiError'
    this.status = status
    this.code = e.code || (status ? 'HTTP_' + status : 'NETWORK')
    this.field = e.field || null
    this.details = Array.isArray(e.details) ? e.details : []
  }

  /** Map of field name → message (details first, then the top-level field). */
  fieldErrors () {
    const out = {}
    for (const d of this.details) {
      if (d && d.field && !out[d.field]) out[d.field] = d.message || d.code
    }
    if (this.field && !out[this.field]) out[this.field] = this.message
    return out
  }
}

function defaultMessage (status) {
  if (!status) return '网络连接失败，请检查网络后重试'
  if (status >= 500) return '服务暂时不可用，请稍后再试'
  if (status === 404) return '请求的资源不存在'
  if (status === 401) return '请先登录'
  return '请求失败（' + status + '）'
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function buildUrl (path, query) {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    qs.append(k, String(v))
  }
  const s = qs.toString()
  return s ? path + (path.includes('?') ? '&' : '?') + s : path
}

async function send (method, path, opts) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) }
  let body
  if (opts.formData) {
    body = opts.formData // the browser sets the multipart boundary
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method, headers, body, credentials: 'same-origin', cache: 'no-store'
    })
  } catch (e) {
    throw new ApiError(0, null)
  }
  const text = await res.text()
  let data = null
  if (text) {
    try { data = JSON.parse(text) } catch (e) { data = null }
  }
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

/**
 * api('GET', '/api/v1/meta') / api('POST', path, { body }) / api('POST', path, { formData })
 * A 403 CSRF_FAILED on a state-changing call refreshes the token from /api/v1/me once and retries.
 */
export async function api (method, path, opts = {}) {
  method = method.toUpperCase()
  try {
    return await send(method, path, opts)
  } catch (e) {
    if (e instanceof ApiError && e.code === 'CSRF_FAILED' && UNSAFE.has(method) && !opts._retried) {
      try {
        const me = await send('GET', '/api/v1/me', {})
        if (me && me.csrf_token) {
          setCsrf(me.csrf_token)
          return await send(method, path, { ...opts, _retried: true })
        }
      } catch (e2) { /* fall through to the original error */ }
    }
    throw e
  }
}

export const get = (path, query) => api('GET', path, { query })
export const post = (path, body, headers) => api('POST', path, { body, headers })

/** A random key for Idempotency-Key; crypto.getRandomValues works outside secure contexts too. */
export function randomKey () {
  const a = new Uint8Array(16)
  crypto.getRandomValues(a)
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('')
}
