import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as decoding from 'lib0/decoding'
import { MessageType, readInboxNotice } from '@rota/protocol'
import { call, startPublishServer, tempDir, token, type PublishServer } from './testing.ts'
import type { InboxItem, Publication, Receipt, ShiftChange } from './types.ts'
import type { Preview } from './publisher.ts'

// The tests' clock: 2026-02-20 12:00 UTC. The week published is 2026-03-02 … 03-08.
const NOW = Date.UTC(2026, 1, 20, 12, 0)
const docPath = '/api/docs/acme%2F2026-w10'
const week = { from: '2026-03-02', to: '2026-03-08' }

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const start = async (dir: string, options = {}): Promise<PublishServer> => {
  const s = await startPublishServer(dir, { now: () => NOW, ...options })
  cleanup.push(() => s.close())
  return s
}
const fresh = () => {
  const t = tempDir()
  cleanup.push(t.remove)
  return t.dir
}

const tokens = async () => ({
  admin: await token({ sub: 'root', tenant: 'acme', role: 'admin' }),
  manager: await token({ sub: 'maria', tenant: 'acme', role: 'manager' }),
  lead: await token({ sub: 'leo', tenant: 'acme', role: 'lead' }),
  viewer: await token({ sub: 'vic', tenant: 'acme', role: 'viewer' }),
  ana: await token({ sub: 'ana-user', tenant: 'acme', role: 'staff', staffId: 'ana' }),
  ben: await token({ sub: 'ben-user', tenant: 'acme', role: 'staff', staffId: 'ben' }),
  boltAna: await token({ sub: 'ana-user', tenant: 'bolt', role: 'staff', staffId: 'ana' }),
})

const shift = (date: string, assignee: string | null, start = '08:00') => ({ date, start, end: '16:00', role: 'nurse', assignee })
const set = (path: string, value: unknown) => ({ op: 'set', path, value })

/** The schedule before the first publication: ana has s1, s2; ben s3; ana s5 lies outside the week. */
const seed = async (s: PublishServer, manager: string) => {
  const res = await call(s.server, 'PATCH', docPath, manager, {
    ops: [
      set('staff.ana', { name: 'Ana', role: 'nurse' }), set('staff.ben', { name: 'Ben', role: 'nurse' }),
      set('shifts.s1', shift('2026-03-02', 'ana')), set('shifts.s2', shift('2026-03-03', 'ana')),
      set('shifts.s3', shift('2026-03-04', 'ben')), set('shifts.s5', shift('2026-03-10', 'ana')),
    ],
  })
  expect(res.status).toBe(200)
}

const kinds = (changes: ShiftChange[]) => changes.map((c) => [c.kind, c.shift, c.shortNotice, c.from ?? null, c.to ?? null])
const byStaff = (receipts: Receipt[]) => Object.fromEntries(receipts.map((r) => [r.staff, kinds(r.changes)]))
const inbox = async (s: PublishServer, bearer: string) => (await call<{ items: InboxItem[]; unread: number }>(s.server, 'GET', '/api/inbox', bearer)).body

