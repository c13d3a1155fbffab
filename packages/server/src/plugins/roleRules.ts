import type { FastifyRequest } from 'fastify'
import { AuthErrorCode, isAuthError, isValidTenant, parseRoleRules, roleRulesView, roles, ruleAreas, type RoleRules, type RoleRulesCache } from '@rota/auth'
import { RotaServerError, ServerErrorCode } from '../errors.ts'
import { authenticateRequests } from '../requestIdentity.ts'
import { errorBody, errorResponse } from '../httpShapes.ts'
import type { Extension, Identity } from '../types.ts'

export interface RoleRulesExtensionOptions {
  /** The cache `createAuth` reads the rules from: writes here are what the next judged update sees. */
  cache: RoleRulesCache
  /** Clock for the stored `at` (tests). */
  now?: () => number
}

const areaHelp: Record<(typeof ruleAreas)[number], string> = {
  staffRecords: 'Least role that may create, rename, change role, skills or max hours of, and remove staff records',
  shifts: 'Least role that may change anything under shifts',
  timeOff: 'Least role that may add or remove dates in anyone\'s time off',
  settings: 'Least role that may change settings.name, timezone and weekStartsOn',
  coverage: 'Least role that may change settings.coverage',
  publish: 'Least role that may publish a date range of a schedule (@rota/publish)',
}

const selfServiceHelp = {
  pickUp: 'staff may assign an open shift to themselves (same role, required skill)',
  release: 'staff may set their own shift back to open',
  notes: 'staff may write the notes of their own shifts',
  addTimeOff: 'staff may add dates to their own time off',
} as const

const rulesSchema = (complete: boolean) => ({
  type: 'object',
  properties: {
    ...Object.fromEntries(ruleAreas.map((area) => [area, { type: 'string', enum: roles.filter((r) => r !== 'viewer'), description: areaHelp[area] }])),
    selfService: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(selfServiceHelp).map(([flag, description]) => [flag, { type: 'boolean', description }])),
      ...(complete ? { required: Object.keys(selfServiceHelp) } : {}),
      additionalProperties: false,
    },
  },
  ...(complete ? { required: [...ruleAreas, 'selfService'] } : {}),
  additionalProperties: false,
})

const viewSchema = {
  type: 'object',
  properties: {
    tenant: { type: 'string' },
    rules: rulesSchema(true),
    isDefault: { type: 'boolean', description: 'True when the effective rules are the defaults' },
    updatedBy: { type: ['string', 'null'], description: 'Who last set the team\'s rules (token sub); null while it has none stored' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['tenant', 'rules', 'isDefault', 'updatedBy', 'updatedAt'],
} as const

const params = {
  type: 'object',
  properties: { tenant: { type: 'string', minLength: 1, description: 'The team: the tenant name that prefixes its documents' } },
  required: ['tenant'],
} as const

const replies = { 200: viewSchema, 400: errorResponse, 401: errorResponse, 403: errorResponse }

/** A tenant-less identity spans every tenant; of those, only admins may see other teams' rules. */
const mayRead = (who: Identity, tenant: string): boolean => who.tenant === tenant || (who.tenant === null && who.role === 'admin')

/**
 * The team role rules API: GET, PUT and DELETE /api/teams/:tenant/rules. Reading needs an identity of that
 * tenant (or a tenant-less admin); writing also needs `canAdmin(identity, 'rules')`. PUT takes a partial
 * document, validated by `parseRoleRules` (the one validator, for REST and the CLI alike); what it leaves
 * out takes the defaults. A write is stored before it is answered, and judged updates see it from then on.
 */
export const roleRulesExtension = ({ cache, now = Date.now }: RoleRulesExtensionOptions): Extension =>
  async (app, { hooks }) => {
    authenticateRequests(app, hooks)

    const readable = (request: FastifyRequest): string => {
      const { tenant } = request.params as { tenant: string }
      if (!isValidTenant(tenant)) throw new RotaServerError(ServerErrorCode.BadRequest, 'not a tenant name', { tenant })
      if (!mayRead(request.identity, tenant)) {
        throw new RotaServerError(ServerErrorCode.Forbidden, 'not allowed to read this team\'s role rules', { tenant })
      }
      return tenant
    }
    const writable = (request: FastifyRequest): string => {
      const tenant = readable(request)
      if (!hooks.canAdmin(request.identity, 'rules')) {
        throw new RotaServerError(ServerErrorCode.Forbidden, `a ${request.identity.role} may not change role rules`, { tenant })
      }
      return tenant
    }

    app.get(
      '/api/teams/:tenant/rules',
      { schema: { tags: ['teams'], summary: 'The team\'s role rules, defaults filled in', params, response: replies } },
      async (request) => {
        const tenant = readable(request)
        return roleRulesView(tenant, cache.entry(tenant))
      },
    )

    app.put(
      '/api/teams/:tenant/rules',
      {
        schema: {
          tags: ['teams'],
          summary: 'Set the team\'s role rules; fields left out take the defaults',
          description: 'A bad document is 400 `ROTA_AUTH_BAD_RULES` (`details.field`) and changes nothing.',
          params,
          body: rulesSchema(false),
          response: replies,
        },
        // The schema documents the body; parseRoleRules judges it, so a bad document gets the rules' own
        // code and field, and ajv cannot coerce "true" into true on the way.
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const tenant = writable(request)
        let rules: RoleRules
        try {
          rules = parseRoleRules(request.body)
        } catch (err) {
          if (isAuthError(err) && err.code === AuthErrorCode.BadRules) return reply.code(400).send(errorBody(err.code, err.message, err.details))
          throw err
        }
        const entry = await cache.set(tenant, rules, { actor: request.identity.sub, at: now() })
        request.log.info({ tenant, actor: request.identity.sub, role: request.identity.role, rules }, 'role rules set')
        return roleRulesView(tenant, entry)
      },
    )

    app.delete(
      '/api/teams/:tenant/rules',
      { schema: { tags: ['teams'], summary: 'Back to the default role rules', params, response: replies } },
      async (request) => {
        const tenant = writable(request)
        if (await cache.delete(tenant)) request.log.info({ tenant, actor: request.identity.sub, role: request.identity.role }, 'role rules reset')
        return roleRulesView(tenant, undefined)
      },
    )
  }
