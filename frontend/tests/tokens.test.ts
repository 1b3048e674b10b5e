import { describe, expect, it, vi } from 'vitest'
import { ApiError, HttpClient, type TokenSource } from '../src/api/http'
import { renewalDelayMs, TokenKeeper, tokenExpiry, type KeyValueStore } from '../src/stores/tokens'

class MemoryStore implements KeyValueStore {
  data = new Map<string, string>()
  getItem(key: string) {
    return this.data.get(key) ?? null
  }
  setItem(key: string, value: string) {
    this.data.set(key, value)
  }
  removeItem(key: string) {
    this.data.delete(key)
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}

function jwt(exp: number, iat = exp - 600): string {
  const encode = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
  return `${encode({ alg: 'HS256' })}.${encode({ exp, iat, token_type: 'access' })}.sig`
}

describe('TokenKeeper', () => {
  it('rotates the refresh token and keeps the new one (access stays in memory only)', async () => {
    const store = new MemoryStore()
    const refresher = vi.fn(async (refresh: string) => ({ access: `A-${refresh}`, refresh: `${refresh}+` }))
    const keeper = new TokenKeeper(store, refresher)
    keeper.store({ access: 'A0', refresh: 'R0' })
    expect(await keeper.refresh()).toBe('A-R0')
    expect(store.getItem('hothour.refresh')).toBe('R0+')
    expect([...store.data.values()]).not.toContain('A-R0')
  })

  it('shares one rotation between concurrent callers', async () => {
    const refresher = vi.fn(async () => ({ access: 'A1', refresh: 'R1' }))
    const keeper = new TokenKeeper(new MemoryStore(), refresher)
    keeper.store({ access: 'A0', refresh: 'R0' })
    const results = await Promise.all([keeper.refresh(), keeper.refresh(), keeper.refresh()])
    expect(results).toEqual(['A1', 'A1', 'A1'])
    expect(refresher).toHaveBeenCalledTimes(1)
  })

  it('ends the session when the refresh token is refused', async () => {
    const store = new MemoryStore()
    const keeper = new TokenKeeper(store, async () => {
      throw new ApiError(401, 'token_not_valid', 'blacklisted')
    })
    keeper.store({ access: 'A0', refresh: 'R0' })
    expect(await keeper.refresh()).toBeNull()
    expect(keeper.hasSession()).toBe(false)
    expect(keeper.sessionLost).toBe(true) // so the app says "your session ended", not nothing
  })

  it('keeps the session through a network failure (it may work in a moment)', async () => {
    const keeper = new TokenKeeper(new MemoryStore(), async () => {
      throw new ApiError(0, 'network_error', 'offline')
    })
    keeper.store({ access: 'A0', refresh: 'R0' })
    await expect(keeper.refresh()).rejects.toThrow()
    expect(keeper.refreshToken()).toBe('R0')
  })

  it('re-opens the personal socket a minute before a 10-minute token expires', () => {
    const exp = 1_900_000_000
    expect(renewalDelayMs(jwt(exp), (exp - 600) * 1000)).toBe(540_000)
  })

  it('re-opens early enough, but not in a loop, for a short-lived token', () => {
    const exp = 1_900_000_000
    // a 1-minute token: 12 s before it expires, not 60 s (which would be at once, again and again)
    expect(renewalDelayMs(jwt(exp, exp - 60), (exp - 60) * 1000)).toBe(48_000)
    expect(renewalDelayMs('not-a-jwt', 0)).toBeNull()
  })

  it('reads the expiry of a JWT', () => {
    expect(tokenExpiry(jwt(1_900_000_000))).toBe(1_900_000_000)
    expect(tokenExpiry('garbage')).toBeNull()
  })
})

describe('HttpClient and a 401', () => {
  function setup(responses: Response[], refreshed: string | null) {
    const fetchMock = vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => responses.shift()!)
    const tokens: TokenSource & { expired: ReturnType<typeof vi.fn> } = {
      accessToken: () => 'old',
      refresh: vi.fn(async () => refreshed),
      expired: vi.fn(),
    }
    const client = new HttpClient({ fetch: fetchMock as unknown as typeof fetch, language: () => 'en', tokens })
    return { client, fetchMock, tokens }
  }

  it('refreshes once and retries with the new token', async () => {
    const { client, fetchMock, tokens } = setup([json(401, { code: 'token_not_valid', detail: 'x' }), json(200, { ok: 1 })], 'new')
    await expect(client.request('auth/me/', { auth: true })).resolves.toEqual({ ok: 1 })
    expect(tokens.refresh).toHaveBeenCalledTimes(1)
    const headers = fetchMock.mock.calls.map(([, init]) => (init?.headers as Record<string, string>).Authorization)
    expect(headers).toEqual(['Bearer old', 'Bearer new'])
    expect(tokens.expired).not.toHaveBeenCalled()
  })

  it('signs out cleanly when the refresh is refused', async () => {
    const { client, tokens } = setup([json(401, { code: 'token_not_valid', detail: 'x' })], null)
    await expect(client.request('auth/me/', { auth: true })).rejects.toMatchObject({ status: 401 })
    expect(tokens.expired).toHaveBeenCalledTimes(1)
  })

  it('signs out when the retry is refused too, and never loops', async () => {
    const { client, fetchMock, tokens } = setup(
      [json(401, { code: 'token_not_valid', detail: 'x' }), json(401, { code: 'session_revoked', detail: 'y' })],
      'new',
    )
    await expect(client.request('auth/me/', { auth: true })).rejects.toMatchObject({ code: 'session_revoked' })
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(tokens.expired).toHaveBeenCalledTimes(1)
  })

  it('turns an error body into code, detail and fields', async () => {
    const { client } = setup(
      [json(400, { code: 'invalid', detail: 'Check the fields', fields: { email: ['Taken'] } })],
      null,
    )
    await expect(client.request('auth/register/', { method: 'POST', body: {} })).rejects.toMatchObject({
      code: 'invalid',
      detail: 'Check the fields',
      fields: { email: ['Taken'] },
    })
  })

  it('reports a server error without a JSON body as server_error', async () => {
    const { client } = setup([new Response('<html>Bad gateway</html>', { status: 502 })], null)
    await expect(client.request('auctions/')).rejects.toMatchObject({ code: 'server_error', status: 502 })
  })
})
