import type { FastifyRequest } from 'fastify'
import { isValidTenant } from '@rota/auth'
import { RotaServerError, ServerErrorCode, type ServerHooks } from '@rota/server'

/**
 * The tenant of `:tenant`, if the caller is one of its admins: role `admin` (and the hooks' `canAdmin('settings')`),
 * with that tenant or none (an operator's tenant-less admin token). A webhook sends the tenant's events out of
 * Rota, so it is an admin's decision, not a manager's; every other tenant's endpoints are out of reach.
 */
export const tenantAdmin = (hooks: ServerHooks, request: FastifyRequest): string => {
  const tenant = (request.params as { tenant: string }).tenant
  const who = request.identity
  if (!isValidTenant(tenant)) throw new RotaServerError(ServerErrorCode.BadRequest, 'not a tenant name', { tenant })
  if (who.role !== 'admin' || !hooks.canAdmin(who, 'settings') || (who.tenant !== null && who.tenant !== tenant)) {
    throw new RotaServerError(ServerErrorCode.Forbidden, 'only an admin of this tenant may manage its webhooks', { tenant })
  }
  return tenant
}
