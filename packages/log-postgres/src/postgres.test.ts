import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { LogErrorCode, stateParts } from '@rota/log'
import { addShift, collect, contentOf, createEditor, docFromState, editShift, metaFor } from '@rota/log/testing'
import type { Editor } from '@rota/log/testing'
import { checkDurableSettings } from './connection.ts'
import { openPostgresLog } from './pg-log.ts'
import type { PostgresLog, PostgresLogOptions } from './pg-log.ts'
import { migrate } from './schema.ts'
import { HAS_POSTGRES, POSTGRES_URL, migratedSchema, schemaName, sql } from './test-db.ts'

const T0 = Date.UTC(2026, 10, 25, 9, 0, 0)
const URL_ = POSTGRES_URL

async function writeEdits(log: PostgresLog, doc: string, count: number, editor: Editor = createEditor(5)) {
  const updates: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const update = editor.edit((d) => (i % 10 === 0 ? addShift(d, `s${i}`, i) : editShift(d, `s${i - (i % 10)}`, i)))!
    updates.push(update)
    await log.append(doc, update, metaFor('ana', [editor.doc.clientID], T0 + i * 1000))
  }
  return { editor, updates }
}

describe('durable settings', () => {
  it('refuses fsync=off and synchronous_commit=off or local, naming the setting', () => {
    const url = 'postgres://rota:secret@db.example:5432/rota'
    expect(() => checkDurableSettings({ fsync: 'off', synchronousCommit: 'on' }, url)).toThrow(
      expect.objectContaining({ code: LogErrorCode.OpenFailed, field: 'fsync' }),
    )
    for (const value of ['off', 'local', 'remote_write']) {
      expect(() => checkDurableSettings({ fsync: 'on', synchronousCommit: value }, url)).toThrow(
        expect.objectContaining({ code: LogErrorCode.OpenFailed, field: 'synchronous_commit' }),
      )
    }
    expect(() => checkDurableSettings({ fsync: 'on', synchronousCommit: 'on' }, url)).not.toThrow()
    expect(() => checkDurableSettings({ fsync: 'on', synchronousCommit: 'remote_apply' }, url)).not.toThrow()
    // The password never reaches a message.
    try {
      checkDurableSettings({ fsync: 'off', synchronousCommit: 'on' }, url)
    } catch (error) {
      expect((error as Error).message).not.toContain('secret')
    }
  })
})

