import { describe, expect, it } from 'vitest'
import { backoffMs, LiveSocket, type SocketLike, type Timers } from '../src/composables/liveSocket'
import { ServerClock } from '../src/composables/serverClock'

class FakeSocket implements SocketLike {
  readyState = 0
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  sent: string[] = []
  constructor(
    readonly url: string,
    readonly protocols?: string[],
  ) {}
  send(data: string) {
    this.sent.push(data)
  }
  close() {
    this.readyState = 3
  }
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(message: object) {
    this.onmessage?.({ data: JSON.stringify(message) })
  }
  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.({ code })
  }
}

/** Timers run by hand: `advance(ms)` fires what is due, in order. */
class ManualTimers implements Timers {
  now = 0
  private queue: { at: number; fn: () => void; id: number }[] = []
  private next = 1
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++
    this.queue.push({ at: this.now + ms, fn, id })
    return id
  }
  clearTimeout(handle: unknown) {
    this.queue = this.queue.filter((t) => t.id !== handle)
  }
  pendingDelays() {
    return this.queue.map((t) => t.at - this.now)
  }
  advance(ms: number) {
    const until = this.now + ms
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at)
      const due = this.queue[0]
      if (!due || due.at > until) break
      this.queue.shift()
      this.now = due.at
      due.fn()
    }
    this.now = until
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

function setup(extra: Partial<ConstructorParameters<typeof LiveSocket>[0]> = {}) {
  const timers = new ManualTimers()
  const sockets: FakeSocket[] = []
  const messages: string[] = []
  const states: string[] = []
  const clock = new ServerClock(() => timers.now)
  const live = new LiveSocket({
    target: async () => ({ url: 'ws://test/ws/auctions/' }),
    onMessage: (m) => messages.push(m.event),
    onState: (s) => states.push(s),
    clock,
    timers,
    now: () => timers.now,
    random: () => 1, // no jitter: the longest wait of each step
    create: (url, protocols) => {
      const socket = new FakeSocket(url, protocols)
      sockets.push(socket)
      return socket
    },
    ...extra,
  })
  return { live, timers, sockets, messages, states, clock }
}

describe('LiveSocket', () => {
  it('pings on open and sets the clock from the pong', async () => {
    const { live, timers, sockets, clock } = setup()
    live.start()
    await flush()
    sockets[0]!.open()
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({ event: 'ping' })
    timers.advance(100)
    sockets[0]!.receive({ event: 'pong', data: {}, server_time: new Date(10_050).toISOString() })
    expect(clock.offsetMs()).toBe(10_000)
  })

  it('reconnects with growing backoff and reads a new snapshot each time', async () => {
    const { live, timers, sockets, messages } = setup()
    live.start()
    await flush()
    sockets[0]!.open()
    sockets[0]!.receive({ event: 'snapshot', data: [], server_time: '' })

    sockets[0]!.drop()
    expect(timers.pendingDelays()).toEqual([backoffMs(0, 1)])
    timers.advance(backoffMs(0, 1))
    await flush()
    expect(sockets).toHaveLength(2)
    sockets[1]!.drop() // fails again before opening: waits longer
    expect(timers.pendingDelays()).toEqual([backoffMs(1, 1)])
    expect(backoffMs(1, 1)).toBeGreaterThan(backoffMs(0, 1))
    timers.advance(backoffMs(1, 1))
    await flush()
    sockets[2]!.open()
    sockets[2]!.receive({ event: 'snapshot', data: [], server_time: '' })
    expect(messages).toEqual(['snapshot', 'snapshot'])

    // a good connection resets the backoff
    sockets[2]!.drop()
    expect(timers.pendingDelays()[0]).toBe(backoffMs(0, 1))
  })

  it('never waits more than 15 s between attempts', () => {
    expect(backoffMs(20, 1)).toBe(15_000)
    expect(backoffMs(3, 0)).toBe(2_000)
  })

  it('treats a missing pong as a dead connection and reconnects', async () => {
    const { live, timers, sockets } = setup({ pongTimeoutMs: 5_000 })
    live.start()
    await flush()
    sockets[0]!.open()
    timers.advance(5_000)
    expect(live.state).toBe('retrying')
    timers.advance(backoffMs(0, 1))
    await flush()
    expect(sockets).toHaveLength(2)
  })

  it('on 4401 asks for a fresh token and reconnects with it; stops when there is none', async () => {
    const tokens = ['t1', 't2']
    let renewals = 0
    const { live, timers, sockets } = setup({
      target: async () => ({ url: 'ws://test/ws/me/', protocols: ['hothour.jwt', tokens[0]!] }),
      onUnauthorized: async () => {
        renewals += 1
        tokens.shift()
        return tokens.length > 0
      },
    })
    live.start()
    await flush()
    expect(sockets[0]!.protocols).toEqual(['hothour.jwt', 't1'])
    sockets[0]!.drop(4401)
    await flush()
    timers.advance(backoffMs(0, 1))
    await flush()
    expect(sockets[1]!.protocols).toEqual(['hothour.jwt', 't2'])
    sockets[1]!.drop(4401)
    await flush()
    expect(renewals).toBe(2)
    expect(live.state).toBe('stopped')
  })

  it('a 4404 (auction gone) is final: no reconnecting', async () => {
    const { live, timers, sockets } = setup()
    live.start()
    await flush()
    sockets[0]!.open()
    sockets[0]!.drop(4404)
    timers.advance(60_000)
    await flush()
    expect(live.state).toBe('gone')
    expect(sockets).toHaveLength(1)
  })

  it('reconnectNow (a tab waking up) opens a new socket at once and ignores the old one', async () => {
    const { live, sockets, messages } = setup()
    live.start()
    await flush()
    sockets[0]!.open()
    live.reconnectNow()
    await flush()
    expect(sockets).toHaveLength(2)
    sockets[0]!.receive({ event: 'price_update', data: {}, server_time: '' })
    expect(messages).toEqual([])
  })
})
