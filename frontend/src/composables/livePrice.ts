// What price an auction shows at a server instant: the server's last word (`current_price`) until
// `next_drop_at`, then `next_price`, and beyond that the published schedule, so a tab that slept
// through several steps wakes up on the right price. A `price_update` replaces the state.

export interface PriceState {
  current_price: string
  next_price: string | null
  next_drop_at: string | null
  floor_price?: string
  end_time?: string
  schedule?: { at: string; price: string }[]
}

function scheduleIndexAt(schedule: { at: string }[], nowMs: number): number {
  let found = -1
  for (let i = 0; i < schedule.length; i += 1) {
    if (Date.parse(schedule[i]!.at) <= nowMs) found = i
    else break
  }
  return found
}

export function priceAt(state: PriceState, nowMs: number): string {
  const dropAt = state.next_drop_at ? Date.parse(state.next_drop_at) : null
  if (dropAt === null || nowMs < dropAt || state.next_price === null) return state.current_price
  let price = state.next_price
  const schedule = state.schedule ?? []
  const index = scheduleIndexAt(schedule, nowMs)
  if (index >= 0 && Number(schedule[index]!.price) < Number(price)) price = schedule[index]!.price
  return price
}

/** When the price shown at `nowMs` next changes, or null (at the floor, or closing first). */
export function nextDropAt(state: PriceState, nowMs: number): number | null {
  const dropAt = state.next_drop_at ? Date.parse(state.next_drop_at) : null
  if (dropAt === null) return null
  if (nowMs < dropAt) return dropAt
  const schedule = state.schedule ?? []
  const next = schedule.find((step) => Date.parse(step.at) > nowMs)
  if (!next) return null
  const end = state.end_time ? Date.parse(state.end_time) : Infinity
  return Date.parse(next.at) < end ? Date.parse(next.at) : null
}

/** The price the step after the shown one will bring. */
export function nextPriceAt(state: PriceState, nowMs: number): string | null {
  const dropAt = state.next_drop_at ? Date.parse(state.next_drop_at) : null
  if (dropAt === null) return null
  if (nowMs < dropAt) return state.next_price
  const schedule = state.schedule ?? []
  return schedule.find((step) => Date.parse(step.at) > nowMs)?.price ?? null
}

/** Merges a `price_update` / `auction_updated` payload into an auction, keyed by id. */
export function applyLiveData<T extends { id: number }>(auction: T, data: Record<string, unknown>): T {
  const { auction_id: _ignored, id: _id, ...fields } = data
  return { ...auction, ...fields }
}
