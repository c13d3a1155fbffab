/**
 * Property: for random offline sessions of allowed edits by mixed roles (a manager, a lead and two staff
 * members editing one schedule at once, each while offline), no session is ever refused and every replica
 * converges with the server. "Allowed" is what the editor's own view allows — what an editor's UI checks
 * with the same policy before it lets the edit through. Runs on the operator's configuration
 * (startServing: HS256 tokens, LevelDB, the resolver), Rota providers over real WebSockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import * as Y from 'yjs'
import WebSocket from 'ws'
import { SignJWT } from 'jose'
import { authorizeOps, type Identity } from '@rota/auth'
import { applyOps, fromJSON, toJSON, type PathOp, type ScheduleJSON } from '@rota/model'
import { RotaProvider, type Denial } from '@rota/provider'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing, type Serving } from './commands/serve.ts'

const secret = 'offline-property-secret-offline-property-0'
const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket
const STAFF = ['ana', 'ben', 'dee'] as const
const SHIFTS = ['s1', 's2', 's3', 's4'] as const

const ward = (): ScheduleJSON => ({
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: [] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
    dee: { name: 'Dee', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: [] },
  },
  shifts: {
    s1: { date: '2026-12-07', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' },
    s2: { date: '2026-12-07', start: '15:00', end: '23:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' },
    s3: { date: '2026-12-08', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: 'icu', assignee: 'ana', notes: '' },
    s4: { date: '2026-12-09', start: '22:00', end: '06:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' },
  },
  settings: { name: 'Ward 3', timezone: 'Europe/Lisbon', weekStartsOn: 'monday', coverage: [] },
})

const people: Record<string, Identity> = {
  mara: { sub: 'mara', tenant: 'acme', role: 'manager' },
  leo: { sub: 'leo', tenant: 'acme', role: 'lead', staffId: 'dee' },
  ana: { sub: 'ana', tenant: 'acme', role: 'staff', staffId: 'ana' },
  ben: { sub: 'ben', tenant: 'acme', role: 'staff', staffId: 'ben' },
}

const opArb: fc.Arbitrary<PathOp> = fc.oneof(
  fc.record({ s: fc.constantFrom(...SHIFTS), who: fc.constantFrom(null, ...STAFF) }).map(({ s, who }): PathOp => ({ op: 'set', path: `shifts.${s}.assignee`, value: who })),
  fc.record({ s: fc.constantFrom(...SHIFTS), text: fc.constantFrom('late', 'swap?', 'ok', '') }).map(({ s, text }): PathOp => ({ op: 'set', path: `shifts.${s}.notes`, value: text })),
  fc.record({ s: fc.constantFrom(...SHIFTS), skill: fc.constantFrom(null, 'icu', 'triage') }).map(({ s, skill }): PathOp => ({ op: 'set', path: `shifts.${s}.requiredSkill`, value: skill })),
  fc.record({ s: fc.constantFrom(...SHIFTS), at: fc.constantFrom('06:00', '08:00', '16:00') }).map(({ s, at }): PathOp => ({ op: 'set', path: `shifts.${s}.start`, value: at })),
  fc.record({ p: fc.constantFrom(...STAFF), day: fc.constantFrom('2026-12-07', '2026-12-08', '2026-12-24') }).map(({ p, day }): PathOp => ({ op: 'append', path: `staff.${p}.unavailable`, value: day })),
  fc.record({ p: fc.constantFrom(...STAFF), name: fc.constantFrom('Anna', 'Benjamin', 'D.') }).map(({ p, name }): PathOp => ({ op: 'set', path: `staff.${p}.name`, value: name })),
  fc.constantFrom(...SHIFTS).map((s): PathOp => ({ op: 'delete', path: `shifts.${s}` })),
  fc.constantFrom(...STAFF).map((p): PathOp => ({ op: 'delete', path: `staff.${p}` })),
  fc.constant<PathOp>({ op: 'set', path: 'settings.name', value: 'Ward 3 (winter)' }),
)

/** What each role tends to do offline: staff their own shifts and time off; leads the rota; managers everything. */
const selfServiceArb = (self: string): fc.Arbitrary<PathOp> =>
  fc.oneof(
    fc.record({ s: fc.constantFrom(...SHIFTS), who: fc.constantFrom(null, self) }).map(({ s, who }): PathOp => ({ op: 'set', path: `shifts.${s}.assignee`, value: who })),
    fc.record({ s: fc.constantFrom(...SHIFTS), text: fc.constantFrom('late', 'swap?') }).map(({ s, text }): PathOp => ({ op: 'set', path: `shifts.${s}.notes`, value: text })),
    fc.constantFrom('2026-12-07', '2026-12-24').map((day): PathOp => ({ op: 'append', path: `staff.${self}.unavailable`, value: day })),
  )

