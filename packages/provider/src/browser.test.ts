import { afterEach, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { buildTestPage, chromiumPath, launchChromium, serveStatic } from './testing/browser.ts'
import { docFromLog, removeDir, startLevelServer, startProxy, tempDir, waitFor } from './testing/harness.ts'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

interface PageState {
  status: string
  synced: boolean
  saved: boolean
  unsyncedChanges: number
  clientTime: string | null
}

type Rota = {
  assign(id: string, who: string | null): void
  remove(id: string): void
  assignees(): Record<string, unknown>
  state(): PageState
  loaded(): Promise<boolean>
  flush(): Promise<boolean>
}

/** Runs `fn` in the page on its `window.rota` (the function is sent as source, so it must not close over anything). */
const rota = <T>(page: Page, fn: (r: Rota) => T): Promise<Awaited<T>> =>
  page.evaluate(`(${fn.toString()})(window.rota)`) as Promise<Awaited<T>>

const state = (page: Page): Promise<PageState> => rota(page, (r) => r.state())
const assignees = (page: Page): Promise<Record<string, unknown>> => rota(page, (r) => r.assignees())
const sorted = (value: Record<string, unknown>): string => JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))

// CI installs Debian's chromium (.ci/run) and must run this; elsewhere a machine without it skips it.
describe.skipIf(!existsSync(chromiumPath) && process.env['CI'] === undefined)('RotaProvider in a real browser (Chromium, IndexedDB)', () => {
  it('a page edits offline, reloads offline (edits come back from IndexedDB), goes online; both pages converge and the server has every edit', async () => {
    const serverDir = await tempDir('browser-server')
    const bundleDir = await tempDir('browser-bundle')
    cleanup.push(() => removeDir(serverDir), () => removeDir(bundleDir))
    await buildTestPage(bundleDir)
    const rotaServer = await startLevelServer(serverDir)
    cleanup.push(() => rotaServer.stop())
    const files = await serveStatic(bundleDir)
    cleanup.push(() => files.close())
    // Each page reaches the server through its own proxy: cutting B's is B's network going away.
    const [linkA, linkB] = await Promise.all([startProxy(rotaServer.port), startProxy(rotaServer.port)])
    cleanup.push(() => linkA.close(), () => linkB.close())

    const browser = await launchChromium()
    cleanup.push(() => browser.close())
    // Two contexts: separate IndexedDB and no shared BroadcastChannel, so only the server links them.
    const [contextA, contextB] = await Promise.all([browser.newContext(), browser.newContext()])
    const [pageA, pageB] = await Promise.all([contextA.newPage(), contextB.newPage()])
    const docName = 'acme/2026-w49'
    const open = (page: Page, ws: string) => page.goto(`${files.url}/?ws=${encodeURIComponent(ws)}&doc=${encodeURIComponent(docName)}`)
    await Promise.all([open(pageA, linkA.url), open(pageB, linkB.url)])

    const isSettled = async (page: Page): Promise<boolean> => {
      const s = await state(page)
      return s.status === 'connected' && s.synced && s.saved
    }
    // A second tab of B's browser: it shares B's BroadcastChannel and IndexedDB.
    const tabB2 = await contextB.newPage()
    await open(tabB2, linkB.url)
    await waitFor(async () => (await isSettled(pageA)) && (await isSettled(pageB)) && (await isSettled(tabB2)), 'pages connected')
    await rota(pageA, (r) => r.assign('s1', 'ana'))
    await waitFor(async () => (await assignees(pageB))['s1'] === 'ana', 'B sees A’s edit')

    // B goes offline: its link is cut and the browser reports offline (the provider drops its socket).
    linkB.cut()
    await contextB.setOffline(true)
    await waitFor(async () => (await state(pageB)).status !== 'connected', 'B notices it is offline')
    await rota(pageB, (r) => r.assign('s2', 'ben'))
    await rota(pageB, (r) => r.assign('s1', 'bea'))
    // cross-tab: the other tab gets B's edits with no server in reach
    await waitFor(async () => (await assignees(tabB2))['s2'] === 'ben', 'the other tab sees B’s offline edit')
    // close it, so that what B shows after its reload can only come from IndexedDB
    await tabB2.close()
    await rota(pageA, (r) => r.assign('s3', 'cleo'))
    const offlineState = await state(pageB)
    expect(offlineState.saved).toBe(false)
    expect(offlineState.clientTime).not.toBeNull()
    await rota(pageB, (r) => r.flush())

    // Reload while still cut off from the server. The page's own files stay reachable (in production
    // a cache serves them); "offline" here is the link to the Rota server.
    await contextB.setOffline(false)
    await pageB.reload()
    await rota(pageB, (r) => r.loaded())
    expect(sorted(await assignees(pageB))).toBe(sorted({ s1: 'bea', s2: 'ben' }))
    const reloaded = await state(pageB)
    expect(reloaded.status).not.toBe('connected')
    expect(reloaded).toMatchObject({ saved: false, clientTime: offlineState.clientTime })
    await rota(pageB, (r) => r.assign('s4', 'dan'))
    await rota(pageB, (r) => r.remove('s2'))

    linkB.restore()
    const expected = { s1: 'bea', s3: 'cleo', s4: 'dan' }
    await waitFor(
      async () =>
        (await isSettled(pageA)) &&
        (await isSettled(pageB)) &&
        sorted(await assignees(pageA)) === sorted(expected) &&
        sorted(await assignees(pageB)) === sorted(expected),
      'both pages converge and are saved',
      20_000,
    )
    const logged = await docFromLog(rotaServer.log, docName)
    const fromLog = Object.fromEntries(
      [...logged.getMap<import('yjs').Map<unknown>>('shifts').entries()].map(([id, shift]) => [id, shift.get('assignee')]),
    )
    expect(sorted(fromLog)).toBe(sorted(expected))

    // Compaction: y-indexeddb alone adds one entry per load and keeps every edit's entry (up to 500).
    const storedEntries = (page: Page): Promise<number> =>
      page.evaluate(
        (name) =>
          new Promise<number>((resolve, reject) => {
            const request = indexedDB.open(name)
            request.onerror = () => reject(request.error)
            request.onsuccess = () => {
              const count = request.result.transaction('updates', 'readonly').objectStore('updates').count()
              count.onsuccess = () => resolve(count.result)
            }
          }),
        `rota:${docName}`,
      )
    const counts: number[] = []
    for (let i = 0; i < 3; i++) {
      await pageB.reload()
      await waitFor(() => isSettled(pageB), 'B reloaded and saved')
      counts.push(await storedEntries(pageB))
    }
    expect(Math.max(...counts)).toBeLessThanOrEqual(3)
  }, 90_000) // about 15 s on an idle 2-core machine; the bound leaves room for a loaded one
})
