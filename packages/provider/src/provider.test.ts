import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { Awareness } from 'y-protocols/awareness'
import { CloseCode, MessageType } from '@rota/protocol'
import { RotaProvider, type RotaProviderOptions } from './provider.ts'
import { ProviderErrorCode } from './errors.ts'
import { FakeSocket } from './testing/fakeSocket.ts'

const make = (options: Partial<RotaProviderOptions> = {}, doc = new Y.Doc()): RotaProvider =>
  new RotaProvider(doc, {
    url: 'ws://rota.test',
    docName: 'acme/w48',
    offline: false,
    crossTab: false,
    backoff: { initialDelay: 1000, factor: 1.5, maxDelay: 5000, jitter: 0 },
    WebSocketPolyfill: FakeSocket as unknown as typeof WebSocket,
    ...options,
  })

/** Lets the store-less load (a resolved promise) finish, so the provider opens its socket. */
const started = async (provider: RotaProvider): Promise<void> => {
  await provider.whenLoaded
  await vi.advanceTimersByTimeAsync(0)
}

let providers: RotaProvider[] = []
const track = (provider: RotaProvider): RotaProvider => {
  providers.push(provider)
  return provider
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeSocket.instances = []
})

afterEach(async () => {
  for (const provider of providers) await provider.destroy()
  providers = []
  vi.useRealTimers()
})

describe('RotaProvider reconnect schedule', () => {
  it('retries after the configured delays and resets them after a connection that synced', async () => {
    const provider = track(make())
    const scheduled: [number, number][] = []
    provider.on('reconnect', (attempt, delay) => scheduled.push([attempt, delay]))
    await started(provider)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(provider.state.status).toBe('connecting')

    const expected = [1000, 1500, 2250, 3375, 5000, 5000]
    for (const [i, delay] of expected.entries()) {
      FakeSocket.last.serverClose(1006)
      expect(provider.state).toMatchObject({ status: 'offline', nextDelay: delay, attempt: i + 1 })
      await vi.advanceTimersByTimeAsync(delay - 1)
      expect(FakeSocket.instances).toHaveLength(i + 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(FakeSocket.instances).toHaveLength(i + 2)
    }
    expect(scheduled).toEqual(expected.map((delay, i) => [i + 1, delay]))

    FakeSocket.last.serverOpen()
    expect(provider.state.status).toBe('connected')
    FakeSocket.last.serverSyncStep2()
    expect(provider.state).toMatchObject({ synced: true, attempt: 0 })
    FakeSocket.last.serverClose(CloseCode.GoingAway)
    expect(provider.state).toMatchObject({ status: 'offline', nextDelay: 1000, attempt: 1, closeCode: 1001 })
  })

  it('applies jitter from the random source', async () => {
    const provider = track(make({ backoff: { initialDelay: 1000, jitter: 0.2 }, random: () => 0.5 }))
    await started(provider)
    FakeSocket.last.serverClose(1006)
    expect(provider.state.nextDelay).toBe(900)
  })

  it('abandons a socket that does not open within openTimeout', async () => {
    const provider = track(make({ openTimeout: 10_000 }))
    await started(provider)
    await vi.advanceTimersByTimeAsync(9_999)
    expect(provider.state.status).toBe('connecting')
    await vi.advanceTimersByTimeAsync(1)
    expect(provider.state).toMatchObject({ status: 'offline', nextDelay: 1000, closeCode: null })
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeSocket.instances).toHaveLength(2)
  })

  it('probes a quiet connection and drops one silent for longer than the heartbeat window', async () => {
    const provider = track(make({ pingInterval: 10_000, heartbeatWindow: 30_000 }))
    await started(provider)
    const socket = FakeSocket.last
    socket.serverOpen()
    socket.serverSyncStep2()
    const rtts: number[] = []
    provider.on('rtt', (ms) => rtts.push(ms))
    const sentBefore = socket.sent.length
    await vi.advanceTimersByTimeAsync(10_000)
    // a sync step 1 went out as a probe; its answer gives the round-trip time
    const probe = socket.sent.at(-1)
    expect(socket.sent.length).toBe(sentBefore + 1)
    expect(probe?.[0]).toBe(MessageType.Sync)
    expect(probe && decoding.peekVarUint(decoding.createDecoder(probe.subarray(1)))).toBe(0)
    await vi.advanceTimersByTimeAsync(40)
    socket.serverSyncStep2()
    expect(rtts).toEqual([40])
    expect(provider.state.rtt).toBe(40)
    // now the server goes silent
    await vi.advanceTimersByTimeAsync(30_000)
    expect(provider.state.status).toBe('connected')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(provider.state).toMatchObject({ status: 'offline', nextDelay: 1000 })
  })

  it('stops on 4401, reports auth-failed, and reconnects with a new token', async () => {
    const provider = track(make({ token: 'old' }))
    const failures: number[] = []
    provider.on('auth-failed', (code) => failures.push(code))
    await started(provider)
    expect(new URL(FakeSocket.last.url).searchParams.get('token')).toBe('old')
    expect(new URL(FakeSocket.last.url).searchParams.get('ack')).toBe('1')
    FakeSocket.last.serverClose(CloseCode.Unauthorized, 'expired')
    expect(provider.state).toMatchObject({ status: 'auth-failed', nextDelay: null })
    expect(failures).toEqual([CloseCode.Unauthorized])
    provider.doc.getMap('m').set('kept', true)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(FakeSocket.instances).toHaveLength(1)
    provider.setToken('new')
    expect(FakeSocket.instances).toHaveLength(2)
    expect(new URL(FakeSocket.last.url).searchParams.get('token')).toBe('new')
    expect(provider.doc.getMap('m').get('kept')).toBe(true)
  })

  it('does not retry a document name the server refuses', async () => {
    const provider = track(make())
    await started(provider)
    FakeSocket.last.serverClose(CloseCode.BadDocumentName)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(provider.state).toMatchObject({ status: 'offline', nextDelay: null, closeCode: CloseCode.BadDocumentName })
  })

  it('stays offline after disconnect() until connect()', async () => {
    const provider = track(make())
    await started(provider)
    FakeSocket.last.serverOpen()
    provider.disconnect()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(provider.state).toMatchObject({ status: 'offline', nextDelay: null })
    provider.connect()
    expect(FakeSocket.instances).toHaveLength(2)
  })
})

