/** The header's connection indicator as text and a tone, from the provider's status. Pure. */
import type { Denial } from '@rota/provider'
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

/** A path as a person reads it: `shifts.s4.assignee` → "assignee of shift s4". */
export const describePath = (path: string): string => {
  const [root, id, field] = path.split('.')
  const what = root === 'shifts' ? `shift ${id}` : root === 'staff' ? `staff member ${id}` : root === 'settings' ? 'the settings' : undefined
  if (what === undefined || (id === undefined && root !== 'settings')) return path
  if (root === 'settings') return id === undefined ? what : `${id} in the settings`
  return field === undefined ? what : `${field} of ${what}`
}

/** The lines the editor shows when the server took changes out ("Your change to … was not accepted: …"). Pure. */
export const deniedMessages = (denial: Denial): string[] =>
  denial.changes.length === 0
    ? [`A change was not accepted: ${denial.reason}. Reload to get the server’s version.`]
    : denial.changes.map((change) => `Your change to ${describePath(change.path)} was not accepted: ${change.reason}. The rest is saved.`)
