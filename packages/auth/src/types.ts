import type * as Y from 'yjs'
import type { PathOp } from '@rota/model'
import type { RoleRules } from './roleRules.ts'
import type { Change, ScheduleFacts } from './policy.ts'

/** Roles from least to most powerful; `roleAtLeast` compares by this order. */
export const roles = ['viewer', 'staff', 'lead', 'manager', 'admin'] as const

export type Role = (typeof roles)[number]

/** Who is connected or calling: the verified token's claims. */
export interface Identity {
  /** The editor id (token `sub`); stored as `actor` with every entry they write. */
  sub: string
  /** The tenant whose documents (`<tenant>/…`) this identity may see; null = every tenant. */
  tenant: string | null
  role: Role
  /** The staff record a `staff` editor is (`staff.<staffId>`). */
  staffId?: string
  /** Document name patterns (see docs/security.md) that narrow what the identity may open. */
  docs?: string[]
}

export type Decision = { ok: true } | { ok: false; reason: string }

/**
 * What `canAdmin` is asked about. `rules`: change a team's role rules (PUT/DELETE /api/teams/:tenant/rules).
 * `conflicts`: decide the resolver's conflicts (resolve or dismiss them; the publish inbox tells those who may).
 */
export type AdminAction = 'restore' | 'delete' | 'settings' | 'rules' | 'verify' | 'conflicts'

/** The server's auth hooks (@rota/server's `AuthHooks`), implemented structurally. */
export interface AuthHooks {
  authenticate(token: string | undefined): Promise<Identity>
  canRead(identity: Identity, doc: string): boolean
  listPrefix(identity: Identity): string | undefined
  /**
   * One decision per change an update made (read by effect, in order), judged on `facts`: the state its
   * author made it on, in document `doc` (whose tenant's role rules apply to a tenant-less identity). The
   * server takes refused changes out and keeps the rest (see docs/security.md).
   */
  authorizeChanges(identity: Identity, facts: ScheduleFacts, changes: Change[], doc?: string): Decision[]
  authorizeOps(identity: Identity, doc: Y.Doc, ops: PathOp[]): Decision
  canAdmin(identity: Identity, action: AdminAction): boolean
  /**
   * The role rules of the identity's team, synchronously: it is asked while an update is judged, between
   * reading the room's document and applying the update, where an await would let other updates in.
   */
  roleRules?(identity: Identity): RoleRules
}

export const roleAtLeast = (role: Role, least: Role): boolean => roles.indexOf(role) >= roles.indexOf(least)

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (roles as readonly string[]).includes(value)

export const allow: Decision = Object.freeze({ ok: true })
export const deny = (reason: string): Decision => ({ ok: false, reason })
