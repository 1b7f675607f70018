// Shared helpers of the booking pages (网上预约、我的预约、在线取号): labels, dates and error placement.

export const BOOKING_STATUS = {
  booked: '已预约',
  checked_in: '已签到取号',
  done: '已办结',
  cancelled: '已取消',
  no_show: '已爽约',
}
export const BOOKING_STATUS_CLASS = { booked: 'partial', checked_in: 'gold', done: 'full', cancelled: 'gray', no_show: 'window' }
export const bookingStatusName = (s) => BOOKING_STATUS[s] || s || '—'

export const TICKET_STATUS = { waiting: '排队中', called: '正在呼叫', serving: '办理中', done: '已办结', skipped: '已过号' }
export const ticketStatusName = (s) => TICKET_STATUS[s] || s || '—'

const WEEKDAYS = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日']

/** ISO weekday (1 = Monday … 7 = Sunday) of a "YYYY-MM-DD" day. */
export function isoWeekday (day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(day || '')
  if (!m) return 0
  const w = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()
  return w === 0 ? 7 : w
}

/** 星期一 … 星期日 from the API's weekday (number or name) or the day itself. */
export function weekdayName (weekday, day) {
  const n = Number(weekday)
  if (n >= 1 && n <= 7) return WEEKDAYS[n]
  if (typeof weekday === 'string' && weekday) return weekday
  return WEEKDAYS[isoWeekday(day)] || ''
}

/** "2026-05-12" → "5月12日" */
export function shortDay (day) {
  const m = /^\d{4}-(\d{2})-(\d{2})/.exec(day || '')
  return m ? Number(m[1]) + '月' + Number(m[2]) + '日' : day || ''
}

/** The +08:00 calendar day of now, "YYYY-MM-DD". */
export function todayCn () {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10)
}

/** A time the API gives as ISO text, epoch seconds or "HH:MM" → "YYYY-MM-DD HH:MM" (+08:00) or "HH:MM". */
export function fmtWhen (v) {
  if (v == null || v === '') return '—'
  if (typeof v === 'number') return new Date(v * 1000 + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ')
  const s = String(v)
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(s)
  if (m) {
    // an offset other than +08:00 is converted; +08:00 (the API's zone) is shown as it is
    if (/(Z|[+-]\d{2}:?\d{2})$/.test(s) && !/\+08:?00$/.test(s)) {
      const t = Date.parse(s)
      if (!Number.isNaN(t)) return new Date(t + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ')
    }
    return m[1] + ' ' + m[2]
  }
  return s
}

/** Validity window "2026-05-12 09:00 至 12:00" (the date once when both ends share it). */
export function fmtValidity (from, to) {
  const a = fmtWhen(from)
  const b = fmtWhen(to)
  if (a === '—' && b === '—') return '—'
  if (a.length === 16 && b.length === 16 && a.slice(0, 10) === b.slice(0, 10)) return a + ' 至 ' + b.slice(11)
  return a + ' 至 ' + b
}

/** Where an API error of the booking endpoints belongs on the form. */
export const BOOKING_ERROR_FIELD = {
  BOOKING_SLOT_FULL: 'start', BOOKING_SLOT_INVALID: 'start', BOOKING_CUTOFF_PASSED: 'start',
  BOOKING_DAY_OUT_OF_RANGE: 'day', BOOKING_DUPLICATE: 'id_number', BOOKING_BLACKLISTED: 'id_number',
  BOOKING_NOT_BOOKABLE: 'matter_code', INVALID_ID_NUMBER: 'id_number', INVALID_PHONE: 'phone', INVALID_NAME: 'name',
  SMS_CODE_INVALID: 'sms_code', SMS_CODE_EXPIRED: 'sms_code',
}
export function errorField (e) {
  return (e && (e.field || BOOKING_ERROR_FIELD[e.code])) || ''
}

/** Hours as "周一至周五 09:00-12:00、13:00-17:00" lines. */
export function hoursLines (hours) {
  if (!hours || typeof hours !== 'object') return []
  const SHORT = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日']
  const groups = []
  for (let d = 1; d <= 7; d++) {
    const iv = (hours[String(d)] || []).join('、')
    const last = groups[groups.length - 1]
    if (last && last.iv === iv && last.to === d - 1) last.to = d
    else groups.push({ from: d, to: d, iv })
  }
  return groups.filter((g) => g.iv).map((g) => (g.from === g.to ? SHORT[g.from] : SHORT[g.from] + '至' + SHORT[g.to]) + ' ' + g.iv)
}

/** Is the hall open now (today's weekday, +08:00)? */
export function openNow (hours) {
  if (!hours) return false
  const now = new Date(Date.now() + 8 * 3600e3)
  const w = now.getUTCDay() === 0 ? 7 : now.getUTCDay()
  const hm = now.toISOString().slice(11, 16)
  return (hours[String(w)] || []).some((iv) => { const [a, b] = iv.split('-'); return hm >= a && hm < b })
}
