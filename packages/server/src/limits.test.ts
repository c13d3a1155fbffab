import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import * as Y from 'yjs'
import { createMemoryLog, type UpdateLog } from '@rota/log'
import { CloseCode } from '@rota/protocol'
import { updateMessage } from './messages.ts'
import { inspectUpdate } from './update.ts'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, waitFor, whenSynced } from './testing.ts'
import type { RotaServer } from './types.ts'

const { cleanup, track } = cleanupAfterEach()

const DOC = 'team/w1'

/** A server with one stored edit and a connected stock editor, to check that bad input touches neither. */
const setup = async (limits = {}) => {
  const log = createMemoryLog()
  const server = track(await startTestServer({ log, limits }))
  const editor = track(connectClient(server, DOC))
  await whenSynced(editor)
  editor.doc.getText('t').insert(0, 'kept')
  await waitFor(async () => (await log.head(DOC))?.headSeq === 1)
  return { log, server, editor, state: await log.stateAt(DOC) }
}

const untouched = async ({ log, server, editor, state }: Awaited<ReturnType<typeof setup>>) => {
  expect(await log.stateAt(DOC)).toEqual(state)
  expect((await log.head(DOC))?.headSeq).toBe(1)
  // The other connection still works both ways.
  const other = track(connectClient(server, DOC))
  await whenSynced(other)
  expect(other.doc.getText('t').toString()).toBe('kept')
  other.doc.getText('t').insert(4, '!')
  await waitFor(() => editor.doc.getText('t').toString() === 'kept!')
  other.destroy()
}

const sendAndClose = async (server: RotaServer, bytes: Uint8Array | string, path = DOC) => {
  const raw = await connectRaw(server, path)
  raw.ws.send(bytes)
  return raw.closed
}

describe('bad input closes only the sender, with a code and a reason, and stores nothing', () => {
  it('unknown message types', async () => {
    const ctx = await setup()
    expect(await sendAndClose(ctx.server, new Uint8Array([77, 1, 2]))).toEqual({
      code: CloseCode.ProtocolError,
      reason: 'unknown message type 77',
    })
    expect(await sendAndClose(ctx.server, new Uint8Array([0, 9, 0]))).toMatchObject({ code: CloseCode.ProtocolError })
    await untouched(ctx)
  })

  it('truncated messages and text frames', async () => {
    const ctx = await setup()
    const update = Y.encodeStateAsUpdate(ctx.editor.doc)
    const message = updateMessage(update)
    const truncated = await sendAndClose(ctx.server, message.subarray(0, message.length - 3))
    expect(truncated).toEqual({ code: CloseCode.ProtocolError, reason: 'message does not decode' })
    expect((await sendAndClose(ctx.server, 'hello')).code).toBe(CloseCode.ProtocolError)
    const trailing = await sendAndClose(ctx.server, new Uint8Array([...message, 0]))
    expect(trailing).toEqual({ code: CloseCode.ProtocolError, reason: 'message has trailing bytes' })
    await untouched(ctx)
  })

  it('a valid-looking update that fails to decode', async () => {
    const ctx = await setup()
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'x'.repeat(40))
    const update = Y.encodeStateAsUpdate(doc)
    // Correct framing around an update cut short inside its struct.
    const closed = await sendAndClose(ctx.server, updateMessage(update.subarray(0, 20)))
    expect(closed).toEqual({ code: CloseCode.PolicyViolation, reason: 'update does not decode' })
    await untouched(ctx)
  })

  it('oversized frames', async () => {
    const ctx = await setup({ maxMessageSize: 1024 })
    const big = updateMessage(new Uint8Array(1500))
    const closed = await sendAndClose(ctx.server, big)
    expect(closed.code).toBe(CloseCode.MessageTooBig)
    expect(closed.reason).toMatch(/above the 1024-byte limit/)
    // Far above the limit ws itself stops reading the frame.
    expect((await sendAndClose(ctx.server, new Uint8Array(64 * 1024))).code).toBe(CloseCode.MessageTooBig)
    await untouched(ctx)
  })

  it('messages faster than the rate limit', async () => {
    const ctx = await setup({ messagesPerSecond: 1, messageBurst: 5 })
    const raw = await connectRaw(ctx.server, DOC)
    for (let i = 0; i < 20; i++) raw.send([3])
    expect((await raw.closed).code).toBe(CloseCode.RateLimited)
    await untouched(ctx)
  })

  it('too many connections from one address', async () => {
    const ctx = await setup({ maxConnectionsPerAddress: 2 })
    const second = await connectRaw(ctx.server, DOC)
    cleanup.push(() => second.ws.close())
    // The editor holds one connection, `second` the other.
    const third = await connectRaw(ctx.server, DOC)
    expect(await third.closed).toEqual({ code: CloseCode.TooManyConnections, reason: 'too many connections from this address' })
    second.ws.close()
    await second.closed
    await untouched(ctx)
  })

  it('authentication that does not finish in time', async () => {
    const server = track(
      await startTestServer({ hooks: { authenticate: () => new Promise(() => undefined) }, limits: { authTimeoutMs: 50 } }),
    )
    const raw = await connectRaw(server, DOC)
    expect(await raw.closed).toEqual({ code: CloseCode.AuthTimeout, reason: 'authentication timed out' })
  })

  it('bad document names', async () => {
    const ctx = await setup()
    const raw = await connectRaw(ctx.server, 'a//b')
    expect((await raw.closed).code).toBe(CloseCode.BadDocumentName)
    await untouched(ctx)
  })

  it('random bytes (fast-check)', async () => {
    const ctx = await setup()
    const { server, log } = ctx
    let storedHead = 1
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const raw = await connectRaw(server, DOC)
        raw.ws.send(bytes)
        // Follow with a query: a connection still open after random bytes answers it.
        raw.send([3])
        const outcome = await Promise.race([raw.closed, raw.next((m) => m[0] === 1).then(() => 'open' as const)])
        raw.ws.close()
        if (outcome !== 'open') {
          expect([CloseCode.ProtocolError, CloseCode.PolicyViolation]).toContain(outcome.code)
          expect(outcome.reason.length).toBeGreaterThan(0)
        }
        // Only bytes that happen to be a well-formed, non-empty update may add an entry.
        const head = (await log.head(DOC))?.headSeq ?? 0
        if (head !== storedHead) {
          expect(isWellFormedUpdateMessage(bytes)).toBe(true)
          storedHead = head
        }
      }),
      { numRuns: 30, seed: 42 },
    )
    expect(storedHead).toBe(1)
    await waitFor(() => server.rooms.openDocs().includes(DOC))
    const text = ctx.editor.doc.getText('t').toString()
    expect(text).toBe('kept')
    await checkLog(log)
  })
})

const isWellFormedUpdateMessage = (bytes: Uint8Array): boolean => {
  if (bytes[0] !== 0 || (bytes[1] !== 1 && bytes[1] !== 2)) return false
  try {
    return !inspectUpdate(bytes.subarray(3)).empty
  } catch {
    return false
  }
}

const checkLog = async (log: UpdateLog) => {
  const report = await log.verify(DOC)
  expect(report.damaged).toEqual([])
}
