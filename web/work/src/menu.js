// The side menu and the routes behind it; each entry names the permission(s) that open it.
export const CASE_READ = 'work.case.read'
export const menu = [
  { group: '审批办件', items: [
    { path: '/todo', title: '我的待办', perm: CASE_READ, testid: 'menu-todo' },
    { path: '/cases/doing', title: '在办事项', perm: CASE_READ, testid: 'menu-doing' },
    { path: '/cases/done', title: '办结事项', perm: CASE_READ, testid: 'menu-done' },
    { path: '/cases/department', title: '部门办件', perm: CASE_READ, testid: 'menu-department' },
  ] },
  { group: '用户管理', items: [
    { path: '/org/departments', title: '组织机构', perm: 'org.dept.read', testid: 'menu-departments' },
    { path: '/org/staff', title: '人员管理', perm: ['org.staff.read', 'authz.assign', 'authz.staff.ban', 'authz.credential.reset'], testid: 'menu-staff' },
    { path: '/org/groups', title: '用户组', perm: 'org.staff.read', testid: 'menu-groups' },
    { path: '/authz/roles', title: '角色权限', perm: 'authz.role.read', testid: 'menu-roles' },
  ] },
  { group: '事项与流程', items: [
    { path: '/flows', title: '流程设计', perm: 'work.flow.design', testid: 'menu-flows' },
    { path: '/matters', title: '事项配置', perm: 'work.matter.config', testid: 'menu-matters' },
    { path: '/calendar', title: '节假日', perm: 'calendar.write', testid: 'menu-calendar' },
    { path: '/messages', title: '消息中心', perm: ['notify.message.read', 'notify.template.write', 'notify.app.write'], testid: 'menu-messages' },
  ] },
  { group: '大厅服务', items: [
    { path: '/hall/window', title: '窗口叫号', perm: 'queue.call', testid: 'menu-hall-window' },
    { path: '/kiosk', title: '取号机', perm: 'queue.kiosk', testid: 'menu-kiosk' },
    { path: '/screen', title: '大厅叫号屏', perm: ['queue.call', 'queue.kiosk', 'hall.manage'], testid: 'menu-screen' },
    { path: '/hall/bookings', title: '大厅预约', perm: 'booking.read', testid: 'menu-hall-bookings' },
    { path: '/hall/blacklist', title: '预约黑名单', perm: 'booking.blacklist', testid: 'menu-blacklist' },
    { path: '/hall/admin', title: '办事大厅', perm: 'hall.manage', testid: 'menu-halls' },
  ] },
  { group: '咨询投诉', items: [
    { path: '/feedback', title: '咨询投诉建议', perm: 'feedback.read', testid: 'menu-feedback' },
    { path: '/feedback/stats', title: '投诉统计', perm: 'complaint.stats', testid: 'menu-complaint-stats' },
  ] },
  { group: '好差评', items: [
    { path: '/evaluations', title: '评价管理', perm: 'evaluation.read', testid: 'menu-evaluations' },
    { path: '/evaluations/rectifications', title: '差评整改', perm: 'evaluation.read', testid: 'menu-rectifications' },
    { path: '/evaluations/stats', title: '评价统计', perm: 'evaluation.read', testid: 'menu-evaluation-stats' },
  ] },
  { group: '人工客服', items: [
    { path: '/agent/console', title: '客服工作台', perm: 'agent.serve', testid: 'menu-agent-console' },
    { path: '/agent/monitor', title: '坐席监控', perm: 'agent.supervise', testid: 'menu-agent-monitor' },
  ] },
  { group: '知识库', items: [
    { path: '/kb/items', title: '知识维护', perm: 'kb.read', testid: 'menu-kb-items' },
    { path: '/kb/review', title: '知识审核', perm: 'kb.review', testid: 'menu-kb-review' },
    { path: '/kb/categories', title: '栏目分类', perm: 'kb.read', testid: 'menu-kb-categories' },
    { path: '/kb/ratings', title: '评价处置', perm: 'kb.edit', testid: 'menu-kb-ratings' },
    { path: '/kb/unanswered', title: '未解决问题', perm: 'kb.edit', testid: 'menu-kb-unanswered' },
    { path: '/kb/stats', title: '统计与运营', perm: 'kb.stats', testid: 'menu-kb-stats' },
    { path: '/content', title: '公开内容', perm: 'content.write', testid: 'menu-content' },
  ] },
  { group: '智能客服', items: [
    { path: '/assistant/dialogues', title: '多轮问答模板', perm: 'assistant.dialogue.read', testid: 'menu-dialogues' },
  ] },
  { group: '安全审计', items: [
    { path: '/audit', title: '审计日志', perm: 'audit.read', testid: 'menu-audit' },
  ] },
  { group: '个人', items: [
    { path: '/me', title: '个人中心', perm: null, testid: 'menu-me' },
  ] },
]
