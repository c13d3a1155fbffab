import { describe, expect, it } from 'vitest'
import { CloseCode } from '@rota/protocol'
import { defaultBackoff } from './backoff.ts'
import { initialConnection, isFinalClose, nextConnection, type ConnectionEvent, type ConnectionState } from './connection.ts'

const backoff = { ...defaultBackoff, jitter: 0 }
const run = (events: ConnectionEvent[], from: ConnectionState = initialConnection, options = backoff): ConnectionState =>
  events.reduce((state, event) => nextConnection(state, event, options), from)

describe('connection state machine', () => {
  it('goes connecting → connected → offline with a retry delay', () => {
    const connected = run([{ type: 'connect' }, { type: 'open' }])
    expect(connected.status).toBe('connected')
    const lost = nextConnection(connected, { type: 'closed', code: 1006 }, backoff)
    expect(lost).toMatchObject({ status: 'offline', attempt: 1, nextDelay: 1000, closeCode: 1006, active: true })
  })

  it('counts failures until a connection syncs', () => {
    const failing = run([{ type: 'connect' }, { type: 'closed', code: null }, { type: 'connect' }, { type: 'closed', code: 1006 }])
    expect(failing).toMatchObject({ attempt: 2, nextDelay: 1500 })
    const recovered = run([{ type: 'connect' }, { type: 'open' }, { type: 'synced' }, { type: 'closed', code: 1001 }], failing)
    expect(recovered).toMatchObject({ attempt: 1, nextDelay: 1000 })
  })

  it('an open that never syncs still counts as a failure', () => {
    const state = run([{ type: 'connect' }, { type: 'open' }, { type: 'closed', code: 1006 }, { type: 'connect' }, { type: 'open' }, { type: 'closed', code: 1006 }])
    expect(state.attempt).toBe(2)
  })

  it('stops on auth refusals and final refusals, retries on "not now" codes', () => {
    expect(run([{ type: 'connect' }, { type: 'closed', code: CloseCode.Unauthorized }])).toMatchObject({ status: 'auth-failed', nextDelay: null, active: false })
    expect(run([{ type: 'connect' }, { type: 'closed', code: CloseCode.Forbidden }]).status).toBe('auth-failed')
    expect(run([{ type: 'connect' }, { type: 'closed', code: CloseCode.BadDocumentName }])).toMatchObject({ status: 'offline', nextDelay: null, active: false })
    for (const code of [CloseCode.RateLimited, CloseCode.AuthTimeout, CloseCode.TooManyConnections, CloseCode.GoingAway, 4500]) {
      expect(isFinalClose(code)).toBe(false)
      expect(run([{ type: 'connect' }, { type: 'closed', code }]).nextDelay).toBe(1000)
    }
  })

  it('gives up after maxAttempts', () => {
    const limited = { ...backoff, maxAttempts: 2 }
    const events: ConnectionEvent[] = [{ type: 'connect' }, { type: 'closed', code: 1006 }]
    expect(run(events, initialConnection, limited).nextDelay).toBe(1000)
    expect(run([...events, ...events], initialConnection, limited).nextDelay).toBe(1500)
    expect(run([...events, ...events, ...events], initialConnection, limited)).toMatchObject({ status: 'offline', nextDelay: null, active: false })
  })

  it('a close after stop schedules nothing; reset forgets failures', () => {
    const stopped = run([{ type: 'connect' }, { type: 'open' }, { type: 'stop' }, { type: 'closed', code: null }])
    expect(stopped).toMatchObject({ status: 'offline', nextDelay: null, active: false })
    const reset = run([{ type: 'connect' }, { type: 'closed', code: 1006 }, { type: 'reset' }])
    expect(reset.attempt).toBe(0)
  })

  it('auth-failed survives a stop and the close that follows it', () => {
    const failed = run([{ type: 'connect' }, { type: 'closed', code: CloseCode.Unauthorized }, { type: 'stop' }, { type: 'closed', code: null }])
    expect(failed.status).toBe('auth-failed')
    expect(run([{ type: 'reset' }, { type: 'connect' }], failed).status).toBe('connecting')
  })
})
