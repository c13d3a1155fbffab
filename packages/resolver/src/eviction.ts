/**
 * When the resolver drops a document's history (DocHistory: its own copy of the document, indexes, the
 * entries kept for authors' views), to be read from the log again when the document is next edited:
 * - when the document unloads from the server (nobody connected for `roomIdleMs`);
 * - when its room hibernates (open, but nobody used it for `roomHibernateMs`), if reading it back replays
 *   its whole log: `headSeq` at most `forgetHibernatedUpTo` entries. The history read back is then exactly
 *   the one dropped (the same entries, from seq 1), so nothing about later authors' views changes. A longer
 *   history is kept while the document is open: reading it back would start from a checkpoint and cost
 *   seconds of detection (docs/resolver.md, Bounded memory).
 * An idle open document is most of a busy server's documents, and its history was the largest thing held for
 * it (a small schedule: about 66 KB of heap, against about 2 KB for the hibernated room).
 */
import type { Rooms } from '@rota/server'
import type { Resolver } from './resolver.ts'

/** Histories of up to this many entries are dropped when their room hibernates. */
const defaultForgetHibernatedUpTo = 1_000

export interface EvictionOptions {
  rooms: Pick<Rooms, 'openDocs' | 'onHibernate' | 'onUpdate'>
  resolver: Pick<Resolver, 'held' | 'forget'>
  /** How often unloaded documents (and hibernated ones with work left at the time) are looked at. */
  everyMs: number
  forgetHibernatedUpTo?: number
}

/** Starts dropping histories as described above; returns stop(). */
export const startEviction = (options: EvictionOptions): (() => void) => {
  const { rooms, resolver } = options
  const upTo = options.forgetHibernatedUpTo ?? defaultForgetHibernatedUpTo
  // Hibernated documents whose history had updates still being examined when they hibernated: tried again.
  const hibernated = new Set<string>()
  const stopHibernate = rooms.onHibernate((doc, headSeq) => {
    if (headSeq > upTo || resolver.forget(doc)) return
    hibernated.add(doc)
  })
  // An update wakes the room: its history is wanted again.
  const stopUpdates = rooms.onUpdate((event) => hibernated.delete(event.doc))
  const sweep = setInterval(() => {
    const open = new Set(rooms.openDocs())
    for (const doc of resolver.held()) if (!open.has(doc)) resolver.forget(doc)
    for (const doc of hibernated) if (!open.has(doc) || resolver.forget(doc)) hibernated.delete(doc)
  }, options.everyMs)
  sweep.unref()
  return () => {
    clearInterval(sweep)
    stopHibernate()
    stopUpdates()
  }
}
