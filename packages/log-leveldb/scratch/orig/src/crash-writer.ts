/**
 * The process the crash test kills: appends schedule edits to several documents with many
 * concurrent writers and prints one line per resolved append, `<doc> <seq> <crc32 of update>`,
 * until it is killed. Usage: node --import tsx crash-writer.ts <dir> <writers> <docs> [buffered]
 */
import { crc32 } from 'node:zlib'
import { addShift, createEditor, editShift, metaFor } from '@rota/log/testing'
import { openLevelLog } from './level-log.ts'

const [dir, writersArg = '10', docsArg = '4', mode] = process.argv.slice(2)
if (dir === undefined) throw new Error('usage: crash-writer.ts <dir> <writers> <docs> [buffered]')
const writers = Number(writersArg)
const docs = Number(docsArg)

const log = await openLevelLog({ dir, durability: mode === 'buffered' ? 'buffered' : 'sync', checkpointEvery: 50 })
process.stdout.write('ready\n')

async function writer(index: number): Promise<never> {
  // A fresh client id per run and writer: every update is self-contained and valid on any history.
  const clientID = (Math.floor(Math.random() * 0x3fffffff) + index) >>> 0
  const editor = createEditor(clientID)
  const doc = `crash/${index % docs}`
  for (let n = 0; ; n++) {
    const update = editor.edit((d) => (n % 3 === 0 ? addShift(d, `w${clientID}-${n}`, n) : editShift(d, `w${clientID}-${n - (n % 3)}`, n)))!
    const seq = await log.append(doc, update, metaFor(`writer-${index}`, [clientID], Date.now()))
    process.stdout.write(`${doc} ${seq} ${crc32(update)}\n`)
  }
}

await Promise.all(Array.from({ length: writers }, (_, i) => writer(i)))