describe('RotaProvider saved status', () => {
  it('counts unsynced changes until durable acknowledgements cover them and sets clientTime for offline edits', async () => {
    vi.setSystemTime(new Date('2026-11-25T08:00:00Z'))
    const provider = track(make())
    await started(provider)
    expect(provider.state).toMatchObject({ saved: true, unsyncedChanges: 0 })
    provider.doc.getMap('shifts').set('s1', 'a')
    provider.doc.getMap('shifts').set('s2', 'b')
    expect(provider.state).toMatchObject({ saved: false, unsyncedChanges: 2, clientTime: '2026-11-25T08:00:00.000Z' })
    FakeSocket.last.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    expect(new URL(FakeSocket.last.url).searchParams.get('clientTime')).toBe('2026-11-25T08:00:00.000Z')
    FakeSocket.last.serverOpen()
    FakeSocket.last.serverSyncStep2()
    FakeSocket.last.serverDurable(new Map([[provider.doc.clientID, 1]]))
    expect(provider.state.unsyncedChanges).toBe(1)
    FakeSocket.last.serverDurable(new Map([[provider.doc.clientID, 2]]))
    expect(provider.state).toMatchObject({ saved: true, unsyncedChanges: 0, clientTime: null })
    // edits while connected carry no clientTime
    provider.doc.getMap('shifts').set('s3', 'c')
    expect(provider.state.clientTime).toBeNull()
  })

  it('saves a deletion only on the ordered acknowledgement of its send', async () => {
    const provider = track(make())
    await started(provider)
    const socket = FakeSocket.last
    const id = provider.doc.clientID
    socket.serverOpen()
    socket.serverSyncStep2()
    socket.serverDurable(new Map()) // (a): the reply to the client's sync step 1
    provider.doc.getMap('m').set('a', 1) // send #1
    expect(provider.state.saved).toBe(false)
    socket.serverDurable(new Map([[id, 1]])) // (b) for send #1
    expect(provider.state.saved).toBe(true)
    provider.doc.getMap('m').delete('a') // send #2: no struct, no clock
    expect(provider.state).toMatchObject({ saved: false, unsyncedChanges: 1 })
    socket.serverSyncStep2()
    socket.serverDurable(new Map([[id, 1]])) // (a) again: clocks cannot show a deletion
    expect(provider.state.saved).toBe(false)
    socket.serverDurable(new Map()) // (b) for send #2
    expect(provider.state).toMatchObject({ saved: true, unsyncedChanges: 0 })
  })
})

