// [M2] How long a client takes to converge after its instance died. Three instances behind the round-robin balancer,
// stock y-websocket clients and Rota providers (their default reconnect schedules) editing one ward's schedule under
// a steady load; the instance with the most clients is killed with SIGKILL. A client of that instance has converged
// once it is connected and synced again (through the balancer, to a live instance), holds every edit the others made
// before the kill, and the others hold every edit it had made (its unacknowledged ones re-sent). Then the instance is
// started again and the next one is killed.
import { performance } from 'node:perf_hooks'
import * as Y from 'yjs'
import { ownClock, providerEditor, seedWard, startCluster, startLoad, stockEditor, type Editor } from '@rota/cli/multi-instance'
import { sleep } from '../scenarios/sync.ts'
import { BENCH_SERVE_ARGS, type Environment } from './throughput.ts'

export interface FailoverParams {
  kills: number
  editors: number
  editIntervalMs: number
}

interface FailoverSample { kind: Editor['kind']; ms: number }

export interface FailoverFigures {
  samples: FailoverSample[]
  /** Clients that had not converged within the bound (a failure: named in the report). */
  stuck: string[]
  edits: number
}

const DOC = 'bench/ward'
const BOUND_MS = 60_000
/** y-websocket's own default. */
const Y_WEBSOCKET_MAX_BACKOFF_MS = 2_500

const waitFor = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) return false
    await sleep(5)
  }
  return true
}

const converged = (victim: Editor, others: Editor[], before: Map<Editor, number>): boolean =>
  victim.synced() && victim.saved()
  && others.every((o) => Y.getState(victim.doc.store, o.doc.clientID) >= before.get(o)!)
  && others.every((o) => Y.getState(o.doc.store, victim.doc.clientID) >= before.get(victim)!)

export const runFailover = async (env: Environment, params: FailoverParams): Promise<FailoverFigures> => {
  const cluster = await startCluster({ instances: 3, postgresUrl: env.postgresUrl, schema: env.schema(), redisUrl: env.redisUrl, compiled: true, args: BENCH_SERVE_ARGS })
  const editors: Editor[] = []
  const samples: FailoverSample[] = []
  const stuck: string[] = []
  try {
    for (let i = 0; i < params.editors; i++) {
      const editor = i % 2 === 0
        ? providerEditor(cluster.wsUrl, DOC, `p${i}`)
        : stockEditor(cluster.wsUrl, DOC, `s${i}`, undefined, Y_WEBSOCKET_MAX_BACKOFF_MS)
      editors.push(editor)
      if (!(await waitFor(() => editor.synced(), BOUND_MS))) throw new Error(`${editor.name} did not sync`)
    }
    seedWard(editors[0]!)
    await waitFor(() => editors.every((e) => e.doc.getMap('shifts').size > 0), BOUND_MS)
    const load = startLoad(editors, 11, params.editIntervalMs)
    await sleep(2_000)
    for (let k = 0; k < params.kills; k++) {
      const open = cluster.balancer.connections()
      const index = open.indexOf(Math.max(...open))
      const drops = new Map(editors.map((e) => [e, e.drops()]))
      const before = new Map(editors.map((e) => [e, ownClock(e.doc)]))
      const killedAt = performance.now()
      await cluster.instances[index]!.kill()
      // The victims are the clients whose connection dropped; each is timed from the kill.
      await waitFor(() => editors.filter((e) => e.drops() > drops.get(e)!).length >= open[index]!, 5_000)
      const victims = editors.filter((e) => e.drops() > drops.get(e)!)
      await Promise.all(victims.map(async (victim) => {
        const others = editors.filter((e) => e !== victim)
        if (await waitFor(() => converged(victim, others, before), BOUND_MS)) samples.push({ kind: victim.kind, ms: performance.now() - killedAt })
        else stuck.push(`${victim.name} after kill ${k + 1}`)
      }))
      await cluster.restart(index)
      await sleep(2_000)
    }
    await load.stop()
    return { samples, stuck, edits: load.edits() }
  } finally {
    for (const editor of editors) editor.destroy()
    await cluster.close()
  }
}
