import { BlockList, isIP } from 'node:net'
import { AuthError, AuthErrorCode } from './errors.ts'

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6')

/** True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback; `0.0.0.0` and `::` are not loopback. */
export const isLoopbackHost = (host: string): boolean => {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const lower = bare.toLowerCase()
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true
  const family = isIP(lower)
  if (family === 4) return loopback.check(lower, 'ipv4')
  if (family === 6) return loopback.check(lower, 'ipv6')
  return false
}

/**
 * The dev-mode rule: a server without auth (everyone is an anonymous admin) listens on loopback only,
 * unless the operator said `allowPublicOpen` (CLI `--allow-public-open`, env ROTA_AUTH_ALLOW_PUBLIC_OPEN=1).
 * Throws ROTA_AUTH_OPEN_BIND otherwise.
 */
export const assertBindAllowed = (host: string, isOpen: boolean, allowPublicOpen = false): void => {
  if (!isOpen || allowPublicOpen || isLoopbackHost(host)) return
  throw new AuthError(
    AuthErrorCode.OpenBind,
    `refusing to listen on ${host} without authentication: anyone who can reach it could read and change every schedule. ` +
      'Configure ROTA_AUTH_SECRET, ROTA_AUTH_PUBLIC_KEY or ROTA_AUTH_JWKS, listen on 127.0.0.1, or pass --allow-public-open.',
    { host },
  )
}

/** The banner the CLI prints (to stderr) when the server starts without auth. */
export const openModeWarning = (host: string): string =>
  [
    '!!! ROTA IS RUNNING WITHOUT AUTHENTICATION (dev mode) !!!',
    `Every client of ${host} is an anonymous admin: it can read, change, restore and delete every schedule.`,
    'Set ROTA_AUTH_SECRET (HS256), ROTA_AUTH_PUBLIC_KEY (PEM file) or ROTA_AUTH_JWKS (JWKS file) before real use.',
  ].join('\n')
