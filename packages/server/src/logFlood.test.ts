import { describe, expect, it } from 'vitest'
import { clientLogBurst, clientLogPerSecond } from './clientLog.ts'
import { captureLog } from './logCapture.ts'
import { upgradeAndSend } from './rawTcp.ts'
import { cleanupAfterEach, connectRaw, startTestServer } from './testing.ts'

const { track } = cleanupAfterEach()

const mask = [1, 2, 3, 4]
/** A masked client frame header (FIN, binary) with a 64-bit length. */
const longFrame = (high: number, low: number) => {
  const frame = Buffer.alloc(14)
  frame[0] = 0x82
  frame[1] = 0x80 | 127
  frame.writeUInt32BE(high, 2)
  frame.writeUInt32BE(low, 6)
  frame.set(mask, 10)
  return frame
}
/** A compressed (RSV1) masked binary frame whose payload is not deflate data. */
const badDeflate = (() => {
  const payload = Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa])
  const frame = Buffer.alloc(6 + payload.length)
  frame[0] = 0xc2
  frame[1] = 0x80 | payload.length
  frame.set(mask, 2)
  payload.forEach((byte, i) => (frame[6 + i] = byte ^ mask[i % 4]!))
  return frame
})()

describe('client mistakes do not flood the logs', () => {
  it('malformed frames and refused connections log at info, rate-limited per address', { timeout: 120_000 }, async () => {
    const log = captureLog()
    const server = track(await startTestServer({ logger: { level: 'info', stream: log.stream } }))
    const start = Date.now()
    const rounds = 15
    for (let i = 0; i < rounds; i++) {
      // ws refuses each of these as it reads the frame header or inflates the payload.
      await upgradeAndSend(server, '/team/w1', longFrame(0x00300000, 0)) // payload length > 2^53 - 1
      await upgradeAndSend(server, '/team/w1', longFrame(0, 0x40000000)) // Max payload size exceeded
      await upgradeAndSend(server, '/team/w1', badDeflate, 'permessage-deflate') // invalid block type
      // A refusal of the server's own (a bad document name).
      await (await connectRaw(server, 'a//b')).closed
    }
    const elapsedSeconds = (Date.now() - start) / 1000
    await server.close()

    const lines = log.lines()
    // Before: "Max payload size exceeded", "invalid block type" and the 2^53 line at error, once per frame.
    expect(lines.filter((line) => line.level >= 40)).toEqual([])
    const mistakes = lines.filter((line) => line.msg === 'WebSocket protocol error' || line.msg === 'connection refused')
    expect(mistakes.length).toBeGreaterThan(0)
    for (const line of mistakes) expect(line.level).toBe(30)
    const reasons = new Set(mistakes.map((line) => String(line.reason)))
    for (const reason of ['Unsupported WebSocket frame: payload length > 2^53 - 1', 'Max payload size exceeded', 'invalid block type']) {
      expect(reasons).toContain(reason)
    }
    // 60 mistakes from one address; the log keeps the burst and what the rate allows meanwhile.
    expect(mistakes.length).toBeLessThanOrEqual(clientLogBurst + Math.ceil(elapsedSeconds * clientLogPerSecond) + 1)
  })
})
