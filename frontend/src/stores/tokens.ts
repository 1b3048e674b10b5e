// The token pair's rules, apart from Vue: access in memory, refresh persisted and rotated.
//
// The refresh token is kept in localStorage so a reload or a link from an email keeps the customer
// signed in (a refresh cookie would need a backend change: the API takes tokens in JSON bodies).
// What protects it: the app's strict CSP (scripts only from this origin, nothing inline), rotation
// with a blacklist (a stolen token used once is dead for its thief or for us, and then we sign out),
// and logout / password change revoking it on the server.

export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

const REFRESH_KEY = 'hothour.refresh'

function claims(token: string): { exp?: unknown; iat?: unknown } {
  const payload = token.split('.')[1]
  if (!payload) return {}
  try {
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; iat?: unknown }
  } catch {
    return {}
  }
}

/** Seconds since the epoch at which a JWT expires (its `exp` claim), or null if unreadable. */
export function tokenExpiry(token: string): number | null {
  const exp = claims(token).exp
  return typeof exp === 'number' ? exp : null
}

/** How long until a socket opened with `token` should re-open with a fresh one: a minute before
 *  it expires, or a fifth of its lifetime for short-lived tokens; null if it has no expiry. */
export function renewalDelayMs(token: string, nowMs: number): number | null {
  const { exp, iat } = claims(token)
  if (typeof exp !== 'number') return null
  const lifetimeMs = typeof iat === 'number' ? (exp - iat) * 1000 : 300_000
  const margin = Math.min(60_000, lifetimeMs / 5)
  return Math.max(1_000, exp * 1000 - margin - nowMs)
}

export type Refresher = (refresh: string) => Promise<{ access: string; refresh: string }>

export class TokenKeeper {
  private access: string | null = null
  private inFlight: Promise<string | null> | null = null
  /** The server refused the refresh token: there was a session and it ended (not "never signed in"). */
  sessionLost = false

  constructor(
    private readonly storage: KeyValueStore,
    private readonly refresher: Refresher,
  ) {}

  accessToken(): string | null {
    return this.access
  }

  hasSession(): boolean {
    return this.access !== null || this.storage.getItem(REFRESH_KEY) !== null
  }

  store(pair: { access: string; refresh: string }): void {
    this.sessionLost = false
    this.access = pair.access
    this.storage.setItem(REFRESH_KEY, pair.refresh)
  }

  refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY)
  }

  clear(): void {
    this.access = null
    this.storage.removeItem(REFRESH_KEY)
  }

  /** One rotation at a time: concurrent 401s share it (a second rotation of the same refresh
   *  token would be refused as blacklisted and sign the customer out). */
  refresh(): Promise<string | null> {
    this.inFlight ??= this.rotate().finally(() => {
      this.inFlight = null
    })
    return this.inFlight
  }

  private async rotate(): Promise<string | null> {
    const used = this.storage.getItem(REFRESH_KEY)
    if (!used) return null
    try {
      this.store(await this.refresher(used))
      return this.access
    } catch (error) {
      // Another tab may have rotated it first and stored the new one: use that once.
      const current = this.storage.getItem(REFRESH_KEY)
      if (current && current !== used) {
        try {
          this.store(await this.refresher(current))
          return this.access
        } catch {
          // fall through: the session is over
        }
      }
      if (isNetworkError(error)) throw error
      this.clear()
      this.sessionLost = true
      return null
    }
  }
}

function isNetworkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'network_error'
}
