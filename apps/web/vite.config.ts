import { defineConfig } from 'vite'
import { sourceResolve } from '../../vitest.shared.ts'

// `npm run dev -w @rota/web` serves the app with hot reload and forwards the API and the
// WebSocket to a Rota server on ROTA_URL (default the `npm start` address).
const target = process.env.ROTA_URL ?? 'http://127.0.0.1:1234'

export default defineConfig({
  // The workspace packages from their sources: the web build needs no build of theirs first.
  ...sourceResolve,
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': target,
      // Everything that is a WebSocket upgrade and not Vite's own HMR goes to the server.
      '^/(?!@|src/|node_modules/).+': { target, ws: true, bypass: (req) => (req.headers.upgrade === 'websocket' ? undefined : req.url) },
    },
  },
})
