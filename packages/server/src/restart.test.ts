import { describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLevelLog } from '@rota/log-leveldb'
import { cleanupAfterEach, connectClient, startTestServer, waitFor, whenSynced } from './testing.ts'

const { cleanup, track } = cleanupAfterEach()

describe('restart on the same LevelDB data dir', () => {
  it('keeps every edit, across documents, for a fresh client', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-server-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))

    const log = await openLevelLog({ dir })
    const server = await startTestServer({ log })
    const a = connectClient(server, 'acme/w1')
    const b = connectClient(server, 'acme/w2')
    await Promise.all([a, b].map(whenSynced))
    for (let i = 0; i < 50; i++) a.doc.getArray('list').push([i])
    b.doc.getMap('m').set('k', 'v')
    await fetch(`${server.url}/api/docs/${encodeURIComponent('acme/w1')}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ops: [{ op: 'set', path: 'settings.name', value: 'Ward 3' }] }),
    })
    await waitFor(async () => (await log.head('acme/w1'))?.headSeq === 51 && (await log.head('acme/w2'))?.headSeq === 1)
    a.destroy()
    b.destroy()
    await server.close()
    await log.close()

    const reopened = await openLevelLog({ dir })
    cleanup.push(() => reopened.close())
    const again = track(await startTestServer({ log: reopened }))
    const fresh = track(connectClient(again, 'acme/w1'))
    const other = track(connectClient(again, 'acme/w2'))
    await Promise.all([fresh, other].map(whenSynced))
    expect(fresh.doc.getArray('list').toArray()).toEqual([...Array(50).keys()])
    expect(fresh.doc.getMap('settings').get('name')).toBe('Ward 3')
    expect(other.doc.getMap('m').get('k')).toBe('v')
    expect(other.doc.getArray('list').length).toBe(0)
  })
})
