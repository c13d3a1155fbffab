// Hocuspocus as its docs start it: `new Server({ port, extensions: [new SQLite({ database })] })`, then `listen()`.
// Every other setting stays at its default (debounce 2 s, maxDebounce 10 s). BENCH_HOCUSPOCUS_DEBOUNCE=0 gives the
// "store every change" variant.
import { Server } from '@hocuspocus/server'
import { SQLite } from '@hocuspocus/extension-sqlite'
import { READY_PREFIX } from '../proc/child.ts'

const database = process.env.BENCH_DB_FILE
if (database === undefined) throw new Error('BENCH_DB_FILE is required')
const debounce = process.env.BENCH_HOCUSPOCUS_DEBOUNCE

const server = new Server({
  address: '127.0.0.1',
  port: 0,
  quiet: true,
  ...(debounce === undefined ? {} : { debounce: Number(debounce) }),
  extensions: [new SQLite({ database })],
})
await server.listen()
process.stdout.write(`${READY_PREFIX}${server.address.port}\n`)
