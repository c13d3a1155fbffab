import { describe, expect, it } from 'vitest'
import { assertBindAllowed, isLoopbackHost, openModeWarning } from './bind.ts'
import { AuthErrorCode } from './errors.ts'

describe('dev-mode loopback rule', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'api.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true)
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '128.0.0.1', 'example.com', '::ffff:10.0.0.1', '']) {
      expect(isLoopbackHost(host), host).toBe(false)
    }
  })

  it('refuses an open server on a non-loopback address unless told', () => {
    expect(() => assertBindAllowed('0.0.0.0', true)).toThrow(expect.objectContaining({ code: AuthErrorCode.OpenBind }))
    expect(() => assertBindAllowed('192.168.1.2', true, false)).toThrow(expect.objectContaining({ code: AuthErrorCode.OpenBind }))
    expect(() => assertBindAllowed('0.0.0.0', true, true)).not.toThrow()
    expect(() => assertBindAllowed('127.0.0.1', true)).not.toThrow()
    expect(() => assertBindAllowed('0.0.0.0', false)).not.toThrow()
  })

  it('has a loud warning for the CLI', () => {
    expect(openModeWarning('127.0.0.1')).toMatch(/WITHOUT AUTHENTICATION/)
  })
})
