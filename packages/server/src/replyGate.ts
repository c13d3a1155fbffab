/**
 * One reply of a kind in flight per connection. A SyncStep1 costs the client a few bytes and the server a
 * copy of the document; a QueryAwareness, every presence in the room. A client that sends many of them
 * and reads nothing would make the server queue a copy per request. While the reply to the previous request
 * has not been handed to the socket yet, a new request waits, and requests that arrive meanwhile collapse
 * into the latest one: it is answered once the earlier reply is written, from the state at that moment, which
 * answers every request it stands for (a client's state vector only grows, presences are read fresh).
 */
export class ReplyGate {
  private busy = false
  private waiting: (() => void) | undefined

  /** `onCollapsed` is called for every request answered by a later one instead of its own reply. */
  constructor(private readonly onCollapsed: () => void) {}

  /** `answer` sends the reply and calls `sent` once it is written (or can never be). */
  request(answer: (sent: () => void) => void): void {
    if (!this.busy) {
      this.run(answer)
      return
    }
    if (this.waiting !== undefined) this.onCollapsed()
    this.waiting = () => this.run(answer)
  }

  private run(answer: (sent: () => void) => void): void {
    this.busy = true
    let done = false
    answer(() => {
      if (done) return
      done = true
      this.busy = false
      const next = this.waiting
      this.waiting = undefined
      next?.()
    })
  }
}
