// Live auctions over /ws/auctions/ (all) or /ws/auctions/{id}/ (one): the snapshot replaces what
// we have, deltas merge into it; a tab that wakes up reconnects and so re-reads the snapshot.
import { onBeforeUnmount, onMounted, ref } from 'vue'
import type { LiveAuction } from '@/api/types'
import { applyLiveData } from './livePrice'
import { LiveSocket, socketUrl, type ServerMessage, type SocketState } from './liveSocket'
import { serverClock } from './serverClock'

export interface LiveHandlers {
  /** The whole state the server has now (first frame of every connection). */
  snapshot?: (data: unknown) => void
  /** Any change to one auction: price, status, seats, turbo. */
  changed?: (auctionId: number, event: string, data: Record<string, unknown>) => void
}

export function useLiveSocket(path: string, handlers: LiveHandlers) {
  const state = ref<SocketState>('stopped')
  const retryInMs = ref<number | null>(null)
  const socket = new LiveSocket({
    target: async () => ({ url: socketUrl(path) }),
    clock: serverClock,
    onState: (next, wait) => {
      state.value = next
      retryInMs.value = wait ?? null
    },
    onMessage: (message: ServerMessage) => {
      if (message.event === 'snapshot') handlers.snapshot?.(message.data)
      else if (message.data && typeof message.data === 'object') {
        const data = message.data as Record<string, unknown>
        const id = Number(data.auction_id ?? data.id)
        if (Number.isFinite(id)) handlers.changed?.(id, message.event, data)
      }
    },
  })
  const wake = () => {
    if (document.visibilityState === 'visible') {
      serverClock.forget()
      socket.reconnectNow()
    }
  }
  const online = () => socket.reconnectNow()
  onMounted(() => {
    socket.start()
    document.addEventListener('visibilitychange', wake)
    window.addEventListener('online', online)
  })
  onBeforeUnmount(() => {
    socket.stop()
    document.removeEventListener('visibilitychange', wake)
    window.removeEventListener('online', online)
  })
  return { state, retryInMs, reconnect: () => socket.reconnectNow() }
}

/** Keeps a list of auctions live: merges deltas by id, adds created ones. */
export function mergeInto(list: LiveAuction[], auctionId: number, event: string, data: Record<string, unknown>): LiveAuction[] {
  const index = list.findIndex((a) => a.id === auctionId)
  if (index === -1) {
    return event === 'auction_created' && 'title' in data ? [...list, data as unknown as LiveAuction] : list
  }
  const copy = list.slice()
  copy[index] = applyLiveData(copy[index]!, data)
  return copy
}
