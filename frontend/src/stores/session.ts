// The signed-in customer: tokens (via TokenKeeper), their profile, and a clean sign-out.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, http } from '@/api/client'
import type { Me } from '@/api/types'
import { TokenKeeper } from './tokens'

export type SignOutReason = 'expired' | 'user' | 'deleted' | null

export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const signedOutBecause = ref<SignOutReason>(null)
  /** Bumped each time the access token changes: the /ws/me/ socket re-opens with it. */
  const accessVersion = ref(0)
  const restoring = ref(false)

  const keeper = new TokenKeeper(window.localStorage, async (refresh) => {
    const pair = await api.refresh(refresh)
    accessVersion.value += 1
    return pair
  })

  http.tokens = {
    accessToken: () => keeper.accessToken(),
    // A network failure propagates (no sign-out for a blip); a refused refresh is null.
    refresh: () => keeper.refresh(),
    expired: () => end('expired'),
  }

  const signedIn = computed(() => me.value !== null)

  function end(reason: SignOutReason): void {
    const had = keeper.hasSession() || keeper.sessionLost || me.value !== null
    keeper.clear()
    keeper.sessionLost = false
    me.value = null
    accessVersion.value += 1
    if (had) signedOutBecause.value = reason
  }

  async function loadMe(): Promise<void> {
    me.value = await api.me()
  }

  async function login(email: string, password: string): Promise<void> {
    keeper.store(await api.login(email, password))
    accessVersion.value += 1
    signedOutBecause.value = null
    await loadMe()
  }

  /** On start: a stored refresh token brings the session back after a reload. */
  async function restore(): Promise<void> {
    if (!keeper.hasSession()) return
    restoring.value = true
    try {
      await loadMe()
    } catch {
      // a 401 already signed out through `expired`; a network error leaves the token for later
    } finally {
      restoring.value = false
    }
  }

  async function logout(): Promise<void> {
    const refresh = keeper.refreshToken()
    end('user')
    if (refresh) await api.logout(refresh).catch(() => undefined)
  }

  // The server closes this customer's sockets (4401) as soon as a password change revokes the old
  // tokens, often before the change's own answer (the new pair) has arrived here.
  let changingPassword: Promise<unknown> | null = null

  async function changePassword(oldPassword: string, newPassword: string): Promise<void> {
    const change = api.changePassword(oldPassword, newPassword)
    changingPassword = change
    try {
      keeper.store(await change)
      accessVersion.value += 1
    } finally {
      changingPassword = null
    }
  }

  async function freshAccessToken(): Promise<string | null> {
    if (changingPassword) {
      // Refreshing now would spend the revoked refresh token and end the session: wait for the pair.
      await changingPassword.catch(() => undefined)
      if (keeper.accessToken()) return keeper.accessToken()
    }
    return keeper.refresh().catch(() => null)
  }

  async function deleteAccount(): Promise<void> {
    await api.deleteMe()
    end('deleted')
  }

  return {
    me,
    signedIn,
    signedOutBecause,
    accessVersion,
    restoring,
    hasSession: () => keeper.hasSession(),
    accessToken: () => keeper.accessToken(),
    freshAccessToken,
    login,
    restore,
    logout,
    loadMe,
    changePassword,
    deleteAccount,
    expire: () => end('expired'),
  }
})
