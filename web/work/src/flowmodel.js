// The flow definition model of the designer (schema: src/flow/README.md) — node types, ids,
// geometry, auto layout left-to-right, and where node positions are kept.
// Positions go into the definition under "layout" ({"<node id>": {"x":…, "y":…}}); the engine
// reads only the keys it knows, so the layout travels with every deployed version. Definitions
// deployed without one fall back to localStorage (keyed key@version), then to auto layout.

export const NODE_TYPES = [
  { type: 'start', label: '开始', w: 40, h: 40, shape: 'circle' },
  { type: 'end', label: '结束', w: 40, h: 40, shape: 'circle' },
  { type: 'user_task', label: '用户任务', w: 120, h: 54, shape: 'rect' },
  { type: 'exclusive', label: '排他网关', w: 50, h: 50, shape: 'diamond', mark: '×' },
  { type: 'parallel', label: '并行网关', w: 50, h: 50, shape: 'diamond', mark: '+' },
  { type: 'inclusive', label: '包容网关', w: 50, h: 50, shape: 'diamond', mark: '○' },
  { type: 'sub_process', label: '子流程', w: 120, h: 54, shape: 'rect', double: true },
  { type: 'auto_task', label: '自动任务', w: 120, h: 54, shape: 'rect', auto: true },
]
export const typeInfo = (t) => NODE_TYPES.find((n) => n.type === t) || NODE_TYPES[2]
export const isGateway = (t) => t === 'exclusive' || t === 'parallel' || t === 'inclusive'

const PREFIX = { start: 'start', end: 'end', user_task: 'task', exclusive: 'xgw', parallel: 'pgw', inclusive: 'igw', sub_process: 'sub', auto_task: 'auto' }

export function newNodeId (def, type) {
  const base = PREFIX[type] || 'node'
  const ids = new Set(def.nodes.map((n) => n.id))
  if (!ids.has(base) && (type === 'start' || type === 'end')) return base
  for (let i = 1; ; i++) if (!ids.has(base + '_' + i)) return base + '_' + i
}
export function newFlowId (def) {
  const ids = new Set(def.flows.map((f) => f.id))
  for (let i = 1; ; i++) if (!ids.has('f_' + i)) return 'f_' + i
}

export function emptyDefinition () {
  return { key: '', name: '', nodes: [], flows: [], layout: {} }
}

/** Longest-path ranks from the start (cycles broken by visiting order), then rows per rank. */
export function autoLayout (def) {
  const out = {}
  const outgoing = {}
  for (const f of def.flows || []) (outgoing[f.from] = outgoing[f.from] || []).push(f.to)
  const rank = {}
  const start = (def.nodes || []).find((n) => n.type === 'start')
  const order = []
  if (start) {
    rank[start.id] = 0
    const queue = [start.id]
    const visits = {}
    while (queue.length) {
      const id = queue.shift()
      order.push(id)
      for (const to of outgoing[id] || []) {
        visits[to] = (visits[to] || 0) + 1
        if (visits[to] > def.nodes.length) continue
        if (rank[to] === undefined || rank[to] < rank[id] + 1) {
          rank[to] = rank[id] + 1
          queue.push(to)
        }
      }
    }
  }
  let maxRank = Math.max(0, ...Object.values(rank))
  for (const n of def.nodes || []) if (rank[n.id] === undefined) rank[n.id] = ++maxRank
  const rows = {}
  for (const n of def.nodes || []) {
    const r = rank[n.id]
    const i = (rows[r] = (rows[r] || 0) + 1) - 1
    out[n.id] = { x: 50 + r * 170, y: 70 + i * 110 }
  }
  return out
}

export function layoutFor (def, key, version) {
  const lay = (def && def.layout && typeof def.layout === 'object') ? def.layout : null
  const ids = (def.nodes || []).map((n) => n.id)
  if (lay && ids.every((id) => lay[id])) return JSON.parse(JSON.stringify(lay))
  try {
    const saved = key && localStorage.getItem('tb.flow.layout.' + key + '@' + (version || 'draft'))
    const s = saved ? JSON.parse(saved) : null
    if (s && ids.every((id) => s[id])) return s
  } catch (e) { /* ignore */ }
  const auto = autoLayout(def)
  return lay ? { ...auto, ...lay } : auto
}

export function rememberLayout (key, version, layout) {
  try { if (key) localStorage.setItem('tb.flow.layout.' + key + '@' + (version || 'draft'), JSON.stringify(layout)) } catch (e) { /* full */ }
}

/** Centre of a node at its layout position (x, y is the centre). */
export function nodeBox (node, pos) {
  const t = typeInfo(node.type)
  return { x: pos.x, y: pos.y, w: t.w, h: t.h, shape: t.shape }
}

/** Where the segment from the centre of box towards (tx, ty) leaves the shape. */
export function exitPoint (box, tx, ty) {
  const dx = tx - box.x
  const dy = ty - box.y
  if (!dx && !dy) return { x: box.x, y: box.y }
  if (box.shape === 'circle') {
    const d = Math.hypot(dx, dy)
    return { x: box.x + (dx / d) * box.w / 2, y: box.y + (dy / d) * box.h / 2 }
  }
  if (box.shape === 'diamond') {
    const s = 1 / (Math.abs(dx) / (box.w / 2) + Math.abs(dy) / (box.h / 2))
    return { x: box.x + dx * s, y: box.y + dy * s }
  }
  const sx = (box.w / 2) / Math.abs(dx || 1e-9)
  const sy = (box.h / 2) / Math.abs(dy || 1e-9)
  const s = Math.min(sx, sy)
  return { x: box.x + dx * s, y: box.y + dy * s }
}

/** The definition as the server wants it: nodes and flows cleaned of empty optional fields, plus the layout. */
export function cleanDefinition (def, layout) {
  const nodes = def.nodes.map((n) => {
    const o = { id: n.id, type: n.type }
    if (n.name) o.name = n.name
    for (const k of ['default', 'process', 'action', 'hook', 'expr', 'on_fail']) if (n[k]) o[k] = n[k]
    if (n.params && Object.keys(n.params).length) o.params = n.params
    if (n.message && Object.keys(n.message).length) o.message = n.message
    if (n.type === 'user_task') {
      if (n.multi && n.multi.mode) o.multi = n.multi
      else if (n.assign) {
        const a = {}
        for (const k of ['roles', 'users', 'groups', 'departments']) if (Array.isArray(n.assign[k]) && n.assign[k].length) a[k] = n.assign[k]
        if (n.assign.user) a.user = n.assign.user
        if (n.assign.relative) a.relative = n.assign.relative
        o.assign = a
      }
      if (n.due && (n.due.days || n.due.hours)) {
        const d = {}
        if (n.due.days) d.days = n.due.days
        if (n.due.hours) d.hours = n.due.hours
        d.working = !!n.due.working
        if (n.due.escalate_to && (n.due.escalate_to.role || n.due.escalate_to.user)) d.escalate_to = n.due.escalate_to
        o.due = d
      }
    }
    return o
  })
  const flows = def.flows.map((f) => {
    const o = { id: f.id, from: f.from, to: f.to }
    if (f.name) o.name = f.name
    if (f.condition && f.condition.trim()) o.condition = f.condition.trim()
    return o
  })
  const lay = {}
  for (const n of def.nodes) if (layout[n.id]) lay[n.id] = { x: Math.round(layout[n.id].x), y: Math.round(layout[n.id].y) }
  return { key: def.key, name: def.name, nodes, flows, layout: lay }
}
