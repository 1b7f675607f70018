// Local checks for FormSchema fields (required, pattern, min/max, lengths, typed fields).
// Fields with a `rule` are additionally checked by POST /api/v1/matters/{code}/form/validate,
// because the portal's CSP forbids evaluating JavaScript rule text in the page.
import { checkIdNumber, checkPhone, checkEmail } from './validators.js'

export function emptyValue (field) {
  if (field.type === 'checkbox') return field.options && field.options.length ? [] : false
  return ''
}

export function isEmpty (field, v) {
  if (v === undefined || v === null) return true
  if (Array.isArray(v)) return v.length === 0
  if (field.type === 'checkbox' && !(field.options && field.options.length)) return v !== true
  return String(v).trim() === ''
}

/** The value as the API expects it (numbers as numbers; empty number → omitted). */
export function wireValue (field, v) {
  if (field.type === 'number') {
    if (v === '' || v === null || v === undefined) return undefined
    const n = Number(v)
    return Number.isFinite(n) ? n : v
  }
  if (typeof v === 'string') return field.type === 'id_number' ? v.trim().toUpperCase() : v.trim()
  return v
}

export function checkField (field, v) {
  const label = field.label || field.name
  const choose = ['select', 'radio', 'checkbox', 'date'].includes(field.type)
  if (isEmpty(field, v)) {
    return field.required ? (choose ? '请选择' : '请填写') + label : ''
  }
  if (field.type === 'checkbox' || Array.isArray(v)) return ''
  const s = String(v).trim()
  const len = Array.from(s).length
  if (field.type === 'number') {
    const n = Number(s)
    if (!Number.isFinite(n)) return label + '应为数字'
    if (field.min != null && n < field.min) return label + '不能小于' + field.min
    if (field.max != null && n > field.max) return label + '不能大于' + field.max
  }
  if (field.min_length != null && len < field.min_length) return label + '至少' + field.min_length + '个字'
  if (field.max_length != null && len > field.max_length) return label + '不能超过' + field.max_length + '个字'
  if (field.type === 'id_number') { const m = checkIdNumber(s); if (m) return m }
  if (field.type === 'phone') { const m = checkPhone(s); if (m) return m }
  if (field.type === 'email') { const m = checkEmail(s); if (m) return m }
  if (field.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(s)) return label + '应为日期（年-月-日）'
  if ((field.type === 'select' || field.type === 'radio') && field.options && field.options.length &&
      !field.options.some((o) => String(o.value) === s)) return '请选择有效的' + label
  if (field.pattern) {
    let re = null
    try { re = new RegExp(field.pattern, 'u') } catch (e) {
      try { re = new RegExp(field.pattern) } catch (e2) { re = null }
    }
    if (re && !re.test(s)) return field.pattern_message || label + '格式不正确'
  }
  return ''
}
