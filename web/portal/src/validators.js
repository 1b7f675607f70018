// Client-side checks mirroring the server's validators, so mistakes show while typing.
// The server re-checks everything; these only give earlier feedback.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** GB 11643-1999 check digit for the first 17 digits. */
export function idCheckDigit (first17) {
  let s = 0
  for (let i = 0; i < 17; i++) s += Number(first17[i]) * ID_WEIGHTS[i]
  return ID_CHECK[s % 11]
}

/** '' when valid, else a Chinese message. */
export function checkIdNumber (v) {
  v = String(v || '').trim().toUpperCase()
  if (!v) return '请填写居民身份证号码'
  if (!/^\d{17}[\dX]$/.test(v)) return '身份证号码应为18位（最后一位可为X）'
  const y = +v.slice(6, 10); const m = +v.slice(10, 12); const d = +v.slice(12, 14)
  const date = new Date(Date.UTC(y, m - 1, d))
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d ||
      date.getTime() > Date.now()) return '身份证号码中的出生日期无效'
  if (idCheckDigit(v) !== v[17]) return '身份证号码校验位错误'
  return ''
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** GB 32100-2015 check character for the first 17 characters, or null on a bad character. */
export function usccCheckChar (first17) {
  let s = 0
  for (let i = 0; i < 17; i++) {
    const n = USCC_CHARS.indexOf(first17[i])
    if (n < 0) return null
    s += n * USCC_WEIGHTS[i]
  }
  const c = 31 - (s % 31)
  return USCC_CHARS[c === 31 ? 0 : c]
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

/** GB 11714 check character of the 8-character organisation code body (chars 9–16 of a USCC). */
export function orgCodeCheckChar (first8) {
  let s = 0
  for (let i = 0; i < 8; i++) {
    const c = first8[i]
    const n = /\d/.test(c) ? Number(c) : c.charCodeAt(0) - 55 // A = 10 … Z = 35
    s += n * ORG_WEIGHTS[i]
  }
  const r = 11 - (s % 11)
  return r === 10 ? 'X' : r === 11 ? '0' : String(r)
}

export function checkUscc (v) {
  v = String(v || '').trim().toUpperCase()
  if (!v) return '请填写统一社会信用代码'
  if (v.length !== 18) return '统一社会信用代码应为18位'
  if (![...v].every((c) => USCC_CHARS.includes(c))) return '统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）'
  if (usccCheckChar(v) !== v[17]) return '统一社会信用代码校验位错误'
  if (orgCodeCheckChar(v.slice(8, 16)) !== v[16]) return '统一社会信用代码中的组织机构代码校验位错误'
  return ''
}

export function checkPhone (v) {
  v = String(v || '').trim()
  if (!v) return '请填写手机号码'
  if (!/^1[3-9]\d{9}$/.test(v)) return '请填写11位有效手机号码'
  return ''
}

export function checkEmail (v) {
  v = String(v || '').trim()
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return '请填写有效的电子邮箱'
  return ''
}

/**
 * Password policy (same as the server's WEAK_PASSWORD): ≥ 8 and ≤ 128 characters, at least
 * 3 of 4 classes (upper, lower, digit, symbol), not containing the ID number or the phone.
 * Returns { score 0..4, level '弱'|'中'|'强', message '' when acceptable }.
 */
export function passwordStrength (pw, { idNumber = '', phone = '' } = {}) {
  pw = String(pw || '')
  const classes = [/[A-Z]/, /[a-z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length
  let message = ''
  if (!pw) message = '请设置登录密码'
  else if (pw.length < 8) message = '密码至少8位'
  else if (pw.length > 128) message = '密码不能超过128位'
  else if (classes < 3) message = '密码需包含大写字母、小写字母、数字、符号中的至少三类'
  else if (idNumber && idNumber.length >= 6 && pw.toUpperCase().includes(String(idNumber).toUpperCase())) message = '密码不得包含身份证号码'
  else if (phone && phone.length >= 6 && pw.includes(phone)) message = '密码不得包含手机号码'
  let score = 0
  if (pw.length >= 8) score++
  if (classes >= 3) score++
  if (classes === 4) score++
  if (pw.length >= 12) score++
  if (message) score = Math.min(score, 1)
  const level = score <= 1 ? '弱' : score <= 2 ? '中' : '强'
  return { score, level, message }
}
