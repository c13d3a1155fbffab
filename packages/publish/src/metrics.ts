import { Counter, type Registry } from 'prom-client'

/** The publish extension's Prometheus metrics, registered on the server's registry. */
export const createPublishMetrics = (registry: Registry) => {
  const registers = [registry]
  return {
    publications: new Counter({ name: 'rota_publish_publications_total', help: 'Publications made', registers }),
    receipts: new Counter({ name: 'rota_publish_receipts_total', help: 'Per-person receipts written at publications', registers }),
    inboxItems: new Counter({
      name: 'rota_publish_inbox_items_total', help: 'Inbox items delivered (new or updated), by kind', labelNames: ['kind'] as const, registers,
    }),
  }
}

export type PublishMetrics = ReturnType<typeof createPublishMetrics>
