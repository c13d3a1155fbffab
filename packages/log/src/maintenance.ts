/**
 * Background work of a log (checkpoints, retention): one task at a time, in the order scheduled,
 * off the append path. A failure is reported and never reaches an append; `idle` waits for
 * everything scheduled so far, which is what `close` and tests need.
 */
export interface MaintenanceQueue {
  /** Runs `task` after the tasks scheduled before it; resolves when it has run (failed or not). */
  schedule(doc: string, task: () => Promise<void>): Promise<void>
  /** Resolves once every task scheduled so far has run. */
  idle(): Promise<void>
}

export function createMaintenanceQueue(onError: (error: unknown, doc: string) => void): MaintenanceQueue {
  let tail: Promise<void> = Promise.resolve()
  const running = new Set<Promise<void>>()
  return {
    schedule(doc, task) {
      const run = tail.then(task).catch((error: unknown) => onError(error, doc))
      tail = run
      running.add(run)
      void run.finally(() => running.delete(run))
      return run
    },
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}
