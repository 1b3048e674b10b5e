import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../src/api/http'
import { Grabber, grabProblem } from '../src/composables/grab'
import en from '../src/locales/en'
import tr from '../src/locales/tr'

// Every error code of DESIGN section 3 (and the transport's), each with its own message.
const CODES = [
  'staff_cannot_book',
  'email_not_verified',
  'booking_suspended',
  'not_found',
  'gender_not_allowed',
  'already_booked',
  'rebook_not_allowed',
  'auction_sold',
  'auction_not_active',
  'reservation_limit',
  'price_changed',
  'throttled',
  'network_error',
  'service_unavailable',
]

describe('grab error mapping', () => {
  it.each(CODES)('%s has its own message in Turkish and English', (code) => {
    const problem = grabProblem(new ApiError(409, code, 'server words'))
    expect(problem.messageKey).toBe(`grab.error.${code}`)
    const key = code as keyof typeof en.grab.error
    expect(en.grab.error[key]).toBeTruthy()
    expect(tr.grab.error[key]).toBeTruthy()
    expect(tr.grab.error[key]).not.toBe(en.grab.error[key])
  })

  it('gives every code a message of its own', () => {
    const messages = CODES.map((code) => en.grab.error[code as keyof typeof en.grab.error])
    expect(new Set(messages).size).toBe(CODES.length)
  })

  it('points the next step where it helps', () => {
    expect(grabProblem(new ApiError(409, 'auction_sold', '')).next).toBe('other_auctions')
    expect(grabProblem(new ApiError(403, 'email_not_verified', '')).next).toBe('verify_email')
    expect(grabProblem(new ApiError(409, 'already_booked', '')).next).toBe('my_reservations')
  })

  it('price_changed carries the new price to ask again with', () => {
    const problem = grabProblem(
      new ApiError(409, 'price_changed', 'changed', {}, { code: 'price_changed', current_price: '240.00' }),
    )
    expect(problem).toMatchObject({ next: 'confirm_new_price', currentPrice: '240.00' })
  })

  it('an unknown code shows the server’s own words', () => {
    expect(grabProblem(new ApiError(409, 'brand_new_rule', 'Neue Regel'))).toMatchObject({
      messageKey: 'grab.error.unknown',
      detail: 'Neue Regel',
    })
  })
})

describe('Grabber', () => {
  it('sends the price on screen with a fresh Idempotency-Key per click', async () => {
    const send = vi.fn(async (price: string, key: string) => ({ price, key }))
    let n = 0
    const grabber = new Grabber({ send, newKey: () => `key-${++n}` })
    await grabber.click('250.00')
    await grabber.click('240.00')
    expect(send.mock.calls).toEqual([
      ['250.00', 'key-1'],
      ['240.00', 'key-2'],
    ])
  })

  it('ignores a second click while the first is in flight (a double click books once)', async () => {
    let release: (value: string) => void = () => undefined
    const send = vi.fn(() => new Promise<string>((resolve) => (release = resolve)))
    const grabber = new Grabber({ send, newKey: () => 'k' })
    const first = grabber.click('250.00')
    expect(await grabber.click('250.00')).toBeNull()
    release('booked')
    expect(await first).toEqual({ ok: true, reservation: 'booked' })
    expect(send).toHaveBeenCalledTimes(1)
  })

  it('retries a lost request with the same key, so the server books once', async () => {
    const send = vi
      .fn<(price: string, key: string) => Promise<string>>()
      .mockRejectedValueOnce(new ApiError(0, 'network_error', 'offline'))
      .mockResolvedValueOnce('booked')
    const grabber = new Grabber({ send, newKey: () => 'same', sleep: async () => undefined })
    expect(await grabber.click('250.00')).toEqual({ ok: true, reservation: 'booked' })
    expect(send.mock.calls.map(([, key]) => key)).toEqual(['same', 'same'])
  })

  it('does not retry a refusal', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(409, 'auction_sold', 'sold')
    })
    const grabber = new Grabber({ send, newKey: () => 'k', sleep: async () => undefined })
    const result = await grabber.click('250.00')
    expect(result).toMatchObject({ ok: false, problem: { code: 'auction_sold' } })
    expect(send).toHaveBeenCalledTimes(1)
  })

  it('gives up after a few lost attempts and says so', async () => {
    const send = vi.fn(async () => {
      throw new ApiError(0, 'network_error', 'offline')
    })
    const grabber = new Grabber({ send, newKey: () => 'k', sleep: async () => undefined })
    expect(await grabber.click('250.00')).toMatchObject({ ok: false, problem: { code: 'network_error', next: 'retry' } })
    expect(send).toHaveBeenCalledTimes(3)
  })
})
