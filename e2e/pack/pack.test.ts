/**
 * The public packages as a stranger uses them (issue 17): packed, installed from the tarballs into a
 * project outside the workspace, then (a) each README's example and the provider against a running
 * `rota serve` from plain Node, (b) the provider bundled by Vite and loaded in Chromium, (c) a
 * TypeScript consumer type-checked against the published declarations.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from 'vite'
import type { Browser } from 'playwright-core'
import { launchChromium, serveStatic } from '../../packages/provider/src/testing/browser.ts'
import { packAndInstall, publicPackages, readmeExample, run, startRotaServe, workspace, type Serving } from './scratch.ts'

const fixtures = join(import.meta.dirname, 'fixtures')
const dir = mkdtempSync(join(tmpdir(), 'rota-stranger-'))
let app: string
let serving: Serving
let wsUrl: string

beforeAll(async () => {
  app = packAndInstall(dir)
  serving = await startRotaServe(join(dir, 'data'))
  wsUrl = serving.url.replace(/^http/, 'ws')
})

afterAll(async () => {
  await serving?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('from plain Node', () => {
  it('installs only the build: no package of the tarballs resolves to a TypeScript source', () => {
    const script = publicPackages.map((p) => `import.meta.resolve('@rota/${p}')`).join(', ')
    const resolved = JSON.parse(run(process.execPath, ['--input-type=module', '-e', `console.log(JSON.stringify([${script}]))`], app)) as string[]
    for (const url of resolved) expect(url).toMatch(new RegExp(`^file://${app}/node_modules/@rota/.+/dist/index\\.js$`))
  })

  for (const pkg of publicPackages) {
    it(`runs the README example of @rota/${pkg}`, () => {
      const { code, prints } = readmeExample(pkg)
      const file = join(app, `readme-${pkg}.mjs`)
      writeFileSync(file, code)
      // The process must end on its own: a provider or server left running would hold it open.
      const stdout = run(process.execPath, [file], app, { ...process.env, NODE_OPTIONS: '', ROTA_URL: wsUrl })
      if (prints !== undefined) expect(stdout.trimEnd()).toBe(prints)
      if (pkg === 'provider') expect(stdout.trimEnd().split('\n').at(-1)).toBe('connected saved')
    })
  }

  it('the provider example’s edit is on the server', async () => {
    const response = await fetch(`${serving.url}/api/docs/${encodeURIComponent('acme/2026-w48')}`)
    expect(response.status).toBe(200)
    const { schedule } = (await response.json()) as { schedule: { shifts: Record<string, { role: string }> } }
    expect(schedule.shifts['mon-early']?.role).toBe('nurse')
  })
})

describe('in a browser', () => {
  let browser: Browser | undefined
  afterAll(async () => browser?.close())

  it('bundles with Vite and syncs from Chromium until saved', async () => {
    const root = join(app, 'browser')
    cpSync(join(fixtures, 'browser'), root, { recursive: true })
    await build({ root, configFile: false, logLevel: 'error', build: { outDir: join(root, 'dist'), emptyOutDir: true, target: 'es2022' } })
    const site = await serveStatic(join(root, 'dist'))
    try {
      browser = await launchChromium()
      const page = await browser.newPage()
      await page.goto(`${site.url}/?ws=${encodeURIComponent(wsUrl)}&doc=${encodeURIComponent('acme/browser')}`)
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'connected saved', undefined, { timeout: 60_000 })
    } finally {
      await site.close()
    }
    const response = await fetch(`${serving.url}/api/docs/${encodeURIComponent('acme/browser')}`)
    const { schedule } = (await response.json()) as { schedule: { shifts: Record<string, { start: string }> } }
    expect(schedule.shifts['browser-shift']?.start).toBe('07:00')
  })
})

describe('from TypeScript', () => {
  it('type-checks a strict nodenext consumer against the declarations', () => {
    cpSync(join(fixtures, 'consumer.ts'), join(app, 'consumer.ts'))
    cpSync(join(fixtures, 'tsconfig.json'), join(app, 'tsconfig.json'))
    // Throws with the compiler's messages when it fails; the fixture's @ts-expect-error lines fail it if the types were `any`.
    run(process.execPath, [join(workspace, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app)
  })
})
