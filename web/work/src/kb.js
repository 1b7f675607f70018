// Shared bits of the knowledge-base pages.
export const KB_STATUSES = [
  { code: 'draft', name: '编辑中' }, { code: 'pending', name: '待审核' }, { code: 'pending2', name: '待二级审核' },
  { code: 'returned', name: '已退回' }, { code: 'published', name: '已发布' },
]
export const kbStatusType = (s) => ({ draft: 'info', pending: 'warning', pending2: 'warning', returned: 'danger', published: 'success' }[s] || 'info')
export const STEP_NAMES = { create: '新增', edit: '修改', submit: '提交审核', approve1: '一级审核通过', publish: '审核通过并发布', return: '退回', delete: '删除', import: '导入' }
// categories as a flat list in tree order with depth, for selects
export function flatTree (tree, depth = 0, out = []) {
  for (const n of tree || []) {
    out.push({ id: n.id, name: n.name, depth, items: n.items })
    flatTree(n.children, depth + 1, out)
  }
  return out
}
export function today (offset = 0) {
  const d = new Date(Date.now() + 8 * 3600 * 1000 + offset * 86400 * 1000)
  return d.toISOString().slice(0, 10)
}
