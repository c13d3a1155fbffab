/** Runs tasks one at a time per key (a feed's reconciliation reads, then writes, its events). */
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
