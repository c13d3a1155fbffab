import pino, { type LoggerOptions } from 'pino'

/**
 * Tokens never reach the logs. A WebSocket client sends its token in the URL (`?token=`), and URLs turn up in
 * many lines the server does not write itself: fastify's request serializer, @fastify/websocket's "no
 * websocket handler" line, error messages that quote the URL (`'/a/%ZZ?token=…' is not a valid url
 * component`), Node's client errors. Rather than trusting every writer, every line goes through these
 * serializers and the message hook, which blank token values wherever they appear.
 */
const patterns: Array<[RegExp, string]> = [
  [/([?&;]token=)[^&#\s"'<>]*/gi, '$1[REDACTED]'],
  // The same inside an encoded URL (a redirect target, a path segment).
  [/((?:%3F|%26)token(?:=|%3D))(?:(?!%26)[^&#\s"'<>])*/gi, '$1[REDACTED]'],
  [/(\bBearer\s+)[^\s"',]+/gi, '$1[REDACTED]'],
  // A calendar feed's URL is its secret (@rota/calendar: `/cal/<token>.ics`, no bearer).
  [/(\/cal\/)[A-Za-z0-9_-]+(\.ics)/g, '$1[REDACTED]$2'],
]

/** A string with every `token=` value and `Bearer` credential replaced by `[REDACTED]`. */
export const redactTokens = (text: string): string => {
  let out = text
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement)
  return out
}

/** Redacts every string inside a serialized value (error objects: message, stack, custom fields). */
const scrub = (value: unknown, depth = 0): unknown => {
  if (typeof value === 'string') return redactTokens(value)
  if (value === null || typeof value !== 'object' || depth > 6) return value
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    // Node's client errors carry the raw request bytes, URL and headers included.
    if (key === 'rawPacket') continue
    out[key] = scrub(item, depth + 1)
  }
  return out
}

const redactedString = (value: unknown): unknown => (typeof value === 'string' ? redactTokens(value) : value)

interface RequestLike {
  method?: string
  url?: string
  host?: string
  ip?: string
  socket?: { remotePort?: number }
}

const serializers = {
  // Like fastify's own, without the query's secrets.
  req: (req: RequestLike) => ({
    method: req.method,
    url: redactedString(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
  err: (err: Error) => scrub(pino.stdSerializers.err(err)),
  url: redactedString,
  path: redactedString,
}

const redactPaths = ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', '*.token']

/** The server's pino options: `options` with token redaction on every line (serializers, paths, messages). */
export const withRedaction = <T extends LoggerOptions>(options: T): T => {
  const given = options.redact
  const paths = Array.isArray(given) ? given : (given?.paths ?? [])
  return {
    ...options,
    serializers: { ...options.serializers, ...serializers },
    redact: { ...(Array.isArray(given) ? {} : given), paths: [...new Set([...paths, ...redactPaths])], censor: '[REDACTED]' },
    hooks: {
      ...options.hooks,
      logMethod(args, method, level) {
        const clean = args.map(redactedString) as typeof args
        if (options.hooks?.logMethod) options.hooks.logMethod.call(this, clean, method, level)
        else method.apply(this, clean)
      },
    },
  }
}
