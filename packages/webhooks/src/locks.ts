/** Serialises async sections per key (an endpoint's read-modify-write: an attempt's outcome, enable, remove). */
export const createLocks = () => {
  const tails = new Map<string, Promise<unknown>>()
  return async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const prev = tails.get(name) ?? Promise.resolve()
    const run = prev.then(fn, fn)
    const tail = run.catch(() => undefined)
    tails.set(name, tail)
    try {
      return await run
    } finally {
      if (tails.get(name) === tail) tails.delete(name)
    }
  }
}

export type Locks = ReturnType<typeof createLocks>
