/**
 * The `ResolverStore` contract, run by every backend from its own test file (like @rota/log's compliance):
 *
 *   runResolverStoreCompliance('memory', async () => ({ store: createMemoryStore(), cleanup: async () => {} }), { persistent: false })
 *
 * The concurrency block races two stores on one storage (`openAnother`, as two instances on one database)
 * or, for a backend that admits one process (memory, LevelDB), one store called concurrently: exactly one
 * `claim` of an id wins, exactly one `transition` from a status wins, and no `updateTeam` is lost.
 * Tests that need a capability are skipped by the capability a backend declares, never by its name.
 */
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tenantKeyOf } from '@rota/protocol'
import { newTeamModel } from './model.ts'
import type { ResolverStore, TeamState } from './store.ts'
import { defaultTeamSettings, type ConflictId, type ConflictRecord, type ConflictStatus } from './types.ts'

export interface StoreCapabilities {
  /** Records and teams survive `reopen()`. */
  persistent: boolean
  /** Several store objects may work on one storage at once (`openAnother`). */
  shared?: boolean
}

export interface StoreComplianceHandle {
  store: ResolverStore
  /** Closes the store and opens the same storage again. Needed when `persistent`. */
  reopen?: () => Promise<ResolverStore>
  /** Another store object on the same storage; `cleanup` closes it too. Needed when `shared`. */
  openAnother?: () => Promise<ResolverStore>
  /** Closes every store and removes the storage. */
  cleanup: () => Promise<void>
}

export type StoreComplianceSetup = () => Promise<StoreComplianceHandle>

/** A stored conflict record as the engine writes one; `patch` varies it. */
export const sampleRecord = (doc: string, id: string, patch: Partial<ConflictRecord> = {}): ConflictRecord => ({
  id: id as ConflictId, doc, team: tenantKeyOf(doc), key: `double_booking:ana:${id}`, seq: 3,
  kind: 'double_booking', refs: { shifts: ['s1', 's2'], staff: ['ana'], paths: ['shifts.s1.assignee'], coverage: null },
  edits: [{ editorId: 'alice', role: 'manager', clientTime: '2026-11-23T09:00:00.000Z', receivedAt: '2026-11-23T09:00:01.000Z' }],
  options: [{ id: 'o1', keeps: ['alice'], label: 'Keep Alice’s', ops: [{ op: 'set', path: 'shifts.s2.assignee', value: null }] }],
  suggestion: { optionId: 'o1', confidence: 0.5, strategy: 'first_writer_wins' },
  status: 'open', appliedOptionId: null, detectedAt: '2026-11-23T09:00:02.000Z', resolvedAt: null, resolvedBy: null,
  features: { kind: 'double_booking', magnitude: 4, rolesDiffer: false, options: [{ optionId: 'o1', strategies: ['first_writer_wins'], keepAll: false }] },
  appliedInverse: null, learnedUnchallenged: false,
  ...patch,
})

const team = (answers: number, threshold = defaultTeamSettings.threshold): TeamState =>
  ({ model: { ...newTeamModel(), answers }, settings: { ...defaultTeamSettings, threshold } })

const byId = (records: ConflictRecord[]): ConflictRecord[] => [...records].sort((a, b) => (a.id < b.id ? -1 : 1))

/** Runs `tasks` concurrently, started in the order `order` gives (a permutation fast-check picks). */
const raceInOrder = <T>(tasks: Array<() => Promise<T>>, order: number[]): Promise<T[]> => {
  const started: Array<Promise<T>> = new Array(tasks.length)
  for (const i of order) started[i] = tasks[i]!()
  return Promise.all(started)
}

const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })

