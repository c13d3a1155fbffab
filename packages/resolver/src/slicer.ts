/**
 * Runs the resolver's work in bounded slices of the event loop, after the relay: work starts in a later
 * turn of the loop (setImmediate runs after the I/O the server is handling), one slice per turn, and a
 * slice gives the loop back once it has run `sliceMs`. So the resolver never holds the loop for much more
 * than `sliceMs` plus one step (each step of DocHistory.ingestSteps is well under a millisecond), and
 * under overload it falls behind (its backlog grows, see backlog.ts) instead of slowing the relay.
 */
/**
 * A relayed edit waits, at worst, for the slice in progress: at 1,000 edits/s offered (benchmark scenario 2,
 * quick) 8 ms slices gave a fan-out p50 of 22–24 ms and p99 of 108–115 ms, 1 ms slices 14–15 ms and 82–85 ms,
 * for no measurable CPU (a slice costs one setImmediate).
 */
export const defaultSliceMs = 2

export class Slicer {
  private started = 0
  private readonly waiting: Array<() => void> = []
  private scheduled = false
  private active = false

  constructor(
    private readonly sliceMs = defaultSliceMs,
    private readonly clock: () => number = () => performance.now(),
    private readonly onSlice?: (ms: number) => void,
  ) {}

  /** Resolves in a later turn of the event loop, at the start of a slice of the caller's own. */
  turn(): Promise<void> {
    this.release()
    return new Promise((resolve) => {
      this.waiting.push(resolve)
      this.schedule()
    })
  }

  /** Whether the current slice has time left: callers continue synchronously while it does. */
  hasTime(): boolean {
    return this.clock() - this.started < this.sliceMs
  }

  /** Gives the loop back if the slice is spent (resolves at once otherwise, without a turn). */
  async pause(): Promise<void> {
    if (!this.hasTime()) await this.turn()
  }

  /** Ends the caller's slice (its work is done, or it waits for something else now). */
  release(): void {
    if (!this.active) return
    this.active = false
    this.onSlice?.(this.clock() - this.started)
  }

  private schedule(): void {
    if (this.scheduled || this.waiting.length === 0) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.release()
      this.started = this.clock()
      this.active = true
      // The resumed work runs as microtasks once this callback returns; the next slice waits for the next turn.
      this.waiting.shift()?.()
      this.schedule()
    })
  }
}
