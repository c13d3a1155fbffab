import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import { CloseCode, MessageType } from '@rota/protocol'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, waitFor, whenSynced } from './testing.ts'
import type { Limits, RotaServer } from './types.ts'

const { track } = cleanupAfterEach()

const DOC = 'team/presence'

/** An awareness message (y-protocols encoding) in which `clientID` says `state` at `clock`. */
const presence = (clientID: number, state: Record<string, unknown> | null, clock = 1): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MessageType.Awareness)
  const update = encoding.createEncoder()
  encoding.writeVarUint(update, 1)
  encoding.writeVarUint(update, clientID)
  encoding.writeVarUint(update, clock)
  encoding.writeVarString(update, JSON.stringify(state))
  encoding.writeVarUint8Array(encoder, encoding.toUint8Array(update))
  return encoding.toUint8Array(encoder)
}

const start = async (limits: Partial<Limits> = {}) => {
  const server = track(await startTestServer({ limits }))
  const watcher = track(connectClient(server, DOC))
  await whenSynced(watcher)
  return { server, watcher }
}

const metric = async (server: RotaServer, reason: string): Promise<number> => {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`rota_awareness_rejected_total{reason="${reason}"}`))
  return line === undefined ? 0 : Number(line.split(' ')[1])
}

describe('awareness limits', () => {
  it('close a flooding connection with 4429 and count it', async () => {
    const { server } = await start({ awarenessPerSecond: 1, awarenessBurst: 3 })
    const raw = await connectRaw(server, DOC)
    for (let i = 1; i <= 10; i++) raw.send(presence(501, { n: i }, i))
    expect(await raw.closed).toEqual({ code: CloseCode.RateLimited, reason: 'more than 1 awareness messages per second' })
    expect(await metric(server, 'flood')).toBe(1)
  })

  it('close with 1008 on a state above the size limit, which nobody sees', async () => {
    const { server, watcher } = await start({ maxAwarenessStateBytes: 100 })
    const raw = await connectRaw(server, DOC)
    raw.send(presence(502, { name: 'x'.repeat(200) }))
    expect((await raw.closed).code).toBe(CloseCode.PolicyViolation)
    expect(watcher.provider.awareness.getStates().has(502)).toBe(false)
    expect(await metric(server, 'invalid')).toBe(1)
  })

  it('let a connection set only the client ids it introduced', async () => {
    const { server, watcher } = await start()
    const owner = await connectRaw(server, DOC)
    owner.send(presence(601, { name: 'Ana' }))
    await waitFor(() => watcher.provider.awareness.getStates().get(601)?.name === 'Ana')

    const impostor = await connectRaw(server, DOC)
    impostor.send(presence(601, { name: 'Ana' })) // an echo (stock clients send them) changes nothing and passes
    impostor.send(presence(601, { name: 'Mallory' }, 2)) // a newer clock: Yjs alone would accept it
    impostor.send(presence(601, null, 3)) // nor may it remove Ana
    impostor.send(presence(602, { name: 'Mallory' })) // its own id is fine
    await waitFor(() => watcher.provider.awareness.getStates().get(602)?.name === 'Mallory')
    expect(watcher.provider.awareness.getStates().get(601)?.name).toBe('Ana')
    expect(await metric(server, 'foreign_client')).toBe(2)

    // The owner may still change and clear its own state; the impostor stays connected.
    owner.send(presence(601, { name: 'Ana B' }, 2))
    await waitFor(() => watcher.provider.awareness.getStates().get(601)?.name === 'Ana B')
    expect(impostor.ws.readyState).toBe(impostor.ws.OPEN)
  })

  it('close a connection that speaks for more clients than allowed', async () => {
    const { server } = await start({ maxAwarenessClients: 2 })
    const raw = await connectRaw(server, DOC)
    for (const id of [701, 702, 703]) raw.send(presence(id, { id }))
    expect(await raw.closed).toEqual({
      code: CloseCode.PolicyViolation,
      reason: 'a connection may speak for at most 2 awareness clients',
    })
  })
})
