import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { createMemoryLog, type UpdateLog } from '@rota/log'
import { assign, removeStaff } from '@rota/model'
import { createMetrics, startServer, type AuthHooks, type RotaServer } from '@rota/server'
import { editor, testAuthHooks, tokenOf, waitFor, type Editor } from './e2e.helpers.ts'
import { resolverExtension } from './extension.ts'
import type { Resolver } from './resolver.ts'
import { seedWard } from './fixtures.ts'
import { learn, newTeamModel } from './model.ts'
import { openLevelStore, type ResolverStore } from './store.ts'
import { defaultTeamSettings, type Conflict, type ConflictFeatures } from './types.ts'

const DOC = 'ward/w48'
const path = `/api/docs/${encodeURIComponent(DOC)}/conflicts`

interface Running { server: RotaServer; log: UpdateLog; store: ResolverStore; dir: string; editors: Editor[]; resolver: () => Resolver }
const running: Running[] = []

const start = async (reuse?: { log: UpdateLog; dir: string }, hooks: AuthHooks = testAuthHooks): Promise<Running> => {
  const dir = reuse?.dir ?? (await mkdtemp(join(tmpdir(), 'rota-resolver-')))
  const log = reuse?.log ?? createMemoryLog()
  const store = await openLevelStore(join(dir, 'resolver'))
  const metrics = createMetrics({ defaultMetrics: false })
  let engine: Resolver | undefined
  const server = await startServer({
    log, logger: false, hooks, metrics,
    extensions: [resolverExtension({ store, registry: metrics.registry, unchallengedAfterMs: 60_000, onReady: (x) => { engine = x } })],
  })
  const r = { server, log, store, dir, editors: [], resolver: () => engine as Resolver }
  running.push(r)
  return r
}

const stop = async (r: Running): Promise<void> => {
  for (const e of r.editors) e.destroy()
  await r.server.close()
  await r.store.close()
  running.splice(running.indexOf(r), 1)
}

afterEach(async () => {
  for (const r of [...running]) {
    await stop(r)
    await rm(r.dir, { recursive: true, force: true })
  }
})

const manager = tokenOf('mia', 'manager', 'ward')
const api = async (r: Running, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, token = manager) => {
  const res = await r.server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { payload: body as object }) })
  return { status: res.statusCode, body: res.json() as { conflicts: Conflict[] } & Conflict & { error: { code: string } } }
}

const assigneeOf = (doc: Y.Doc, shift: string): unknown => (doc.getMap('shifts').get(shift) as Y.Map<unknown> | undefined)?.get('assignee')

/** Seeds the ward, then brings alice and bob online, synced, and offline again. */
const twoOffline = async (r: Running): Promise<{ alice: Editor; bob: Editor; admin: Editor }> => {
  const admin = editor(r.server.wsUrl, DOC, tokenOf('root', 'admin', 'ward'))
  const alice = editor(r.server.wsUrl, DOC, tokenOf('alice', 'manager', 'ward'))
  const bob = editor(r.server.wsUrl, DOC, tokenOf('bob', 'lead', 'ward'))
  r.editors.push(admin, alice, bob)
  await admin.connect()
  seedWard(admin.doc)
  await waitFor(async () => (await r.log.head(DOC)) !== undefined, 5000, 'seed stored')
  await alice.connect()
  await bob.connect()
  await alice.disconnect()
  await bob.disconnect()
  return { alice, bob, admin }
}

const openConflicts = async (r: Running, n: number, status = 'open'): Promise<Conflict[]> => {
  let list: Conflict[] = []
  await waitFor(async () => {
    list = (await api(r, 'GET', `${path}?status=${status}`)).body.conflicts
    return list.length >= n
  }, 5000, `${n} ${status} conflicts`)
  return list
}

