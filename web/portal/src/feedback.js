// Consultations, complaints and suggestions in the portal (src/mod/feedback, docs/api.md).
export const KINDS = {
  consultation: { name: '咨询', my: '我的咨询', path: '/my/consultations', api: '/api/v1/me/consultations', verb: '我要咨询' },
  complaint: { name: '投诉', my: '我的投诉', path: '/my/complaints', api: '/api/v1/me/complaints', verb: '我要投诉' },
  suggestion: { name: '建议', my: '我的建议', path: '/my/suggestions', api: '/api/v1/me/suggestions', verb: '我要建议' },
}
export const KIND_ORDER = ['consultation', 'complaint', 'suggestion']
export const STEP_NAMES = {
  submit: '已提交', typed: '已受理（来电来访）', reply: '已答复', register: '已登记', investigate: '已调查',
  review: '已审核', return: '退回重新调查', instruct: '领导已批示', conclude: '已办结',
}
export const statusClass = (s) => (s === 'concluded' || s === 'replied' ? 'full' : s === 'submitted' ? 'gray' : 'partial')
/** departments in tree order with their depth */
export function treeOrder (items) {
  const kids = new Map()
  for (const d of items) {
    const p = d.parent_id || 0
    if (!kids.has(p)) kids.set(p, [])
    kids.get(p).push(d)
  }
  const out = []
  const walk = (p, depth) => { for (const d of kids.get(p) || []) { out.push({ ...d, depth }); walk(d.id, depth + 1) } }
  walk(0, 0)
  return out
}
export function fmtTime (iso) { return iso ? String(iso).slice(0, 16).replace('T', ' ') : '' }
