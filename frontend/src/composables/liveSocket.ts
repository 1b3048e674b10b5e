// A WebSocket that stays up: ping/pong for the clock and for liveness, reconnect with backoff,
// and a fresh snapshot on every (re)connect, since the server sends one first on each socket.
import type { ServerClock } from './serverClock'

export interface ServerMessage {
  event: string
  data: unknown
  server_time: string
}

/** The part of the browser's WebSocket this class uses (tests pass a fake). */
export interface SocketLike {
  readyState: number
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: { code: number }) => void) | null
  onerror: ((event: unknown) => void) | null
  send(data: string): void
  close(code?: number): void
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export type SocketState = 'connecting' | 'open' | 'retrying' | 'gone' | 'stopped'

export interface LiveSocketOptions {
  /** The URL and subprotocols of the next attempt; may fetch a fresh token first. */
  target: () => Promise<{ url: string; protocols?: string[] } | null>
  onMessage: (message: ServerMessage) => void
  onState?: (state: SocketState, retryInMs?: number) => void
  /** A 4401 close: return true to try again (a fresh token was obtained), false to stop. */
  onUnauthorized?: () => Promise<boolean>
  clock?: ServerClock
  create?: (url: string, protocols?: string[]) => SocketLike
  timers?: Timers
  now?: () => number
  random?: () => number
  pingEveryMs?: number
  pongTimeoutMs?: number
}

export const CLOSE_UNAUTHORIZED = 4401
export const CLOSE_NOT_FOUND = 4404
const OPEN = 1
const MAX_BACKOFF_MS = 15_000

export function backoffMs(attempt: number, random: number): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt)
  return Math.round(base * (0.5 + random / 2))
}

export class LiveSocket {
  state: SocketState = 'stopped'
  private socket: SocketLike | null = null
  private attempt = 0
  private retryTimer: unknown = null
  private pingTimer: unknown = null
  private pongTimer: unknown = null
  private pingSentAt: number | null = null
  private readonly timers: Timers
  private readonly now: () => number
  private readonly random: () => number
  private readonly create: (url: string, protocols?: string[]) => SocketLike

  constructor(private readonly options: LiveSocketOptions) {
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    }
    this.now = options.now ?? (() => Date.now())
    this.random = options.random ?? Math.random
    this.create = options.create ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike)
  }

  start(): void {
    if (this.state !== 'stopped' && this.state !== 'gone') return
    this.attempt = 0
    void this.connect()
  }

  stop(): void {
    this.setState('stopped')
    this.clearTimers()
    this.drop()
  }

  /** Close and open again at once (a fresh token, a tab that woke up): a new snapshot follows. */
  reconnectNow(): void {
    if (this.state === 'stopped') return
    this.clearTimers()
    this.drop()
    this.attempt = 0
    void this.connect()
  }

  /** Measure the clock again (and prove the socket alive). */
  ping(): void {
    if (!this.socket || this.socket.readyState !== OPEN) return
    this.pingSentAt = this.now()
    this.socket.send(JSON.stringify({ event: 'ping' }))
    this.timers.clearTimeout(this.pongTimer)
    // No pong in time: the connection is dead even if the browser has not noticed yet.
    this.pongTimer = this.timers.setTimeout(() => this.lost(), this.options.pongTimeoutMs ?? 10_000)
  }

  private async connect(): Promise<void> {
    this.setState('connecting')
    let target: Awaited<ReturnType<LiveSocketOptions['target']>>
    try {
      target = await this.options.target()
    } catch {
      this.scheduleRetry()
      return
    }
    if (this.state !== 'connecting') return
    if (target === null) {
      this.setState('stopped')
      return
    }
    let socket: SocketLike
    try {
      socket = this.create(target.url, target.protocols)
    } catch {
      this.scheduleRetry()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (this.socket !== socket) return
      this.setState('open')
      this.ping()
      this.schedulePing()
    }
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(event.data)
    }
    socket.onerror = () => undefined
    socket.onclose = (event) => {
      if (this.socket === socket) void this.closed(event.code)
    }
  }

  private receive(raw: unknown): void {
    let message: ServerMessage
    try {
      message = JSON.parse(String(raw)) as ServerMessage
    } catch {
      return
    }
    const receivedAt = this.now()
    if (message.event === 'pong') {
      if (this.pingSentAt !== null) this.options.clock?.observePong(message.server_time, this.pingSentAt, receivedAt)
      this.pingSentAt = null
      this.timers.clearTimeout(this.pongTimer)
      return
    }
    if (message.server_time) this.options.clock?.observeMessage(message.server_time, receivedAt)
    if (message.event === 'snapshot') this.attempt = 0
    this.options.onMessage(message)
  }

  private async closed(code: number): Promise<void> {
    this.socket = null
    this.clearTimers()
    if (this.state === 'stopped') return
    if (code === CLOSE_NOT_FOUND) {
      this.setState('gone')
      return
    }
    if (code === CLOSE_UNAUTHORIZED) {
      const again = this.options.onUnauthorized ? await this.options.onUnauthorized() : false
      // stop() may have been called while the token was being renewed
      if ((this.state as SocketState) === 'stopped') return
      if (!again) {
        this.setState('stopped')
        return
      }
    }
    this.scheduleRetry()
  }

  private lost(): void {
    if (!this.socket) return
    const socket = this.socket
    this.socket = null
    try {
      socket.close()
    } catch {
      // already closing
    }
    this.clearTimers()
    this.scheduleRetry()
  }

  private scheduleRetry(): void {
    if (this.state === 'stopped') return
    const wait = backoffMs(this.attempt, this.random())
    this.attempt += 1
    this.setState('retrying', wait)
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null
      void this.connect()
    }, wait)
  }

  private schedulePing(): void {
    this.pingTimer = this.timers.setTimeout(() => {
      this.ping()
      this.schedulePing()
    }, this.options.pingEveryMs ?? 20_000)
  }

  private clearTimers(): void {
    for (const handle of [this.retryTimer, this.pingTimer, this.pongTimer]) this.timers.clearTimeout(handle)
    this.retryTimer = this.pingTimer = this.pongTimer = null
  }

  private drop(): void {
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = socket.onmessage = socket.onopen = null
      try {
        socket.close()
      } catch {
        // already closed
      }
    }
  }

  private setState(state: SocketState, retryInMs?: number): void {
    this.state = state
    this.options.onState?.(state, retryInMs)
  }
}

/** ws:// or wss:// on this page's own host. */
export function socketUrl(path: string): string {
  const { protocol, host } = window.location
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}${path}`
}
