/** The header's connection indicator as text and a tone, from the provider's status. Pure. */
import type { ConnectionStatus } from './connection.ts'

export interface StatusView {
  tone: 'ok' | 'busy' | 'warn' | 'bad'
  label: string
  detail: string
}

export const statusView = (status: ConnectionStatus): StatusView => {
  const changes = status.unsyncedChanges === 1 ? '1 change' : `${status.unsyncedChanges} changes`
  switch (status.state) {
    case 'auth-failed':
      return { tone: 'bad', label: 'Signed out', detail: 'The server refused the token; edits are kept on this device.' }
    case 'offline':
      return status.unsyncedChanges > 0
        ? { tone: 'warn', label: `Offline · ${changes} on this device`, detail: 'Kept on this device; they sync when the connection is back.' }
        : { tone: 'warn', label: 'Offline', detail: 'Edits are kept on this device and sync when the connection is back.' }
    case 'connecting':
      return { tone: 'busy', label: 'Connecting…', detail: 'Reaching the server.' }
    case 'connected':
      if (!status.synced) return { tone: 'busy', label: 'Syncing…', detail: 'Exchanging changes with the server.' }
      return status.saved
        ? { tone: 'ok', label: 'Saved', detail: 'Every change is stored on the server.' }
        : { tone: 'busy', label: `Saving ${changes}…`, detail: 'Waiting for the server to store the latest changes.' }
  }
}
