import * as Y from 'yjs'
import { tenantOf } from '@rota/auth'
import { Root, SHIFT_FIELDS, readField, type ShiftJSON } from '@rota/model'
import type { UpdateEvent } from '@rota/server'
import { tenantKey, type PublishContext } from './context.ts'
import { coveringOf, publishedShifts, type PublishedShift } from './published.ts'
import { shiftsTouched } from './touched.ts'
import type { Publication } from './types.ts'

/** A shift as @rota/model reads it (its field table and lenient reader), or null when it is gone. */
const readShift = (ydoc: Y.Doc, id: string): ShiftJSON | null => {
  const map = ydoc.getMap(Root.shifts).get(id)
  if (!(map instanceof Y.Map)) return null
  return Object.fromEntries(Object.entries(SHIFT_FIELDS).map(([name, spec]) => [name, readField(spec, map.get(name))])) as unknown as ShiftJSON
}

const same = (a: ShiftJSON | null, b: ShiftJSON | null): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Documents whose published shifts are kept in memory at once. */
const MAX_CACHED_DOCS = 256

interface Published {
  publications: Publication[]
  shifts: Map<string, PublishedShift>
}

/**
 * "A shift of yours changed after it was published": watches every stored update, and for each shift it
 * touched that is published (or now lies in a published range) and now differs from what was published,
 * tells the published assignee and the new one. The touched shifts and their current values are read at
 * once (the room's document moves on); what was published is read from the log, once per document until
 * its next publication (`forget`).
 */
export const createWatcher = (ctx: PublishContext, onError: (err: unknown, doc: string) => void) => {
  const cache = new Map<string, Promise<Published>>()
  const pending = new Set<Promise<void>>()
  const load = (doc: string): Promise<Published> => {
    let entry = cache.get(doc)
    if (entry === undefined) {
      // Bounded: the oldest document read goes first (it is read from the store again when next touched).
      if (cache.size >= MAX_CACHED_DOCS) cache.delete(cache.keys().next().value as string)
      entry = ctx.publications.list(doc).then(async (publications) => ({ publications, shifts: await publishedShifts(ctx.log, doc, publications) }))
      cache.set(doc, entry)
      entry.catch(() => cache.delete(doc))
    }
    return entry
  }

  const examine = async (doc: string, current: Map<string, ShiftJSON | null>): Promise<void> => {
    const { publications, shifts } = await load(doc)
    if (publications.length === 0) return
    const items = []
    for (const [id, now] of current) {
      const was = shifts.get(id)
      const publication = was?.publication ?? (now === null ? undefined : coveringOf(publications, now.date))
      if (publication === undefined || same(was?.shift ?? null, now)) continue
      const people = new Set([was?.shift.assignee, now?.assignee].filter((p): p is string => typeof p === 'string'))
      const at = new Date(ctx.now()).toISOString()
      for (const staff of people) {
        items.push({
          item: { kind: 'changed_after_publication' as const, doc, staff, at, updatedAt: at, read: false, publication: publication.id, shift: id, published: was?.shift ?? null, times: 1 },
          dedupe: `${doc}\u0000${id}\u0000${publication.id}`,
        })
      }
    }
    if (items.length === 0) return
    await ctx.inbox.deliver(tenantKey(tenantOf(doc)), items)
    ctx.metrics?.inboxItems.inc({ kind: 'changed_after_publication' }, items.length)
    ctx.notify(doc, [...new Set(items.map((i) => i.item.staff))].sort(), 'changed_after_publication')
  }

  return {
    /** For Rooms.onUpdate: reads what the update touched now, examines it in order per document. */
    observe(event: UpdateEvent): void {
      const touched = shiftsTouched(event.ydoc, event.update)
      if (touched.size === 0) return
      const current = new Map([...touched].map((id) => [id, readShift(event.ydoc, id)]))
      const task = ctx.serial(`watch\u0000${event.doc}`, () => examine(event.doc, current)).catch((err: unknown) => onError(err, event.doc))
      pending.add(task)
      void task.finally(() => pending.delete(task))
    },
    /** A new publication: what is published is read again on the next update. */
    forget(doc: string): void {
      cache.delete(doc)
    },
    /** Resolves once every update observed so far is examined (tests, shutdown). */
    idle: (doc: string): Promise<void> => ctx.serial(`watch\u0000${doc}`, async () => undefined),
    /** Resolves once every update observed so far, of every document, is examined (before the store closes). */
    drain: async (): Promise<void> => {
      for (let round = 0; round < 100 && pending.size > 0; round++) await Promise.all([...pending])
    },
  }
}

export type Watcher = ReturnType<typeof createWatcher>
