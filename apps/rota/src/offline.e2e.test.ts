/**
 * Offline edits judged by what their author saw, end to end on the operator's configuration: `rota serve`
 * in-process (startServing: HS256 tokens, LevelDB, the resolver, the role rules), Rota providers and stock
 * y-websocket clients over real WebSockets on 127.0.0.1. The cases of issue "Offline edits are judged by
 * what their author saw": each allowed offline change reaches the server, where the merge breaks a rule
 * the resolver reports it; a change the author's view never allowed is taken out and reported, and the
 * editor's later edits still sync.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import WebSocket from 'ws'
import { SignJWT } from 'jose'
import { WebsocketProvider } from 'y-websocket'
import { applyOps, fromJSON, toJSON, type PathOp, type ScheduleJSON } from '@rota/model'
import { RotaProvider, type Denial } from '@rota/provider'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing, type Serving } from './commands/serve.ts'

const secret = 'offline-e2e-secret-offline-e2e-secret-0123'
const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket
const DOC = 'acme/ward3'

const ward = (): ScheduleJSON => ({
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: ['icu'], maxHoursPerWeek: 40, unavailable: [] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
    dee: { name: 'Dee', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
  },
  shifts: {
    open: { date: '2026-12-07', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: null, notes: '' },
    bens: { date: '2026-12-07', start: '15:00', end: '23:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' },
    anas: { date: '2026-12-08', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
  },
  settings: { name: 'Ward 3', timezone: 'Europe/Lisbon', weekStartsOn: 'monday', coverage: [] },
})

const mint = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ tenant: 'acme', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret))

const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

let serving: Serving
let tokens: Record<'manager' | 'lead' | 'ana' | 'ben', string>

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rota-offline-e2e-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'])
  serving = await startServing(resolveConfig(values, {}), values, { ROTA_AUTH_SECRET: secret })
  cleanup.push(() => serving.stop())
  tokens = {
    manager: await mint({ sub: 'mara', role: 'manager' }),
    lead: await mint({ sub: 'leo', role: 'lead', staffId: 'dee' }),
    ana: await mint({ sub: 'ana', role: 'staff', staffId: 'ana' }),
    ben: await mint({ sub: 'ben', role: 'staff', staffId: 'ben' }),
  }
  const seed = editor('manager')
  fromJSON(ward(), seed.doc)
  await seed.provider.whenSaved()
  seed.provider.destroy()
})

interface Editor {
  doc: Y.Doc
  provider: RotaProvider
  denials: Denial[]
}

const editor = (who: keyof typeof tokens): Editor => {
  const doc = new Y.Doc()
  const provider = new RotaProvider(doc, {
    url: serving.server.wsUrl,
    docName: DOC,
    token: tokens[who],
    offline: false,
    crossTab: false,
    backoff: { initialDelay: 50, maxDelay: 200 },
    WebSocketPolyfill: NodeWebSocket,
  })
  const denials: Denial[] = []
  provider.on('denied', (denial) => denials.push(denial))
  cleanup.push(() => provider.destroy())
  return { doc, provider, denials }
}

const synced = async (...editors: Editor[]): Promise<void> => {
  await Promise.all(editors.map((e) => e.provider.whenSynced()))
  await Promise.all(editors.map((e) => e.provider.whenSaved()))
}

/** Goes offline, edits, and comes back only when `offline` resolves (the concurrent edits are made by then). */
const offlineSession = async (who: Editor, edit: PathOp[], meanwhile: () => Promise<void>): Promise<void> => {
  who.provider.disconnect()
  await waitFor(() => who.provider.state.status === 'offline', 'the editor to go offline')
  applyOps(who.doc, edit)
  await meanwhile()
  who.provider.connect()
  await synced(who)
}

