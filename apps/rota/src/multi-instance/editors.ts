/**
 * The people of the multi-instance test: stock y-websocket clients and Rota providers editing one ward's
 * schedule through the balancer, each with its own signed identity, and what the test reads back (the log's
 * replay). A Rota provider reports durable acknowledgements (`saved`): the clock of its own edits at the last
 * moment it was saved is what the server acknowledged, and must never be lost.
 */
import * as Y from 'yjs'
import WebSocket from 'ws'
import * as prng from 'lib0/prng'
import { WebsocketProvider } from 'y-websocket'
import { addShift, assign, fromJSON, toJSON, unassign, updateShift, type ScheduleJSON, type ShiftJSON, type StaffJSON } from '@rota/model'
import { RotaProvider, type BackoffOptions } from '@rota/provider'
import type { UpdateLog } from '@rota/log'

const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket

export interface Editor {
  readonly name: string
  readonly kind: 'stock' | 'provider'
  readonly doc: Y.Doc
  /** Connected and synced with some instance now. */
  synced(): boolean
  /** The own clock the server acknowledged as durable (providers; 0 for stock clients, which get no acks). */
  acked(): number
  /** Provider: every own edit is acknowledged. Stock: always true (nothing to wait for). */
  saved(): boolean
  /** Times the connection was lost (not counting `disconnect()`). */
  drops(): number
  disconnect(): void
  connect(): void
  destroy(): void
}

/** The own clock of `doc`: how many structs this client has made. */
export const ownClock = (doc: Y.Doc): number => Y.getState(doc.store, doc.clientID)

/** `token` undefined: no token (a server in open mode). `maxBackoffTime` 2500 is y-websocket's default. */
export const stockEditor = (wsUrl: string, docName: string, name: string, token?: string, maxBackoffTime = 500): Editor => {
  const doc = new Y.Doc()
  const provider = new WebsocketProvider(wsUrl, docName, doc, {
    WebSocketPolyfill: NodeWebSocket, disableBc: true, params: token === undefined ? {} : { token }, maxBackoffTime,
  })
  let drops = 0
  let leaving = false
  provider.on('connection-close', () => {
    if (!leaving) drops++
  })
  return {
    name, kind: 'stock', doc,
    drops: () => drops,
    synced: () => provider.wsconnected && provider.synced,
    acked: () => 0,
    saved: () => true,
    disconnect: () => {
      leaving = true
      provider.disconnect()
    },
    connect: () => {
      leaving = false
      provider.connect()
    },
    destroy: () => {
      leaving = true
      provider.destroy()
      doc.destroy()
    },
  }
}

/** Quicker than the provider's default (1 s, ×1.5), so that a test does not wait on backoff after a kill. */
export const QUICK_BACKOFF = { initialDelay: 100, maxDelay: 1_000 }

/** `backoff` undefined: the provider's defaults (what an app gets). */
export const providerEditor = (wsUrl: string, docName: string, name: string, token?: string, backoff?: Partial<BackoffOptions>): Editor => {
  const doc = new Y.Doc()
  const provider = new RotaProvider(doc, {
    url: wsUrl, docName, offline: false, crossTab: false, WebSocketPolyfill: NodeWebSocket,
    ...(token === undefined ? {} : { token }),
    ...(backoff === undefined ? {} : { backoff }),
  })
  let drops = 0
  let leaving = false
  let last = provider.state.status
  provider.on('status', (status) => {
    if (last === 'connected' && status !== 'connected' && !leaving) drops++
    last = status
  })
  let acked = 0
  // `saved` turns true inside the handler of the acknowledgement: every own edit so far is durable.
  provider.on('saved', (saved) => {
    if (saved) acked = ownClock(doc)
  })
  return {
    name, kind: 'provider', doc,
    synced: () => provider.state.status === 'connected' && provider.state.synced,
    acked: () => acked,
    saved: () => provider.state.saved,
    drops: () => drops,
    disconnect: () => {
      leaving = true
      provider.disconnect()
    },
    connect: () => {
      leaving = false
      provider.connect()
    },
    destroy: () => {
      leaving = true
      void provider.destroy()
      doc.destroy()
    },
  }
}