describe('through the real server', () => {
  it('[A1] two offline assignments of one shift show as a concurrent_overwrite; resolving applies the option', async () => {
    const r = await start()
    const { alice, bob, admin } = await twoOffline(r)
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    await alice.connect(Date.parse('2026-11-23T07:00:00Z'))
    await bob.connect(Date.parse('2026-11-23T07:05:00Z'))
    const [c] = await openConflicts(r, 1)
    expect(c).toMatchObject({
      kind: 'concurrent_overwrite', status: 'open', appliedOptionId: null, resolvedAt: null, resolvedBy: null,
      refs: { shifts: ['s1'], staff: ['ana', 'ben'], paths: ['shifts.s1.assignee'], coverage: null },
    })
    expect(c!.edits.map((e) => [e.editorId, e.role]).sort()).toEqual([['alice', 'manager'], ['bob', 'lead']])
    expect(c!.edits.find((e) => e.editorId === 'alice')?.clientTime).toBe('2026-11-23T07:00:00.000Z')
    await waitFor(() => admin.notices.some((n) => n.changed.includes(c!.id)), 5000, 'conflicts notice')

    // Keep the editor whose value Yjs dropped, so the resolution changes the document.
    const keepAlice = c!.options.find((o) => o.ops.length > 0)!
    const wanted = keepAlice.ops[0]!.value
    const res = await api(r, 'POST', `${path}/${c!.id}/resolve`, { optionId: keepAlice.id })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ id: c!.id, status: 'resolved', appliedOptionId: keepAlice.id, resolvedBy: 'mia' })
    await waitFor(() => assigneeOf(admin.doc, 's1') === wanted, 5000, 'resolution reaches editors')
    const entries = []
    for await (const e of r.log.read(DOC)) entries.push(e)
    const last = entries.at(-1)!
    expect(last.meta).toMatchObject({ actor: 'resolver', role: 'system', origin: 'resolver', details: { conflictId: c!.id, optionId: keepAlice.id } })

    // Acting again: the same option is idempotent, another one is a 409, unknown ids 404/422.
    expect((await api(r, 'POST', `${path}/${c!.id}/resolve`, { optionId: keepAlice.id })).status).toBe(200)
    const other = c!.options.find((o) => o.id !== keepAlice.id)!
    expect((await api(r, 'POST', `${path}/${c!.id}/resolve`, { optionId: other.id })).body.error.code).toBe('ROTA_RESOLVER_STATUS_CONFLICT')
    expect((await api(r, 'POST', `${path}/${c!.id}/dismiss`, {})).status).toBe(409)
    expect((await api(r, 'POST', `${path}/nope/resolve`, { optionId: 'o1' })).status).toBe(404)
    expect((await api(r, 'POST', `${path}/${c!.id}/resolve`, { optionId: 'o9' })).status).toBe(422)
    expect((await api(r, 'GET', `${path}?status=resolved`)).body.conflicts.map((x) => x.id)).toEqual([c!.id])
    expect((await api(r, 'GET', `${path}?status=bogus`)).status).toBe(400)
    expect((await api(r, 'GET', path, undefined, tokenOf('eve', 'manager', 'other'))).status).toBe(403)
    expect((await api(r, 'POST', `${path}/${c!.id}/dismiss`, {}, tokenOf('sam', 'staff', 'ward'))).status).toBe(403)
    const metrics = await r.server.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.body).toMatch(/rota_resolver_conflicts_detected_total\{kind="concurrent_overwrite"\} 1/)
  })

  it('[A2] a confident team model applies its suggestion at once; override and dismiss undo it', async () => {
    const r = await start()
    // A team that always keeps the first writer, taught through the model's own learning step.
    const features: ConflictFeatures = {
      kind: 'concurrent_overwrite', magnitude: 0, rolesDiffer: true,
      options: [
        { optionId: 'o1', strategies: ['first_writer_wins', 'senior_role'], keepAll: false },
        { optionId: 'o2', strategies: ['last_writer_wins', 'yjs_kept'], keepAll: false },
      ],
    }
    let model = newTeamModel()
    for (let i = 0; i < 30; i++) model = learn(model, features, 'o1')
    await r.store.putTeam('ward', { model, settings: { ...defaultTeamSettings } })
    // The store is read when the team is first needed, so restart the extension's cache by using a fresh server.
    await stop(r)
    const r2 = await start({ log: r.log, dir: r.dir })
    const { alice, bob, admin } = await twoOffline(r2)
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    bob.doc.transact(() => assign(bob.doc, 's2', 'cy'))
    alice.doc.transact(() => assign(alice.doc, 's2', 'dov'))
    await alice.connect(Date.parse('2026-11-23T07:00:00Z'))
    await bob.connect(Date.parse('2026-11-23T07:05:00Z'))
    const auto = await openConflicts(r2, 2, 'auto_applied')
    for (const c of auto) {
      expect(['first_writer_wins', 'senior_role']).toContain(c.suggestion.strategy)
      expect(c.suggestion.confidence).toBeGreaterThanOrEqual(0.8)
      expect(c.appliedOptionId).toBe(c.suggestion.optionId)
      expect(c.options.find((o) => o.id === c.appliedOptionId)!.keeps).toEqual(['alice'])
    }
    // Already in the document when listed as auto_applied.
    expect(assigneeOf(r2.server.rooms && (await r2.server.rooms.getDoc(DOC)), 's1')).toBe('ana')
    await waitFor(() => assigneeOf(admin.doc, 's1') === 'ana' && assigneeOf(admin.doc, 's2') === 'dov', 5000, 'auto resolution reaches editors')

    const s1 = auto.find((c) => c.refs.shifts[0] === 's1')!
    const s2 = auto.find((c) => c.refs.shifts[0] === 's2')!
    const keepBob = s1.options.find((o) => o.keeps.includes('bob'))!
    const over = await api(r2, 'POST', `${path}/${s1.id}/resolve`, { optionId: keepBob.id })
    expect(over.body).toMatchObject({ status: 'overridden', appliedOptionId: keepBob.id })
    await waitFor(() => assigneeOf(admin.doc, 's1') === 'ben', 5000, 'override reaches editors')

    const dismissed = await api(r2, 'POST', `${path}/${s2.id}/dismiss`, {})
    expect(dismissed.body).toMatchObject({ status: 'dismissed' })
    // Undoing the automatic change puts back what Yjs had kept.
    const kept = s2.options.find((o) => o.ops.length === 0)!.keeps[0] === 'bob' ? 'cy' : 'dov'
    await waitFor(() => assigneeOf(admin.doc, 's2') === kept, 5000, 'dismissal reaches editors')
  })

  it('[A4] semantic conflicts of offline sessions: double booking and dangling reference, none for synced edits', async () => {
    const r = await start()
    const { alice, bob } = await twoOffline(r)
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's2', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's6', 'cy'))
    alice.doc.transact(() => removeStaff(alice.doc, 'cy'))
    await alice.connect()
    await bob.connect()
    const found = await openConflicts(r, 2)
    expect(found.map((c) => c.kind).sort()).toEqual(['dangling_reference', 'double_booking'])
    const db = found.find((c) => c.kind === 'double_booking')!
    expect(db.refs).toEqual({ shifts: ['s1', 's2'], staff: ['ana'], paths: [], coverage: null })
    expect(db.options.map((o) => o.keeps.length)).toEqual([1, 1, 2])
    // Sequential: bob, now synced, knowingly double-books ben; alice later adds nothing conflicting.
    await bob.disconnect()
    const head = (await r.log.head(DOC))!.headSeq
    bob.doc.transact(() => { assign(bob.doc, 's3', 'ben'); assign(bob.doc, 's4', 'ben') })
    await bob.connect()
    await waitFor(async () => (await r.log.head(DOC))!.headSeq > head, 5000, 'bob stored')
    await r.resolver().idle()
    const all = (await api(r, 'GET', `${path}?status=all`)).body.conflicts
    expect(all).toHaveLength(2)
  })

  it('[V1] a removal that only deletes is unseen by a reply whose delete set lacks it, whatever the server\'s cut says', async () => {
    // Nobody is assigned to ben: alice's removal is a delete-only update, so bob's state vector covers every
    // struct and the server's view says he had everything; his reply's delete set shows he did not.
    const r = await start()
    const { alice, bob } = await twoOffline(r)
    alice.doc.transact(() => removeStaff(alice.doc, 'ben'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    await alice.connect()
    await waitFor(async () => ((await r.log.head(DOC))?.headSeq ?? 0) >= 2, 5000, 'removal stored')
    await bob.connect()
    const found = await openConflicts(r, 1)
    expect(found.map((c) => c.kind)).toEqual(['dangling_reference'])
    expect(found[0]!.edits.map((e) => e.editorId).sort()).toEqual(['alice', 'bob'])
  })

  it('[A6] resolving asks the auth policy about the option\'s ops like any edit', async () => {
    const r = await start(undefined, { ...testAuthHooks, authorizeOps: (who) => (who.role === 'lead' ? { ok: false, reason: 'leads may not reassign' } : { ok: true }) })
    const { alice, bob } = await twoOffline(r)
    alice.doc.transact(() => assign(alice.doc, 's1', 'ana'))
    bob.doc.transact(() => assign(bob.doc, 's1', 'ben'))
    await alice.connect()
    await bob.connect()
    const [c] = await openConflicts(r, 1)
    const refused = await api(r, 'POST', `${path}/${c!.id}/resolve`, { optionId: 'o1' }, tokenOf('lee', 'lead', 'ward'))
    expect(refused.status).toBe(403)
    expect(refused.body.error.code).toBe('ROTA_RESOLVER_FORBIDDEN')
    expect((await api(r, 'GET', path)).body.conflicts[0]!.status).toBe('open')
    expect((await api(r, 'POST', `${path}/${c!.id}/resolve`, { optionId: 'o1' })).status).toBe(200)
  })

  it('[A3] team settings: always-ask and threshold through the admin route; state survives a restart', async () => {
    const r = await start()
    const url = '/api/teams/ward/resolver-settings'
    expect((await api(r, 'GET', url)).body).toMatchObject({ team: 'ward', threshold: 0.8, alwaysAsk: [] })
    const put = await api(r, 'PUT', url, { threshold: 0.9, alwaysAsk: ['double_booking'] })
    expect(put.body).toMatchObject({ threshold: 0.9, alwaysAsk: ['double_booking'] })
    expect((await api(r, 'PUT', url, { threshold: 2 })).status).toBe(400)
    expect((await api(r, 'PUT', url, { alwaysAsk: ['nonsense'] })).status).toBe(400)
    expect((await api(r, 'PUT', url, { threshold: 0.5 }, tokenOf('lee', 'lead', 'ward'))).status).toBe(403)
    expect((await api(r, 'GET', '/api/teams/other/resolver-settings')).status).toBe(403)
    await stop(r)
    const r2 = await start({ log: r.log, dir: r.dir })
    expect((await api(r2, 'GET', url)).body).toMatchObject({ threshold: 0.9, alwaysAsk: ['double_booking'] })
  })
})
