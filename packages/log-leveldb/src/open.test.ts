import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { LogErrorCode } from '@rota/log'
import { openLevelLog } from './level-log.ts'
import { withDir, writeEdits } from './test-helpers.ts'

const here = dirname(fileURLToPath(import.meta.url))

/** Opens `dir` in another process and returns what it reports: its error's code and dir, or 'opened'. */
function openElsewhere(dir: string): Promise<string> {
  const script = `
    import { openLevelLog } from './level-log.ts'
    try { const log = await openLevelLog({ dir: ${JSON.stringify(dir)} }); await log.close(); console.log('opened') }
    catch (error) { console.log(JSON.stringify({ code: error.code, dir: error.dir })) }`
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: here })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  return new Promise((resolve) => child.on('exit', () => resolve(out.trim())))
}

describe('opening', () => {
  it('gives a second process ROTA_LOG_LOCKED naming the directory, and lets it in once closed', () =>
    withDir(async (dir) => {
      const log = await openLevelLog({ dir })
      await writeEdits(log, 'd', 2)
      expect(JSON.parse(await openElsewhere(dir))).toEqual({ code: LogErrorCode.Locked, dir })
      await expect(openLevelLog({ dir })).rejects.toMatchObject({ code: LogErrorCode.Locked, dir })
      expect((await log.head('d'))?.headSeq).toBe(2)
      await log.close()
      expect(await openElsewhere(dir)).toBe('opened')
    }), 60_000)

  it('rejects bad options and directories that hold something else', () =>
    withDir(async (dir) => {
      await expect(openLevelLog({ dir: '' })).rejects.toMatchObject({ code: LogErrorCode.InvalidArgument, field: 'dir' })
      await expect(openLevelLog({ dir, durability: 'eventually' as 'sync' })).rejects.toMatchObject({ field: 'durability' })
      await expect(openLevelLog({ dir, checkpointEvery: 0 })).rejects.toMatchObject({ field: 'checkpointEvery' })
      const { ClassicLevel } = await import('classic-level')
      const other = new ClassicLevel(dir)
      await other.put('mformat', 'not ours')
      await other.close()
      await expect(openLevelLog({ dir })).rejects.toMatchObject({ code: LogErrorCode.OpenFailed, dir })
    }))
})
