/**
 * The process the crash test kills: appends schedule edits to several documents with many
 * concurrent writers and prints one line per resolved (committed) append, `<doc> <seq> <crc32>`,
 * until it is killed. A failed append (PostgreSQL stopped under it) is never printed; the writer
 * tries again with a new edit. Usage: node --import tsx crash-writer.ts <url> <schema> <writers> <docs> [application name]
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { crc32 } from 'node:zlib'
import { addShift, createEditor, editShift, metaFor } from '@rota/log/testing'
import { openPostgresLog } from './pg-log.ts'

const [url, schema, writersArg = '10', docsArg = '4', applicationName = 'rota-crash-writer'] = process.argv.slice(2)
if (url === undefined || schema === undefined) throw new Error('usage: crash-writer.ts <url> <schema> <writers> <docs> [application name]')
const writers = Number(writersArg)
const docs = Number(docsArg)

const log = await openPostgresLog({ url, schema, applicationName, checkpointEvery: 50, poolSize: 2 })
process.stdout.write('ready\n')

async function writer(index: number): Promise<never> {
  // A fresh client id per run and writer: every update is self-contained and valid on any history.
  const clientID = (Math.floor(Math.random() * 0x3fffffff) + index) >>> 0
  const editor = createEditor(clientID)
  const doc = `crash/${index % docs}`
  for (let n = 0; ; n++) {
    const update = editor.edit((d) => (n % 3 === 0 ? addShift(d, `w${clientID}-${n}`, n) : editShift(d, `w${clientID}-${n - (n % 3)}`, n)))!
    try {
      const seq = await log.append(doc, update, metaFor(`writer-${index}`, [clientID], Date.now()))
      process.stdout.write(`${doc} ${seq} ${crc32(update)}\n`)
    } catch {
      await sleep(20)
    }
  }
}

await Promise.all(Array.from({ length: writers }, (_, i) => writer(i)))
