/**
 * The writer session: one connection per log object that carries every append batch. Before its
 * first batch a session proves it is durable (checkSession); a session that failed is dropped and
 * the next batch opens and checks a new one, so a restarted PostgreSQL costs the batches that were
 * in flight, never the log object.
 */
import pg from 'pg'
import { checkSession, connectionConfig } from './connection.ts'
import type { ConnectionOptions } from './connection.ts'

export interface WriterSession {
  query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>>
  close(): Promise<void>
}

export function createWriterSession(url: string, options: ConnectionOptions): WriterSession {
  let session: Promise<pg.Client> | undefined

  const open = async (): Promise<pg.Client> => {
    const client = new pg.Client(connectionConfig(url, options))
    // A lost connection is reported on the pending query; the event itself must not crash the process.
    client.on('error', () => undefined)
    try {
      await client.connect()
      await checkSession(client, url)
      return client
    } catch (error) {
      await client.end().catch(() => undefined)
      throw error
    }
  }

  const drop = (failed: Promise<pg.Client>): void => {
    if (session !== failed) return
    session = undefined
    void failed.then((client) => client.end()).catch(() => undefined)
  }

  return {
    async query<R extends pg.QueryResultRow>(text: string, values: unknown[]) {
      const current = (session ??= open())
      try {
        const client = await current
        return await client.query<R>(text, values)
      } catch (error) {
        // Whatever failed (connect, check, the statement): start the next batch on a fresh session.
        drop(current)
        throw error
      }
    },
    async close() {
      const current = session
      session = undefined
      if (current !== undefined) await current.then((client) => client.end()).catch(() => undefined)
    },
  }
}