const roleArb: Record<string, fc.Arbitrary<PathOp>> = {
  mara: opArb,
  leo: fc.oneof(opArb, selfServiceArb('dee')),
  ana: selfServiceArb('ana'),
  ben: selfServiceArb('ben'),
}

const sessionArb = fc.record({
  edits: fc.record(Object.fromEntries(Object.keys(people).map((who) => [who, fc.array(roleArb[who]!, { maxLength: 8 })])) as Record<string, fc.Arbitrary<PathOp[]>>),
  order: fc.shuffledSubarray(Object.keys(people), { minLength: 4, maxLength: 4 }),
})

const mint = (identity: Identity): Promise<string> =>
  new SignJWT({ ...identity }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('30m').sign(new TextEncoder().encode(secret))

const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Applies each op the editor's own view allows (and the model accepts), one at a time, as an editor's UI would. */
const editAllowed = (doc: Y.Doc, identity: Identity, ops: PathOp[]): number => {
  let made = 0
  for (const op of ops) {
    if (!authorizeOps(identity, doc, [op]).ok) continue
    try {
      applyOps(doc, [op])
      made++
    } catch {
      // invalid on this state (e.g. a deleted record): the UI would not offer it
    }
  }
  return made
}

let serving: Serving
let dir: string
const tokens: Record<string, string> = {}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rota-offline-property-'))
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'])
  serving = await startServing(resolveConfig(values, {}), values, { ROTA_AUTH_SECRET: secret })
  for (const [who, identity] of Object.entries(people)) tokens[who] = await mint(identity)
})

afterAll(async () => {
  await serving?.stop()
  await rm(dir, { recursive: true, force: true })
})

let run = 0

describe('offline sessions of allowed edits by mixed roles', () => {
  it('are never refused, and every replica converges with the server', async () => {
    await fc.assert(
      fc.asyncProperty(sessionArb, async ({ edits, order }) => {
        const docName = `acme/prop-${++run}`
        const seed = new Y.Doc()
        fromJSON(ward(), seed)
        await serving.server.rooms.applyUpdate(docName, Y.encodeStateAsUpdate(seed), { actor: 'seed', role: 'admin', origin: 'import' })
        const editors = Object.keys(people).map((who) => {
          const doc = new Y.Doc()
          const denials: Denial[] = []
          const provider = new RotaProvider(doc, {
            url: serving.server.wsUrl, docName, token: tokens[who], offline: false, crossTab: false,
            backoff: { initialDelay: 20, maxDelay: 100 }, WebSocketPolyfill: NodeWebSocket,
          })
          provider.on('denied', (denial) => denials.push(denial))
          return { who, doc, provider, denials }
        })
        try {
          await Promise.all(editors.map((e) => e.provider.whenSynced()))
          for (const e of editors) e.provider.disconnect()
          await waitFor(() => editors.every((e) => e.provider.state.status === 'offline'), 'everyone offline')
          for (const e of editors) editAllowed(e.doc, people[e.who]!, edits[e.who] ?? [])
          for (const who of order) {
            const e = editors.find((x) => x.who === who)!
            e.provider.connect()
            await e.provider.whenSynced()
            await e.provider.whenSaved()
          }
          await Promise.all(editors.map((e) => e.provider.whenSaved()))
          const server = JSON.stringify(toJSON(await serving.server.rooms.getDoc(docName)))
          await waitFor(() => editors.every((e) => JSON.stringify(toJSON(e.doc)) === server), 'every replica to converge with the server')
          for (const e of editors) expect(e.denials, `${e.who} was refused`).toEqual([])
        } finally {
          await Promise.all(editors.map((e) => e.provider.destroy()))
        }
      }),
      { numRuns: Number(process.env.ROTA_OFFLINE_RUNS ?? 60), endOnFailure: true },
    )
  }, 240_000)
})
