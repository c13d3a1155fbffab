/**
 * The outbox's sense of time: what time it is, and a wake-up call. Injected so that tests move time by hand
 * (testing.ts's `manualScheduler`) and never wait for a retry in real time.
 */
export interface Scheduler {
  now(): number
  /** Calls `fn` once at (or soon after) `time`; returns a function that cancels the call. */
  at(time: number, fn: () => void): () => void
}

/** setTimeout's longest delay (about 24.8 days); a later wake-up is re-armed when it fires. */
const MAX_DELAY = 2 ** 31 - 1

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  at: (time, fn) => {
    const timer = setTimeout(fn, Math.min(MAX_DELAY, Math.max(0, time - Date.now())))
    // A wake-up alone does not keep the process alive (shutdown stops the dispatcher anyway).
    timer.unref()
    return () => clearTimeout(timer)
  },
}