const WARD_DAYS = ['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11', '2026-12-12', '2026-12-13']
const TIMES: Array<Pick<ShiftJSON, 'start' | 'end'>> = [
  { start: '07:00', end: '15:00' }, { start: '15:00', end: '23:00' }, { start: '23:00', end: '07:00' }, { start: '09:00', end: '17:00' },
]
/** A shift no load edit touches: the test's deliberate conflict is made on it. */
export const CONTESTED = 'contested'

/** A ward of 12 people and 28 shifts over one week, plus the contested shift. */
const wardSchedule = (): ScheduleJSON => {
  const staff: Record<string, StaffJSON> = {}
  for (let i = 0; i < 12; i++) {
    staff[`st${i}`] = { name: `Nurse ${i}`, role: i < 10 ? 'nurse' : 'doctor', skills: i % 3 === 0 ? ['icu'] : [], maxHoursPerWeek: 40, unavailable: [] }
  }
  const shifts: Record<string, ShiftJSON> = {}
  WARD_DAYS.forEach((date, d) => TIMES.forEach((time, t) => {
    shifts[`sh${d}${t}`] = { date, ...time, role: 'nurse', requiredSkill: null, assignee: `st${(d * 4 + t) % 10}`, notes: '' }
  }))
  shifts[CONTESTED] = { date: WARD_DAYS[0]!, start: '10:00', end: '14:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' }
  return { staff, shifts, settings: { name: 'Ward 7', timezone: 'Europe/Lisbon', weekStartsOn: 'monday', coverage: [] } }
}

/** Writes the ward into an editor's (empty, synced) document. */
export const seedWard = (editor: Editor): void => void fromJSON(wardSchedule(), editor.doc)

/** One edit a scheduler makes, picked by `gen`: assign, unassign, move, or a new shift of this editor's own. */
const randomEdit = (gen: prng.PRNG, editor: Editor, made: number): void => {
  const shiftId = `sh${prng.int32(gen, 0, WARD_DAYS.length - 1)}${prng.int32(gen, 0, TIMES.length - 1)}`
  const kind = prng.int32(gen, 0, 9)
  if (kind < 5) assign(editor.doc, shiftId, `st${prng.int32(gen, 0, 9)}`)
  else if (kind < 6) unassign(editor.doc, shiftId)
  else if (kind < 8) updateShift(editor.doc, shiftId, prng.oneOf(gen, TIMES))
  else addShift(editor.doc, `${editor.name}-${made}`, { date: prng.oneOf(gen, WARD_DAYS), ...prng.oneOf(gen, TIMES), role: 'nurse', assignee: `st${prng.int32(gen, 0, 9)}` })
}

export interface Load {
  /** Edits made so far, all editors. */
  edits(): number
  add(editor: Editor): void
  /** Stops editing; resolves once every editor's loop has ended. */
  stop(): Promise<void>
}

/** Every editor edits every `intervalMs` (while synced or not: offline edits are what a real client makes too). */
export const startLoad = (editors: Editor[], seed: number, intervalMs: number): Load => {
  let running = true
  let edits = 0
  const loops: Array<Promise<void>> = []
  const add = (editor: Editor) => {
    const gen = prng.create(seed * 100 + loops.length)
    loops.push((async () => {
      for (let made = 0; running; made++) {
        randomEdit(gen, editor, made)
        edits++
        await new Promise((resolve) => setTimeout(resolve, intervalMs))
      }
    })())
  }
  editors.forEach(add)
  return {
    edits: () => edits,
    add,
    stop: async () => {
      running = false
      await Promise.all(loops)
    },
  }
}

/** The document as the log replays it: every entry, in seq order, applied to an empty document. */
export const replay = async (log: UpdateLog, docName: string): Promise<Y.Doc> => {
  const doc = new Y.Doc()
  for await (const entry of log.read(docName)) Y.applyUpdate(doc, entry.update)
  return doc
}

/** What "the same state" means here: equal state vectors and equal schedules. */
export const stateOf = (doc: Y.Doc): { sv: string; json: string } => ({
  sv: Buffer.from(Y.encodeStateVector(doc)).toString('base64'),
  json: JSON.stringify(toJSON(doc)),
})
