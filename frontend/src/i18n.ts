// Turkish by default, English selectable; the choice is remembered and sent to the API too.
import { createI18n } from 'vue-i18n'
import { setApiLanguage } from './api/client'
import en from './locales/en'
import tr from './locales/tr'

export const LANGUAGES = [
  { code: 'tr', label: 'Türkçe' },
  { code: 'en', label: 'English' },
] as const
export type Language = (typeof LANGUAGES)[number]['code']

const KEY = 'hothour.language'

function initial(): Language {
  const saved = window.localStorage.getItem(KEY)
  return saved === 'en' || saved === 'tr' ? saved : 'tr'
}

export const i18n = createI18n({
  legacy: false,
  locale: initial(),
  fallbackLocale: 'tr',
  messages: { tr, en },
})

export function setLanguage(language: Language): void {
  i18n.global.locale.value = language
  window.localStorage.setItem(KEY, language)
  document.documentElement.lang = language
  setApiLanguage(language)
}

setLanguage(initial())
