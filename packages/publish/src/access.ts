import type { FastifyRequest } from 'fastify'
import { defaultRoleRules, isValidTenant, roleAtLeast, tenantOf } from '@rota/auth'
import { RotaServerError, ServerErrorCode, type ExtensionHttp, type Identity, type ServerHooks } from '@rota/server'
import { tenantKey } from './context.ts'
import { PublishError, PublishErrorCode } from './errors.ts'

/** Who may do what on the publishing routes, decided by the server's auth hooks and the team's role rules. */
export interface Access {
  /** The document of `:doc`, if the caller may read it. */
  readable(request: FastifyRequest): string
  /** The document of `:doc`, if the caller may publish it (role rule `publish`; admins always). */
  publishable(request: FastifyRequest): string
  /** The caller as a person of their tenant's schedules: tenant key and staff id. */
  person(request: FastifyRequest): { tenant: string; staff: string }
  /** The team of `:tenant`, if the caller may change its settings. */
  teamAdmin(request: FastifyRequest): string
}

export const mayPublish = (hooks: ServerHooks, who: Identity): boolean =>
  who.role === 'admin' || (who.role !== 'viewer' && roleAtLeast(who.role, (hooks.roleRules?.(who) ?? defaultRoleRules).publish))

export const createAccess = (hooks: ServerHooks, http: ExtensionHttp): Access => {
  // The name as the sync endpoint reads it (the server's rules and limit); 403 ROTA_ERR_FORBIDDEN if unreadable.
  const readable = (request: FastifyRequest): string => http.readableDoc(request)
  return {
    readable,
    publishable(request) {
      const doc = readable(request)
      if (!mayPublish(hooks, request.identity)) {
        throw new RotaServerError(ServerErrorCode.Forbidden, `a ${request.identity.role} may not publish (the team's role rule "publish")`, { doc, role: request.identity.role })
      }
      return doc
    },
    person(request) {
      const { staffId, tenant } = request.identity
      if (staffId === undefined) throw new PublishError(PublishErrorCode.NotStaff, 'the token names no staff record (staffId claim)', {})
      return { tenant: tenantKey(tenant), staff: staffId }
    },
    teamAdmin(request) {
      const team = (request.params as { tenant: string }).tenant
      const who = request.identity
      if (!isValidTenant(team)) throw new RotaServerError(ServerErrorCode.BadRequest, 'not a tenant name', { tenant: team })
      if (!hooks.canAdmin(who, 'settings') || (who.tenant !== null && who.tenant !== team)) {
        throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to change this team\'s publishing settings', { tenant: team })
      }
      return team
    },
  }
}

/** The tenant key of a document (its inbox items and settings belong there). */
export const docTenant = (doc: string): string => tenantKey(tenantOf(doc))
