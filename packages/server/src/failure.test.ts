import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createMemoryLog, type UpdateLog } from '@rota/log'
import { CloseCode } from '@rota/protocol'
import { updateMessage } from './messages.ts'
import { cleanupAfterEach, connectClient, connectRaw, startTestServer, waitFor, whenSynced } from './testing.ts'

const { track } = cleanupAfterEach()

describe('when the log fails', () => {
  it('closes the document’s connections with 1011, keeps the process up, and reloads from the log', async () => {
    const log = createMemoryLog()
    let failing = false
    const flaky: UpdateLog = {
      append: (doc, update, meta) => (failing ? Promise.reject(new Error('disk full')) : log.append(doc, update, meta)),
      read: (doc, range) => log.read(doc, range),
      head: (doc) => log.head(doc),
      stateAt: (doc, at) => log.stateAt(doc, at),
      listDocs: (prefix) => log.listDocs(prefix),
      removeDoc: (doc, meta) => log.removeDoc(doc, meta),
      verify: (doc) => log.verify(doc),
      truncateAfter: (doc, seq) => log.truncateAfter(doc, seq),
      close: () => log.close(),
    }
    const server = track(await startTestServer({ log: flaky }))
    const editor = track(connectClient(server, 'f'))
    await whenSynced(editor)
    editor.doc.getText('t').insert(0, 'stored')
    await waitFor(async () => (await log.head('f'))?.headSeq === 1)

    // (A connected editor would receive the doomed update and send it again after reconnecting: that is the recovery.)
    editor.provider.disconnect()
    failing = true
    const raw = await connectRaw(server, 'f')
    const lost = new Y.Doc()
    lost.getText('x').insert(0, 'not stored')
    raw.send(updateMessage(Y.encodeStateAsUpdate(lost)))
    expect((await raw.closed).code).toBe(CloseCode.InternalError)
    failing = false

    // A fresh connection gets the document as the log has it.
    const fresh = track(connectClient(server, 'f'))
    await whenSynced(fresh)
    expect(fresh.doc.getText('t').toString()).toBe('stored')
    expect(fresh.doc.getText('x').toString()).toBe('')
    expect((await (await fetch(`${server.url}/healthz`)).json()).status).toBe('ok')
  })
})
