import { describe, expect, it } from 'vitest'
import { cancellationTerms } from '../src/composables/cancellation'
import en from '../src/locales/en'
import tr from '../src/locales/tr'

const NOW = Date.parse('2026-12-07T12:00:00+03:00')

describe('cancellation terms on the grab button', () => {
  it('says until when a booking can be cancelled free of charge', () => {
    expect(cancellationTerms('2026-12-07T17:00:00+03:00', NOW)).toEqual({
      key: 'grab.cancelUntil',
      when: '2026-12-07T17:00:00+03:00',
    })
  })

  it('says free cancellation is over once the cutoff has passed', () => {
    expect(cancellationTerms('2026-12-07T11:59:00+03:00', NOW)).toEqual({ key: 'grab.noFreeCancel' })
  })

  it('says nothing when the API does not tell', () => {
    expect(cancellationTerms(undefined, NOW)).toBeNull()
    expect(cancellationTerms('not a time', NOW)).toBeNull()
  })

  it('has both messages in Turkish and English', () => {
    for (const messages of [en, tr]) {
      expect(messages.grab.cancelUntil).toContain('{when}')
      expect(messages.grab.noFreeCancel).toBeTruthy()
    }
  })
})
