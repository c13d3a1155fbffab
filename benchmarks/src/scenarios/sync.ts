import { isDeepStrictEqual } from 'node:util'
import * as Y from 'yjs'
import { readSchedule } from '../workload/schedule.ts'

/** True when `have` holds every struct that `want` names (clock per client id). */
const covers = (have: Map<number, number>, want: Map<number, number>): boolean => {
  for (const [client, clock] of want) if ((have.get(client) ?? 0) < clock) return false
  return true
}

const stateVectorOf = (doc: Y.Doc): Map<number, number> => Y.decodeStateVector(Y.encodeStateVector(doc))

type DeleteSet = ReturnType<typeof Y.createDeleteSetFromStructStore>

/**
 * True when every range `want` deletes is deleted in `have` too. Both come from createDeleteSetFromStructStore, whose
 * ranges are sorted and maximal, so each wanted range lies inside one range of `have`.
 */
const coversDeletes = (have: DeleteSet, want: DeleteSet): boolean => {
  for (const [client, wanted] of want.clients) {
    const held = have.clients.get(client) ?? []
    let i = 0
    for (const { clock, len } of wanted) {
      while (i < held.length && held[i]!.clock + held[i]!.len <= clock) i++
      const range = held[i]
      if (range === undefined || range.clock > clock || range.clock + range.len < clock + len) return false
    }
  }
  return true
}

/**
 * What a replica must hold to have another's state: its structs (state vector) and its deletions. A state vector
 * alone is not enough: an edit that only deletes (removing a day of time off) does not advance it.
 */
export interface StateTarget { sv: Map<number, number>; ds: DeleteSet }

export const stateOf = (doc: Y.Doc): StateTarget => ({ sv: stateVectorOf(doc), ds: Y.createDeleteSetFromStructStore(doc.store) })

/** True when `doc` holds `target`; the delete set (a walk over every struct) is built only once the structs are there. */
export const holds = (doc: Y.Doc, target: StateTarget): boolean =>
  covers(stateVectorOf(doc), target.sv) && coversDeletes(Y.createDeleteSetFromStructStore(doc.store), target.ds)

/** How far `doc` is from `target`, for error messages: structs held of those wanted, and whether the deletions match. */
const describeGap = (doc: Y.Doc, target: StateTarget): string => {
  const have = stateVectorOf(doc)
  let held = 0
  let wanted = 0
  for (const [client, clock] of target.sv) {
    wanted += clock
    held += Math.min(clock, have.get(client) ?? 0)
  }
  const deletes = coversDeletes(Y.createDeleteSetFromStructStore(doc.store), target.ds) ? 'all' : 'not all'
  return `holds ${held} of ${wanted} structs and ${deletes} deletions`
}

/** Full-state check: each holds the other's structs and deletions, and the schedule JSON is the same. */
export const sameState = (a: Y.Doc, b: Y.Doc): boolean =>
  holds(a, stateOf(b)) && holds(b, stateOf(a)) && isDeepStrictEqual(readSchedule(a), readSchedule(b))

class TimeoutError extends Error {
  readonly code = 'ROTA_BENCH_TIMEOUT'
}

/**
 * Resolves once `condition()` holds, re-checking after every update of any of `docs` (and every 50 ms, for
 * conditions on things other than documents). Rejects after `timeoutMs` with `what` in the message.
 */
export const waitUntil = (docs: Y.Doc[], condition: () => boolean, timeoutMs: number, what: string): Promise<void> =>
  new Promise((resolve, reject) => {
    if (condition()) return resolve()
    const check = () => {
      if (!condition()) return
      cleanup()
      resolve()
    }
    const timer = setInterval(check, 50)
    const deadline = setTimeout(() => {
      cleanup()
      reject(new TimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`))
    }, timeoutMs)
    const cleanup = () => {
      clearInterval(timer)
      clearTimeout(deadline)
      for (const doc of docs) doc.off('update', check)
    }
    for (const doc of docs) doc.on('update', check)
  })

/**
 * Resolves once `doc` holds the state `target` holds now (structs and deletions), then checks the full state. A
 * timeout says how far `doc` got.
 */
export const waitForState = async (doc: Y.Doc, target: Y.Doc, timeoutMs: number, what: string): Promise<void> => {
  const want = stateOf(target)
  try {
    await waitUntil([doc], () => holds(doc, want), timeoutMs, what)
  } catch (error) {
    if (error instanceof TimeoutError) throw new TimeoutError(`${error.message}: the client ${describeGap(doc, want)}`)
    throw error
  }
  if (!sameState(doc, target)) throw new Error(`${what}: structs and deletions match but the documents differ`)
}

/** Resolves once a byte counter has not moved for `quietMs` (every echo and broadcast has arrived). */
export const waitForQuiet = async (read: () => number, quietMs: number, timeoutMs = 30_000): Promise<void> => {
  const start = Date.now()
  let last = read()
  let since = Date.now()
  while (Date.now() - since < quietMs) {
    if (Date.now() - start > timeoutMs) throw new TimeoutError(`traffic did not stop within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const now = read()
    if (now !== last) {
      last = now
      since = Date.now()
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
