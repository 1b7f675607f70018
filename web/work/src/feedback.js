// Names and colours shared by the consultation / complaint / suggestion pages (src/mod/feedback).
export const KINDS = [
  { code: 'complaint', name: '投诉' }, { code: 'consultation', name: '咨询' }, { code: 'suggestion', name: '建议' },
]
export const STATUSES = [
  { code: 'open', name: '未办结' }, { code: 'submitted', name: '待处理' }, { code: 'registered', name: '已登记' },
  { code: 'investigated', name: '已调查' }, { code: 'reviewed', name: '已审核' }, { code: 'instructed', name: '已批示' },
  { code: 'concluded', name: '已办结' }, { code: 'replied', name: '已答复' },
]
export const CHANNELS = [
  { code: 'web', name: '网上' }, { code: 'mobile', name: '移动端' }, { code: 'phone', name: '来电' }, { code: 'visit', name: '来访' },
]
export const FINDINGS = [
  { code: 'founded', name: '成立' }, { code: 'partly', name: '部分成立' }, { code: 'unfounded', name: '不成立' },
]
export const STEP_NAMES = {
  submit: '群众提交', typed: '工作人员录入', reply: '答复', register: '登记', investigate: '调查',
  review: '审核通过', return: '审核退回', instruct: '批示', conclude: '办结',
}
export const ACTIONS = {
  reply: { label: '答复', type: 'primary', field: 'reply', hint: '答复内容（将通过站内信和短信通知群众）' },
  register: { label: '登记', type: 'primary', hint: '登记意见' },
  investigate: { label: '调查', type: 'primary', hint: '调查情况' },
  review: { label: '审核', type: 'warning', hint: '审核意见' },
  instruct: { label: '批示', type: 'warning', hint: '领导批示' },
  conclude: { label: '办结', type: 'success', hint: '办理结果（群众在“我的投诉”中经短信验证后查看）' },
}
export const statusType = (s) => ({ submitted: 'primary', concluded: 'success', replied: 'success', registered: 'warning', investigated: 'warning', reviewed: 'warning', instructed: 'warning' }[s] || 'info')
/** deadline colour: red overdue, yellow ≤ 2 working days, green otherwise; grey when finished */
export function dueTag (row) {
  if (row.finished) return { type: 'info', text: '已完成' }
  if (row.overdue) return { type: 'danger', text: '超期 ' + Math.abs(row.days_left ?? 0) + ' 个工作日' }
  const n = row.days_left ?? 0
  return { type: n <= 2 ? 'warning' : 'success', text: n === 0 ? '今日到期' : '剩余 ' + n + ' 个工作日' }
}
/** departments in tree order with their depth, from GET /api/v1/feedback/departments */
export function treeOrder (items) {
  const kids = new Map()
  for (const d of items) {
    const p = d.parent_id || 0
    if (!kids.has(p)) kids.set(p, [])
    kids.get(p).push(d)
  }
  const out = []
  const ids = new Set(items.map((d) => d.id))
  const walk = (p, depth) => { for (const d of kids.get(p) || []) { out.push({ ...d, depth }); walk(d.id, depth + 1) } }
  walk(0, 0)
  for (const d of items) if (d.parent_id && !ids.has(d.parent_id) && !out.find((x) => x.id === d.id)) { out.push({ ...d, depth: 0 }); walk(d.id, 1) }
  return out
}
