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
  { path: '/my/password', name: 'password', component: () => import('./views/ChangePassword.vue'), meta: { title: '修改密码', auth: true } },
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
