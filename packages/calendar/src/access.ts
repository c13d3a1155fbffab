import type { FastifyRequest } from 'fastify'
import { isValidTenant } from '@rota/auth'
import { isId } from '@rota/model'
import { RotaServerError, ServerErrorCode, type ExtensionHttp, type ServerHooks } from '@rota/server'
import { CalendarError, CalendarErrorCode } from './errors.ts'
import type { Person } from './types.ts'

/** Who may do what on the calendar and export routes, decided by the server's auth hooks. */
export interface Access {
  /** The document of `:doc`, if the caller may read it (as the REST reads check it). */
  readable(request: FastifyRequest): string
  /**
   * The person of `:tenant` and `:staff`, if the caller may manage their feed: that person themselves (a token
   * of the tenant whose `staffId` is theirs), or whoever may change the team's settings (managers, admins).
   */
  feedOwner(request: FastifyRequest): Person
}

export const createAccess = (hooks: ServerHooks, http: ExtensionHttp): Access => ({
  // The name as the sync endpoint reads it (the server's rules and limit); 403 ROTA_ERR_FORBIDDEN if unreadable.
  readable: (request) => http.readableDoc(request),
  feedOwner(request) {
    const { tenant, staff } = request.params as { tenant: string; staff: string }
    if (!isValidTenant(tenant)) throw new RotaServerError(ServerErrorCode.BadRequest, 'not a tenant name', { tenant })
    if (!isId(staff) || staff.includes('\u0000')) throw new CalendarError(CalendarErrorCode.BadStaff, 'not a staff id', { staff })
    const who = request.identity
    const ofTenant = who.tenant === null || who.tenant === tenant
    const self = who.tenant === tenant && who.staffId === staff
    if (!ofTenant || !(self || hooks.canAdmin(who, 'settings'))) {
      throw new RotaServerError(ServerErrorCode.Forbidden, 'only the person or a manager of their team may manage this calendar feed', { tenant, staff })
    }
    return { tenant, staff }
  },
})
