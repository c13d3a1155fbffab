import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** The resolver's Prometheus metrics, registered on the server's registry. */
export const createResolverMetrics = (registry: Registry) => {
  const registers = [registry]
  const byKind = (name: string, help: string) => new Counter({ name, help, labelNames: ['kind'] as const, registers })
  const judged = new Map<string, boolean[]>()
  const accuracy = new Gauge({
    name: 'rota_resolver_auto_accuracy',
    help: 'Share of the last 200 judged automatic resolutions the team kept (confirmed or left alone), per team',
    labelNames: ['team'] as const,
    registers,
  })
  // Read at scrape time from the resolver (backlog.ts): what it has not examined yet, and how long ago that arrived.
  let backlog = (): { updates: number; oldestMs: number; retained: number } => ({ updates: 0, oldestMs: 0, retained: 0 })
  new Gauge({
    name: 'rota_resolver_backlog_updates', help: 'Stored updates the resolver has not examined yet (all documents)', registers,
    collect() { this.set(backlog().updates) },
  })
  new Gauge({
    name: 'rota_resolver_backlog_oldest_seconds', help: 'Age of the oldest stored update the resolver has not examined yet; 0 when none', registers,
    collect() { this.set(backlog().oldestMs / 1000) },
  })
  new Gauge({
    name: 'rota_resolver_history_entries', help: 'Log entries the resolver keeps in memory for causality (all open documents)', registers,
    collect() { this.set(backlog().retained) },
  })
  // Several instances on one store (feed.ts): leases held here, and documents waiting on another instance's lease.
  let leases = (): { held: number; waiting: number; waitingMs: number } => ({ held: 0, waiting: 0, waitingMs: 0 })
  new Gauge({
    name: 'rota_resolver_leases_held', help: 'Documents whose detection this instance runs (their lease is held here; shared store only)', registers,
    collect() { this.set(leases().held) },
  })
  new Gauge({
    name: 'rota_resolver_lease_waiting_docs', help: 'Documents with updates stored here that another instance\'s lease holder has not examined yet', registers,
    collect() { this.set(leases().waiting) },
  })
  new Gauge({
    name: 'rota_resolver_lease_wait_oldest_seconds', help: 'How long the longest-waiting of those documents has seen no progress from its lease holder; 0 when none', registers,
    collect() { this.set(leases().waitingMs / 1000) },
  })
  return {
    /** Where the lease figures come from (the extension sets it when the store is shared). */
    leasesFrom(source: typeof leases): void {
      leases = source
    },
    examined: new Counter({ name: 'rota_resolver_updates_examined_total', help: 'Updates the resolver examined', registers }),
    /** How long each of the resolver's slices held the event loop (it yields after about `sliceMs`, 2 ms, of work). */
    slices: new Histogram({ name: 'rota_resolver_slice_seconds', help: 'How long one slice of resolver work held the event loop', buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1], registers }),
    readBack: new Counter({ name: 'rota_resolver_log_reads_total', help: 'Times the resolver read evicted history back from the log for an old view', registers }),
    /** Where the backlog figures come from (the resolver sets it once). */
    backlogFrom(source: typeof backlog): void {
      backlog = source
    },
    detected: byKind('rota_resolver_conflicts_detected_total', 'Semantic conflicts detected, by kind'),
    autoApplied: byKind('rota_resolver_auto_applied_total', 'Conflicts resolved automatically, by kind'),
    asked: byKind('rota_resolver_asked_total', 'Conflicts left open for a person, by kind'),
    resolved: byKind('rota_resolver_resolved_total', 'Conflicts resolved or confirmed by a person, by kind'),
    overridden: byKind('rota_resolver_overridden_total', 'Automatic resolutions a person replaced, by kind'),
    dismissed: byKind('rota_resolver_dismissed_total', 'Conflicts dismissed as not a conflict, by kind'),
    /** Records later feedback on an automatic resolution: kept (true) or replaced/dismissed (false). */
    judge(team: string, kept: boolean): void {
      const list = judged.get(team) ?? []
      list.push(kept)
      if (list.length > 200) list.shift()
      judged.set(team, list)
      accuracy.set({ team }, list.filter(Boolean).length / list.length)
    },
  }
}

export type ResolverMetrics = ReturnType<typeof createResolverMetrics>
