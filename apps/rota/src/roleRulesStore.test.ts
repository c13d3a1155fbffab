import { describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultRoleRules, type RoleRulesStore } from '@rota/auth'
import { runRoleRulesStoreCompliance } from '@rota/auth/role-rules-compliance'
import { CliErrorCode } from './errors.ts'
import { openLevelRoleRulesStore } from './roleRulesStore.ts'

runRoleRulesStoreCompliance(
  'leveldb',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-rules-'))
    let store: RoleRulesStore | undefined = await openLevelRoleRulesStore(dir)
    const close = async () => {
      await store?.close()
      store = undefined
    }
    return {
      store,
      reopen: async () => {
        await close()
        store = await openLevelRoleRulesStore(dir)
        return store
      },
      cleanup: async () => {
        await close()
        await rm(dir, { recursive: true, force: true })
      },
    }
  },
  { persistent: true },
)

describe('the LevelDB role rules store', () => {
  it('is ROTA_CLI_LOCKED, naming the directory, while another holder has it open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rota-rules-lock-'))
    try {
      const first = await openLevelRoleRulesStore(dir)
      await first.set('acme', defaultRoleRules, { actor: 'ada', at: 1 })
      await expect(openLevelRoleRulesStore(dir)).rejects.toMatchObject({ code: CliErrorCode.Locked, message: expect.stringContaining(dir) })
      await first.close()
      const second = await openLevelRoleRulesStore(dir)
      expect((await second.get('acme'))?.actor).toBe('ada')
      await second.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
