/**
 * The teams the resolver learns for: each team's model and settings (read through the store, cached unless
 * other instances write it too), teaching the model from a decision, and the automatic resolutions nobody
 * challenged, which count as weak agreement once `leftAloneAfterMs` has passed (SPEC.md [M5]).
 */
import type { Locks } from '@rota/server'
import { learn, newTeamModel } from './model.ts'
import type { ResolverMetrics } from './metrics.ts'
import type { ResolverStore, TeamState } from './store.ts'
import { defaultTeamSettings, type ConflictRecord } from './types.ts'

/** The weight of an automatic resolution left alone, against 1 for a person's answer. */
const LEFT_ALONE_WEIGHT = 0.3

export interface TeamsContext {
  store: ResolverStore
  now: () => number
  leftAloneAfter: number
  cacheTeams: boolean
  metrics: ResolverMetrics | undefined
  /** One section at a time per team (createResolver's `serial` over its team locks). */
  serial: <T>(locks: Locks, key: string, fn: () => Promise<T>) => Promise<T>
  teamLocks: Locks
  /** Keeps the resolver's `idle()` waiting for a background task. */
  track: <T>(promise: Promise<T>) => Promise<T>
}

export const createTeams = (ctx: TeamsContext) => {
  const { store, now, leftAloneAfter, serial, teamLocks, track } = ctx
  const options = { cacheTeams: ctx.cacheTeams, metrics: ctx.metrics }
  const teams = new Map<string, TeamState>()
  const pendingLeftAlone = new Map<string, Array<{ doc: string; id: string; at: number }>>()

  const freshTeam = (): TeamState => ({ model: newTeamModel(), settings: { ...defaultTeamSettings } })
  const team = async (name: string): Promise<TeamState> => {
    const cached = options.cacheTeams ? teams.get(name) : undefined
    if (cached) return cached
    const state = (await store.getTeam(name)) ?? freshTeam()
    teams.set(name, state)
    return state
  }

  /** Read-modify-write through the store (no lost update when another instance teaches the same team). */
  const updateTeam = async (name: string, fn: (state: TeamState) => TeamState): Promise<TeamState> => {
    const next = await store.updateTeam(name, (current) => fn(current ?? freshTeam()))
    teams.set(name, next)
    return next
  }

  const teach = (name: string, record: ConflictRecord, chosen: string, weight = 1): Promise<void> =>
    serial(teamLocks, name, async () => {
      await updateTeam(name, (state) => ({ ...state, model: learn(state.model, record.features, chosen, weight) }))
    })

  const sweepLeftAlone = async (teamName: string): Promise<void> => {
    const pending = pendingLeftAlone.get(teamName) ?? []
    const due = pending.filter((p) => now() - p.at >= leftAloneAfter)
    if (due.length === 0) return
    pendingLeftAlone.set(teamName, pending.filter((p) => !due.includes(p)))
    for (const p of due) {
      const r = await store.get(p.doc, p.id)
      if (!r || r.status !== 'auto_applied' || r.learnedUnchallenged || r.appliedOptionId === null) continue
      if (await store.transition({ ...r, learnedUnchallenged: true }, 'auto_applied')) {
        await teach(teamName, r, r.appliedOptionId, LEFT_ALONE_WEIGHT)
        options.metrics?.judge(teamName, true)
      }
    }
  }

  // Left-alone automatic resolutions are also looked at between conflicts, at most once a second per team.
  const lastSweep = new Map<string, number>()
  const sweepNow = (teamName: string): void => {
    if (now() - (lastSweep.get(teamName) ?? Number.NEGATIVE_INFINITY) < 1000 || !pendingLeftAlone.get(teamName)?.length) return
    lastSweep.set(teamName, now())
    track(sweepLeftAlone(teamName).catch(() => undefined))
  }

  /** An automatic resolution to look at again once it has been left alone for `leftAloneAfter`. */
  const leftAloneLater = (record: ConflictRecord): void => {
    pendingLeftAlone.set(record.team, [...(pendingLeftAlone.get(record.team) ?? []), { doc: record.doc, id: record.id, at: now() }])
  }

  return { team, updateTeam, teach, sweepLeftAlone, sweepNow, leftAloneLater }
}

export type Teams = ReturnType<typeof createTeams>
