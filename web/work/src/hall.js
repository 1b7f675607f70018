// Shared helpers of the hall pages (取号机、窗口叫号、大厅屏幕、大厅管理、预约、黑名单).
import { get } from './api.js'
import { session } from './session.js'

export const BOOKING_STATUSES = [
  { code: 'booked', name: '已预约', type: 'primary' }, { code: 'checked_in', name: '已签到', type: 'warning' },
  { code: 'done', name: '已办结', type: 'success' }, { code: 'cancelled', name: '已取消', type: 'info' },
  { code: 'no_show', name: '爽约', type: 'danger' },
]
export const bookingStatusName = (c) => (BOOKING_STATUSES.find((s) => s.code === c) || { name: c }).name
export const bookingStatusType = (c) => (BOOKING_STATUSES.find((s) => s.code === c) || { type: 'info' }).type

export const TICKET_STATUS = { waiting: '等候中', called: '呼叫中', serving: '受理中', done: '已办结', skipped: '已过号' }
export const ticketStatusName = (s) => TICKET_STATUS[s] || s || ''
export const TICKET_KIND = { booked: '预约', walkin: '现场', online: '在线' }
export const ticketKindName = (k) => TICKET_KIND[k] || k || ''

export const WEEKDAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日']

/** "HH:MM" of an ISO time, epoch seconds or "HH:MM" text (+08:00). */
export function hm (v) {
  if (v == null || v === '') return ''
  if (typeof v === 'number') return new Date(v * 1000 + 8 * 3600e3).toISOString().slice(11, 16)
  const m = /T(\d{2}:\d{2})/.exec(String(v)) || /^(\d{2}:\d{2})/.exec(String(v))
  return m ? m[1] : String(v)
}

/** The halls the public list gives, those of the staff member's departments (data scope) first. */
export async function loadHalls () {
  const r = await get('/api/v1/halls')
  const items = r.items || []
  const staff = session.staff || {}
  // scope: {"all":bool,"departments":[ids],"self_only":bool}
  const sc = staff.scope || {}
  if (sc.all) return { all: items, mine: items, preferred: items }
  const ids = new Set([...(Array.isArray(sc.departments) ? sc.departments : []), staff.department_id].filter((x) => x != null).map(String))
  const mine = items.filter((h) => h.department && ids.has(String(h.department.id)))
  return { all: items, mine, preferred: mine.length ? mine : items }
}

const KEY = 'tb.work.hall.'
export function remember (what, v) { try { localStorage.setItem(KEY + what, String(v)) } catch (e) { /* private mode */ } }
export function recall (what) { try { return localStorage.getItem(KEY + what) || '' } catch (e) { return '' } }

/** "09:00-12:00, 13:00-17:00" ⇄ ["09:00-12:00","13:00-17:00"]; null when a piece is malformed. */
export function parseIntervals (text) {
  const parts = String(text || '').split(/[,，;；\s]+/).map((s) => s.trim()).filter(Boolean)
  const out = []
  for (const p of parts) {
    const m = /^([01]\d|2[0-3]):([0-5]\d)\s*[-–~至]\s*([01]\d|2[0-4]):([0-5]\d)$/.exec(p)
    if (!m) return null
    const a = m[1] + ':' + m[2]
    const b = m[3] + ':' + m[4]
    if (b <= a) return null
    out.push(a + '-' + b)
  }
  return out
}
export const formatIntervals = (list) => (list || []).join(', ')
