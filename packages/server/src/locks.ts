/**
 * Keyed serialisation: `locks(key, task)` runs `task` after every task handed in earlier for the same key has
 * settled, and at once for another key. The extensions use it for read-modify-write on their stores (a conflict's
 * claim, a publication's id, an endpoint's outcome, a feed's reconciliation), where two interleaved sections
 * would lose an update. A failed task does not block the next. A key holds memory only while tasks wait on it.
 *
 * Why not a library: async-mutex has no keyed form (a map of mutexes and their clean-up is the same glue as
 * this), and async-lock (keyed) caps each key at 1000 waiting tasks unless told otherwise and runs the first
 * task synchronously; a promise chain per key is the whole idea in a dozen lines.
 */
export type Locks = <T>(key: string, task: () => Promise<T>) => Promise<T>

export const createLocks = (): Locks => {
  const tails = new Map<string, Promise<unknown>>()
  return (key, task) => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task, task)
    const tail = run.catch(() => undefined)
    tails.set(key, tail)
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key)
    })
    return run
  }
}
