import type { FastifyPluginAsync } from 'fastify'
import type { UpdateLog } from '@rota/log'
import type { RoomRegistry } from '../rooms.ts'
import type { Limits, ServerHooks } from '../types.ts'

export interface RestPluginOptions {
  rooms: RoomRegistry
  log: UpdateLog
  hooks: ServerHooks
  limits: Limits
}

export const restPlugin: FastifyPluginAsync<RestPluginOptions> = async () => {}
