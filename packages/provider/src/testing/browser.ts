/** Helpers for the real-browser test: the page bundle (vite), a static file server, Chromium. */
import { createServer, type Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, defaultClientConditions } from 'vite'
import { chromium, type Browser } from 'playwright-core'

const pageRoot = fileURLToPath(new URL('./browser/', import.meta.url))

/** Bundles testing/browser/index.html + page.ts into `outDir`. */
export const buildTestPage = async (outDir: string): Promise<void> => {
  await build({
    root: pageRoot,
    configFile: false,
    logLevel: 'error',
    // `@rota/protocol` from its sources, as the rest of the workspace (see vitest.shared.ts).
    resolve: { conditions: ['@rota/source', ...defaultClientConditions] },
    build: { outDir, emptyOutDir: true, minify: false, target: 'es2022' },
  })
}

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' }

/** Serves `dir` on 127.0.0.1 (any port); `/` is index.html. */
export const serveStatic = async (dir: string): Promise<{ url: string; close(): Promise<void> }> => {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/'))
    const file = join(dir, path === '/' ? 'index.html' : path)
    if (!file.startsWith(dir)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('static server has no port')
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export const chromiumPath = '/usr/bin/chromium'

/** Debian's Chromium, headless, with the flags the project uses everywhere (see the brief). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
