import { hocuspocus, hocuspocusStoreEveryChange, yWebsocketServer } from './peers.ts'
import { rota, rotaNoResolver, rotaProvider, rotaProviderLargeMessages } from './rota.ts'
import type { System, SystemId } from './types.ts'

const ALL_SYSTEMS: System[] = [yWebsocketServer, hocuspocus, hocuspocusStoreEveryChange, rota, rotaProvider, rotaProviderLargeMessages, rotaNoResolver]

/** The system with this id (client processes get the id, not the adapter). */
export const systemById = (id: SystemId): System => {
  const system = ALL_SYSTEMS.find((s) => s.id === id)
  if (system === undefined) throw new Error(`unknown system ${id}`)
  return system
}
