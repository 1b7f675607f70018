// 我的收藏 as the matter list and the guide page see it: the signed-in citizen's favourite codes,
// loaded once per sign-in (up to 500), and toggles that keep the set in step with the server.
import { reactive } from 'vue'
import { api, get } from './api.js'
import { session } from './store.js'

export const favorites = reactive({ codes: new Set(), owner: null })
let loading = null

export function loadFavorites () {
  const uid = session.user && session.user.id
  if (!uid) { favorites.codes = new Set(); favorites.owner = null; return Promise.resolve(favorites.codes) }
  if (favorites.owner === uid) return Promise.resolve(favorites.codes)
  if (loading) return loading
  loading = (async () => {
    const codes = new Set()
    for (let page = 1; page <= 5; page++) {
      const r = await get('/api/v1/me/favorites', { page, page_size: 100 })
      for (const it of r.items || []) codes.add(it.matter_code)
      if (page * 100 >= (r.total || 0)) break
    }
    favorites.codes = codes
    favorites.owner = uid
    return codes
  })().catch(() => favorites.codes).finally(() => { loading = null })
  return loading
}

export async function toggleFavorite (code) {
  const on = !favorites.codes.has(code)
  await api(on ? 'PUT' : 'DELETE', '/api/v1/me/favorites/' + encodeURIComponent(code))
  const next = new Set(favorites.codes)
  if (on) next.add(code); else next.delete(code)
  favorites.codes = next
  return on
}
