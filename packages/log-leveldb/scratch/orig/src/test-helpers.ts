/** Shared by this package's tests: temp directories, a schedule history to write, LevelDB's files. */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addShift, createEditor, editShift, metaFor } from '@rota/log/testing'
import type { Editor } from '@rota/log/testing'
import type { LevelLog } from './level-log.ts'

export async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rota-log-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)

/** Appends `count` edits to `doc` (entry i received at T0 + i seconds); returns the editor and updates. */
export async function writeEdits(log: LevelLog, doc: string, count: number, editor: Editor = createEditor(5)) {
  const updates: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const update = editor.edit((d) => (i % 10 === 0 ? addShift(d, `s${i}`, i) : editShift(d, `s${i - (i % 10)}`, i)))!
    updates.push(update)
    await log.append(doc, update, metaFor('ana', [editor.doc.clientID], T0 + i * 1000))
  }
  return { editor, updates }
}

/** The newest LevelDB write-ahead log file of `dir` (the one a damaged disk or a bad copy cuts first). */
export async function newestLog(dir: string): Promise<string> {
  const logs = (await readdir(dir)).filter((name) => /^\d+\.log$/.test(name)).sort((a, b) => Number.parseInt(a) - Number.parseInt(b))
  if (logs.length === 0) throw new Error(`no write-ahead log in ${dir}`)
  return join(dir, logs.at(-1)!)
}
