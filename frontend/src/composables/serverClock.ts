// The server's clock, as this browser can know it: an offset measured from ping/pong round trips.
// Everything that decides what price is on screen asks this clock, never Date.now() directly.

interface Sample {
  offsetMs: number
  rttMs: number
}

const KEEP = 8

export class ServerClock {
  private samples: Sample[] = []
  private roughOffsetMs: number | null = null

  constructor(private readonly local: () => number = () => Date.now()) {}

  /** A `pong`: the server stamped `serverTime` somewhere inside [sentAt, receivedAt] (local ms);
   *  assume the middle. The sample with the shortest round trip is the most exact. */
  observePong(serverTime: string, sentAt: number, receivedAt: number): void {
    const server = Date.parse(serverTime)
    if (Number.isNaN(server) || receivedAt < sentAt) return
    const rttMs = receivedAt - sentAt
    this.samples.push({ offsetMs: server - (sentAt + rttMs / 2), rttMs })
    if (this.samples.length > KEEP) this.samples.shift()
  }

  /** Any other server message: good to within one delivery delay, used until a pong arrives. */
  observeMessage(serverTime: string, receivedAt: number): void {
    const server = Date.parse(serverTime)
    if (!Number.isNaN(server) && this.roughOffsetMs === null) this.roughOffsetMs = server - receivedAt
  }

  get synced(): boolean {
    return this.samples.length > 0
  }

  offsetMs(): number {
    if (this.samples.length === 0) return this.roughOffsetMs ?? 0
    return this.samples.reduce((best, s) => (s.rttMs < best.rttMs ? s : best)).offsetMs
  }

  /** The server's "now", in ms since the epoch. */
  now(): number {
    return this.local() + this.offsetMs()
  }

  /** After a sleep the local clock may have been corrected: measure afresh. */
  forget(): void {
    this.samples = []
  }
}

export const serverClock = new ServerClock()
