import { createRouter, createWebHistory } from 'vue-router'
import { loadMe, session } from './store.js'

import Home from './views/Home.vue'

const routes = [
  { path: '/', name: 'home', component: Home, meta: { title: '首页' } },
  { path: '/search', name: 'search', component: () => import('./views/Search.vue'), meta: { title: '事项搜索' } },
  { path: '/matters/:code', name: 'guide', component: () => import('./views/MatterGuide.vue'), meta: { title: '办事指南' } },
  { path: '/register', name: 'register', component: () => import('./views/Register.vue'), meta: { title: '用户注册' } },
  { path: '/login', name: 'login', component: () => import('./views/Login.vue'), meta: { title: '用户登录' } },
  { path: '/apply/done', name: 'apply-done', component: () => import('./views/ApplyDone.vue'), meta: { title: '申报成功' } },
  { path: '/apply/:code', name: 'apply', component: () => import('./views/Apply.vue'), meta: { title: '在线办理', auth: true } },
  { path: '/my/cases', name: 'my-cases', component: () => import('./views/MyCases.vue'), meta: { title: '我的办件', auth: true } },
  { path: '/my/cases/:serial', name: 'case-detail', component: () => import('./views/CaseDetail.vue'), meta: { title: '办件详情', auth: true } },
  { path: '/booking/done/:code', name: 'booking-done', component: () => import('./views/BookingDone.vue'), meta: { title: '预约结果' } },
  { path: '/booking/:code', name: 'booking', component: () => import('./views/BookingFlow.vue'), meta: { title: '网上预约' } },
  { path: '/my/bookings', name: 'my-bookings', component: () => import('./views/MyBookings.vue'), meta: { title: '我的预约', auth: true } },
  { path: '/my/bookings/:code', name: 'booking-detail', component: () => import('./views/BookingDone.vue'), meta: { title: '预约详情', auth: true } },
  { path: '/queue/hall/:id', name: 'queue-online', component: () => import('./views/BookingQueue.vue'), meta: { title: '在线取号', auth: true } },
  { path: '/my/evaluations', name: 'my-evaluations', component: () => import('./views/MyEvaluations.vue'), meta: { title: '我的评价', auth: true } },
  { path: '/my/evaluations/:id', name: 'evaluation', component: () => import('./views/EvaluationDetail.vue'), meta: { title: '服务评价', auth: true } },
  { path: '/feedback/new', name: 'feedback-new', component: () => import('./views/FeedbackNew.vue'), meta: { title: '咨询投诉', auth: true } },
  { path: '/my/consultations', name: 'my-consultations', component: () => import('./views/MyFeedback.vue'), meta: { title: '我的咨询', auth: true, kind: 'consultation' } },
  { path: '/my/consultations/:id', name: 'consultation', component: () => import('./views/MyFeedbackDetail.vue'), meta: { title: '咨询详情', auth: true, kind: 'consultation' } },
  { path: '/my/complaints', name: 'my-complaints', component: () => import('./views/MyFeedback.vue'), meta: { title: '我的投诉', auth: true, kind: 'complaint' } },
  { path: '/my/complaints/:id', name: 'complaint', component: () => import('./views/MyFeedbackDetail.vue'), meta: { title: '投诉详情', auth: true, kind: 'complaint' } },
  { path: '/my/suggestions', name: 'my-suggestions', component: () => import('./views/MyFeedback.vue'), meta: { title: '我的建议', auth: true, kind: 'suggestion' } },
  { path: '/my/suggestions/:id', name: 'suggestion', component: () => import('./views/MyFeedbackDetail.vue'), meta: { title: '建议详情', auth: true, kind: 'suggestion' } },
  {
    path: '/my',
    component: () => import('./views/space/SpaceLayout.vue'),
    meta: { auth: true },
    children: [
      { path: '', name: 'space', component: () => import('./views/space/SpaceProfile.vue'), meta: { title: '个人中心', auth: true } },
      { path: 'messages', name: 'my-messages', component: () => import('./views/space/MyMessages.vue'), meta: { title: '我的消息', auth: true } },
      { path: 'favorites', name: 'my-favorites', component: () => import('./views/space/MyFavorites.vue'), meta: { title: '我的收藏', auth: true } },
      { path: 'footprints', name: 'my-footprints', component: () => import('./views/space/MyFavorites.vue'), meta: { title: '我的足迹', auth: true, footprints: true } },
      { path: 'addresses', name: 'my-addresses', component: () => import('./views/space/MyAddresses.vue'), meta: { title: '我的地址', auth: true } },
      { path: 'contacts', name: 'my-contacts', component: () => import('./views/space/MyContacts.vue'), meta: { title: '家属与代办人', auth: true } },
      { path: 'security', name: 'my-security', component: () => import('./views/space/Security.vue'), meta: { title: '安全中心', auth: true } },
      { path: 'notify', name: 'my-notify', component: () => import('./views/space/NotifyPrefs.vue'), meta: { title: '通知设置', auth: true } },
      { path: 'deregister', name: 'my-deregister', component: () => import('./views/space/Deregister.vue'), meta: { title: '注销账号', auth: true } },
    ],
  },
  { path: '/password-reset', name: 'password-reset', component: () => import('./views/space/ResetPassword.vue'), meta: { title: '找回密码' } },
  { path: '/my/password', name: 'password', component: () => import('./views/ChangePassword.vue'), meta: { title: '修改密码', auth: true } },
  { path: '/agent', name: 'agent', component: () => import('./views/AgentPage.vue'), meta: { title: '人工客服' } },
  { path: '/notices', name: 'notices', component: () => import('./views/ContentList.vue'), meta: { title: '公示公告', contentType: 'notice' } },
  { path: '/policies', name: 'policies', component: () => import('./views/ContentList.vue'), meta: { title: '政策法规', contentType: 'policy' } },
  { path: '/faq', name: 'faq', component: () => import('./views/ContentList.vue'), meta: { title: '常见问题', contentType: 'faq' } },
  { path: '/content/:id(\\d+)', name: 'content', component: () => import('./views/ContentDetail.vue'), meta: { title: '公开内容' } },
  { path: '/progress', name: 'progress', component: () => import('./views/Progress.vue'), meta: { title: '进度查询' } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在' } },
]

const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior (to, from, saved) {
    if (saved) return saved
    if (to.path === from.path) return false
    return { top: 0 }
  },
})

router.beforeEach(async (to) => {
  const user = await loadMe()
  if (to.meta.auth && !user) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  if ((to.name === 'login' || to.name === 'register') && user && !to.query.switch) {
    return safeRedirect(to.query.redirect) || '/'
  }
  return true
})

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' - ' : '') + '黑龙江省公安政务服务网'
})

/** Only same-site paths are followed after login. */
export function safeRedirect (r) {
  if (typeof r !== 'string' || !r.startsWith('/') || r.startsWith('//') || r.startsWith('/\\')) return ''
  return r
}

export { session }
export default router
