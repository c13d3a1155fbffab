import type { FastifyInstance } from 'fastify'
import * as Y from 'yjs'
import type { Rooms } from '@rota/server'
import { toJSON, type ScheduleJSON } from '@rota/model'
import type { UpdateLog } from '@rota/log'
import { docParams, errorResponse, parseVersionRef, RotaServerError, ServerErrorCode } from '@rota/server'
import type { Access } from '../access.ts'
import { exportCsv, type ExportKind } from '../csv.ts'
import { parseRange } from '../range.ts'

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse }

/** The schedule now (the live room, as the grid shows it) or at `?at=` (a seq or an ISO time, as `GET /api/docs/:doc`). */
const scheduleOf = async (log: UpdateLog, rooms: Rooms, doc: string, at: string | undefined): Promise<ScheduleJSON> => {
  const head = await log.head(doc)
  if (head === undefined) throw new RotaServerError(ServerErrorCode.DocNotFound, 'no such document', { doc })
  if (at === undefined) return toJSON(await rooms.getDoc(doc))
  const ref = parseVersionRef(at)
  if ('seq' in ref && ref.seq > head.headSeq) throw new RotaServerError(ServerErrorCode.BadVersion, `seq ${ref.seq} is after the head (${head.headSeq})`, { at })
  const ydoc = new Y.Doc()
  try {
    Y.applyUpdate(ydoc, await log.stateAt(doc, ref))
    return toJSON(ydoc)
  } finally {
    ydoc.destroy()
  }
}

const summaries: Record<ExportKind, string> = {
  hours: 'CSV of each person\'s hours per week (payroll): staff_id, staff_name, week_start, hours, minutes',
  shifts: 'CSV of the shifts dated in a range: shift_id, date, start, end, hours, role, required_skill, assignee, assignee_name, notes',
}

/** `GET /api/docs/:doc/exports/hours.csv` and `/exports/shifts.csv` (csv.ts), for readers of the document. */
export const exportRoutes = (app: FastifyInstance, log: UpdateLog, rooms: Rooms, access: Access): void => {
  for (const kind of ['hours', 'shifts'] as const) {
    app.get(`/api/docs/:doc/exports/${kind}.csv`, {
      schema: {
        tags: ['exports'], summary: summaries[kind],
        description: 'RFC 4180 (CRLF, quoted where needed); text cells starting with = + - @ get a leading apostrophe. The numbers are the grid\'s (@rota/model).',
        params: docParams,
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', description: 'First date, YYYY-MM-DD' },
            to: { type: 'string', description: 'Last date, YYYY-MM-DD (at most 732 days after from)' },
            at: { type: 'string', description: 'A sequence number, or an ISO-8601 time (the last entry at or before it)' },
          },
          required: ['from', 'to'],
        },
        response: errors,
      },
    }, async (request, reply) => {
      const doc = access.readable(request)
      const q = request.query as { from: string; to: string; at?: string }
      const range = parseRange(q.from, q.to)
      const csv = exportCsv(kind, await scheduleOf(log, rooms, doc, q.at), range)
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${kind}-${range.from}-${range.to}.csv"`)
        .send(csv)
    })
  }
}
