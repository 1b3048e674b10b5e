// A form's submission: field errors from the API's `fields` next to their inputs, a message for
// the rest, and the typed values left alone (they live in the page's own refs).
import { ref } from 'vue'
import { ApiError, type FieldErrors } from '@/api/http'

export function useForm() {
  const fields = ref<FieldErrors>({})
  const problem = ref<ApiError | null>(null)
  const busy = ref(false)

  async function submit<T>(action: () => Promise<T>): Promise<T | undefined> {
    if (busy.value) return undefined
    busy.value = true
    fields.value = {}
    problem.value = null
    try {
      return await action()
    } catch (caught) {
      const error = caught instanceof ApiError ? caught : new ApiError(0, 'network_error', String(caught))
      fields.value = error.fields
      problem.value = error
      return undefined
    } finally {
      busy.value = false
    }
  }
  return { fields, problem, busy, submit }
}