describe('publishing a week twice, with changes in between', () => {
  it('[P1] records each publication at its seq; receipts, previews, the published view and my shifts are exact', async () => {
    const s = await start(fresh())
    const t = await tokens()
    await seed(s, t.manager)
    // Short notice: shifts starting less than 12 days after 2026-02-20 12:00 (up to 2026-03-04).
    expect((await call(s.server, 'PUT', '/api/teams/acme/publish-settings', t.admin, { noticeDays: 12 })).body).toEqual({ tenant: 'acme', noticeDays: 12 })

    // A lead may not publish under the default rules.
    const refused = await call<{ error: { code: string } }>(s.server, 'POST', `${docPath}/publications`, t.lead, week)
    expect([refused.status, refused.body.error.code]).toEqual([403, 'ROTA_ERR_FORBIDDEN'])

    const first = await call<{ publication: Publication; receipts: Receipt[] }>(s.server, 'POST', `${docPath}/publications`, t.manager, { ...week, note: 'week 10' })
    expect(first.status).toBe(200)
    const headAtFirst = (await call<{ entries: Array<{ seq: number }> }>(s.server, 'GET', `${docPath}/history?limit=1`, t.manager)).body.entries[0]!.seq
    expect(first.body.publication).toMatchObject({ id: 'pub_1', seq: headAtFirst, range: week, by: 'maria', role: 'manager', note: 'week 10', people: 2, at: new Date(NOW).toISOString() })
    expect(byStaff(first.body.receipts)).toEqual({
      ana: [['new', 's1', true, null, null], ['new', 's2', true, null, null]],
      ben: [['new', 's3', true, null, null]],
    })

    // After publishing: s1 moves (twice), s2 goes to ben, s3 is removed, ana gets s4 (2026-03-07: not short notice).
    for (const ops of [[set('shifts.s1.start', '09:00')], [set('shifts.s1.notes', 'bring your badge')], [set('shifts.s2.assignee', 'ben')],
      [{ op: 'delete', path: 'shifts.s3' }], [set('shifts.s4', shift('2026-03-07', 'ana'))]]) {
      expect((await call(s.server, 'PATCH', docPath, t.manager, { ops })).status).toBe(200)
    }
    await s.watcher.idle('acme/2026-w10')

    // Told at once: a shift of yours changed after it was published (one item per shift while unread).
    const afterFirst = (await inbox(s, t.ana)).items
    expect(afterFirst.map((i) => [i.kind, i.shift ?? null, i.times ?? null]).sort()).toEqual([
      ['changed_after_publication', 's1', 2], ['changed_after_publication', 's2', 1], ['changed_after_publication', 's4', 1], ['published', null, null],
    ].sort())
    expect(afterFirst.find((i) => i.shift === 's1')).toMatchObject({ publication: 'pub_1', published: { start: '08:00', assignee: 'ana' } })
    expect((await inbox(s, t.ben)).items.filter((i) => i.kind === 'changed_after_publication').map((i) => i.shift).sort()).toEqual(['s2', 's3'])

    // Until the next publication, the published view is the state at pub_1's seq.
    const published = await call<{ shifts: Record<string, { start: string; assignee: string }>; segments: unknown[] }>(s.server, 'GET', `${docPath}/published?from=${week.from}&to=${week.to}`, t.ana)
    expect(Object.keys(published.body.shifts).sort()).toEqual(['s1', 's2', 's3'])
    expect(published.body.shifts.s1!.start).toBe('08:00')
    expect(published.body.segments).toEqual([{ from: week.from, to: week.to, publication: 'pub_1', seq: headAtFirst }])

    // A team may let its leads publish: the role rule `publish`.
    expect((await call(s.server, 'PUT', '/api/teams/acme/rules', t.admin, { publish: 'lead' })).status).toBe(200)
    const preview = await call<Preview>(s.server, 'GET', `${docPath}/publications/preview?from=${week.from}&to=${week.to}`, t.lead)
    expect(preview.status).toBe(200)
    const expected = {
      ana: [['changed', 's1', true, null, null], ['reassigned', 's2', true, 'ana', 'ben'], ['new', 's4', false, null, null]],
      ben: [['reassigned', 's2', true, 'ana', 'ben'], ['removed', 's3', true, null, null]],
    }
    expect(Object.fromEntries(preview.body.people.map((p) => [p.staff, kinds(p.changes)]))).toEqual(expected)
    expect(preview.body).toMatchObject({ lastPublication: 'pub_1', noticeDays: 12, needsConfirmation: false, conflicts: [] })

    const second = await call<{ publication: Publication; receipts: Receipt[] }>(s.server, 'POST', `${docPath}/publications`, t.lead, { ...week, seq: preview.body.seq })
    expect(second.body.publication).toMatchObject({ id: 'pub_2', seq: preview.body.seq, by: 'leo', role: 'lead' })
    expect(byStaff(second.body.receipts)).toEqual(expected)
    const receipts = await call<{ receipts: Receipt[] }>(s.server, 'GET', `${docPath}/publications/pub_2/receipts`, t.lead)
    expect(byStaff(receipts.body.receipts)).toEqual(expected)

    const list = await call<{ publications: Publication[] }>(s.server, 'GET', `${docPath}/publications`, t.ana)
    expect(list.body.publications.map((p) => [p.id, p.seq])).toEqual([['pub_2', preview.body.seq], ['pub_1', headAtFirst]])

    // My shifts: ana's published shifts (s5 was never published) and her receipts, newest first.
    const mine = await call<{ shifts: Array<{ id: string; shift: { start: string } }>; receipts: Receipt[] }>(s.server, 'GET', `${docPath}/my-shifts?from=2026-03-02&to=2026-03-15`, t.ana)
    expect(mine.status).toBe(200)
    expect(mine.body.shifts.map((x) => [x.id, x.shift.start])).toEqual([['s1', '09:00'], ['s4', '08:00']])
    expect(mine.body.receipts.map((r) => [r.publication, kinds(r.changes)])).toEqual([['pub_2', expected.ana], ['pub_1', [['new', 's1', true, null, null], ['new', 's2', true, null, null]]]])
  })

  it('[P2] asks for confirmation with open conflicts in the range, and shows rule violations', async () => {
    const conflicts = async () => [{ id: 'c_1', kind: 'double_booking' as const, refs: { shifts: ['s1', 's6'], staff: ['ana'], paths: [], coverage: null } }]
    const s = await start(fresh(), { conflicts })
    const t = await tokens()
    await seed(s, t.manager)
    await call(s.server, 'PATCH', docPath, t.manager, { ops: [set('shifts.s6', shift('2026-03-02', 'ana', '12:00'))] })

    const preview = await call<Preview>(s.server, 'GET', `${docPath}/publications/preview?from=${week.from}&to=${week.to}`, t.manager)
    expect(preview.body.needsConfirmation).toBe(true)
    expect(preview.body.conflicts).toEqual([{ id: 'c_1', kind: 'double_booking', shifts: ['s1', 's6'], staff: ['ana'] }])
    expect(preview.body.violations).toContainEqual(expect.objectContaining({ kind: 'double_booking', staff: 'ana', shifts: ['s1', 's6'] }))

    const refused = await call<{ error: { code: string; details: { conflicts: string[] } } }>(s.server, 'POST', `${docPath}/publications`, t.manager, week)
    expect([refused.status, refused.body.error.code, refused.body.error.details.conflicts]).toEqual([409, 'ROTA_PUBLISH_NEEDS_CONFIRMATION', ['c_1']])
    expect((await call<{ publications: unknown[] }>(s.server, 'GET', `${docPath}/publications`, t.manager)).body.publications).toEqual([])

    const confirmed = await call<{ publication: Publication }>(s.server, 'POST', `${docPath}/publications`, t.manager, { ...week, confirm: true })
    expect(confirmed.body.publication.confirmedConflicts).toEqual(['c_1'])
    // Conflicts of other weeks do not count.
    const next = await call<Preview>(s.server, 'GET', `${docPath}/publications/preview?from=2026-03-09&to=2026-03-15`, t.manager)
    expect(next.body.needsConfirmation).toBe(false)
  })

  it('[P3] refuses bad ranges, seqs, roles and unknown publications with stable codes', async () => {
    const s = await start(fresh())
    const t = await tokens()
    const code = async (method: string, path: string, bearer: string, body?: unknown) => {
      const res = await call<{ error: { code: string } }>(s.server, method, path, bearer, body)
      return [res.status, res.body.error.code]
    }
    expect(await code('POST', `${docPath}/publications`, t.manager, week)).toEqual([404, 'ROTA_ERR_DOC_NOT_FOUND'])
    await seed(s, t.manager)
    expect(await code('POST', `${docPath}/publications`, t.manager, { from: '2026-03-08', to: '2026-03-02' })).toEqual([400, 'ROTA_PUBLISH_BAD_RANGE'])
    expect(await code('POST', `${docPath}/publications`, t.manager, { from: '2026-01-01', to: '2027-06-01' })).toEqual([400, 'ROTA_PUBLISH_BAD_RANGE'])
    expect(await code('POST', `${docPath}/publications`, t.manager, { ...week, seq: 999 })).toEqual([409, 'ROTA_PUBLISH_STALE_SEQ'])
    expect(await code('POST', `${docPath}/publications`, t.manager, { ...week, seq: 'head' })).toEqual([400, 'ROTA_ERR_BAD_REQUEST'])
    expect(await code('POST', `${docPath}/publications`, t.viewer, week)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('POST', `${docPath}/publications`, t.ana, week)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('GET', `${docPath}/publications/preview?from=${week.from}&to=${week.to}`, t.ana)).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    expect(await code('GET', `${docPath}/publications/pub_9`, t.ana)).toEqual([404, 'ROTA_PUBLISH_NOT_FOUND'])
    expect(await code('GET', '/api/inbox', t.manager)).toEqual([403, 'ROTA_PUBLISH_NOT_STAFF'])
    expect(await code('PUT', '/api/teams/acme/publish-settings', t.lead, { noticeDays: 3 })).toEqual([403, 'ROTA_ERR_FORBIDDEN'])
    const first = await call<{ publication: Publication }>(s.server, 'POST', `${docPath}/publications`, t.manager, week)
    expect(await code('POST', `${docPath}/publications`, t.manager, { ...week, seq: first.body.publication.seq - 1 })).toEqual([409, 'ROTA_PUBLISH_STALE_SEQ'])
  })
})

