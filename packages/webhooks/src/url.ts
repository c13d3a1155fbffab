import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { WebhookError, WebhookErrorCode } from './errors.ts'

/**
 * Where deliveries may go. A webhook URL is chosen by a tenant's admin but fetched by the server, from inside
 * the operator's network: without a guard it reaches the cloud metadata service (169.254.169.254), the
 * database on 10.0.0.5 or the server itself (server-side request forgery). So by default every address that is
 * not public is refused — at registration for IP literals and `localhost`, and at every delivery for what the
 * host name resolves to (the `lookup` below runs inside the connection, so a name that changes its answer
 * between the check and the connection is still caught). Redirects are never followed (send.ts). Operators
 * whose receivers are internal set `allowPrivateAddresses` (`rota serve --webhooks-allow-private on`).
 */
const blocked = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32]] as const) {
  blocked.addSubnet(net, prefix, 'ipv6')
}

/** An IPv4 address written as IPv6 (`::ffff:127.0.0.1`), as the IPv4 address it is. */
const unmapped = (address: string): string => {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return match ? (match[1] as string) : address
}

/** Whether an IP address is loopback, private, link-local, shared, reserved or multicast (not on the public internet). */
export const isPrivateAddress = (address: string): boolean => {
  const plain = unmapped(address.replace(/^\[|\]$/g, ''))
  const family = isIP(plain)
  if (family === 0) return false
  return blocked.check(plain, family === 4 ? 'ipv4' : 'ipv6')
}

const isLocalName = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost')

const MAX_URL_LENGTH = 2048

/** Checks a webhook URL as registration does; returns it normalised (WHATWG URL serialisation). */
export const parseWebhookUrl = (raw: unknown, allowPrivateAddresses: boolean): string => {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) {
    throw new WebhookError(WebhookErrorCode.BadUrl, `a webhook URL is an absolute http(s) URL of at most ${MAX_URL_LENGTH} characters`, { url: typeof raw === 'string' ? raw.slice(0, 200) : null })
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new WebhookError(WebhookErrorCode.BadUrl, `"${raw.slice(0, 200)}" is not a URL`, { url: raw.slice(0, 200) })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookError(WebhookErrorCode.BadUrl, `a webhook URL must be http or https, not ${url.protocol.replace(/:$/, '')}`, { url: raw.slice(0, 200), protocol: url.protocol })
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebhookError(WebhookErrorCode.BadUrl, 'a webhook URL may not carry credentials (user:password@): the signature authenticates the server', { url: `${url.protocol}//${url.host}` })
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (!allowPrivateAddresses && (isPrivateAddress(host) || isLocalName(host.toLowerCase()))) {
    throw new WebhookError(WebhookErrorCode.PrivateAddress, `${host} is not a public address (the operator allows private ones with --webhooks-allow-private on)`, { host })
  }
  return url.toString()
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for http.request that refuses private addresses after resolution (DNS names that point inside).
 * Answers with the error code ROTA_WEBHOOK_PRIVATE_ADDRESS, which the delivery log shows.
 */
export const guardedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '')
    const list = addresses as LookupAddress[]
    const bad = list.find((a) => isPrivateAddress(a.address))
    if (bad !== undefined || list.length === 0) {
      const refused = Object.assign(new Error(`${hostname} resolves to ${bad?.address ?? 'nothing'}, not a public address`), { code: WebhookErrorCode.PrivateAddress })
      return callback(refused, '')
    }
    if (options.all === true) return callback(null, list)
    const first = list[0] as LookupAddress
    callback(null, first.address, first.family)
  })
}
