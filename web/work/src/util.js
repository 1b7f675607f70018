import { ElMessage } from 'element-plus'

export function fail (e) {
  ElMessage({ type: 'error', message: (e && e.message) || String(e), grouping: true })
}
export function ok (msg) { ElMessage({ type: 'success', message: msg, grouping: true }) }

export function fmtTime (iso) {
  if (!iso) return ''
  if (typeof iso === 'number') {
    const d = new Date(iso * 1000 + 8 * 3600 * 1000)
    return d.toISOString().slice(0, 16).replace('T', ' ')
  }
  return String(iso).slice(0, 16).replace('T', ' ')
}

/** Remaining working days as an Element tag: green / yellow (≤ warning threshold) / red (overdue) / paused. */
export function deadlineTag (deadline, status) {
  if (!deadline) return { type: 'info', text: status === 'submitted' ? '受理后起算' : '—', warning: 'none' }
  const n = deadline.remaining_working_days
  const w = deadline.warning
  if (w === 'paused') return { type: 'info', text: '已暂停计时', warning: w }
  if (w === 'red') return { type: 'danger', text: '超期 ' + Math.abs(n) + ' 个工作日', warning: w }
  return { type: w === 'yellow' ? 'warning' : 'success', text: '剩余 ' + n + ' 个工作日', warning: w }
}

export const CASE_STATUSES = [
  // the names of GET /api/v1/meta case_statuses (seed/meta.json)
  { code: 'submitted', name: '已提交' }, { code: 'accepted', name: '已受理' }, { code: 'returned', name: '补正中' },
  { code: 'approved', name: '审批通过' }, { code: 'suspended', name: '已挂起' }, { code: 'completed', name: '已办结' },
  { code: 'refused', name: '不予许可' }, { code: 'rejected', name: '不予受理' }, { code: 'voided', name: '已作废' },
]
export const statusName = (c) => (CASE_STATUSES.find((s) => s.code === c) || { name: c }).name
export const statusType = (c) => ({ submitted: 'primary', accepted: 'warning', returned: 'danger', suspended: 'info', completed: 'success' }[c] || 'info')
export const flowStatusName = (s) => ({ running: '运行中', suspended: '已暂停', completed: '已完成', cancelled: '已取消', failed: '异常' }[s] || s)
const ACTION_NAMES = { submit: '提交申请', resubmit: '补正后重新提交', accept: '受理', reject: '不予受理', return: '退回补正', approve: '审批通过', refuse: '不予许可', suspend: '挂起', resume: '重启', finish: '办结', void: '作废', overdue: '超期督办' }
export const actionName = (h) => h.action_name && h.action_name !== h.action ? h.action_name : (ACTION_NAMES[h.action] || h.action)
