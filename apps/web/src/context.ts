import type { Api } from './api.ts'
import type { Connection } from './connection.ts'
import type { Peer, PresenceState } from './presence.ts'
import type { Route } from './route.ts'
import type { Store } from './store.ts'

/** What every view of an open schedule gets. */
export interface EditorContext {
  readonly docName: string
  readonly route: Route
  readonly store: Store
  readonly conn: Connection
  readonly api: Api
  peers(): Peer[]
  navigate(patch: Partial<Route>): void
  setEditing(editing: PresenceState['editing']): void
  toast(message: string): void
  /** Re-renders the current view (after data fetched outside the document arrives). */
  refresh(): void
}
