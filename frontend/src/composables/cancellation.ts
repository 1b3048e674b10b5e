// What the grab button says about cancelling, before the customer commits: free until a time,
// or already over (a last-minute spot past the cutoff is final). Nothing when the API is silent.
export type CancellationTerms =
  | { key: 'grab.cancelUntil'; when: string }
  | { key: 'grab.noFreeCancel' }

export function cancellationTerms(cancellableUntil: string | undefined, nowMs: number): CancellationTerms | null {
  if (!cancellableUntil) return null
  const until = Date.parse(cancellableUntil)
  if (Number.isNaN(until)) return null
  return until > nowMs ? { key: 'grab.cancelUntil', when: cancellableUntil } : { key: 'grab.noFreeCancel' }
}
