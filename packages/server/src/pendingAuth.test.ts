import { describe, expect, it } from 'vitest'
import { CloseCode } from '@rota/protocol'
import { cleanupAfterEach, connectRaw, startTestServer, waitFor } from './testing.ts'
import type { Identity } from './types.ts'

const { cleanup } = cleanupAfterEach()

describe('connections awaiting authentication', () => {
  it('are capped server-wide: beyond the cap, close 4429 with a reason, counted', async () => {
    const waiting: Array<(identity: Identity) => void> = []
    const server = await startTestServer({
      hooks: { authenticate: () => new Promise<Identity>((resolve) => waiting.push(resolve)) },
      limits: { maxPendingAuth: 2 },
    })
    cleanup.push(() => server.close())
    const first = await connectRaw(server, 'a/one')
    const second = await connectRaw(server, 'a/two')
    cleanup.push(() => first.ws.close(), () => second.ws.close())
    await waitFor(() => waiting.length === 2)
    const third = await connectRaw(server, 'a/three')
    expect(await third.closed).toEqual({ code: CloseCode.RateLimited, reason: 'too many connections awaiting authentication' })

    // Once one finishes authenticating, there is room again.
    waiting[0]?.({ sub: 'ana', tenant: null, role: 'admin' })
    await first.next((message) => message[0] === 0) // sync step 1: authenticated and joined
    const fourth = await connectRaw(server, 'a/four')
    cleanup.push(() => fourth.ws.close())
    await waitFor(() => waiting.length === 3)
    const metrics = await (await fetch(`${server.url}/metrics`)).text()
    expect(metrics).toMatch(/^rota_messages_rejected_total\{reason="ROTA_ERR_TOO_MANY_CONNECTIONS"\} 1$/m)
    expect(metrics).toMatch(/^rota_connections_authenticating 2$/m)
  })
})
