/**
 * The e2e tests' world: a real Rota server on 127.0.0.1 port 0 serving the built app, and
 * Debian's chromium driven by playwright-core. Each test gets fresh browser contexts
 * (separate IndexedDB, localStorage, cookies), so two contexts are two people.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createMemoryLog } from '@rota/log'
import { startServer, type AuthHooks, type Identity, type Role, type RotaServer, type ServerOptions } from '@rota/server'

const webRoot = join(import.meta.dirname, '..', 'dist')
/**
 * Where screenshots go: docs/screenshots with ROTA_SCREENSHOTS=1 (`npm run screenshots`), else a temporary folder —
 * the tests still take them (the page must render), but `npm test` leaves the working tree as it was.
 */
const screenshotDir = process.env.ROTA_SCREENSHOTS === '1'
  ? join(import.meta.dirname, '..', '..', '..', 'docs', 'screenshots')
  : join(tmpdir(), 'rota-screenshots')

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]

/**
 * Test identities: the token is `sub:role:tenant` (unsigned; tests only), so a browser context
 * can be a named editor of a team, as the conflicts API attributes edits by token.
 */
export const tokenOf = (sub: string, role: Role, tenant: string, staffId?: string): string =>
  `${sub}:${role}:${tenant}${staffId === undefined ? '' : `:${staffId}`}`

export const testAuthHooks: AuthHooks = {
  authenticate: async (token) => {
    // An optional fourth part is the staff record the token names (`staffId`: my shifts, the inbox).
    const [sub, role, tenant, staffId] = (token ?? '').split(':')
    if (!sub || !role || !tenant) throw Object.assign(new Error('missing token'), { code: 'ROTA_AUTH_MISSING' })
    return { sub, role: role as Role, tenant, ...(staffId ? { staffId } : {}) } satisfies Identity
  },
  canRead: (identity, doc) => identity.tenant === null || doc.startsWith(`${identity.tenant}/`),
  listPrefix: (identity) => (identity.tenant === null ? undefined : `${identity.tenant}/`),
  authorizeChanges: (_identity, _facts, changes) => changes.map(() => ({ ok: true })),
  authorizeOps: () => ({ ok: true }),
  // Managers and admins; leads too for deciding conflicts (@rota/auth's adminActionRoles).
  canAdmin: (identity, action) => identity.role === 'admin' || identity.role === 'manager' || (action === 'conflicts' && identity.role === 'lead'),
}

export interface World {
  server: RotaServer
  browser: Browser
  person(name: string): Promise<{ context: BrowserContext; page: Page }>
  close(): Promise<void>
}

export const startWorld = async (options: Partial<ServerOptions> = {}): Promise<World> => {
  const server = await startServer({ log: createMemoryLog(), port: 0, logger: false, webRoot, ...options })
  // playwright gives each launch a fresh, temporary user-data dir of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  })
  const contexts: BrowserContext[] = []
  return {
    server,
    browser,
    person: async (name) => {
      const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'en-GB', timezoneId: 'UTC' })
      context.setDefaultTimeout(15_000)
      contexts.push(context)
      await context.addInitScript((n) => {
        if (localStorage.getItem('rota.name') === null) localStorage.setItem('rota.name', n)
      }, name)
      const page = await context.newPage()
      page.on('pageerror', (err) => console.error(`[${name}] page error:`, err))
      return { context, page }
    },
    close: async () => {
      for (const context of contexts) await context.close().catch(() => {})
      await browser.close()
      await server.close()
    },
  }
}

export const docUrl = (server: RotaServer, doc: string, extra = ''): string =>
  `${server.url}/#doc=${encodeURIComponent(doc)}&week=2026-11-23${extra}`

/** Waits until the header says everything is stored on the server. */
export const waitSaved = (page: Page): Promise<unknown> =>
  page.locator('#status[data-state="connected"][data-saved="true"]').waitFor({ timeout: 15_000 })

export const screenshot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) })
}

const started = Date.now()
/** With ROTA_E2E_DEBUG=1, prints where a test is and how long it took to get there. */
export const step = (label: string): void => {
  if (process.env.ROTA_E2E_DEBUG) console.warn(`[e2e +${((Date.now() - started) / 1000).toFixed(1)}s] ${label}`)
}
