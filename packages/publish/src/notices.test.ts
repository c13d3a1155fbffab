import { describe, expect, it } from 'vitest'
import type { Conflict } from '@rota/resolver'
import { createLocks, type Identity } from '@rota/server'
import type { PublishContext } from './context.ts'
import { createInboxStore } from './inbox.ts'
import { createMemoryKeyValue } from './kv.ts'
import { createNotices } from './notices.ts'
import { createPeople } from './people.ts'
import { createPublicationStore } from './store.ts'

const NOW = Date.UTC(2026, 1, 20, 12, 0)

const setup = () => {
  const kv = createMemoryKeyValue()
  const pushed: Array<{ doc: string; recipients: string[]; reason: string }> = []
  const ctx: PublishContext = {
    log: undefined as never, publications: createPublicationStore(kv), inbox: createInboxStore(kv),
    notify: (doc, recipients, reason) => pushed.push({ doc, recipients, reason }), now: () => NOW, serial: createLocks(),
  }
  const people = createPeople(kv)
  return { ctx, people, pushed, notices: createNotices(ctx, people) }
}

const who = (sub: string, role: Identity['role'], tenant: string, staffId?: string): Identity =>
  ({ sub, role, tenant, ...(staffId === undefined ? {} : { staffId }) }) as Identity

const conflict = (id: string, status: Conflict['status'], editors: string[]): Conflict => ({
  id: id as Conflict['id'], kind: 'concurrent_overwrite', refs: { shifts: ['s1'], staff: ['ana'], paths: ['shifts.s1.assignee'], coverage: null },
  edits: editors.map((editorId) => ({ editorId, role: 'manager', clientTime: '', receivedAt: '' })),
  options: [{ id: 'keep-a', keeps: [], label: 'Keep Ana', ops: [] }], suggestion: { optionId: 'keep-a', confidence: 1, strategy: 'x' },
  status, appliedOptionId: status === 'auto_applied' ? 'keep-a' : null, detectedAt: '', resolvedAt: null, resolvedBy: null,
}) as unknown as Conflict

describe('inbox events from conflicts', () => {
  it('a conflict to decide goes to the tenant\'s people who may decide; once per conflict while unread', async () => {
    const { ctx, people, pushed, notices } = setup()
    await people.learn('acme', who('mara', 'manager', 'acme', 'mara'), NOW)
    await people.learn('acme', who('leo', 'lead', 'acme', 'dee'), NOW)
    await people.learn('acme', who('ana', 'staff', 'acme', 'ana'), NOW)
    await people.learn('acme', who('vic', 'manager', 'acme'), NOW) // no staff record: no inbox
    await people.learn('bolt', who('boss', 'admin', 'bolt', 'boss'), NOW)
    expect(await people.deciders('acme')).toEqual(['dee', 'mara'])

    await notices.conflicts('acme/w1', [conflict('c_1', 'open', ['mara', 'leo'])])
    await notices.conflicts('acme/w1', [conflict('c_1', 'open', ['mara', 'leo', 'ana'])]) // it grew: same item, counted
    expect(pushed).toEqual([
      { doc: 'acme/w1', recipients: ['dee', 'mara'], reason: 'conflict_needs_decision' },
      { doc: 'acme/w1', recipients: ['dee', 'mara'], reason: 'conflict_needs_decision' },
    ])
    for (const staff of ['dee', 'mara']) {
      expect((await ctx.inbox.list('acme', staff)).map((i) => [i.kind, i.conflict?.id, i.times])).toEqual([['conflict_needs_decision', 'c_1', 2]])
    }
    expect(await ctx.inbox.list('acme', 'ana')).toEqual([])
    expect(await ctx.inbox.list('bolt', 'boss')).toEqual([])
  })

  it('an automatic resolution goes to the editors the server has met (by sub), in the document\'s tenant only', async () => {
    const { ctx, people, notices } = setup()
    await people.learn('acme', who('leo', 'lead', 'acme', 'dee'), NOW)
    await people.learn('bolt', who('mara', 'manager', 'bolt', 'mara'), NOW)
    // mara is known in bolt only; an unknown editor is skipped.
    await notices.conflicts('acme/w1', [conflict('c_2', 'auto_applied', ['leo', 'mara', 'stranger'])])
    expect((await ctx.inbox.list('acme', 'dee')).map((i) => [i.kind, i.conflict])).toEqual([
      ['conflict_resolved_automatically', { id: 'c_2', kind: 'concurrent_overwrite', shifts: ['s1'], staff: ['ana'], applied: 'Keep Ana' }],
    ])
    expect(await ctx.inbox.list('acme', 'mara')).toEqual([])
    expect(await ctx.inbox.list('bolt', 'mara')).toEqual([])
  })

  it('a refused change goes to its editor\'s staff id, and teaches the directory who they are', async () => {
    const { ctx, people, pushed, notices } = setup()
    await notices.refused({ doc: 'acme/w1', seq: 7, identity: who('ana-user', 'staff', 'acme', 'ana'), changes: [{ path: 'staff.ben.name', kind: 'set', value: 'B', reason: 'staff may not set staff.ben.name' }] })
    await notices.refused({ doc: 'acme/w1', seq: 8, identity: who('vic', 'lead', 'acme'), changes: [{ path: 'staff.ben', kind: 'delete', reason: 'no' }] })
    expect((await ctx.inbox.list('acme', 'ana')).map((i) => [i.kind, i.seq, i.refused])).toEqual([
      ['change_not_accepted', 7, [{ path: 'staff.ben.name', kind: 'set', reason: 'staff may not set staff.ben.name' }]],
    ])
    expect(pushed).toEqual([{ doc: 'acme/w1', recipients: ['ana'], reason: 'change_not_accepted' }])
    expect(await people.staffOf('acme', 'ana-user')).toBe('ana')
    expect(await people.staffOf('bolt', 'ana-user')).toBeUndefined()
  })
})
