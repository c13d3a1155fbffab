export { createRedisBus, describeBusUrl } from './redis-bus.ts'
export type { BusLogger, RedisBusOptions } from './redis-bus.ts'
export { decodeEnvelope, encodeEnvelope, envelopeVersion, KindCode } from './envelope.ts'
export { BusErrorCode, RotaBusError, isRotaBusError } from './errors.ts'
