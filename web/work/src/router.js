import { createRouter, createWebHistory } from 'vue-router'
import { session, loadMe, can } from './session.js'
import { menu } from './menu.js'
import Login from './views/Login.vue'
import Layout from './views/Layout.vue'

const perms = {}
for (const g of menu) for (const it of g.items) perms[it.path] = it.perm

const routes = [
  { path: '/login', component: Login, meta: { public: true, title: '登录' } },
  // full-screen hall pages outside the side-menu layout: the kiosk (signed in) and the hall screen (public)
  { path: '/kiosk/:hallId?', component: () => import('./views/HallKiosk.vue'), meta: { title: '大厅取号机', perm: perms['/kiosk'] } },
  { path: '/screen/:hallId?', component: () => import('./views/ScreenHall.vue'), meta: { public: true, title: '大厅叫号屏' } },
  {
    path: '/', component: Layout,
    children: [
      { path: '', component: () => import('./views/Home.vue'), meta: { title: '首页' } },
      { path: 'todo', component: () => import('./views/Todo.vue'), meta: { title: '我的待办', perm: perms['/todo'] } },
      { path: 'cases/:view(doing|done|department)', component: () => import('./views/CaseList.vue'), meta: { title: '办件', perm: perms['/todo'] } },
      { path: 'case/:serial', component: () => import('./views/CaseDetail.vue'), meta: { title: '办件详情', perm: perms['/todo'] } },
      { path: 'org/departments', component: () => import('./views/Departments.vue'), meta: { title: '组织机构', perm: perms['/org/departments'] } },
      { path: 'org/staff', component: () => import('./views/Staff.vue'), meta: { title: '人员管理', perm: perms['/org/staff'] } },
      { path: 'org/groups', component: () => import('./views/Groups.vue'), meta: { title: '用户组', perm: perms['/org/groups'] } },
      { path: 'authz/roles', component: () => import('./views/Roles.vue'), meta: { title: '角色权限', perm: perms['/authz/roles'] } },
      { path: 'flows', component: () => import('./views/FlowDesigner.vue'), meta: { title: '流程设计', perm: perms['/flows'] } },
      { path: 'matters', component: () => import('./views/Matters.vue'), meta: { title: '事项配置', perm: perms['/matters'] } },
      { path: 'calendar', component: () => import('./views/Calendar.vue'), meta: { title: '节假日', perm: perms['/calendar'] } },
      { path: 'messages', component: () => import('./views/MsgCenter.vue'), meta: { title: '消息中心', perm: perms['/messages'] } },
      { path: 'hall/window', component: () => import('./views/HallWindow.vue'), meta: { title: '窗口叫号', perm: perms['/hall/window'] } },
      { path: 'hall/bookings', component: () => import('./views/HallBookings.vue'), meta: { title: '大厅预约', perm: perms['/hall/bookings'] } },
      { path: 'hall/blacklist', component: () => import('./views/Blacklist.vue'), meta: { title: '预约黑名单', perm: perms['/hall/blacklist'] } },
      { path: 'hall/admin', component: () => import('./views/HallAdmin.vue'), meta: { title: '办事大厅', perm: perms['/hall/admin'] } },
      { path: 'feedback', component: () => import('./views/FeedbackList.vue'), meta: { title: '咨询投诉建议', perm: perms['/feedback'] } },
      { path: 'feedback/stats', component: () => import('./views/ComplaintStats.vue'), meta: { title: '投诉统计', perm: perms['/feedback/stats'] } },
      { path: 'feedback/:id(\\d+)', component: () => import('./views/FeedbackDetail.vue'), meta: { title: '咨询投诉详情', perm: perms['/feedback'] } },
      { path: 'evaluations', component: () => import('./views/Evaluations.vue'), meta: { title: '评价管理', perm: perms['/evaluations'] } },
      { path: 'evaluations/rectifications', component: () => import('./views/Rectifications.vue'), meta: { title: '差评整改', perm: perms['/evaluations/rectifications'] } },
      { path: 'evaluations/stats', component: () => import('./views/EvaluationStats.vue'), meta: { title: '评价统计', perm: perms['/evaluations/stats'] } },
      { path: 'agent/console', component: () => import('./views/AgentConsole.vue'), meta: { title: '人工客服', perm: perms['/agent/console'] } },
      { path: 'agent/monitor', component: () => import('./views/AgentMonitor.vue'), meta: { title: '坐席监控', perm: perms['/agent/monitor'] } },
      { path: 'kb/items', component: () => import('./views/KBItems.vue'), meta: { title: '知识维护', perm: perms['/kb/items'] } },
      { path: 'kb/review', component: () => import('./views/KBItems.vue'), meta: { title: '知识审核', perm: perms['/kb/review'], review: true } },
      { path: 'kb/items/:id(\\d+|new)', component: () => import('./views/KBItem.vue'), meta: { title: '知识详情', perm: perms['/kb/items'] } },
      { path: 'kb/categories', component: () => import('./views/KBCategories.vue'), meta: { title: '栏目分类', perm: perms['/kb/categories'] } },
      { path: 'kb/ratings', component: () => import('./views/KBRatings.vue'), meta: { title: '评价处置', perm: perms['/kb/ratings'] } },
      { path: 'kb/unanswered', component: () => import('./views/KBUnanswered.vue'), meta: { title: '未解决问题', perm: perms['/kb/unanswered'] } },
      { path: 'assistant/dialogues', component: () => import('./views/Dialogues.vue'), meta: { title: '多轮问答模板', perm: perms['/assistant/dialogues'] } },
      { path: 'assistant/dialogues/:id(\\d+|new)', component: () => import('./views/DialoguesEdit.vue'), meta: { title: '多轮问答模板', perm: perms['/assistant/dialogues'] } },
      { path: 'kb/stats', component: () => import('./views/KBStats.vue'), meta: { title: '统计与运营', perm: perms['/kb/stats'] } },
      { path: 'content', component: () => import('./views/ContentAdmin.vue'), meta: { title: '公开内容', perm: perms['/content'] } },
      { path: 'audit', component: () => import('./views/Audit.vue'), meta: { title: '审计日志', perm: perms['/audit'] } },
      { path: 'me', component: () => import('./views/Me.vue'), meta: { title: '个人中心' } },
      { path: ':rest(.*)*', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在' } },
    ],
  },
]

const router = createRouter({ history: createWebHistory('/work/'), routes })

router.beforeEach(async (to) => {
  if (!session.checked) await loadMe()
  if (to.meta.public) return session.staff && to.path === '/login' ? '/' : true
  if (!session.staff) return { path: '/login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.meta.perm && !can(to.meta.perm)) return '/'
  return true
})
router.afterEach((to) => { document.title = (to.meta.title ? to.meta.title + ' · ' : '') + '通办工作门户' })

export default router
