// The signed-in staff member: profile, roles and permission codes from GET /api/v1/staff/me.
import { reactive } from 'vue'
import { get, post, setCsrf } from './api.js'

export const session = reactive({ staff: null, checked: false })

export function setStaff (staff, csrf) {
  session.staff = staff || null
  if (csrf !== undefined) setCsrf(csrf)
  session.checked = true
}

export async function loadMe () {
  try {
    const me = await get('/api/v1/staff/me', null, { quiet401: true })
    setStaff(me.staff, me.csrf_token)
  } catch (e) {
    setStaff(null, '')
  }
  return session.staff
}

export async function logout () {
  try { await post('/api/v1/staff/auth/logout') } catch (e) { /* already gone */ }
  setStaff(null, '')
}

export function can (perm) {
  if (!perm) return true
  const perms = (session.staff && session.staff.permissions) || []
  return (Array.isArray(perm) ? perm : [perm]).some((p) => perms.includes(p))
}
