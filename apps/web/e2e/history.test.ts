import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { docUrl, screenshot, startWorld, waitSaved, type World } from './harness.ts'

describe('history', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it('previews the schedule at any change and restores it for everyone', async () => {
    const doc = 'e2e/history'
    const maria = await world.person('Maria Lopez')
    const tom = await world.person('Tom Berg')
    for (const { page } of [maria, tom]) page.on('dialog', (dialog) => void dialog.accept())
    await maria.page.goto(docUrl(world.server, doc))
    await waitSaved(maria.page)
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)
    await tom.page.goto(docUrl(world.server, doc))
    await waitSaved(tom.page)

    // Two later edits: Eli is removed, Dev's hours change.
    await maria.page.getByRole('link', { name: 'Staff' }).click()
    await maria.page.getByRole('button', { name: 'Remove Eli Novak' }).click()
    await waitSaved(maria.page)
    await maria.page.getByRole('button', { name: 'Edit Dev Patel' }).click()
    await maria.page.locator('dialog').getByLabel('Max hours per week').fill('30')
    await maria.page.locator('dialog').getByRole('button', { name: 'Save' }).click()
    await waitSaved(maria.page)
    await tom.page.locator('tr:has-text("Eli Novak")').waitFor({ state: 'detached' })

    // The timeline lists the three changes, newest first.
    await maria.page.getByRole('link', { name: 'History' }).click()
    const entries = maria.page.locator('.timeline .entry')
    await expect.poll(() => entries.count()).toBe(3)
    expect(await entries.nth(0).textContent()).toContain("changed Dev Patel's max hours")
    expect(await entries.nth(1).textContent()).toContain('removed')
    expect(await entries.nth(2).textContent()).toContain('added')

    // Preview the first version: Eli is there, the live schedule is untouched.
    await entries.nth(2).click()
    const preview = maria.page.locator('.preview')
    await preview.locator('.preview-banner').waitFor()
    await preview.locator('th:has-text("Eli Novak")').waitFor()
    await screenshot(maria.page, 'history')
    const live = await (await fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}`)).json() as { schedule: { staff: Record<string, unknown> } }
    expect(live.schedule.staff.eli).toBeUndefined()

    // Restore it: Tom, who was never involved, sees Eli back and Dev's old hours.
    await maria.page.getByRole('button', { name: 'Restore this version' }).click()
    await tom.page.locator('tr:has-text("Eli Novak")').waitFor()
    await expect.poll(() => tom.page.locator('tr:has-text("Dev Patel") .hours').textContent()).toContain('/48h')
    await maria.page.locator('.timeline .entry .tag:has-text("restore")').waitFor()
    expect(await maria.page.locator('.timeline .entry').count()).toBe(4)
    const restored = await (await fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}`)).json() as { schedule: { staff: Record<string, { maxHoursPerWeek: number }> } }
    expect(restored.schedule.staff.eli).toBeDefined()
    expect(restored.schedule.staff.dev?.maxHoursPerWeek).toBe(48)
  })
})