const rest = async (who: keyof typeof tokens, ops: PathOp[]): Promise<Response> =>
  fetch(`${serving.server.url}/api/docs/${encodeURIComponent(DOC)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ops }),
  })

const serverJSON = async (): Promise<ScheduleJSON> => toJSON(await serving.server.rooms.getDoc(DOC))

interface ConflictSummary {
  kind: string
  status: string
}

const conflicts = async (): Promise<ConflictSummary[]> => {
  const res = await fetch(`${serving.server.url}/api/docs/${encodeURIComponent(DOC)}/conflicts`, {
    headers: { authorization: `Bearer ${tokens.manager}` },
  })
  const body = (await res.json()) as { conflicts: ConflictSummary[] }
  return body.conflicts
}

describe('offline edits are judged on the state their author saw', () => {
  it('a staff member picks up an open shift that concurrently got a required skill: accepted, and a skill_mismatch conflict', async () => {
    const ana = editor('ana')
    await synced(ana)
    await offlineSession(ana, [{ op: 'set', path: 'shifts.open.assignee', value: 'ana' }], async () => {
      expect((await rest('manager', [{ op: 'set', path: 'shifts.open.requiredSkill', value: 'triage' }])).status).toBe(200)
    })
    expect(ana.denials).toEqual([])
    expect((await serverJSON()).shifts.open).toMatchObject({ assignee: 'ana', requiredSkill: 'triage' })
    await waitFor(async () => (await conflicts()).some((c) => c.kind === 'skill_mismatch'), 'the skill_mismatch conflict')
    // Her next edit, a note on her own shift, arrives like any other; nothing is left unsaved.
    applyOps(ana.doc, [{ op: 'set', path: 'shifts.anas.notes', value: 'see you monday' }])
    await synced(ana)
    expect((await serverJSON()).shifts.anas?.notes).toBe('see you monday')
    expect(ana.provider.state.saved).toBe(true)
    expect(ana.denials).toEqual([])
  })

  it('a staff member releases their own shift while someone reassigns it: accepted, and a concurrent_overwrite conflict', async () => {
    const ana = editor('ana')
    await synced(ana)
    await offlineSession(ana, [{ op: 'set', path: 'shifts.anas.assignee', value: null }], async () => {
      expect((await rest('manager', [{ op: 'set', path: 'shifts.anas.assignee', value: 'dee' }])).status).toBe(200)
    })
    expect(ana.denials).toEqual([])
    await waitFor(async () => (await conflicts()).some((c) => c.kind === 'concurrent_overwrite'), 'the concurrent_overwrite conflict')
  })

  it('a staff member adds time off to their own record while it is concurrently deleted: accepted, nothing stranded', async () => {
    const ana = editor('ana')
    await synced(ana)
    await offlineSession(ana, [{ op: 'append', path: 'staff.ana.unavailable', value: '2026-12-24' }], async () => {
      expect((await rest('manager', [{ op: 'delete', path: 'staff.ana' }])).status).toBe(200)
    })
    expect(ana.denials).toEqual([])
    expect((await serverJSON()).staff.ana).toBeUndefined()
    applyOps(ana.doc, [{ op: 'set', path: 'shifts.anas.notes', value: 'after' }])
    await synced(ana)
    expect(ana.provider.state.saved).toBe(true)
  })

  it('a lead renames a staff member: taken out under the default rules, accepted once the team lets leads keep the roster', async () => {
    const lead = editor('lead')
    await synced(lead)
    applyOps(lead.doc, [{ op: 'set', path: 'staff.ben.name', value: 'Benjamin' }])
    await waitFor(() => lead.denials.length === 1, 'the denial')
    expect(lead.denials[0]!.changes).toMatchObject([{ path: 'staff.ben.name', value: 'Benjamin', reason: 'lead may not set staff.ben.name' }])
    await synced(lead)
    expect(toJSON(lead.doc).staff.ben?.name).toBe('Ben')
    expect((await serverJSON()).staff.ben?.name).toBe('Ben')

    const put = await fetch(`${serving.server.url}/api/teams/acme/rules`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.manager}`, 'content-type': 'application/json' },
      body: JSON.stringify({ staffRecords: 'lead' }),
    })
    expect(put.status).toBe(200)
    await offlineSession(lead, [{ op: 'set', path: 'staff.ben.name', value: 'Benjamin' }, { op: 'delete', path: 'staff.dee' }], async () => undefined)
    expect(lead.denials.length).toBe(1)
    const after = await serverJSON()
    expect(after.staff.ben?.name).toBe('Benjamin')
    expect(after.staff.dee).toBeUndefined()
  })
})

describe('nothing allowed is ever stranded', () => {
  it('an offline change the author’s view never allowed is taken out and reported; the rest of the session and every later edit sync', async () => {
    const ana = editor('ana')
    const watcher = editor('manager')
    await synced(ana, watcher)
    await offlineSession(
      ana,
      [
        { op: 'set', path: 'shifts.bens.assignee', value: 'ana' },
        { op: 'set', path: 'shifts.anas.notes', value: 'swapped with ben?' },
      ],
      async () => undefined,
    )
    expect(ana.denials).toHaveLength(1)
    expect(ana.denials[0]!.changes).toMatchObject([{ path: 'shifts.bens.assignee', value: 'ana', previous: 'ben' }])
    expect(ana.denials[0]!.reason).toMatch(/belongs to ben/)
    expect(ana.provider.denials).toHaveLength(1)
    await waitFor(() => toJSON(ana.doc).shifts.bens?.assignee === 'ben', 'the server’s value back in Ana’s document')
    expect((await serverJSON()).shifts).toMatchObject({ bens: { assignee: 'ben' }, anas: { notes: 'swapped with ben?' } })

    applyOps(ana.doc, [{ op: 'set', path: 'shifts.anas.notes', value: 'never mind' }])
    await synced(ana)
    await waitFor(() => toJSON(watcher.doc).shifts.anas?.notes === 'never mind', 'the later note to reach others')
    expect(ana.provider.state.saved).toBe(true)
    expect(ana.denials).toHaveLength(1)
    expect(JSON.stringify(toJSON(ana.doc))).toBe(JSON.stringify(await serverJSON()))
  })

  it('a stock y-websocket client gets permission-denied, its document shows the server’s value again, and it keeps syncing', async () => {
    const doc = new Y.Doc()
    const stock = new WebsocketProvider(serving.server.wsUrl, DOC, doc, {
      WebSocketPolyfill: NodeWebSocket,
      params: { token: tokens.ana },
      disableBc: true,
    })
    cleanup.push(() => stock.destroy())
    const denied: string[] = []
    await waitFor(() => stock.synced, 'the stock client to sync')
    const socket = (): WebSocket | null => stock.ws as unknown as WebSocket | null
    socket()?.addEventListener('message', (event: { data: unknown }) => {
      const bytes = new Uint8Array(event.data as ArrayBuffer)
      if (bytes[0] === 2 && bytes[1] === 0) denied.push('permission denied')
    })
    applyOps(doc, [{ op: 'set', path: 'shifts.bens.assignee', value: 'ana' }])
    await waitFor(() => denied.length === 1, 'permission-denied')
    await waitFor(() => toJSON(doc).shifts.bens?.assignee === 'ben', 'the stock client to show the server’s value')
    applyOps(doc, [{ op: 'set', path: 'shifts.anas.notes', value: 'from a stock client' }])
    await waitFor(async () => (await serverJSON()).shifts.anas?.notes === 'from a stock client', 'the next edit to be stored')
    expect(denied).toHaveLength(1)
  })
})
