/**
 * The bus between instances for `rota serve`, when `--bus-url` / `ROTA_BUS_URL` is given: Redis
 * (@rota/bus-redis) behind the server's `Bus` port. Without a URL there is none and the server runs alone,
 * exactly as before.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { BusLogger } from '@rota/bus-redis'
import type { Bus } from '@rota/server'
import type { Config } from '../config.ts'

/** `<host>-<pid>-<6 hex>`: unique enough among instances, and says in logs where one runs. */
export const defaultInstanceId = (): string => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`

/**
 * A logger that forwards to the server's once it exists (the bus is created before the server, which
 * makes the logger); what comes before is dropped, the bus logs only state changes.
 */
export const lateLogger = (): BusLogger & { bind(target: BusLogger): void } => {
  let target: BusLogger | undefined
  return {
    info: (obj, msg) => target?.info(obj, msg),
    warn: (obj, msg) => target?.warn(obj, msg),
    debug: (obj, msg) => target?.debug(obj, msg),
    bind: (given) => {
      target = given
    },
  }
}

/** The bus, or none without a URL. Redis's client (ioredis, ~60 modules) is loaded only when one is configured. */
export const openBus = async (config: Config, logger: BusLogger): Promise<Bus | undefined> => {
  if (config.busUrl === '') return undefined
  const { createRedisBus } = await import('@rota/bus-redis')
  return createRedisBus({ url: config.busUrl, instanceId: config.instanceId || defaultInstanceId(), logger })
}
