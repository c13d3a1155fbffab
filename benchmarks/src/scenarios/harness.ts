import { rm, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { startCountingProxy, type CountingProxy } from '../net/proxy.ts'
import type { ServerProcess } from '../proc/child.ts'
import type { SyncClient } from '../systems/clients.ts'
import type { System } from '../systems/types.ts'
import type { Measurement, ScenarioContext } from './types.ts'

/** A system's server running for one case, with the proxies and clients the case opened (all closed by `close`). */
export interface RunningSystem {
  readonly system: System
  readonly dataDir: string
  server: ServerProcess
  /** A new counting proxy in front of the server (it follows restarts). */
  proxy(): Promise<CountingProxy>
  /** A client through `proxy` (or straight to the server when omitted). */
  connect(docName: string, doc: Y.Doc, proxy?: CountingProxy): SyncClient
  /** Stops (SIGTERM) or kills (SIGKILL) the server and starts it again on the same data. */
  restart(how: 'stop' | 'kill'): Promise<void>
  close(): Promise<void>
}

const startSystem = async (ctx: ScenarioContext, system: System): Promise<RunningSystem> => {
  const dataDir = await ctx.tmpDir(`rota-bench-${system.id}-`)
  const proxies: CountingProxy[] = []
  const clients: SyncClient[] = []
  const running: RunningSystem = {
    system,
    dataDir,
    server: await system.start(dataDir),
    proxy: async () => {
      const proxy = await startCountingProxy(running.server.port)
      proxies.push(proxy)
      return proxy
    },
    connect: (docName, doc, proxy) => {
      const client = system.connect(`ws://127.0.0.1:${proxy?.port ?? running.server.port}`, docName, doc)
      clients.push(client)
      return client
    },
    restart: async (how) => {
      await (how === 'stop' ? running.server.stop() : running.server.kill())
      running.server = await system.start(dataDir)
      for (const proxy of proxies) proxy.retarget(running.server.port)
    },
    close: async () => {
      for (const client of clients.splice(0)) client.destroy()
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()))
      await running.server.kill()
    },
  }
  return running
}

/**
 * Runs one measurement of one system: a fresh server, the case's body, teardown whatever happens. A failure (a
 * timeout, a failed correctness check) is recorded as a measurement with ok: false rather than ending the run.
 */
export const measure = async (
  ctx: ScenarioContext,
  system: System,
  body: (running: RunningSystem) => Promise<Omit<Measurement, 'subject' | 'label' | 'durability' | 'isRota' | 'ok'>>,
): Promise<Measurement> => {
  const base = { subject: system.id, label: system.label, durability: system.durability, isRota: system.isRota }
  let running: RunningSystem | undefined
  try {
    running = await startSystem(ctx, system)
    return { ...base, ok: true, ...(await body(running)) }
  } catch (error) {
    return { ...base, ok: false, error: error instanceof Error ? error.message.split('\n')[0]! : String(error), metrics: {} }
  } finally {
    await running?.close()
  }
}

/** Client ids as real clients have them (random 32-bit), but repeatable from the seed so byte counts are too. */
export const createDocFactory = (seed: number): (() => Y.Doc) => {
  const gen = prng.create(seed ^ 0x5eed)
  return () => {
    const doc = new Y.Doc()
    doc.clientID = prng.uint32(gen, 1, 0xffffffff)
    return doc
  }
}

/** Total size of the files under `dir`. A file removed meanwhile (a compaction by the running server) counts as 0. */
export const diskBytes = async (dir: string): Promise<number> => {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    try {
      total += (await stat(path.join(entry.parentPath, entry.name))).size
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return total
}

export const removeDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true })
