// API client of the work portal — the citizen portal's approach (web/portal/src/api.js) for the staff realm:
// same-origin cookie tb_staff_sid, JSON in and out, X-CSRF-Token on every state-changing request
// (token from login / GET /api/v1/staff/me), errors {"error":{code,message,field,details}} → ApiError.
let csrfToken = ''
export function setCsrf (t) { csrfToken = t || '' }

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
}

function defaultMessage (status) {
  if (!status) return '网络连接失败，请检查网络后重试'
  if (status >= 500) return '服务暂时不可用，请稍后再试'
  if (status === 404) return '请求的资源不存在'
  if (status === 401) return '登录已失效，请重新登录'
  if (status === 403) return '没有执行该操作的权限'
  return '请求失败（' + status + '）'
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
let onUnauthorized = null
export function setUnauthorizedHandler (fn) { onUnauthorized = fn }

export function buildUrl (path, query) {
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
  if (opts.formData) body = opts.formData
  else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res
  try {
    res = await fetch(buildUrl(path, opts.query), { method, headers, body, credentials: 'same-origin', cache: 'no-store' })
  } catch (e) {
    throw new ApiError(0, null)
  }
  const text = await res.text()
  let data = null
  if (text) { try { data = JSON.parse(text) } catch (e) { data = null } }
  if (!res.ok) throw new ApiError(res.status, data)
  return data
}

export async function api (method, path, opts = {}) {
  method = method.toUpperCase()
  try {
    return await send(method, path, opts)
  } catch (e) {
    if (e instanceof ApiError && e.code === 'CSRF_FAILED' && UNSAFE.has(method) && !opts._retried) {
      try {
        const me = await send('GET', '/api/v1/staff/me', {})
        if (me && me.csrf_token) {
          setCsrf(me.csrf_token)
          return await send(method, path, { ...opts, _retried: true })
        }
      } catch (e2) { /* fall through */ }
    }
    if (e instanceof ApiError && e.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized()
    throw e
  }
}

export const get = (path, query, opts = {}) => api('GET', path, { ...opts, query })
export const post = (path, body) => api('POST', path, { body: body === undefined ? {} : body })
export const put = (path, body) => api('PUT', path, { body })
export const del = (path) => api('DELETE', path)
export const upload = (path, file) => {
  const fd = new FormData()
  fd.append('file', file)
  return api('POST', path, { formData: fd })
}

/** Downloads a file answer (CSV export, material) through a blob link — no inline rendering. */
export async function download (path, query, fallbackName) {
  const res = await fetch(buildUrl(path, query), { credentials: 'same-origin', cache: 'no-store' })
  if (!res.ok) {
    let data = null
    try { data = await res.json() } catch (e) { /* not JSON */ }
    throw new ApiError(res.status, data)
  }
  const blob = await res.blob()
  const cd = res.headers.get('content-disposition') || ''
  const m = /filename="?([^";]+)"?/.exec(cd)
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = (m && m[1]) || fallbackName || 'download'
  document.body.appendChild(a)
  a.click()
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove() }, 1000)
}
