import { afterEach, describe, expect, it } from 'vitest'
import net from 'node:net'
import { startBalancer } from './balancer.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

/** A backend that greets every connection with its name and echoes what it receives. */
const backend = async (name: string): Promise<{ port: number; close(): Promise<void> }> => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.write(`${name}:`)
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const close = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  cleanup.push(close)
  return { port: (server.address() as net.AddressInfo).port, close }
}

/** A port nothing listens on (bound once, then released). */
const refusingPort = async (): Promise<number> => {
  const { port, close } = await backend('gone')
  await close()
  return port
}

/** Connects through the balancer, sends `text`, and resolves with everything received until `until` is seen. */
const exchange = (port: number, text: string): Promise<{ reply: string; socket: net.Socket }> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    cleanup.push(() => socket.destroy())
    let reply = ''
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString()
      if (reply.endsWith(text)) resolve({ reply, socket })
    })
    socket.once('error', reject)
    socket.once('close', () => reject(new Error(`closed after ${JSON.stringify(reply)}`)))
    socket.write(text)
  })

describe('round-robin balancer', () => {
  it('hands each new connection to the next backend and pipes both ways', async () => {
    const backends = await Promise.all(['a', 'b', 'c'].map(backend))
    const balancer = await startBalancer(backends.map((b) => b.port))
    cleanup.push(() => balancer.close())
    const replies = []
    for (let i = 0; i < 6; i++) replies.push((await exchange(balancer.port, `hello ${i}`)).reply)
    expect(replies).toEqual(['a:hello 0', 'b:hello 1', 'c:hello 2', 'a:hello 3', 'b:hello 4', 'c:hello 5'])
    expect(balancer.handed()).toEqual([2, 2, 2])
    expect(balancer.connections()).toEqual([2, 2, 2])
  })

  it('skips a backend that refuses, closes the client when its backend goes, and follows a replaced port', async () => {
    const a = await backend('a')
    const b = await backend('b')
    const balancer = await startBalancer([a.port, await refusingPort(), b.port])
    cleanup.push(() => balancer.close())
    const first = await exchange(balancer.port, 'x')
    const second = await exchange(balancer.port, 'y')
    expect([first.reply, second.reply]).toEqual(['a:x', 'b:y'])
    expect(balancer.handed()).toEqual([1, 0, 1])

    // The backend dies: its client's connection through the balancer closes too.
    const gone = new Promise<void>((resolve) => first.socket.once('close', () => resolve()))
    await a.close()
    await gone
    expect(balancer.connections()).toEqual([0, 0, 1])

    const c = await backend('c')
    balancer.setBackend(1, c.port)
    const replies = []
    for (let i = 0; i < 2; i++) replies.push((await exchange(balancer.port, `z${i}`)).reply)
    // The turn has come round to backend 0 (refusing now), then 1 (the new port).
    expect(replies).toEqual(['c:z0', 'b:z1'])
  })

  it('refuses new connections while paused, and serves again on resume', async () => {
    const a = await backend('a')
    const balancer = await startBalancer([a.port])
    cleanup.push(() => balancer.close())
    balancer.pause()
    await expect(exchange(balancer.port, 'no')).rejects.toThrow(/closed/)
    balancer.resume()
    expect((await exchange(balancer.port, 'yes')).reply).toBe('a:yes')
  })
})
