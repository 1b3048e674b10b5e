// The app's one HttpClient and the endpoints it calls (DESIGN section 4).
import { HttpClient } from './http'
import type {
  AuctionDetail,
  LiveAuction,
  Me,
  MyReservation,
  NotificationPage,
  Page,
  RegisterRequest,
  Studio,
  TokenPair,
  Watch,
} from './types'

let language = 'tr'
export function setApiLanguage(value: string): void {
  language = value
}

export const http = new HttpClient({ language: () => language })

export interface AuctionFilters {
  studio?: string
  date?: string
  gender?: string
  max_price?: string
  status?: string
  ordering?: string
  page?: number
}

export const api = {
  auctions: (filters: AuctionFilters) =>
    http.request<Page<LiveAuction>>('auctions/', { query: { ...filters } }),
  auction: (id: number) => http.request<AuctionDetail & LiveAuction>(`auctions/${id}/`),
  studios: () => http.request<Page<Studio>>('studios/', { query: { page_size: 100 } }),
  studio: (id: number) => http.request<Studio>(`studios/${id}/`),

  login: (email: string, password: string) =>
    http.request<TokenPair>('auth/login/', { method: 'POST', body: { email, password } }),
  refresh: (refresh: string) => http.request<TokenPair>('auth/refresh/', { method: 'POST', body: { refresh } }),
  logout: (refresh: string) => http.request<void>('auth/logout/', { method: 'POST', body: { refresh } }),
  register: (body: RegisterRequest) => http.request<unknown>('auth/register/', { method: 'POST', body }),
  verifyEmail: (token: string) => http.request<unknown>('auth/verify-email/', { method: 'POST', body: { token } }),
  resendVerification: (email: string) =>
    http.request<unknown>('auth/verify-email/resend/', { method: 'POST', body: { email } }),
  requestPasswordReset: (email: string) =>
    http.request<unknown>('auth/password/reset/', { method: 'POST', body: { email } }),
  confirmPasswordReset: (token: string, new_password: string) =>
    http.request<unknown>('auth/password/reset/confirm/', { method: 'POST', body: { token, new_password } }),
  changePassword: (old_password: string, new_password: string) =>
    http.request<TokenPair>('auth/password/change/', {
      method: 'POST',
      auth: true,
      body: { old_password, new_password },
    }),
  me: () => http.request<Me>('auth/me/', { auth: true }),
  updateMe: (body: Partial<Pick<Me, 'full_name' | 'phone' | 'language'>>) =>
    http.request<Me>('auth/me/', { method: 'PATCH', auth: true, body }),
  deleteMe: () => http.request<void>('auth/me/', { method: 'DELETE', auth: true }),
  newCalendarToken: () =>
    http.request<{ calendar_feed_url: string }>('auth/me/calendar-token/', { method: 'POST', auth: true }),

  grab: (auctionId: number, expectedPrice: string, idempotencyKey: string) =>
    http.request<MyReservation>('reservations/', {
      method: 'POST',
      auth: true,
      body: { auction_id: auctionId, expected_price: expectedPrice },
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  reservations: (when: 'upcoming' | 'past') =>
    http.request<Page<MyReservation>>('reservations/', { auth: true, query: { when, page_size: 50 } }),
  cancelReservation: (id: number) =>
    http.request<MyReservation>(`reservations/${id}/cancel/`, { method: 'POST', auth: true }),
  calendarUrl: (id: number) => http.url(`reservations/${id}/calendar.ics`),
  calendarFile: (id: number) => http.request<string>(`reservations/${id}/calendar.ics`, { auth: true }),

  notifications: () => http.request<NotificationPage>('notifications/', { auth: true, query: { page_size: 50 } }),
  readNotification: (id: number) => http.request<unknown>(`notifications/${id}/read/`, { method: 'POST', auth: true }),
  readAllNotifications: () => http.request<unknown>('notifications/read-all/', { method: 'POST', auth: true }),

  watches: () => http.request<Page<Watch>>('watches/', { auth: true }),
  watch: (auctionId: number, alertPrice: string, autoGrab: boolean) =>
    http.request<Watch>('watches/', {
      method: 'POST',
      auth: true,
      body: { auction_id: auctionId, alert_price: alertPrice, auto_grab: autoGrab },
    }),
  deleteWatch: (id: number) => http.request<void>(`watches/${id}/`, { method: 'DELETE', auth: true }),
}
