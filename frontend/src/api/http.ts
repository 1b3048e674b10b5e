// One fetch wrapper for the whole API: language, bearer token, one refresh-and-retry on a 401,
// and every failure turned into an ApiError with the API's stable `code`.

export type FieldErrors = Record<string, string[]>

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly fields: FieldErrors = {},
    readonly body: Record<string, unknown> = {},
    /** Seconds from a `Retry-After` header (429, 503). */
    readonly retryAfter: number | null = null,
  ) {
    super(detail)
  }
  get detail(): string {
    return this.message
  }
}

/** What the client needs from the session; the session store implements it. */
export interface TokenSource {
  accessToken(): string | null
  /** Get a fresh access token (rotating the refresh token); null when the session is over. */
  refresh(): Promise<string | null>
  /** The session could not be renewed: sign out and tell the user. */
  expired(): void
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  body?: unknown
  query?: Record<string, string | number | undefined | null>
  auth?: boolean
  headers?: Record<string, string>
  signal?: AbortSignal
}

export interface HttpClientConfig {
  fetch?: typeof fetch
  language: () => string
  tokens?: TokenSource
  base?: string
}

export class HttpClient {
  private readonly fetcher: typeof fetch
  tokens: TokenSource | undefined

  constructor(private readonly config: HttpClientConfig) {
    this.fetcher = config.fetch ?? ((...args) => fetch(...args))
    this.tokens = config.tokens
  }

  url(path: string, query?: RequestOptions['query']): string {
    const search = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
    }
    const qs = search.toString()
    return `${this.config.base ?? ''}/api/v1/${path.replace(/^\//, '')}${qs ? `?${qs}` : ''}`
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const tokens = options.auth ? this.tokens : undefined
    let access = tokens?.accessToken() ?? null
    if (tokens && !access) access = await tokens.refresh()
    if (options.auth && !access) {
      tokens?.expired()
      throw new ApiError(401, 'not_authenticated', '')
    }
    let response = await this.send(path, options, access)
    if (response.status === 401 && tokens) {
      // Once: a token that expired a moment ago is renewed; a revoked session ends here.
      const fresh = await tokens.refresh()
      if (!fresh) {
        tokens.expired()
        throw await this.error(response)
      }
      response = await this.send(path, options, fresh)
      if (response.status === 401) {
        tokens.expired()
        throw await this.error(response)
      }
    }
    if (!response.ok) throw await this.error(response)
    if (response.status === 204) return undefined as T
    const type = response.headers.get('Content-Type') ?? ''
    return (type.includes('json') ? await response.json() : await response.text()) as T
  }

  private async send(path: string, options: RequestOptions, access: string | null): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Accept-Language': this.config.language(),
      ...options.headers,
    }
    if (access) headers.Authorization = `Bearer ${access}`
    if (options.body !== undefined) headers['Content-Type'] = 'application/json'
    try {
      return await this.fetcher(this.url(path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      })
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
      throw new ApiError(0, 'network_error', String(cause))
    }
  }

  private async error(response: Response): Promise<ApiError> {
    let body: Record<string, unknown> = {}
    try {
      body = (await response.json()) as Record<string, unknown>
    } catch {
      // A proxy's HTML error page: the status alone says what happened.
    }
    const code = typeof body.code === 'string' ? body.code : response.status >= 500 ? 'server_error' : 'http_error'
    const detail = typeof body.detail === 'string' ? body.detail : response.statusText
    const fields = (body.fields ?? {}) as FieldErrors
    const retryAfter = Number(response.headers.get('Retry-After') ?? NaN)
    return new ApiError(response.status, code, detail, fields, body, Number.isFinite(retryAfter) ? retryAfter : null)
  }
}
