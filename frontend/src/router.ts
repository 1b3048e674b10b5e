// One route per page, each loaded on demand so the first page stays small.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from './stores/session'

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'auctions', component: () => import('./pages/AuctionsPage.vue') },
  {
    path: '/auctions/:id(\\d+)',
    name: 'auction',
    component: () => import('./pages/AuctionPage.vue'),
    props: (route) => ({ id: Number(route.params.id) }),
  },
  { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue') },
  { path: '/register', name: 'register', component: () => import('./pages/RegisterPage.vue') },
  { path: '/verify-email', name: 'verify-email', component: () => import('./pages/VerifyEmailPage.vue') },
  { path: '/forgot-password', name: 'forgot-password', component: () => import('./pages/ForgotPasswordPage.vue') },
  { path: '/reset-password', name: 'reset-password', component: () => import('./pages/ResetPasswordPage.vue') },
  {
    path: '/me/reservations',
    name: 'reservations',
    component: () => import('./pages/ReservationsPage.vue'),
    meta: { signedIn: true },
  },
  { path: '/me/watches', name: 'watches', component: () => import('./pages/WatchesPage.vue'), meta: { signedIn: true } },
  {
    path: '/me/notifications',
    name: 'notifications',
    component: () => import('./pages/NotificationsPage.vue'),
    meta: { signedIn: true },
  },
  { path: '/me/profile', name: 'profile', component: () => import('./pages/ProfilePage.vue'), meta: { signedIn: true } },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue') },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach((to) => {
  const session = useSessionStore()
  if (to.meta.signedIn && !session.hasSession()) {
    return { name: 'login', query: { next: to.fullPath } }
  }
  return true
})
