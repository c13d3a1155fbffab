export { startServer } from './server.ts'
export { errorBody, errorResponse, docParam, docParams } from './httpShapes.ts'
export type { ExtensionErrorOptions, ExtensionHttp } from './extensionHttp.ts'
export type {
  AdminAction,
  ApplyOptions,
  AuthHooks,
  Decision,
  Extension,
  ExtensionContext,
  Identity,
  Limits,
  Role,
  Rooms,
  RotaServer,
  ServerHooks,
  ServerOptions,
  UpdateEvent,
  RefusedEvent,
  UpdateMeta,
} from './types.ts'
export { anonymousAdmin, openHooks } from './hooks.ts'
export { authenticateRequests, requestToken } from './requestIdentity.ts'
export { roleRulesExtension } from './plugins/roleRules.ts'
export type { RoleRulesExtensionOptions } from './plugins/roleRules.ts'
export { clientCompressionModes, defaultClientCompression, defaultHost, defaultLimits, defaultLogLevel, defaultCompressionThreshold, defaultRoomHibernateMs, defaultRoomIdleMs, type ClientCompression } from './config.ts'
export { createMetrics } from './metrics.ts'
export type { Bus, BusDocMessage, BusHandlers, BusMessage, BusMessageKind, ReplicationOptions } from './bus.ts'
export { busMessageKinds, isDocMessage } from './bus.ts'
export { createMemoryBusHub } from './busMemory.ts'
export type { MemoryBusHub, QueuedDelivery } from './busMemory.ts'
export { replicationDefaults } from './replication.ts'
export type { ServerMetrics } from './metrics.ts'
export { RotaServerError, ServerErrorCode, authErrorCodes, closeCodeOf, httpStatusOf } from './errors.ts'
export { parseDocName } from './docName.ts'
export { parseVersionRef } from './version.ts'
export type { DocName } from './docName.ts'
export { readHistory } from './history.ts'
export type { HistoryEntry, HistoryPage } from './history.ts'
export { restoreUpdate, revertUpdate } from './restore.ts'
export { createLocks, type Locks } from './locks.ts'
