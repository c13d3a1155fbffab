/**
 * Runs the resolver's work in bounded slices of the event loop, after the relay: work starts in a later
 * turn of the loop (setImmediate runs after the I/O the server is handling), one slice per turn, and a
 * slice gives the loop back once it has run `sliceMs`. So the resolver never holds the loop for much more
 * than `sliceMs` plus one step (each step of DocHistory.ingestSteps is well under a millisecond), and
 * under overload it falls behind (its backlog grows, see backlog.ts) instead of slowing the relay.
 */
export class Slicer {
  private started = 0
  private readonly waiting: Array<() => void> = []
  private scheduled = false
  private active = false

  constructor(
    private readonly sliceMs = 8,
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
