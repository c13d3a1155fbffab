/**
 * `rota webhooks add|list|remove|enable|deliveries <tenant> …`: a tenant's webhook endpoints. With `--url`
 * through a running server (`/api/teams/:tenant/webhooks…`, an admin of that tenant), otherwise on the data
 * directory's webhooks store while the server is stopped. Both go through @rota/webhooks' own validation and
 * print the same JSON.
 */
import { isValidTenant } from '@rota/auth'
import { createEndpoints, createWebhookStore, openLevelKeyValue, type DeliveryLogEntry, type Endpoint, type KeyValue } from '@rota/webhooks'
import { CliError, CliErrorCode } from '../errors.ts'
import type { Config, ParsedValues } from '../config.ts'
import type { Output } from './documents.ts'
import { webhooksDirOf } from './serve.ts'
import { lockedByServer, serverOf, type ServerClient } from './serverClient.ts'

const usage = 'usage: rota webhooks add <tenant> <url> --events a,b [--secret s] [--description d] | list <tenant> | remove|enable <tenant> <id> | deliveries <tenant> <id> [--limit n]'
  + ' [--url <server> --token <jwt> | --data-dir <dir>]'

interface NewEndpointInput { url: string; events: string[]; secret?: string; description?: string }

interface WebhooksBackend {
  add(tenant: string, input: NewEndpointInput): Promise<{ endpoint: Endpoint; secret: string }>
  list(tenant: string): Promise<Endpoint[]>
  remove(tenant: string, id: string): Promise<{ removed: string; pending: number }>
  enable(tenant: string, id: string): Promise<{ endpoint: Endpoint; resumed: number }>
  deliveries(tenant: string, id: string, limit: number): Promise<DeliveryLogEntry[]>
}

const remoteWebhooks = (server: ServerClient): WebhooksBackend => {
  const base = (tenant: string) => `/api/teams/${encodeURIComponent(tenant)}/webhooks`
  const one = (tenant: string, id: string) => `${base(tenant)}/${encodeURIComponent(id)}`
  return {
    add: (tenant, input) => server.request('POST', base(tenant), { body: input }),
    list: async (tenant) => (await server.request<{ endpoints: Endpoint[] }>('GET', base(tenant))).endpoints,
    remove: (tenant, id) => server.request('DELETE', one(tenant, id)),
    enable: (tenant, id) => server.request('POST', `${one(tenant, id)}/enable`),
    deliveries: async (tenant, id, limit) => (await server.request<{ deliveries: DeliveryLogEntry[] }>('GET', `${one(tenant, id)}/deliveries`, { query: { limit } })).deliveries,
  }
}

/** The data directory's store, opened for one action (the server must be stopped: it holds the store's lock). */
const localWebhooks = (config: Config): WebhooksBackend => {
  const run = async <T>(fn: (endpoints: ReturnType<typeof createEndpoints>) => Promise<T>): Promise<T> => {
    let kv: KeyValue
    try {
      kv = await openLevelKeyValue(webhooksDirOf(config.dataDir))
    } catch (err) {
      if ((err as { details?: { locked?: boolean } }).details?.locked !== true) throw err
      throw lockedByServer((err as Error).message)
    }
    try {
      return await fn(createEndpoints({ store: createWebhookStore(kv), allowPrivateAddresses: config.webhooksAllowPrivate === 'on', now: Date.now }))
    } finally {
      await kv.close()
    }
  }
  return {
    add: (tenant, input) => run((e) => e.add(tenant, input, 'rota-cli')),
    list: (tenant) => run((e) => e.list(tenant)),
    remove: (tenant, id) => run((e) => e.remove(tenant, id)),
    // Paused deliveries become due now; the server sends them when it starts.
    enable: (tenant, id) => run((e) => e.enable(tenant, id)),
    deliveries: (tenant, id, limit) => run((e) => e.deliveries(tenant, id, limit)),
  }
}

const limitOf = (values: ParsedValues): number => {
  if (values.limit === undefined) return 50
  if (!/^[1-9]\d{0,2}$/.test(values.limit) || Number(values.limit) > 500) throw new CliError(CliErrorCode.Usage, '--limit must be 1 to 500')
  return Number(values.limit)
}

const addInput = (values: ParsedValues, url: string | undefined): NewEndpointInput => {
  if (url === undefined || values.events === undefined) throw new CliError(CliErrorCode.Usage, `rota webhooks add needs a URL and --events (${usage})`)
  return {
    url,
    events: values.events.split(',').map((e) => e.trim()).filter((e) => e !== ''),
    ...(values.secret === undefined ? {} : { secret: values.secret }),
    ...(values.description === undefined ? {} : { description: values.description }),
  }
}

export const webhooksCommand = async (config: Config, values: ParsedValues, args: string[], io: Output, env: Record<string, string | undefined> = process.env): Promise<void> => {
  const [action, tenant, arg, ...extra] = args
  const needsArg = action === 'add' || action === 'remove' || action === 'enable' || action === 'deliveries'
  if (tenant === undefined || extra.length > 0 || (action !== 'list' && !needsArg) || (needsArg ? arg === undefined : arg !== undefined)) {
    throw new CliError(CliErrorCode.Usage, usage)
  }
  if (!isValidTenant(tenant)) throw new CliError(CliErrorCode.Usage, `"${tenant}" is not a tenant name (one document-name segment, no /)`)
  const server = serverOf(values, env)
  const backend = server === undefined ? localWebhooks(config) : remoteWebhooks(server)
  const id = arg as string
  const print = (value: unknown) => io.out(JSON.stringify(value, null, 2))
  switch (action) {
    case 'add': {
      const created = await backend.add(tenant, addInput(values, arg))
      print(created)
      io.err('rota: keep the secret: it is shown only now (receivers verify Rota-Signature with it, see docs/webhooks.md)')
      return
    }
    case 'list':
      return print({ tenant, endpoints: await backend.list(tenant) })
    case 'remove':
      return print(await backend.remove(tenant, id))
    case 'enable':
      return print(await backend.enable(tenant, id))
    default:
      return print({ tenant, endpoint: id, deliveries: await backend.deliveries(tenant, id, limitOf(values)) })
  }
}
