/**
 * The page the browser test drives: one schedule document, a RotaProvider with IndexedDB, and a
 * small `window.rota` surface for the test. Query: `?ws=<server or proxy ws URL>&doc=<name>`.
 */
import * as Y from 'yjs'
import { RotaProvider, indexeddbStore, type ProviderState } from '../../index.ts'

const query = new URLSearchParams(location.search)
const doc = new Y.Doc()
const provider = new RotaProvider(doc, {
  url: query.get('ws') ?? '',
  docName: query.get('doc') ?? '',
  offline: indexeddbStore(),
  backoff: { initialDelay: 100, factor: 1.5, maxDelay: 500 },
  pingInterval: 2_000,
})
const shifts = doc.getMap<Y.Map<unknown>>('shifts')

/** Sets a shift's assignee (creating the shift, in the schedule layout, when it is new). */
const assign = (shiftId: string, assignee: string | null): void => {
  doc.transact(() => {
    let shift = shifts.get(shiftId)
    if (shift === undefined) {
      shift = new Y.Map<unknown>()
      shifts.set(shiftId, shift)
      shift.set('date', '2026-11-30')
      shift.set('start', '07:00')
      shift.set('end', '15:00')
      shift.set('role', 'nurse')
      shift.set('requiredSkill', null)
      shift.set('notes', '')
    }
    shift.set('assignee', assignee)
  })
}

const render = (state: ProviderState): void => {
  const status = document.getElementById('status')
  if (status) status.textContent = `${state.status} ${state.saved ? 'saved' : `${state.unsyncedChanges} unsaved`}`
}
provider.on('change', render)
render(provider.state)

Object.assign(window, {
  rota: {
    provider,
    assign,
    remove: (shiftId: string) => shifts.delete(shiftId),
    assignees: () => Object.fromEntries([...shifts.entries()].map(([id, shift]) => [id, shift.get('assignee')])),
    state: () => provider.state,
    loaded: () => provider.whenLoaded.then(() => true),
    flush: () => provider.flushLocal().then(() => true),
  },
})
