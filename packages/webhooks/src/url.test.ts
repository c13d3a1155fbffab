import { describe, expect, it } from 'vitest'
import { httpSend } from './send.ts'
import { startReceiver } from './testing.ts'
import { guardedLookup, isPrivateAddress, parseWebhookUrl } from './url.ts'

describe('webhook URLs and the SSRF guard', () => {
  it('[U1] names the addresses that are not public', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '[::1]']) {
      expect(isPrivateAddress(a), a).toBe(true)
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '1.1.1.1', '2606:4700:4700::1111', 'example.org']) expect(isPrivateAddress(a), a).toBe(false)
  })

  it('[U2] normalises good URLs and allows private ones only when the operator does', () => {
    expect(parseWebhookUrl('HTTPS://Example.ORG/hook?x=1', false)).toBe('https://example.org/hook?x=1')
    expect(parseWebhookUrl('http://127.0.0.1:8080/hook', true)).toBe('http://127.0.0.1:8080/hook')
    expect(() => parseWebhookUrl('http://127.0.0.1:8080/hook', false)).toThrow(expect.objectContaining({ code: 'ROTA_WEBHOOK_PRIVATE_ADDRESS' }))
    expect(() => parseWebhookUrl('http://api.localhost/hook', false)).toThrow(expect.objectContaining({ code: 'ROTA_WEBHOOK_PRIVATE_ADDRESS' }))
    expect(() => parseWebhookUrl('file:///etc/passwd', true)).toThrow(expect.objectContaining({ code: 'ROTA_WEBHOOK_BAD_URL' }))
    expect(() => parseWebhookUrl(`https://example.org/${'a'.repeat(2048)}`, true)).toThrow(expect.objectContaining({ code: 'ROTA_WEBHOOK_BAD_URL' }))
  })

  it('[U3] refuses a host name that resolves to a private address at connection time', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)))
    expect(err?.code).toBe('ROTA_WEBHOOK_PRIVATE_ADDRESS')
  })

  it('[U4] a delivery to an internal address is refused before any byte is sent, by literal or by name', async () => {
    const hook = await startReceiver([200])
    try {
      const port = new URL(hook.url).port
      for (const url of [hook.url, `http://localhost:${port}/hook`]) {
        const result = await httpSend({ url, headers: {}, body: '{}', timeoutMs: 5000, allowPrivateAddresses: false })
        expect(result.status, url).toBeNull()
        expect(result.error, url).toMatch(/^ROTA_WEBHOOK_PRIVATE_ADDRESS/)
      }
      expect(hook.received).toHaveLength(0)
      expect(await httpSend({ url: hook.url, headers: {}, body: '{}', timeoutMs: 5000, allowPrivateAddresses: true })).toEqual({ status: 200, error: null })
    } finally {
      await hook.close()
    }
  })
})
