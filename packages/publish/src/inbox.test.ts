import { afterEach, describe, expect, it } from 'vitest'
import { createInboxStore } from './inbox.ts'
import { createMemoryKeyValue, openLevelKeyValue, type KeyValue } from './kv.ts'
import { tempDir } from './testing.ts'
import type { InboxItem } from './types.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const item = (staff: string, at: string, extra: Partial<InboxItem> = {}): Omit<InboxItem, 'id'> => ({
  kind: 'changed_after_publication', doc: 'acme/w1', staff, at, updatedAt: at, read: false, publication: 'pub_1' as InboxItem['publication'], shift: 's1', times: 1, ...extra,
})

const stores: Array<[string, () => Promise<KeyValue>]> = [
  ['memory', async () => createMemoryKeyValue()],
  ['LevelDB', async () => {
    const t = tempDir()
    const kv = await openLevelKeyValue(t.dir)
    cleanup.push(t.remove, () => kv.close())
    return kv
  }],
]

describe.each(stores)('the inbox store on %s', (_name, open) => {
  it('keeps people apart by tenant and staff id, whatever characters the ids hold', async () => {
    const inbox = createInboxStore(await open())
    // Ids above U+00FF: a range bound of prefix + '\xff' would miss them in LevelDB's UTF-8 key order.
    for (const staff of ['ana', 'anaïs', '日本', 'ana\u{1F600}']) await inbox.deliver('acme', [{ item: item(staff, '2026-02-20T12:00:00.000Z') }])
    await inbox.deliver('bolt', [{ item: item('ana', '2026-02-20T12:00:00.000Z') }])
    for (const staff of ['ana', 'anaïs', '日本', 'ana\u{1F600}']) expect((await inbox.list('acme', staff)).map((i) => i.staff)).toEqual([staff])
    expect(await inbox.unreadCount('bolt', 'ana')).toBe(1)
    expect(await inbox.unreadCount('bolt', 'anaïs')).toBe(0)
  })

  it('updates an unread item with the same dedupe key, and starts a new one once it is read', async () => {
    const inbox = createInboxStore(await open())
    const [first] = await inbox.deliver('acme', [{ item: item('ana', '2026-02-20T12:00:00.000Z'), dedupe: 'acme/w1\u0000s1\u0000pub_1' }])
    await inbox.deliver('acme', [{ item: item('ana', '2026-02-20T12:05:00.000Z'), dedupe: 'acme/w1\u0000s1\u0000pub_1' }])
    expect((await inbox.list('acme', 'ana')).map((i) => [i.id, i.times, i.updatedAt])).toEqual([[first!.id, 2, '2026-02-20T12:05:00.000Z']])
    expect(await inbox.markRead('acme', 'ana', 'all')).toBe(1)
    await inbox.deliver('acme', [{ item: item('ana', '2026-02-20T12:10:00.000Z'), dedupe: 'acme/w1\u0000s1\u0000pub_1' }])
    const items = await inbox.list('acme', 'ana')
    expect(items.map((i) => [i.read, i.times])).toEqual([[false, 1], [true, 2]])
    expect(await inbox.list('acme', 'ana', { unread: true })).toHaveLength(1)
  })
})
