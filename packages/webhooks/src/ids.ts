import { randomBytes } from 'node:crypto'
import type { DeliveryId, EndpointId, EventId } from './types.ts'

let sequence = 0
/** Sorts by creation time (base 36 of the ms, then a per-process counter), random bits keep it unique across restarts. */
const sortable = (now: number): string =>
  `${Math.max(0, now).toString(36).padStart(9, '0')}${(sequence++ % 1_679_616).toString(36).padStart(4, '0')}${randomBytes(4).toString('hex')}`

export const newEventId = (now: number): EventId => `evt_${sortable(now)}` as EventId
export const newDeliveryId = (now: number): DeliveryId => `dlv_${sortable(now)}` as DeliveryId
export const newEndpointId = (): EndpointId => `wh_${randomBytes(8).toString('hex')}` as EndpointId

export const isEndpointId = (value: string): value is EndpointId => /^wh_[0-9a-f]{16}$/.test(value)