export function runResolverStoreCompliance(name: string, setup: StoreComplianceSetup, capabilities: StoreCapabilities): void {
  describe(`ResolverStore compliance: ${name}`, () => {
    let handle: StoreComplianceHandle
    let store: ResolverStore
    beforeEach(async () => {
      handle = await setup()
      store = handle.store
    })
    afterEach(async () => {
      await handle.cleanup()
    })

    it('claims a new id once; a second claim changes nothing', async () => {
      const first = sampleRecord('ward/w1', 'c_1')
      expect(await store.claim(first)).toBe(true)
      expect(await store.claim(sampleRecord('ward/w1', 'c_1', { kind: 'concurrent_overwrite' }))).toBe(false)
      expect(await store.get('ward/w1', 'c_1')).toEqual(first)
      expect(await store.get('ward/w1', 'c_2')).toBeUndefined()
      expect(await store.get('ward/w2', 'c_1')).toBeUndefined()
    })

    it('hides a claimed automatic resolution until it is transitioned from claimed', async () => {
      const auto = sampleRecord('ward/w1', 'c_auto', { status: 'auto_applied' })
      expect(await store.claim(auto)).toBe(true)
      expect(await store.get('ward/w1', 'c_auto')).toBeUndefined()
      expect(await store.list('ward/w1')).toEqual([])
      expect(await store.claim(auto)).toBe(false)
      // Only `claimed` matches a claimed record, not the status it carries.
      expect(await store.transition({ ...auto, appliedOptionId: 'o1' }, 'auto_applied')).toBe(false)
      const applied = { ...auto, appliedOptionId: 'o1' }
      expect(await store.transition(applied, 'claimed')).toBe(true)
      expect(await store.get('ward/w1', 'c_auto')).toEqual(applied)
      expect(await store.transition(applied, 'claimed')).toBe(false)
    })

    it('transitions only from the stored status, and leaves the record alone otherwise', async () => {
      const open = sampleRecord('ward/w1', 'c_1')
      await store.claim(open)
      expect(await store.transition({ ...open, status: 'dismissed' }, 'auto_applied')).toBe(false)
      expect(await store.transition({ ...open, status: 'dismissed' }, 'claimed')).toBe(false)
      expect(await store.get('ward/w1', 'c_1')).toEqual(open)
      const resolved = { ...open, status: 'resolved' as const, appliedOptionId: 'o1', resolvedBy: 'mia' }
      expect(await store.transition(resolved, 'open')).toBe(true)
      expect(await store.get('ward/w1', 'c_1')).toEqual(resolved)
      expect(await store.transition({ ...open, status: 'dismissed' }, 'open')).toBe(false)
      expect(await store.transition(sampleRecord('ward/w1', 'c_none'), 'open')).toBe(false)
      expect(await store.get('ward/w1', 'c_none')).toBeUndefined()
    })

    it('lists one document’s visible records, not those of documents sharing a prefix', async () => {
      const records = [sampleRecord('acme/w1', 'c_b'), sampleRecord('acme/w1', 'c_a', { seq: 9 })]
      for (const r of records) await store.claim(r)
      await store.claim(sampleRecord('acme/w1!x', 'c_c'))
      await store.claim(sampleRecord('acme/w10', 'c_d'))
      await store.claim(sampleRecord('acme/w', 'c_e'))
      await store.claim(sampleRecord('acme/w1', 'c_hidden', { status: 'auto_applied' }))
      expect(byId(await store.list('acme/w1'))).toEqual(byId(records))
      expect(await store.list('acme/w2')).toEqual([])
    })

    it('keeps names as given: unicode, quotes and percent signs in documents and ids', async () => {
      const doc = 'équipe/w’1 %_\'"'
      const r = sampleRecord(doc, 'c_%_\'', { refs: { shifts: ['s–1'], staff: ['zoë'], paths: [], coverage: null } })
      expect(await store.claim(r)).toBe(true)
      expect(await store.list(doc)).toEqual([r])
      expect(await store.list('équipe/w')).toEqual([])
      expect(await store.get(doc, 'c_%_\'')).toEqual(r)
    })

    it('stores team states; updateTeam reads the stored one and returns what it wrote', async () => {
      expect(await store.getTeam('ward')).toBeUndefined()
      const seen: Array<TeamState | undefined> = []
      const first = await store.updateTeam('ward', (current) => {
        seen.push(current)
        return team(1)
      })
      expect(seen).toEqual([undefined])
      expect(first).toEqual(team(1))
      await store.putTeam('ward', team(5, 0.5))
      const next = await store.updateTeam('ward', (current) => team((current?.model.answers ?? 0) + 1, current?.settings.threshold))
      expect(next).toEqual(team(6, 0.5))
      expect(await store.getTeam('ward')).toEqual(team(6, 0.5))
      expect(await store.getTeam('other')).toBeUndefined()
    })

    it.skipIf(!capabilities.persistent)('keeps records and teams across a reopen', async () => {
      const open = sampleRecord('ward/w1', 'c_1')
      await store.claim(open)
      await store.claim(sampleRecord('ward/w1', 'c_2', { status: 'auto_applied' }))
      await store.putTeam('ward', team(3))
      store = await handle.reopen!()
      expect(await store.list('ward/w1')).toEqual([open])
      expect(await store.transition(sampleRecord('ward/w1', 'c_2', { status: 'auto_applied', appliedOptionId: 'o1' }), 'claimed')).toBe(true)
      expect(await store.getTeam('ward')).toEqual(team(3))
    })

    it.skipIf(!capabilities.shared)('shares records and teams between two store objects on one storage', async () => {
      const other = await handle.openAnother!()
      const open = sampleRecord('ward/w1', 'c_1')
      await store.claim(open)
      expect(await other.get('ward/w1', 'c_1')).toEqual(open)
      expect(await other.claim(open)).toBe(false)
      await other.putTeam('ward', team(2))
      expect(await store.getTeam('ward')).toEqual(team(2))
    })

    describe('concurrency', () => {
      // Two store objects on one storage when the backend is shared; else one store called concurrently.
      const racers = async (): Promise<[ResolverStore, ResolverStore]> =>
        [store, capabilities.shared ? await handle.openAnother!() : store]

      it('of concurrent claims of one id exactly one wins, and its record is the one stored', async () => {
        const [one, two] = await racers()
        let run = 0
        await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 4 }), fc.nat(), async (ids, perId, seed) => {
          const doc = `race/claim${++run}`
          const tasks: Array<() => Promise<{ id: string; won: boolean; record: ConflictRecord }>> = []
          for (let i = 0; i < ids; i++) {
            for (let k = 0; k < perId; k++) {
              const record = sampleRecord(doc, `c_${i}`, { suggestion: { optionId: 'o1', confidence: k / 10, strategy: 'first_writer_wins' } })
              const by = (k + seed) % 2 === 0 ? one : two
              tasks.push(async () => ({ id: record.id, won: await by.claim(record), record }))
            }
          }
          const order = fc.sample(permutation(tasks.length), { numRuns: 1, seed })[0]!
          const results = await raceInOrder(tasks, order)
          for (let i = 0; i < ids; i++) {
            const winners = results.filter((r) => r.id === `c_${i}` && r.won)
            expect(winners).toHaveLength(1)
            expect(await one.get(doc, `c_${i}`)).toEqual(winners[0]!.record)
            expect(await two.get(doc, `c_${i}`)).toEqual(winners[0]!.record)
          }
        }), { numRuns: 15 })
      })

      it('of concurrent transitions from one status exactly one wins; a claimed record is finished once', async () => {
        const [one, two] = await racers()
        const targets: ConflictStatus[] = ['resolved', 'overridden', 'dismissed']
        let run = 0
        await fc.assert(fc.asyncProperty(fc.boolean(), fc.integer({ min: 2, max: 4 }), fc.nat(), async (claimed, callers, seed) => {
          const doc = `race/transition${++run}`
          const base = sampleRecord(doc, 'c_1', { status: claimed ? 'auto_applied' : 'open' })
          expect(await one.claim(base)).toBe(true)
          const tasks = [...Array(callers).keys()].map((k) => {
            const next = { ...base, status: claimed ? 'auto_applied' as const : targets[k % targets.length]!, resolvedBy: `p${k}`, appliedOptionId: 'o1' }
            const by = (k + seed) % 2 === 0 ? one : two
            return async () => ({ won: await by.transition(next, claimed ? 'claimed' : 'open'), next })
          })
          const order = fc.sample(permutation(tasks.length), { numRuns: 1, seed })[0]!
          const results = await raceInOrder(tasks, order)
          const winners = results.filter((r) => r.won)
          expect(winners).toHaveLength(1)
          expect(await two.get(doc, 'c_1')).toEqual(winners[0]!.next)
        }), { numRuns: 15 })
      })

      it('loses no team update when two stores update one team at once', async () => {
        const [one, two] = await racers()
        let run = 0
        await fc.assert(fc.asyncProperty(fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }), fc.boolean(), async (whoCalls, settingsToo) => {
          const name = `team${++run}`
          const tasks = whoCalls.map((useOne, k) => () => (useOne ? one : two).updateTeam(name, (current) => {
            const state = current ?? team(0)
            // One caller also changes a setting: both kinds of change must survive.
            return k === 0 && settingsToo
              ? { ...state, model: { ...state.model, answers: state.model.answers + 1 }, settings: { ...state.settings, threshold: 0.3 } }
              : { ...state, model: { ...state.model, answers: state.model.answers + 1 } }
          }))
          await Promise.all(tasks.map((t) => t()))
          const stored = await one.getTeam(name)
          expect(stored?.model.answers).toBe(whoCalls.length)
          expect(stored?.settings.threshold).toBe(settingsToo ? 0.3 : defaultTeamSettings.threshold)
        }), { numRuns: 15 })
      })
    })
  })
}
