import { describe, expect, it } from 'vitest'
import {
  AuthError,
  AuthErrorCode,
  createMemoryRoleRulesStore,
  defaultRoleRules,
  loadRoleRulesCache,
  roleAtLeast,
  type Identity,
  type RoleRulesCache,
} from '@rota/auth'
import { ServerErrorCode } from './errors.ts'
import { roleRulesExtension } from './plugins/roleRules.ts'
import { cleanupAfterEach, startTestServer } from './testing.ts'
import type { ServerHooks } from './types.ts'

const { track } = cleanupAfterEach()

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)

/** The token is the identity's name here; canAdmin('rules') is manager and up, as suggested for @rota/auth. */
const people: Record<string, Identity> = {
  'acme-admin': { sub: 'ada', tenant: 'acme', role: 'admin' },
  'acme-manager': { sub: 'mia', tenant: 'acme', role: 'manager' },
  'acme-lead': { sub: 'lee', tenant: 'acme', role: 'lead' },
  'acme-staff': { sub: 'sam', tenant: 'acme', role: 'staff', staffId: 'sam' },
  'bolt-manager': { sub: 'bo', tenant: 'bolt', role: 'manager' },
  root: { sub: 'root', tenant: null, role: 'admin' },
  operator: { sub: 'op', tenant: null, role: 'manager' },
}

const hooks: Partial<ServerHooks> = {
  authenticate: async (token) => {
    const who = token === undefined ? undefined : people[token]
    if (who === undefined) throw new AuthError(token === undefined ? AuthErrorCode.Missing : AuthErrorCode.Invalid, 'no such test token')
    return who
  },
  canAdmin: (identity, action) => action === 'rules' && roleAtLeast(identity.role, 'manager'),
}

const setup = async (): Promise<{ url: string; cache: RoleRulesCache }> => {
  const cache = await loadRoleRulesCache(createMemoryRoleRulesStore())
  const server = track(await startTestServer({ hooks, extensions: [roleRulesExtension({ cache, now: () => T0 })] }))
  return { url: server.url, cache }
}

const call = async (url: string, method: string, tenant: string, token?: string, body?: unknown) => {
  const res = await fetch(`${url}/api/teams/${encodeURIComponent(tenant)}/rules`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field below
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

describe('team role rules over REST', () => {
  it('reads the defaults, sets a partial document (the rest from the defaults), reads it back, and resets', async () => {
    const { url, cache } = await setup()
    expect(await call(url, 'GET', 'acme', 'acme-staff')).toEqual({
      status: 200,
      body: { tenant: 'acme', rules: defaultRoleRules, isDefault: true, updatedBy: null, updatedAt: null },
    })

    const put = await call(url, 'PUT', 'acme', 'acme-manager', { staffRecords: 'lead', selfService: { pickUp: false } })
    const expected = { ...defaultRoleRules, staffRecords: 'lead', selfService: { ...defaultRoleRules.selfService, pickUp: false } }
    expect(put).toEqual({ status: 200, body: { tenant: 'acme', rules: expected, isDefault: false, updatedBy: 'mia', updatedAt: new Date(T0).toISOString() } })
    // What the auth hooks read on the hot path, without awaiting anything.
    expect(cache.get('acme')).toEqual(expected)
    expect(cache.get('bolt')).toBe(defaultRoleRules)
    expect((await call(url, 'GET', 'acme', 'acme-lead')).body).toEqual(put.body)

    // PUT replaces: what a second document leaves out goes back to the defaults.
    expect((await call(url, 'PUT', 'acme', 'acme-admin', { shifts: 'manager' })).body.rules).toEqual({ ...defaultRoleRules, shifts: 'manager' })

    expect(await call(url, 'DELETE', 'acme', 'acme-manager')).toEqual({
      status: 200,
      body: { tenant: 'acme', rules: defaultRoleRules, isDefault: true, updatedBy: null, updatedAt: null },
    })
    expect(cache.get('acme')).toBe(defaultRoleRules)
  })

  it('refuses a bad document with ROTA_AUTH_BAD_RULES naming the field, and changes nothing', async () => {
    const { url, cache } = await setup()
    await call(url, 'PUT', 'acme', 'acme-manager', { staffRecords: 'lead' })
    const bad: Array<[unknown, string | undefined]> = [
      [{ staffRecords: 'viewer' }, 'staffRecords'],
      [{ shifts: 'boss' }, 'shifts'],
      [{ payroll: 'admin' }, 'payroll'],
      [{ selfService: { pickUp: 'true' } }, 'selfService.pickUp'],
      [{ selfService: { swap: true } }, 'selfService.swap'],
      [{ selfService: [] }, 'selfService'],
      [[], undefined],
      ['"lead"', undefined],
    ]
    for (const [body, field] of bad) {
      const res = await call(url, 'PUT', 'acme', 'acme-manager', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code).toBe(AuthErrorCode.BadRules)
      if (field !== undefined) expect(res.body.error.details.field).toBe(field)
    }
    const notJson = await fetch(`${url}/api/teams/acme/rules`, { method: 'PUT', headers: { authorization: 'Bearer acme-manager', 'content-type': 'application/json' }, body: '{' })
    expect(notJson.status).toBe(400)
    expect(cache.get('acme')).toEqual({ ...defaultRoleRules, staffRecords: 'lead' })
    expect(cache.entry('acme')?.actor).toBe('mia')
  })

  it('lets a team read only its own rules, and only managers and up write them', async () => {
    const { url, cache } = await setup()
    expect((await call(url, 'GET', 'acme')).body.error.code).toBe(AuthErrorCode.Missing)
    expect((await call(url, 'GET', 'acme', 'forged')).status).toBe(401)
    const denied = await call(url, 'GET', 'acme', 'bolt-manager')
    expect([denied.status, denied.body.error.code]).toEqual([403, ServerErrorCode.Forbidden])
    expect((await call(url, 'GET', 'acme', 'operator')).status).toBe(403)
    expect((await call(url, 'GET', 'acme', 'root')).status).toBe(200)

    for (const token of ['acme-lead', 'acme-staff', 'bolt-manager', 'operator']) {
      expect((await call(url, 'PUT', 'acme', token, { shifts: 'staff' })).status, token).toBe(403)
      expect((await call(url, 'DELETE', 'acme', token)).status, token).toBe(403)
    }
    // Refused before the body is looked at: a bad document from someone who may not write is still 403.
    expect((await call(url, 'PUT', 'acme', 'acme-lead', { shifts: 'boss' })).status).toBe(403)
    expect(cache.entry('acme')).toBeUndefined()
    expect((await call(url, 'PUT', 'acme', 'root', { shifts: 'staff' })).body.updatedBy).toBe('root')
  })

  it('refuses names that are not tenants', async () => {
    const { url } = await setup()
    const res = await call(url, 'GET', 'acme/w48', 'root')
    expect([res.status, res.body.error.code]).toEqual([400, ServerErrorCode.BadRequest])
  })

  it('documents the routes in the OpenAPI document', async () => {
    const { url } = await setup()
    const spec = (await (await fetch(`${url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags: string[] }>> }
    expect(Object.keys(spec.paths['/api/teams/{tenant}/rules'] ?? {}).sort()).toEqual(['delete', 'get', 'put'])
  })
})
