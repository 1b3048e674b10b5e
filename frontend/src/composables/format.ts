// Money and times in the reader's language, with Intl only.
import { useI18n } from 'vue-i18n'

export const CURRENCY = import.meta.env.VITE_CURRENCY ?? 'TRY'

export function formatMoney(value: string | number | null | undefined, locale: string): string {
  if (value === null || value === undefined || value === '') return ''
  return new Intl.NumberFormat(locale, { style: 'currency', currency: CURRENCY, currencyDisplay: 'narrowSymbol' }).format(Number(value))
}

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))
}

export function formatClock(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(ms)
}

export function formatTime(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms)
}

/** "in 4:05" / "1:02:03": a countdown from milliseconds. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const two = (n: number) => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`
}

export function useFormat() {
  const { locale } = useI18n()
  return {
    money: (value: string | number | null | undefined) => formatMoney(value, locale.value),
    dateTime: (iso: string | null | undefined) => formatDateTime(iso, locale.value),
    time: (ms: number) => formatTime(ms, locale.value),
    clock: (ms: number) => formatClock(ms, locale.value),
    countdown: formatCountdown,
  }
}
