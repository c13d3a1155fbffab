import type { UpdateLog } from '@rota/log'
import type { Locks } from '@rota/server'
import type { ConflictSource } from './checks.ts'
import type { InboxStore } from './inbox.ts'
import type { PublishMetrics } from './metrics.ts'
import type { PublicationStore } from './store.ts'

/** What the publishing functions work on: the log, the stores, the resolver's conflicts and the push. */
export interface PublishContext {
  log: UpdateLog
  publications: PublicationStore
  inbox: InboxStore
  conflicts?: ConflictSource
  metrics?: PublishMetrics
  /** Tells the document's Rota connections whose inboxes changed (RotaInbox, through Rooms.broadcast). */
  notify(doc: string, recipients: string[], reason: string): void
  now(): number
  /** Publishing runs one at a time per document: each reads what the one before it published. */
  serial: Locks
}

/** The key of a tenant in the stores: its name, or '' for documents and identities without one (open mode). */
export const tenantKey = (tenant: string | null): string => tenant ?? ''
