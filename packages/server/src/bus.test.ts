import { describe, expect, it } from 'vitest'
import { createMemoryLog } from '@rota/log'
import { cleanupAfterEach, connectClient, startTestServer, waitFor, whenSynced } from './testing.ts'
import type { Extension, Rooms } from './types.ts'

const { track } = cleanupAfterEach()

/**
 * The shape of a bus between instances (Redis in production) as an extension: it forwards every update an
 * instance stored to the others' `applyRemote`. Here the "bus" is an in-process list of rooms.
 */
const inProcessBus = () => {
  const peers: Rooms[] = []
  const extension: Extension = async (_app, { rooms }) => {
    peers.push(rooms)
    rooms.onUpdate(({ doc, update }) => {
      for (const peer of peers) if (peer !== rooms) peer.applyRemote(doc, update)
    })
  }
  return extension
}

describe('several instances on one shared log', () => {
  it('a bus extension carries updates between them without storing them twice', async () => {
    const log = createMemoryLog() // stands in for the shared PostgreSQL log
    const bus = inProcessBus()
    const a = track(await startTestServer({ log, extensions: [bus] }))
    const b = track(await startTestServer({ log, extensions: [bus] }))
    const onA = track(connectClient(a, 'shared'))
    const onB = track(connectClient(b, 'shared'))
    await Promise.all([onA, onB].map(whenSynced))
    onA.doc.getText('t').insert(0, 'from A ')
    await waitFor(() => onB.doc.getText('t').toString() === 'from A ')
    onB.doc.getText('t').insert(7, 'and B')
    await waitFor(() => onA.doc.getText('t').toString() === 'from A and B')
    expect((await log.head('shared'))?.headSeq).toBe(2)
  })
})
