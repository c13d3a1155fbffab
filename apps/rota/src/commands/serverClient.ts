/**
 * The CLI's way to a running server: `--url <server>` (or ROTA_URL) with `--token <jwt>` (or ROTA_TOKEN,
 * which keeps the token out of the process list). One request helper for every remote command, so that
 * they all report an unreachable server and the server's `{ error: { code, message } }` the same way.
 */
import { CliError, CliErrorCode } from '../errors.ts'
import type { ParsedValues } from '../config.ts'

/** An error the server answered, with its code (ROTA_ERR_FORBIDDEN, ROTA_AUTH_BAD_RULES …) for the CLI to print. */
export class ServerAnswer extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ServerAnswer'
  }
}

export interface ServerClient {
  readonly url: string
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options?: { query?: Record<string, string | number | undefined>; body?: unknown }): Promise<T>
}

const createServerClient = (url: string, token: string | undefined): ServerClient => {
  const base = url.replace(/\/+$/, '')
  return {
    url: base,
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: { query?: Record<string, string | number | undefined>; body?: unknown } = {}) {
      const target = new URL(`${base}${path}`)
      for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) target.searchParams.set(key, String(value))
      let res: Response
      try {
        res = await fetch(target, {
          method,
          headers: {
            ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
            ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        })
      } catch (err) {
        throw new Error(`cannot reach ${base}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`, { cause: err })
      }
      const answer = (await res.json().catch(() => undefined)) as (T & { error?: { code: string; message: string } }) | undefined
      if (res.ok && answer !== undefined) return answer
      throw new ServerAnswer(`${base} answered ${res.status}: ${answer?.error?.message ?? res.statusText}`, answer?.error?.code ?? `HTTP_${res.status}`, res.status)
    },
  }
}

/** The server a command goes through, or undefined for the local mode (the data directory itself). */
export const serverOf = (values: ParsedValues, env: Record<string, string | undefined>): ServerClient | undefined => {
  const url = values.url ?? env.ROTA_URL
  if (url === undefined) {
    if (values.token !== undefined) throw new CliError(CliErrorCode.Usage, '--token needs --url (without --url the command opens the data directory)')
    return undefined
  }
  return createServerClient(url, values.token ?? env.ROTA_TOKEN)
}

/** A store the running server holds, for the local mode to refuse with the way out: go through the server. */
export const lockedByServer = (message: string): CliError =>
  new CliError(CliErrorCode.Locked, `${message} (is rota serve running?): use --url <server> --token <jwt> to go through the server`)
