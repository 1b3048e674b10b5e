// The customer's notifications with a live unread count, and the /ws/me/ socket that feeds them
// (and announces booking/reservation changes to whichever page shows them).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api/client'
import type { Notification } from '@/api/types'
import { LiveSocket, socketUrl, type SocketState } from '@/composables/liveSocket'
import { serverClock } from '@/composables/serverClock'
import { useSessionStore } from './session'
import { renewalDelayMs } from './tokens'

export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<Notification[]>([])
  const unread = ref(0)
  const loaded = ref(false)
  const socketState = ref<SocketState>('stopped')
  /** Bumped on booking_confirmed / reservation_updated: the reservations page reloads. */
  const reservationsVersion = ref(0)
  let renewTimer: ReturnType<typeof setTimeout> | undefined

  const session = useSessionStore()

  const socket = new LiveSocket({
    clock: serverClock,
    target: async () => {
      const access = session.accessToken() ?? (await session.freshAccessToken())
      if (!access) return null
      scheduleRenewal(access)
      return { url: socketUrl('/ws/me/'), protocols: ['hothour.jwt', access] }
    },
    onUnauthorized: async () => (await session.freshAccessToken()) !== null,
    onState: (state) => {
      socketState.value = state
    },
    onMessage: (message) => {
      if (message.event === 'notification_created') {
        const notification = message.data as Notification
        items.value = [notification, ...items.value.filter((n) => n.id !== notification.id)]
        if (!notification.read_at) unread.value += 1
      } else if (message.event === 'booking_confirmed' || message.event === 'reservation_updated') {
        reservationsVersion.value += 1
      } else if (message.event === 'snapshot') {
        void load()
      }
    },
  })

  /** The server closes /ws/me/ when its token expires: re-open it with a fresh one before. */
  function scheduleRenewal(access: string): void {
    clearTimeout(renewTimer)
    const wait = renewalDelayMs(access, serverClock.now())
    if (wait === null) return
    renewTimer = setTimeout(async () => {
      if ((await session.freshAccessToken()) !== null) socket.reconnectNow()
    }, wait)
  }

  async function load(): Promise<void> {
    const page = await api.notifications()
    items.value = page.results
    unread.value = page.unread_count ?? page.results.filter((n) => !n.read_at).length
    loaded.value = true
  }

  async function markRead(id: number): Promise<void> {
    await api.readNotification(id)
    const at = new Date(serverClock.now()).toISOString()
    if (items.value.some((n) => n.id === id && !n.read_at)) unread.value = Math.max(0, unread.value - 1)
    items.value = items.value.map((n) => (n.id === id && !n.read_at ? { ...n, read_at: at } : n))
  }

  async function markAllRead(): Promise<void> {
    await api.readAllNotifications()
    const at = new Date(serverClock.now()).toISOString()
    items.value = items.value.map((n) => (n.read_at ? n : { ...n, read_at: at }))
    unread.value = 0
  }

  function connect(): void {
    socket.start()
  }

  function disconnect(): void {
    clearTimeout(renewTimer)
    socket.stop()
    items.value = []
    unread.value = 0
    loaded.value = false
  }

  /** A new access token (refresh, password change): the socket re-opens with it. */
  function tokenChanged(): void {
    if (socket.state !== 'stopped') socket.reconnectNow()
  }

  return { items, unread, loaded, socketState, reservationsVersion, load, markRead, markAllRead, connect, disconnect, tokenChanged }
})
