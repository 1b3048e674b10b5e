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

/** Seconds since the epoch at which a JWT expires (its `exp` claim), or null if unreadable. */
export function tokenExpiry(token: string): number | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const exp = (JSON.parse(json) as { exp?: unknown }).exp
    return typeof exp === 'number' ? exp : null
  } catch {
    return null
  }
}

export type Refresher = (refresh: string) => Promise<{ access: string; refresh: string }>

export class TokenKeeper {
  private access: string | null = null
  private inFlight: Promise<string | null> | null = null

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
      return null
    }
  }
}

function isNetworkError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'network_error'
}
