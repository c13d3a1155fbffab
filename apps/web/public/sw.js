// Keeps the app shell (index.html and its hashed assets) so the editor opens without a
// network: the schedule itself comes from IndexedDB. Network first, so a new build is used
// as soon as the server is reachable; the API is never cached.
const CACHE = 'rota-shell-v1'

const shellUrls = async () => {
  const res = await fetch('/', { cache: 'no-store' })
  const html = await res.clone().text()
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1])
  return { res, assets }
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE)
    const { res, assets } = await shellUrls()
    await cache.put('/', res)
    await cache.addAll(assets)
    await self.skipWaiting()
  })())
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key)
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return
  const key = event.request.mode === 'navigate' ? '/' : event.request
  event.respondWith((async () => {
    const cache = await caches.open(CACHE)
    try {
      const res = await fetch(event.request)
      if (res.ok) await cache.put(key, res.clone())
      return res
    } catch (err) {
      const cached = await cache.match(key)
      if (cached) return cached
      throw err
    }
  })())
})
