import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { judgeEach } from '@rota/auth'
import { docUrl, screenshot, startWorld, testAuthHooks, tokenOf, waitSaved, type World } from './harness.ts'

/**
 * A change the server does not accept is taken out and the editor is told, in words, in the page: a lead
 * (whose team keeps the default role rules) renames a staff member. Judged by @rota/auth's real policy.
 */
describe('refused changes', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ hooks: { ...testAuthHooks, authorizeChanges: (identity, facts, changes) => judgeEach(identity, facts, changes) } })
  })
  afterAll(async () => {
    await world?.close()
  })

  it('“Your change to … was not accepted”, the server’s value back on screen, and everything else saved', async () => {
    const doc = 'acme/ward-9'
    const maria = await world.person('Maria Lopez')
    await maria.context.addInitScript((t) => localStorage.setItem('rota.token', t), tokenOf('maria', 'manager', 'acme'))
    await maria.page.goto(docUrl(world.server, doc))
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)

    const tom = await world.person('Tom Berg')
    await tom.context.addInitScript((t) => localStorage.setItem('rota.token', t), tokenOf('tom', 'lead', 'acme'))
    await tom.page.goto(docUrl(world.server, doc, '&view=staff'))
    await waitSaved(tom.page)
    const edit = tom.page.getByRole('button', { name: /^Edit / }).first()
    const original = (await edit.getAttribute('aria-label'))!.replace(/^Edit /, '')
    await edit.click()
    await tom.page.locator('dialog').getByLabel('Name').fill('Renamed By Lead')
    await tom.page.locator('dialog').getByRole('button', { name: 'Save' }).click()

    const toast = tom.page.locator('#toast')
    await toast.filter({ hasText: 'was not accepted' }).waitFor()
    expect(await toast.textContent()).toMatch(/Your change to name of staff member .+ was not accepted: lead may not set staff\..+\.name/)
    await screenshot(tom.page, 'change-not-accepted')
    // The server's value is back on the lead's screen, and nothing is left unsaved.
    await tom.page.getByRole('button', { name: `Edit ${original}` }).waitFor()
    await waitSaved(tom.page)
    expect(await tom.page.getByText('Renamed By Lead').count()).toBe(0)
  })
})
