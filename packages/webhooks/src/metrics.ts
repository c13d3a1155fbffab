import { Counter, Gauge, type Registry } from 'prom-client'

/** The webhooks' Prometheus metrics, registered on the server's registry. Gauges are kept in step by the dispatcher. */
export const createWebhookMetrics = (registry: Registry) => {
  const registers = [registry]
  return {
    queued: new Counter({ name: 'rota_webhooks_deliveries_queued_total', help: 'Deliveries put in the outbox (one per event and endpoint)', registers }),
    delivered: new Counter({ name: 'rota_webhooks_deliveries_delivered_total', help: 'Deliveries a receiver answered with 2xx', registers }),
    retried: new Counter({ name: 'rota_webhooks_delivery_retries_total', help: 'Failed attempts scheduled to be tried again', registers }),
    failed: new Counter({ name: 'rota_webhooks_deliveries_failed_total', help: 'Deliveries given up after their 24-hour retry window', registers }),
    waiting: new Gauge({ name: 'rota_webhooks_outbox_waiting', help: 'Deliveries in the outbox not yet delivered or given up (pending or paused)', registers }),
    disabled: new Gauge({ name: 'rota_webhooks_endpoints_disabled', help: 'Endpoints disabled after consecutive failures, until an admin enables them', registers }),
  }
}

export type WebhookMetrics = ReturnType<typeof createWebhookMetrics>
