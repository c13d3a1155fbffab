/**
 * What every REST route group (documents.ts, history.ts, updates.ts) reads requests with: the caller's document
 * (read as the sync endpoint reads names, and only if the caller may read it), the document's head (404 when
 * it has no entries), and the metadata of an update the caller makes.
 */
import type { FastifyRequest } from 'fastify'
import type { UpdateLog } from '@rota/log'
import { RotaServerError, ServerErrorCode } from '../../errors.ts'
import { parseDocName } from '../../docName.ts'
import type { RoomRegistry } from '../../rooms.ts'
import type { Identity, Limits, ServerHooks, UpdateMeta } from '../../types.ts'

export interface RestPluginOptions {
  rooms: RoomRegistry
  log: UpdateLog
  hooks: ServerHooks
  limits: Limits
}

export const restContext = ({ rooms, log, hooks, limits }: RestPluginOptions) => ({
  rooms,
  log,
  hooks,
  readable(request: FastifyRequest): string {
    const name = parseDocName((request.params as { doc: string }).doc, limits.maxDocNameLength)
    if (!hooks.canRead(request.identity, name)) {
      throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to read this document', { doc: name })
    }
    return name
  },
  async existing(doc: string) {
    const head = await log.head(doc)
    if (head === undefined) throw new RotaServerError(ServerErrorCode.DocNotFound, 'no such document', { doc })
    return head
  },
  metaOf(identity: Identity, origin: UpdateMeta['origin'], details?: Record<string, unknown>): UpdateMeta {
    return { actor: identity.sub, role: identity.role, origin, ...(details === undefined ? {} : { details }) }
  },
})

export type RestContext = ReturnType<typeof restContext>
