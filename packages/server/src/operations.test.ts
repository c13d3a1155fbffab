import { describe, expect, it } from 'vitest'
import { createMemoryLog } from '@rota/log'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloseCode } from '@rota/protocol'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, waitFor, whenSynced } from './testing.ts'

const { cleanup, track } = cleanupAfterEach()

describe('operations', () => {
  it('exposes the metrics the dashboard uses', async () => {
    const server = track(await startTestServer())
    const client = track(connectClient(server, 'm'))
    await whenSynced(client)
    client.doc.getText('t').insert(0, 'x')
    const raw = await connectRaw(server, 'm')
    raw.send([99])
    await raw.closed
    await waitFor(async () => (await fetch(`${server.url}/metrics`)).ok)
    const text = await (await fetch(`${server.url}/metrics`)).text()
    for (const name of [
      'rota_connections 1',
      'rota_documents_open 1',
      'rota_messages_total{direction="in",type="syncStep1"}',
      'rota_messages_total{direction="out",type="Sync"}',
      'rota_ws_bytes_total{direction="out",layer="wire"}',
      'rota_update_apply_seconds_bucket',
      'rota_log_append_seconds_bucket',
      'rota_document_load_seconds_bucket',
      'rota_documents_loaded_total 1',
      'rota_messages_rejected_total{reason="ROTA_ERR_BAD_MESSAGE"} 1',
      'process_resident_memory_bytes',
    ]) {
      expect(text, name).toContain(name)
    }
  })

  it('answers health and readiness', async () => {
    const server = track(await startTestServer())
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' })
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' })
  })

  it('is not ready while its log does not answer, and alive all the same', async () => {
    const log = createMemoryLog()
    const server = track(await startTestServer({ log }))
    // The log closed under the server (as a database gone away): reads reject with ROTA_LOG_CLOSED.
    await log.close()
    const ready = await fetch(`${server.url}/readyz`)
    expect([ready.status, await ready.json()]).toEqual([503, { status: 'not ready' }])
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('closes connections with 1001 on shutdown and waits for pending appends', async () => {
    const server = await startTestServer()
    const raw = await connectRaw(server, 'bye')
    await waitFor(() => server.rooms.openDocs().includes('bye'))
    await server.close()
    expect((await raw.closed).code).toBe(CloseCode.GoingAway)
  })

  it('unloads a document after its last connection leaves and the idle delay', async () => {
    const server = track(await startTestServer({ roomIdleMs: 20 }))
    const client = connectClient(server, 'idle')
    await whenSynced(client)
    expect(server.rooms.openDocs()).toEqual(['idle'])
    client.destroy()
    await waitFor(() => server.rooms.openDocs().length === 0)
  })

  it('serves a built web app at / when webRoot exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-web-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    await mkdir(join(dir, 'assets'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Rota</title>')
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)')
    const server = track(await startTestServer({ webRoot: dir }))
    expect(await (await fetch(`${server.url}/`)).text()).toContain('<title>Rota</title>')
    expect(await (await fetch(`${server.url}/assets/app.js`)).text()).toBe('console.log(1)')
    expect(await (await fetch(`${server.url}/acme/w48`)).text()).toContain('<title>Rota</title>')
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404)
    // The API's paths are never the app: a route it lacks is its JSON 404 (a client expecting JSON must not get HTML).
    const api = await fetch(`${server.url}/api/docs/acme%2Fw48/conflicts`)
    expect([api.status, ((await api.json()) as { error: { code: string } }).error.code]).toEqual([404, 'ROTA_ERR_NOT_FOUND'])
    // And without a web app, a plain GET of any other path is that same JSON 404.
    const bare = track(await startTestServer())
    const none = await fetch(`${bare.url}/api/docs/acme%2Fw48/conflicts`)
    expect([none.status, ((await none.json()) as { error: { code: string } }).error.code]).toEqual([404, 'ROTA_ERR_NOT_FOUND'])
    // WebSockets on the same paths still reach the sync endpoint.
    const client = track(connectClient(server, 'acme/w48'))
    await whenSynced(client)
  })
})
