import { errorClass } from '@rota/errors'

/** The bus's error codes (stable: tests and operators match on them, never on messages). */
export const BusErrorCode = {
  /** A message on the bus does not decode: another version, another program on the channel, damage. */
  BadEnvelope: 'ROTA_BUS_BAD_ENVELOPE',
  /** The bus URL or options are unusable (`--bus-url` / `ROTA_BUS_URL`, instance id). */
  BadConfig: 'ROTA_BUS_BAD_CONFIG',
} as const

export type BusErrorCode = (typeof BusErrorCode)[keyof typeof BusErrorCode]

export class RotaBusError extends errorClass<BusErrorCode>('RotaBusError') {}

export const isRotaBusError = (err: unknown): err is RotaBusError => err instanceof RotaBusError
