import { Counter, Gauge, type Registry } from 'prom-client'


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
  return {
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
