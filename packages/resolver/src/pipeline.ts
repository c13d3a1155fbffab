/**
 * The resolver's intake: every stored update joins its document's backlog and is examined later, in
 * slices of the event loop (slicer.ts), oldest first per document. What is not held in memory is read
 * from the log: a document's history when it is first touched (from its state near the head, then the
 * entries after it) and evicted entries an old view needs (history.ts `needsRestore`).
 */
import type { Detection } from './detect.ts'
import { DocHistory, type EditEvent } from './history.ts'
import { defaultRetention, type RetentionOptions } from './retention.ts'
import type { Slicer } from './slicer.ts'

/** How the resolver reads what it does not hold (the extension passes the server's update log). */
export interface ResolverLog {
  /** Entries `fromSeq` to `toSeq`, both included, oldest first. */
  read(doc: string, fromSeq: number, toSeq: number): AsyncIterable<EditEvent>
  /** The document's state at `seq` (Yjs v1 updates): a history then replays only the entries after it. */
  stateAt?(doc: string, seq: number): Promise<Uint8Array[]>
}

interface Pending<T> {
  event: EditEvent
  /** When it joined the backlog (ms, the pipeline's clock). */
  at: number
  resolve: (value: T) => void
  reject: (err: unknown) => void
}

export interface PipelineOptions<T> {
  slicer: Slicer
  log?: ResolverLog
  retention?: Partial<RetentionOptions>
  /** What to do with an examined update's detections (runs before the document's next update is examined). */
  handle: (doc: string, event: EditEvent, detections: Detection[]) => Promise<T>
  /** After an update is examined and handled. */
  examined?: (doc: string, seq: number) => void
  /** Evicted history read back from the log. */
  readBack?: () => void
  now?: () => number
}

export class Pipeline<T> {
  private readonly queues = new Map<string, Array<Pending<T>>>()
  private readonly histories = new Map<string, DocHistory>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly retention: RetentionOptions
  private readonly now: () => number

  constructor(private readonly options: PipelineOptions<T>) {
    this.retention = { ...defaultRetention, ...options.retention }
    this.now = options.now ?? Date.now
  }

  /** Queues an update (in seq order per document); resolves with what `handle` made of it once examined. */
  observe(doc: string, event: EditEvent): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.queues.get(doc) ?? []
      this.queues.set(doc, queue)
      queue.push({ event, at: this.now(), resolve, reject })
      if (!this.running.has(doc)) this.start(doc)
    })
  }

  /** Updates not examined yet, the age of the oldest, and the entries kept in memory (for the metrics). */
  stats(): { updates: number; oldestMs: number; retained: number } {
    let updates = 0
    let oldest = Number.POSITIVE_INFINITY
    for (const queue of this.queues.values()) {
      updates += queue.length
      if (queue[0]) oldest = Math.min(oldest, queue[0].at)
    }
    let retained = 0
    for (const h of this.histories.values()) retained += h.retained.entries
    return { updates, oldestMs: updates === 0 ? 0 : Math.max(0, this.now() - oldest), retained }
  }

  /** Documents whose history is held. */
  docs(): string[] {
    return [...this.histories.keys()]
  }

  /** Drops a document's history (it unloaded) unless it still has work; read from the log again when next touched. */
  forget(doc: string): boolean {
    if (this.running.has(doc) || (this.queues.get(doc)?.length ?? 0) > 0) return false
    this.queues.delete(doc)
    return this.histories.delete(doc)
  }

  /** Resolves once no document has work left. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()])
  }

  private start(doc: string): void {
    const run = this.drain(doc).finally(() => {
      this.running.delete(doc)
      if ((this.queues.get(doc)?.length ?? 0) > 0) this.start(doc)
    })
    this.running.set(doc, run)
  }

  private async drain(doc: string): Promise<void> {
    const queue = this.queues.get(doc) as Array<Pending<T>>
    const { slicer } = this.options
    await slicer.turn()
    try {
      const history = await this.historyOf(doc, (queue[0] as Pending<T>).event.seq)
      while (queue.length > 0) {
        const next = queue[0] as Pending<T>
        try {
          await slicer.pause()
          const detections = await this.examine(doc, history, next.event)
          next.resolve(await this.options.handle(doc, next.event, detections))
        } catch (err) {
          next.reject(err)
        }
        queue.shift()
        this.options.examined?.(doc, next.event.seq)
      }
    } catch (err) {
      for (const p of queue.splice(0)) p.reject(err)
    } finally {
      slicer.release()
    }
  }

  /** Runs a history's steps, giving the event loop back whenever the slice is spent. */
  private async run<R>(steps: Generator<void, R>): Promise<R> {
    for (;;) {
      const step = steps.next()
      if (step.done) return step.value
      if (!this.options.slicer.hasTime()) await this.options.slicer.turn()
    }
  }

  private async examine(doc: string, history: DocHistory, event: EditEvent): Promise<Detection[]> {
    const from = history.needsRestore(event)
    const { log } = this.options
    if (from !== null && log) {
      const events: EditEvent[] = []
      for await (const e of log.read(doc, from + 1, history.retained.horizon)) events.push(e)
      await this.options.slicer.pause()
      history.restore(from, events)
      this.options.readBack?.()
    }
    return this.run(history.ingestSteps(event, true))
  }

  /** The document's history, built when first needed: its state near the head, then the entries up to `beforeSeq`. */
  private async historyOf(doc: string, beforeSeq: number): Promise<DocHistory> {
    const known = this.histories.get(doc)
    if (known) return known
    const history = new DocHistory(doc, this.retention)
    const { log } = this.options
    if (log && beforeSeq > 1) {
      const base = beforeSeq - 1 - this.retention.maxEntries
      let from = 1
      if (base > 0 && log.stateAt) {
        await this.run(history.loadSteps(await log.stateAt(doc, base), base))
        from = base + 1
      }
      let first = true
      for await (const e of log.read(doc, from, beforeSeq - 1)) {
        // A log whose retention folded its oldest entries into a base state starts later: load that state first.
        if (first && e.seq > from && log.stateAt) await this.run(history.loadSteps(await log.stateAt(doc, e.seq - 1), e.seq - 1))
        first = false
        await this.run(history.ingestSteps(e, false))
      }
    }
    this.histories.set(doc, history)
    return history
  }
}
