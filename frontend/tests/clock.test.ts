import { describe, expect, it } from 'vitest'
import { nextDropAt, nextPriceAt, priceAt, type PriceState } from '../src/composables/livePrice'
import { ServerClock } from '../src/composables/serverClock'

describe('ServerClock', () => {
  it('takes the offset from a pong, assuming the server stamped it mid-way', () => {
    let local = 1_000_000
    const clock = new ServerClock(() => local)
    // sent at 1,000,000, answered 200 ms later; the server said 1,005,100 (i.e. 5 s ahead)
    clock.observePong(new Date(1_005_100).toISOString(), 1_000_000, 1_000_200)
    expect(clock.offsetMs()).toBe(5_000)
    local = 1_000_500
    expect(clock.now()).toBe(1_005_500)
  })

  it('trusts the fastest round trip over slower ones', () => {
    const clock = new ServerClock(() => 0)
    clock.observePong(new Date(2_000 + 400).toISOString(), 0, 2_000) // slow: 2 s round trip
    clock.observePong(new Date(10_000 + 3_000 + 20).toISOString(), 10_000, 10_040) // fast: 40 ms
    expect(clock.offsetMs()).toBe(3_000)
  })

  it('uses any server message until the first pong, then only pongs', () => {
    const clock = new ServerClock(() => 0)
    clock.observeMessage(new Date(7_000).toISOString(), 1_000)
    expect(clock.offsetMs()).toBe(6_000)
    clock.observePong(new Date(2_050).toISOString(), 2_000, 2_100)
    expect(clock.offsetMs()).toBe(0)
  })
})

const at = (ms: number) => new Date(ms).toISOString()

describe('the price on screen', () => {
  const T = Date.parse('2026-12-06T12:00:00Z')
  const state: PriceState = {
    current_price: '300.00',
    next_price: '250.00',
    next_drop_at: at(T + 60_000),
    end_time: at(T + 10 * 60_000),
    schedule: [
      { at: at(T - 60_000), price: '300.00' },
      { at: at(T + 60_000), price: '250.00' },
      { at: at(T + 120_000), price: '200.00' },
      { at: at(T + 180_000), price: '150.00' },
    ],
  }

  it('keeps the server price until the very instant of next_drop_at, then drops', () => {
    expect(priceAt(state, T + 59_999)).toBe('300.00')
    expect(priceAt(state, T + 60_000)).toBe('250.00')
    expect(nextDropAt(state, T + 59_999)).toBe(T + 60_000)
    expect(nextPriceAt(state, T)).toBe('250.00')
  })

  it('after a sleep through several steps, shows the step of the instant it wakes at', () => {
    expect(priceAt(state, T + 150_000)).toBe('200.00')
    expect(nextDropAt(state, T + 150_000)).toBe(T + 180_000)
    expect(nextPriceAt(state, T + 150_000)).toBe('150.00')
    expect(priceAt(state, T + 500_000)).toBe('150.00')
    expect(nextDropAt(state, T + 500_000)).toBeNull()
  })

  it('is reconciled by a price_update: the server’s word replaces the local guess', () => {
    // the server says the price at T+60s is 240 (a turbo started early) and next drops at T+90s
    const updated: PriceState = { ...state, current_price: '240.00', next_price: '220.00', next_drop_at: at(T + 90_000) }
    expect(priceAt(updated, T + 61_000)).toBe('240.00')
    expect(priceAt(updated, T + 90_000)).toBe('220.00')
  })

  it('without a schedule (the list), drops once at next_drop_at and waits for the server', () => {
    const bare: PriceState = { current_price: '300.00', next_price: '250.00', next_drop_at: at(T) }
    expect(priceAt(bare, T - 1)).toBe('300.00')
    expect(priceAt(bare, T + 300_000)).toBe('250.00')
    expect(nextDropAt(bare, T + 1)).toBeNull()
  })

  it('at the floor there is no next drop', () => {
    const floor: PriceState = { current_price: '100.00', next_price: null, next_drop_at: null }
    expect(priceAt(floor, T)).toBe('100.00')
    expect(nextDropAt(floor, T)).toBeNull()
  })
})
