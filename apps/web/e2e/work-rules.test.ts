import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { docUrl, screenshot, startWorld, waitSaved, type World } from './harness.ts'

describe('working-time rules', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it('a manager sets a limit in Settings; both editors see the shifts that break it, with the reason', async () => {
    const doc = 'e2e/work-rules'
    const maria = await world.person('Maria Lopez')
    const tom = await world.person('Tom Berg')
    await maria.page.goto(docUrl(world.server, doc))
    await waitSaved(maria.page)
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)
    await tom.page.goto(docUrl(world.server, doc))
    await waitSaved(tom.page)
    // The sample team breaks no rule: it has none.
    expect(await tom.page.locator('[data-metric="work-rules"]').count()).toBe(0)

    // Maria allows shifts of at most 4 hours: every sample shift is longer.
    await maria.page.getByRole('link', { name: 'Settings' }).click()
    await maria.page.getByLabel('Longest shift (hours)').fill('4')
    await maria.page.getByRole('button', { name: 'Save settings' }).click()
    await waitSaved(maria.page)

    // Tom's grid (live, through the document) counts the breaches and names the reason on the shift.
    await expect.poll(() => tom.page.locator('[data-metric="work-rules"] strong').textContent()).toMatch(/^[1-9]\d*$/)
    const flagged = tom.page.locator('.shift[aria-label*="above the maximum of 4 h"]').first()
    await flagged.waitFor()
    expect(await flagged.getAttribute('title')).toContain('above the maximum of 4 h')
    await screenshot(tom.page, 'work-rules')

    // Lifting the limit clears them again (the form compares with the document as it is now, not as it was drawn).
    await maria.page.getByLabel('Longest shift (hours)').fill('')
    await maria.page.getByRole('button', { name: 'Save settings' }).click()
    await waitSaved(maria.page)
    await expect.poll(() => tom.page.locator('[data-metric="work-rules"]').count()).toBe(0)
  })
})