describe.skipIf(!HAS_POSTGRES)('PostgreSQL backend on a real server', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  async function fresh(options: Partial<PostgresLogOptions> = {}) {
    const { schema, drop } = await migratedSchema()
    cleanups.push(drop)
    const open = async (extra: Partial<PostgresLogOptions> = {}) => {
      const log = await openPostgresLog({ url: URL_, schema, ...options, ...extra })
      cleanups.push(() => log.close())
      return log
    }
    return { schema, open, log: await open() }
  }

  it('migrate creates the schema once and is safe to run again; open refuses a schema it did not create', async () => {
    const schema = schemaName()
    cleanups.push(async () => void (await sql(URL_, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`)))
    await expect(openPostgresLog({ url: URL_, schema })).rejects.toMatchObject({ code: LogErrorCode.OpenFailed, field: 'schema' })
    expect(await migrate(URL_, { schema })).toEqual({ schema, from: 0, to: 1 })
    expect(await migrate(URL_, { schema })).toEqual({ schema, from: 1, to: 1 })
    const log = await openPostgresLog({ url: URL_, schema })
    await log.close()
    await expect(openPostgresLog({ url: URL_, schema: 'Bad-Name' })).rejects.toMatchObject({ code: LogErrorCode.InvalidArgument, field: 'schema' })
  })

  it('refuses to start on a session with synchronous_commit off (a role default), and names it', async () => {
    const { schema } = await fresh()
    const role = `rota_unsafe_${schema}`
    await sql(URL_, `CREATE ROLE ${role} LOGIN`)
    cleanups.push(async () => void (await sql(URL_, `DROP OWNED BY ${role}; DROP ROLE ${role}`)))
    await sql(URL_, `GRANT USAGE ON SCHEMA "${schema}" TO ${role}; GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`)
    await sql(URL_, `ALTER ROLE ${role} SET synchronous_commit = off`)
    const unsafe = new URL(URL_)
    unsafe.username = role
    await expect(openPostgresLog({ url: unsafe.toString(), schema })).rejects.toMatchObject({
      code: LogErrorCode.OpenFailed,
      field: 'synchronous_commit',
    })
  })

  it('says where it cannot connect, with ROTA_LOG_OPEN_FAILED', async () => {
    const closedPort = new URL(URL_)
    closedPort.port = '1'
    await expect(openPostgresLog({ url: closedPort.toString() })).rejects.toMatchObject({ code: LogErrorCode.OpenFailed })
  })

  it('builds a checkpoint on one instance only: a held claim makes the other skip, an expired one is taken over', async () => {
    const { schema, log: a, open } = await fresh({ checkpointEvery: 1_000_000, checkpointOnClose: false })
    const b = await open({ instanceId: 'instance-b' })
    const { editor } = await writeEdits(a, 'k', 12)
    const [{ doc_id: docId }] = (await sql(URL_, 'SELECT doc_id FROM rota_docs WHERE name = $1', ['k'], schema)).rows
    await sql(URL_, "INSERT INTO rota_claims VALUES ($1, 'checkpoint', 'elsewhere', now() + interval '1 hour')", [docId], schema)
    expect(await a.checkpoint('k')).toBe(0)
    expect(await b.checkpoint('k')).toBe(0)
    await sql(URL_, "UPDATE rota_claims SET until = now() - interval '1 second' WHERE doc_id = $1", [docId], schema)
    expect(await b.checkpoint('k')).toBe(12)
    // Released once built; the head is covered, so the other instance has nothing to do.
    expect((await sql(URL_, 'SELECT count(*)::int AS n FROM rota_claims', [], schema)).rows[0].n).toBe(0)
    expect(await a.checkpoint('k')).toBe(0)
    const parts = await stateParts(a, 'k')
    expect(parts[0]?.encoding).toBe('v2')
    const loaded = new Y.Doc()
    for (const part of parts) (part.encoding === 'v2' ? Y.applyUpdateV2 : Y.applyUpdate)(loaded, part.update)
    expect(contentOf(loaded)).toEqual(contentOf(editor.doc))
  })

  it('checkpoints by the shared policy as it appends, and thins older checkpoints', async () => {
    const { schema, log } = await fresh({ checkpointEvery: 5, checkpointOnClose: false })
    const { editor } = await writeEdits(log, 'p', 60)
    await log.idle()
    const seqs = (await sql(URL_, 'SELECT seq FROM rota_checkpoints ORDER BY seq', [], schema)).rows.map((r) => Number(r.seq))
    expect(seqs.length).toBeGreaterThan(0)
    expect(seqs.length).toBeLessThan(60 / 5)
    expect(contentOf(docFromState(await log.stateAt('p')))).toEqual(contentOf(editor.doc))
  })

  it('folds history older than the retention horizon into a base checkpoint and deletes what lies behind it', async () => {
    const { schema, log } = await fresh({ checkpointEvery: 10, retention: { maxAgeMs: 70_000 }, now: () => T0 + 100_000 })
    const { editor, updates } = await writeEdits(log, 'd', 100)
    await log.idle()
    const base = await log.applyRetention('d')
    expect(base).toBeGreaterThan(0)
    expect(base).toBeLessThanOrEqual(31)
    expect(await log.head('d')).toMatchObject({ headSeq: 100, historyStartsAt: base + 1 })
    await expect(log.stateAt('d', { seq: base - 1 })).rejects.toMatchObject({ code: LogErrorCode.HistoryGone, doc: 'd' })
    const expected = new Y.Doc()
    for (const update of updates.slice(0, base)) Y.applyUpdate(expected, update)
    expect(contentOf(docFromState(await log.stateAt('d', { seq: base })))).toEqual(contentOf(expected))
    expect(contentOf(docFromState(await log.stateAt('d')))).toEqual(contentOf(editor.doc))
    expect((await sql(URL_, 'SELECT count(*)::int AS n FROM rota_entries WHERE seq <= $1', [base], schema)).rows[0].n).toBe(0)
    expect(await log.verify('d')).toMatchObject({ damaged: [], entries: 100 - base })
  })

  it('verify reports damaged and missing entries and damaged checkpoints; reads stop at the damage; loads fall back', async () => {
    const errors: Error[] = []
    const { schema, log } = await fresh({ checkpointEvery: 1_000_000, observer: { onError: (error) => errors.push(error) } })
    const { updates } = await writeEdits(log, 'v', 8)
    expect(await log.checkpoint('v')).toBe(8)
    await sql(URL_, "UPDATE rota_entries SET body = set_byte(body, 3, (get_byte(body, 3) + 1) % 256) WHERE seq = 3", [], schema)
    await sql(URL_, "UPDATE rota_entries SET actor = 'mallory' WHERE seq = 5", [], schema)
    await sql(URL_, 'DELETE FROM rota_entries WHERE seq = 6', [], schema)
    await sql(URL_, 'UPDATE rota_checkpoints SET crc = crc + 1', [], schema)
    const report = await log.verify('v')
    expect(report.entries).toBe(7)
    expect(report.damaged.map((d) => d.seq)).toEqual([3, 5, 6])
    expect(report.damaged[2]).toEqual({ seq: 6, reason: 'missing' })
    expect(report.damagedCheckpoints).toEqual([8])
    const seen: number[] = []
    await expect(
      (async () => {
        for await (const entry of log.read('v')) seen.push(entry.seq)
      })(),
    ).rejects.toMatchObject({ code: LogErrorCode.Corrupt, doc: 'v', seq: 3 })
    expect(seen).toEqual([1, 2])
    // The damaged checkpoint is skipped (reported), so the load replays the entries and meets the damage.
    await expect(log.stateAt('v')).rejects.toMatchObject({ code: LogErrorCode.Corrupt })
    expect(errors.some((error) => (error as { code?: string }).code === LogErrorCode.Corrupt)).toBe(true)
    // Before the damage the history is intact.
    const early = new Y.Doc()
    for (const update of updates.slice(0, 2)) Y.applyUpdate(early, update)
    expect(contentOf(docFromState(await log.stateAt('v', { seq: 2 })))).toEqual(contentOf(early))
  })

  it('keeps appends of one object in call order while another object writes the same document', async () => {
    const { log: a, open } = await fresh({ maxBatchEntries: 3 })
    const b = await open()
    const ea = createEditor(1)
    const eb = createEditor(2)
    const pending = [] as Array<Promise<number>>
    for (let i = 0; i < 20; i++) {
      pending.push(a.append('o', ea.edit((d) => (i === 0 ? addShift(d, 'a', 1) : editShift(d, 'a', i)))!, metaFor('a', [1], T0 + i)))
      pending.push(b.append('o', eb.edit((d) => (i === 0 ? addShift(d, 'b', 2) : editShift(d, 'b', i)))!, metaFor('b', [2], T0 + i)))
    }
    const seqs = await Promise.all(pending)
    const ofA = seqs.filter((_, i) => i % 2 === 0)
    const ofB = seqs.filter((_, i) => i % 2 === 1)
    expect(ofA).toEqual([...ofA].sort((x, y) => x - y))
    expect(ofB).toEqual([...ofB].sort((x, y) => x - y))
    expect([...seqs].sort((x, y) => x - y)).toEqual([...Array(40).keys()].map((i) => i + 1))
    expect((await collect(b.read('o'))).length).toBe(40)
  })
})