describe('inboxes', () => {
  it('[I1] are per user and per tenant, mark read, and survive a restart', async () => {
    const dir = fresh()
    let s = await start(dir)
    const t = await tokens()
    await seed(s, t.manager)
    await call(s.server, 'POST', `${docPath}/publications`, t.manager, week)

    const ana = await inbox(s, t.ana)
    expect(ana.unread).toBe(1)
    expect(ana.items[0]).toMatchObject({ kind: 'published', doc: 'acme/2026-w10', staff: 'ana', publication: 'pub_1', read: false })
    expect((await inbox(s, t.ben)).items.map((i) => i.staff)).toEqual(['ben'])
    // bolt's ana is someone else: nothing in her inbox, and acme's schedule is not hers to read.
    expect(await inbox(s, t.boltAna)).toEqual({ items: [], unread: 0 })
    expect((await call(s.server, 'GET', `${docPath}/my-shifts?from=${week.from}&to=${week.to}`, t.boltAna)).status).toBe(403)

    const marked = await call(s.server, 'POST', '/api/inbox/read', t.ana, { ids: [ana.items[0]!.id] })
    expect(marked.body).toEqual({ marked: 1, unread: 0 })
    expect((await call(s.server, 'GET', '/api/inbox/unread-count', t.ben)).body).toEqual({ unread: 1 })

    await s.close()
    cleanup.pop()
    s = await start(dir)
    const again = await inbox(s, t.ana)
    expect(again.items.map((i) => [i.id, i.read])).toEqual([[ana.items[0]!.id, true]])
    expect((await call(s.server, 'GET', '/api/inbox/unread-count', t.ben)).body).toEqual({ unread: 1 })
    expect((await call<{ publications: Publication[] }>(s.server, 'GET', `${docPath}/publications`, t.ana)).body.publications.map((p) => p.id)).toEqual(['pub_1'])
    expect((await call(s.server, 'POST', '/api/inbox/read', t.ben, { all: true })).body).toEqual({ marked: 1, unread: 0 })
  })

  it('[I2] pushes RotaInbox to the document\'s Rota connections only, naming the recipients', async () => {
    const s = await start(fresh())
    const t = await tokens()
    await seed(s, t.manager)
    const open = async (query: string) => {
      const ws = new WebSocket(`${s.server.wsUrl}/acme/2026-w10?${query}`)
      const messages: Uint8Array[] = []
      ws.binaryType = 'nodebuffer'
      ws.on('message', (data: Buffer) => messages.push(new Uint8Array(data)))
      await new Promise((resolve, reject) => {
        ws.once('open', resolve)
        ws.once('error', reject)
      })
      cleanup.push(() => ws.close())
      return messages
    }
    const rota = await open(`ack=1&token=${t.ana}`)
    const stock = await open(`token=${t.ben}`)
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 3000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
      expect(check()).toBe(true)
    }
    await call(s.server, 'POST', `${docPath}/publications`, t.manager, week)
    await waitFor(() => rota.some((m) => m[0] === MessageType.RotaInbox))
    const notice = rota.find((m) => m[0] === MessageType.RotaInbox)!
    const decoder = decoding.createDecoder(notice)
    decoding.readVarUint(decoder)
    expect(readInboxNotice(decoder)).toEqual({ recipients: ['ana', 'ben'], reason: 'published' })
    // An update broadcast after the notice reaches the stock connection; the notice before it never did.
    const before = stock.length
    await call(s.server, 'PATCH', docPath, t.manager, { ops: [set('shifts.s5.notes', 'late')] })
    await waitFor(() => stock.length > before)
    expect(stock.some((m) => m[0] === MessageType.RotaInbox)).toBe(false)
  })
})
