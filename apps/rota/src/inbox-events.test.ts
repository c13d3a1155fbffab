/**
 * The inbox events that do not come from publishing (#18 item 3), through `rota serve` as an operator runs it
 * (HS256 tokens, LevelDB, the resolver, publishing): "a change of yours was not accepted" (the server's refused
 * changes), "a conflict needs your decision" (to the tenant's people who may decide) and "a conflict involving
 * your edit was resolved automatically" (to its editors). Real Rota providers over real WebSockets on 127.0.0.1:
 * each delivery is pushed live as RotaInbox; the items survive a restart, and another tenant sees none of them.
 * Every wait is for an event or a state, in a bounded loop.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import WebSocket from 'ws'
import { SignJWT } from 'jose'
import { applyOps, fromJSON, type PathOp, type ScheduleJSON } from '@rota/model'
import type { InboxNotice } from '@rota/protocol'
import { RotaProvider } from '@rota/provider'
import type { InboxItem } from '@rota/publish'
import { parseCommandLine, resolveConfig } from './config.ts'
import { startServing, type Serving } from './commands/serve.ts'

const secret = 'inbox-events-secret-inbox-events-secret-01'
const NodeWebSocket = WebSocket as unknown as typeof globalThis.WebSocket
const DOC = 'acme/ward5'

const ward = (): ScheduleJSON => ({
  staff: {
    ana: { name: 'Ana', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
    ben: { name: 'Ben', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
    dee: { name: 'Dee', role: 'nurse', skills: [], maxHoursPerWeek: 40, unavailable: [] },
  },
  shifts: {
    s1: { date: '2026-12-07', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
    s2: { date: '2026-12-08', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ben', notes: '' },
    s3: { date: '2026-12-09', start: '07:00', end: '15:00', role: 'nurse', requiredSkill: null, assignee: 'ana', notes: '' },
  },
  settings: { name: 'Ward 5', timezone: 'UTC', weekStartsOn: 'monday', coverage: [] },
})

const mint = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ tenant: 'acme', ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(secret))

const waitFor = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> => {
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

type Who = 'mara' | 'leo' | 'ana' | 'ben' | 'boltMara'

const serve = async (dir: string): Promise<Serving> => {
  const { values } = parseCommandLine(['serve', '--data-dir', dir, '--port', '0', '--log-level', 'silent'])
  return startServing(resolveConfig(values, {}), values, { ROTA_AUTH_SECRET: secret })
}

describe('inbox events beside publishing', () => {
  it('refused changes, conflicts to decide and conflicts resolved automatically reach the right inboxes, live and after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-inbox-events-'))
    cleanup.push(() => rm(dir, { recursive: true, force: true }))
    let serving = await serve(dir)
    let stopped = false
    cleanup.push(() => (stopped ? undefined : serving.stop()))
    const tokens: Record<Who, string> = {
      // A manager and a lead who are on the rota themselves (staffId), and two staff members.
      mara: await mint({ sub: 'mara', role: 'manager', staffId: 'mara' }),
      leo: await mint({ sub: 'leo', role: 'lead', staffId: 'dee' }),
      ana: await mint({ sub: 'ana', role: 'staff', staffId: 'ana' }),
      ben: await mint({ sub: 'ben', role: 'staff', staffId: 'ben' }),
      // Another tenant's manager with the same sub and staff id.
      boltMara: await mint({ sub: 'mara', role: 'manager', staffId: 'mara', tenant: 'bolt' }),
    }
    const api = async <T = Record<string, unknown>>(who: Who, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${serving.server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: res.status, body: (await res.json()) as T }
    }
    const inbox = async (who: Who) => (await api<{ items: InboxItem[]; unread: number }>(who, 'GET', '/api/inbox')).body
    const rest = async (who: Who, ops: PathOp[]) => expect((await api(who, 'PATCH', `/api/docs/${encodeURIComponent(DOC)}`, { ops })).status).toBe(200)
    const conflicts = async (status: string) =>
      (await api<{ conflicts: Array<{ id: string; status: string }> }>('mara', 'GET', `/api/docs/${encodeURIComponent(DOC)}/conflicts?status=${status}`)).body.conflicts

    const editor = (who: Who) => {
      const doc = new Y.Doc()
      const provider = new RotaProvider(doc, {
        url: serving.server.wsUrl, docName: DOC, token: tokens[who], offline: false, crossTab: false,
        backoff: { initialDelay: 50, maxDelay: 200 }, WebSocketPolyfill: NodeWebSocket,
      })
      const notices: InboxNotice[] = []
      provider.on('inbox', (notice) => notices.push(notice))
      cleanup.push(() => provider.destroy())
      return { doc, provider, notices }
    }
    const synced = async (e: ReturnType<typeof editor>) => {
      await e.provider.whenSynced()
      await e.provider.whenSaved()
    }
    /** An offline edit while someone else changes the same field online: a concurrent overwrite. */
    const clash = async (offline: ReturnType<typeof editor>, edit: PathOp[], online: () => Promise<void>) => {
      offline.provider.disconnect()
      await waitFor(() => offline.provider.state.status === 'offline', 'the editor to go offline')
      applyOps(offline.doc, edit)
      await online()
      offline.provider.connect()
      await synced(offline)
    }

    // The web app asks for the unread count whenever it opens a schedule: that is how the server meets each person.
    for (const who of Object.keys(tokens) as Who[]) expect((await api(who, 'GET', '/api/inbox/unread-count')).body).toEqual({ unread: 0 })
    const seed = editor('mara')
    fromJSON(ward(), seed.doc)
    await synced(seed)

    // 1. A change of yours was not accepted: a staff member renames a colleague.
    const ana = editor('ana')
    await synced(ana)
    applyOps(ana.doc, [{ op: 'set', path: 'staff.ben.name', value: 'Benny' }])
    await waitFor(() => ana.notices.some((n) => n.reason === 'change_not_accepted'), 'RotaInbox for the refused change')
    expect(ana.notices.find((n) => n.reason === 'change_not_accepted')).toEqual({ recipients: ['ana'], reason: 'change_not_accepted' })
    const refused = (await inbox('ana')).items
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatchObject({ kind: 'change_not_accepted', doc: DOC, staff: 'ana', read: false, refused: [{ path: 'staff.ben.name', kind: 'set' }] })
    expect(refused[0]!.refused![0]!.reason).toMatch(/staff may not/)
    expect(refused[0]!.seq).toBeGreaterThan(0)

    // 2. A conflict needs your decision: the manager and the lead (who may decide) are told, staff are not.
    const leo = editor('leo')
    await synced(leo)
    await clash(leo, [{ op: 'set', path: 'shifts.s1.assignee', value: 'dee' }], () => rest('mara', [{ op: 'set', path: 'shifts.s1.assignee', value: 'ben' }]))
    await waitFor(async () => (await conflicts('open')).length === 1, 'the open conflict')
    const [open] = await conflicts('open')
    await waitFor(() => seed.notices.some((n) => n.reason === 'conflict_needs_decision'), 'RotaInbox for the conflict to decide')
    expect(seed.notices.find((n) => n.reason === 'conflict_needs_decision')!.recipients).toEqual(['dee', 'mara'])
    for (const who of ['mara', 'leo'] as const) {
      expect((await inbox(who)).items.map((i) => [i.kind, i.conflict?.id])).toEqual([['conflict_needs_decision', open!.id]])
    }
    expect((await inbox('ben')).items).toEqual([])
    expect((await inbox('ana')).items.map((i) => i.kind)).toEqual(['change_not_accepted'])

    // 3. Resolved automatically: with the team's threshold at 0 the next clash is decided by the resolver;
    // its two editors (mara by REST, leo over the WebSocket, staff record dee) are told which option it applied.
    expect((await api('mara', 'PUT', '/api/teams/acme/resolver-settings', { threshold: 0 })).status).toBe(200)
    await clash(leo, [{ op: 'set', path: 'shifts.s2.assignee', value: 'dee' }], () => rest('mara', [{ op: 'set', path: 'shifts.s2.assignee', value: 'ana' }]))
    await waitFor(async () => (await conflicts('auto_applied')).length === 1, 'the automatic resolution')
    const [auto] = await conflicts('auto_applied')
    await waitFor(() => leo.notices.some((n) => n.reason === 'conflict_resolved_automatically'), 'RotaInbox for the automatic resolution')
    for (const who of ['mara', 'leo'] as const) {
      const item = (await inbox(who)).items.find((i) => i.kind === 'conflict_resolved_automatically')
      expect(item).toMatchObject({ conflict: { id: auto!.id }, read: false })
      expect(typeof item!.conflict!.applied).toBe('string')
    }
    expect((await inbox('ben')).items).toEqual([])

    // Another tenant's person with the same sub and staff id sees none of it.
    expect(await inbox('boltMara')).toEqual({ items: [], unread: 0 })

    // 4. After a restart: every item is still there, and the people the server met before it are still known
    // (the lead is told of a new automatic resolution without having asked for anything since).
    expect((await api('mara', 'POST', '/api/inbox/read', { all: true })).body).toEqual({ marked: 2, unread: 0 })
    seed.provider.destroy()
    ana.provider.destroy()
    leo.provider.destroy()
    await serving.stop()
    stopped = true
    serving = await serve(dir)
    stopped = false
    expect((await inbox('ana')).items.map((i) => [i.kind, i.read])).toEqual([['change_not_accepted', false]])
    expect((await inbox('mara')).unread).toBe(0)
    expect((await inbox('leo')).items.map((i) => i.kind).sort()).toEqual(['conflict_needs_decision', 'conflict_resolved_automatically'])
    const leoAgain = editor('leo')
    await synced(leoAgain)
    await clash(leoAgain, [{ op: 'set', path: 'shifts.s3.assignee', value: 'dee' }], () => rest('mara', [{ op: 'set', path: 'shifts.s3.assignee', value: 'ben' }]))
    await waitFor(async () => (await conflicts('auto_applied')).length === 2, 'the second automatic resolution')
    await waitFor(async () => (await inbox('leo')).items.filter((i) => i.kind === 'conflict_resolved_automatically').length === 2, 'the lead told after the restart')
    expect(await inbox('boltMara')).toEqual({ items: [], unread: 0 })
  })
})