describe('RotaProvider other tabs', () => {
  it('confirms another tab’s change by clocks, probing for the reply to a sync step 1', async () => {
    const provider = track(make())
    await started(provider)
    const socket = FakeSocket.last
    socket.serverOpen()
    socket.serverSyncStep2()
    socket.serverDurable(new Map())
    const otherTab = new Y.Doc()
    otherTab.getMap('shifts').set('s9', 'zoe')
    // what y-websocket does with a BroadcastChannel message: apply with the provider as origin
    Y.applyUpdate(provider.doc, Y.encodeStateAsUpdate(otherTab), provider.websocket)
    expect(provider.state).toMatchObject({ saved: false, unsyncedChanges: 1, clientTime: null })
    const sent = socket.sent.length
    await vi.advanceTimersByTimeAsync(250)
    expect(socket.sent.length).toBe(sent + 1) // the probe
    socket.serverSyncStep2()
    socket.serverDurable(new Map([[otherTab.clientID, 1]]))
    expect(provider.state.saved).toBe(true)
  })
})

describe('RotaProvider browser hints', () => {
  it('drops the socket on `offline`, retries at once on `online` and when the tab becomes visible', async () => {
    const win = new EventTarget()
    const doc = Object.assign(new EventTarget(), { visibilityState: 'visible' })
    vi.stubGlobal('window', win)
    vi.stubGlobal('document', doc)
    try {
      const provider = track(make({ backoff: { initialDelay: 20_000, maxDelay: 30_000, jitter: 0 } }))
      await started(provider)
      FakeSocket.last.serverOpen()
      win.dispatchEvent(new Event('offline'))
      expect(provider.state).toMatchObject({ status: 'offline', nextDelay: 20_000, closeCode: null })
      win.dispatchEvent(new Event('online'))
      expect(FakeSocket.instances).toHaveLength(2)
      expect(provider.state).toMatchObject({ status: 'connecting', attempt: 0 })
      FakeSocket.last.serverClose(1006)
      expect(provider.state.nextDelay).toBe(20_000)
      doc.dispatchEvent(new Event('visibilitychange'))
      expect(FakeSocket.instances).toHaveLength(3)
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

describe('RotaProvider options', () => {
  it('rejects bad options with typed errors', () => {
    const doc = new Y.Doc()
    const base = { url: 'ws://x', docName: 'd', offline: false as const }
    const cases: [unknown, string][] = [
      [{ ...base, docName: '' }, 'docName'],
      [{ ...base, url: 'nope' }, 'url'],
      [{ ...base, url: 'ftp://x' }, 'url'],
      [{ ...base, openTimeout: -5 }, 'openTimeout'],
      [{ ...base, backoff: { factor: 0 } }, 'backoff.factor'],
      [{ ...base, token: 5 }, 'token'],
    ]
    for (const [options, option] of cases) {
      expect(() => new RotaProvider(doc, options as RotaProviderOptions)).toThrow(
        expect.objectContaining({ code: ProviderErrorCode.InvalidOption, option }),
      )
    }
    expect(() => new RotaProvider(doc, { ...base, offline: true })).toThrow(expect.objectContaining({ code: ProviderErrorCode.NoOfflineStore }))
  })

  it('turns http URLs into ws URLs and refuses use after destroy', async () => {
    const provider = make({ url: 'https://rota.example.com/' })
    expect(provider.url).toBe('wss://rota.example.com')
    await provider.destroy()
    expect(() => provider.connect()).toThrow(expect.objectContaining({ code: ProviderErrorCode.Destroyed }))
  })
})

describe('destroy and the awareness', () => {
  it('stops the awareness it made (its interval would keep a Node process alive), not one passed in', async () => {
    const own = make()
    const ownDestroyed = vi.fn()
    own.awareness.on('destroy', ownDestroyed)
    await own.destroy()
    expect(ownDestroyed).toHaveBeenCalledTimes(1)

    const doc = new Y.Doc()
    const shared = new Awareness(doc)
    const sharedDestroyed = vi.fn()
    shared.on('destroy', sharedDestroyed)
    await make({ awareness: shared }, doc).destroy()
    expect(sharedDestroyed).not.toHaveBeenCalled()
    shared.destroy()
  })
})
