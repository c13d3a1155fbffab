/**
 * Presence over Yjs awareness: each client publishes `{ user: { name, color }, editing, view }`.
 * `editing` is the id of the shift or staff record whose editor is open, so others can see it.
 */
interface PresenceUser {
  name: string
  color: string
}

export interface PresenceState {
  user: PresenceUser
  editing: { kind: 'shift' | 'staff'; id: string } | null
  view: string
}

export interface Peer extends PresenceState {
  clientId: number
}

const PALETTE = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed', '#dc2626', '#0891b2', '#65a30d', '#c026d3', '#ea580c']

/** A stable colour for a name, so a person keeps their colour across sessions. */
export const colorFor = (name: string): string => {
  let hash = 0
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0
  return PALETTE[hash % PALETTE.length]!
}

export const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('') || '?'

const isPresence = (value: unknown): value is PresenceState => {
  const user = (value as { user?: { name?: unknown; color?: unknown } } | null)?.user
  return typeof user?.name === 'string' && typeof user.color === 'string'
}

/** The other people here, sorted by name, from an awareness `getStates()` map. */
export const peersOf = (states: Map<number, Record<string, unknown>>, selfId: number): Peer[] => {
  const peers: Peer[] = []
  for (const [clientId, state] of states) {
    if (clientId === selfId || !isPresence(state)) continue
    peers.push({ clientId, user: state.user, editing: state.editing ?? null, view: state.view ?? 'week' })
  }
  return peers.sort((a, b) => a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId)
}

/** Who is editing what: record id → the peers with its editor open. */
export const editorsByRecord = (peers: Peer[]): Map<string, Peer[]> => {
  const map = new Map<string, Peer[]>()
  for (const peer of peers) {
    if (peer.editing === null) continue
    const list = map.get(peer.editing.id) ?? []
    list.push(peer)
    map.set(peer.editing.id, list)
  }
  return map
}

/** 'Guest 4821' — a default name until the user picks one. */
export const guestName = (random: () => number = Math.random): string => `Guest ${1000 + Math.floor(random() * 9000)}`
