// The grab, apart from Vue: the price on screen as `expected_price`, one Idempotency-Key per click
// (reused for the automatic retries of that click), clicks while one is in flight ignored, and a
// message of its own for every error code of DESIGN section 3.
import { ApiError } from '@/api/http'

/** What the customer can do next, shown as a button or link beside the message. */
export type GrabNextStep = 'sign_in' | 'verify_email' | 'other_auctions' | 'my_reservations' | 'confirm_new_price' | 'retry' | 'none'

export interface GrabProblem {
  code: string
  /** i18n key of the message: `grab.error.<code>` */
  messageKey: string
  next: GrabNextStep
  /** price_changed: the price at the instant the grab was refused. */
  currentPrice?: string
  /** The server's own (translated) words, for codes this app does not know yet. */
  detail?: string
  retryAfterSeconds?: number
}

const KNOWN: Record<string, GrabNextStep> = {
  staff_cannot_book: 'none',
  email_not_verified: 'verify_email',
  booking_suspended: 'none',
  not_found: 'other_auctions',
  gender_not_allowed: 'other_auctions',
  already_booked: 'my_reservations',
  rebook_not_allowed: 'other_auctions',
  auction_sold: 'other_auctions',
  auction_not_active: 'other_auctions',
  reservation_limit: 'my_reservations',
  price_changed: 'confirm_new_price',
  throttled: 'retry',
  network_error: 'retry',
  service_unavailable: 'retry',
  server_error: 'retry',
  not_authenticated: 'sign_in',
  token_not_valid: 'sign_in',
  session_revoked: 'sign_in',
}

export function grabProblem(error: unknown): GrabProblem {
  if (!(error instanceof ApiError)) return { code: 'unknown', messageKey: 'grab.error.unknown', next: 'retry' }
  const code = error.code
  const next = KNOWN[code]
  if (next === undefined) {
    return { code, messageKey: 'grab.error.unknown', next: 'none', detail: error.detail }
  }
  const problem: GrabProblem = { code, messageKey: `grab.error.${code}`, next }
  if (code === 'price_changed' && typeof error.body.current_price === 'string') {
    problem.currentPrice = error.body.current_price
  }
  if (error.retryAfter !== null) problem.retryAfterSeconds = error.retryAfter
  return problem
}

export type GrabResult<R> = { ok: true; reservation: R } | { ok: false; problem: GrabProblem }

export interface GrabDeps<R> {
  send: (expectedPrice: string, idempotencyKey: string) => Promise<R>
  newKey?: () => string
  sleep?: (ms: number) => Promise<void>
}

const RETRY_DELAYS_MS = [400, 1500]

export class Grabber<R> {
  busy = false
  constructor(private readonly deps: GrabDeps<R>) {}

  /** One click. Returns null when a grab is already in flight (a double click books once). */
  async click(expectedPrice: string): Promise<GrabResult<R> | null> {
    if (this.busy) return null
    this.busy = true
    const key = (this.deps.newKey ?? (() => crypto.randomUUID()))()
    const sleep = this.deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
    try {
      for (let attempt = 0; ; attempt += 1) {
        try {
          return { ok: true, reservation: await this.deps.send(expectedPrice, key) }
        } catch (error) {
          // Lost on the way (or a 503): the same key again, so a grab that did land is not repeated.
          const transient = error instanceof ApiError && (error.code === 'network_error' || error.status === 503)
          if (!transient || attempt >= RETRY_DELAYS_MS.length) return { ok: false, problem: grabProblem(error) }
          await sleep(RETRY_DELAYS_MS[attempt]!)
        }
      }
    } finally {
      this.busy = false
    }
  }
}
