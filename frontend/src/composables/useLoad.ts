// A page's data: loading, loaded or failed — never a spinner forever, and a way to try again.
import { ref, shallowRef, type Ref } from 'vue'
import { ApiError } from '@/api/http'

export function useLoad<T>(load: () => Promise<T>) {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const error = ref<ApiError | null>(null)
  const loading = ref(false)
  async function reload(): Promise<void> {
    loading.value = true
    error.value = null
    try {
      data.value = await load()
    } catch (caught) {
      error.value = caught instanceof ApiError ? caught : new ApiError(0, 'network_error', String(caught))
    } finally {
      loading.value = false
    }
  }
  return { data, error, loading, reload }
}
