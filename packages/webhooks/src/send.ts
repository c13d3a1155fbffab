import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { guardedLookup, isPrivateAddress } from './url.ts'

/** What one attempt came back with: a status, or the reason no answer came. */
export interface SendResult {
  status: number | null
  error: string | null
}

export interface SendRequest {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
  allowPrivateAddresses: boolean
}

/** The port deliveries go out through (tests may count or fail them; production is `httpSend`). */
export type Send = (request: SendRequest) => Promise<SendResult>

/**
 * One POST with node:http(s). Not `fetch`: its `lookup` option is where resolved addresses are checked (url.ts),
 * and no redirect is followed (a 3xx is a failed attempt: following one would let a public URL point the server
 * inside). The response body is read and dropped. The whole attempt, connection included, has `timeoutMs`.
 */
export const httpSend: Send = ({ url, headers, body, timeoutMs, allowPrivateAddresses }) =>
  new Promise((resolve) => {
    const target = new URL(url)
    const host = target.hostname.replace(/^\[|\]$/g, '')
    if (!allowPrivateAddresses && isPrivateAddress(host)) {
      resolve({ status: null, error: `ROTA_WEBHOOK_PRIVATE_ADDRESS: ${host} is not a public address` })
      return
    }
    let settled = false
    const finish = (result: SendResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(allowPrivateAddresses ? {} : { lookup: guardedLookup }),
    }, (res: IncomingMessage) => {
      res.resume()
      res.on('end', () => finish({ status: res.statusCode ?? null, error: null }))
      res.on('error', (err) => finish({ status: res.statusCode ?? null, error: `response: ${err.message}` }))
    })
    const timer = setTimeout(() => {
      finish({ status: null, error: `timed out after ${timeoutMs} ms` })
      req.destroy()
    }, timeoutMs)
    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: null, error: [err.code, err.message].filter(Boolean).join(': ') }))
    req.end(body)
  })
