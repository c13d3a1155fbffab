/** What names a conflict: its id, its team, and the public face of its stored record. */
import { createHash } from 'node:crypto'
import { tenantKeyOf } from '@rota/protocol'
import type { Conflict, ConflictId, ConflictRecord } from './types.ts'

/**
 * A document's team is its tenant (the prefix before the first '/'), keyed by @rota/protocol's `tenantKeyOf`:
 * a document without a '/' belongs to no tenant (docs/security.md) and has the team '', which no tenant can be
 * called (it used to be 'default', which a tenant of that name shared).
 */
export const teamOf = (doc: string): string => tenantKeyOf(doc)

export const conflictIdOf = (doc: string, seq: number, key: string): ConflictId =>
  `c_${createHash('sha256').update(`${doc}\n${seq}\n${key}`).digest('hex').slice(0, 20)}` as ConflictId

export const toPublic = (r: ConflictRecord): Conflict => ({
  id: r.id, kind: r.kind, refs: r.refs, edits: r.edits, options: r.options, suggestion: r.suggestion,
  status: r.status, appliedOptionId: r.appliedOptionId, detectedAt: r.detectedAt, resolvedAt: r.resolvedAt, resolvedBy: r.resolvedBy,
})
