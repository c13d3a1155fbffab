/**
 * The first varuint of every WebSocket message names its type.
 * 0–3 are y-websocket's own (stock clients understand only these);
 * Rota's extensions start at 100 and are sent only to clients that opt in.
 */
export const MessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  /** Rota: clocks the server holds durably (see durable.ts). */
  RotaDurable: 100,
  /** Rota: the document's semantic conflicts changed (payload: JSON summary). */
  RotaConflicts: 101,
  /** Rota: changes of the client's update the server took out, and why (payload: JSON, see denied.ts). */
  RotaDenied: 102,
  /** Rota: inboxes of some of the document's people got new items (payload: JSON, see inbox.ts). */
  RotaInbox: 103,
} as const

export type MessageType = (typeof MessageType)[keyof typeof MessageType]

// Built once: the server labels every message it sends and receives with this name.
const names = new Map<number, string>(Object.entries(MessageType).map(([name, value]) => [value, name]))

export const messageTypeName = (type: number): string => names.get(type) ?? 'Unknown'

/** Rota's own types begin here; every type from it on is one a stock y-websocket client cannot handle. */
const firstRotaType = 100

/**
 * Whether an encoded message has one of Rota's types (≥ 100). Reading the first byte is enough: a type below 128 is
 * that byte, and a varuint of 128 or more starts with a byte ≥ 128 (its high bit set).
 */
export const isRotaMessage = (message: Uint8Array): boolean => (message[0] ?? 0) >= firstRotaType
