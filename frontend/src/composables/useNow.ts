// A reactive "now" on the server's clock, ticking a few times a second, and correct at once when a
// sleeping tab becomes visible again.
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'
import { serverClock } from './serverClock'

export function useNow(everyMs = 250): Ref<number> {
  const now = ref(serverClock.now())
  let timer: ReturnType<typeof setInterval> | undefined
  const update = () => {
    now.value = serverClock.now()
  }
  onMounted(() => {
    timer = setInterval(update, everyMs)
    document.addEventListener('visibilitychange', update)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    document.removeEventListener('visibilitychange', update)
  })
  return now
}
