import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { docUrl, screenshot, startWorld, waitSaved, type World } from './harness.ts'

describe('two people edit one schedule', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it('see each other\'s edits and presence', async () => {
    const doc = 'e2e/collab'
    const maria = await world.person('Maria Lopez')
    const tom = await world.person('Tom Berg')
    await maria.page.goto(docUrl(world.server, doc))
    await waitSaved(maria.page)
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)

    await tom.page.goto(docUrl(world.server, doc))
    await waitSaved(tom.page)
    // Tom sees Maria's team and week; both see each other in the header.
    await expect.poll(() => tom.page.locator('tbody th .name').allTextContents()).toContain('Ana Souza')
    await tom.page.locator('[data-peer="Maria Lopez"]').waitFor()
    await maria.page.locator('[data-peer="Tom Berg"]').waitFor()

    // Tom opens an open shift: Maria sees him editing it.
    const openShift = tom.page.locator('tr.open .shift').first()
    const shiftId = await openShift.getAttribute('data-shift')
    await openShift.click()
    await maria.page.locator(`.shift.being-edited[data-shift="${shiftId}"]`).waitFor()
    await screenshot(tom.page, 'shift-editor')

    // Tom assigns it to Ben with the picker; Maria sees it leave the open row and land on Ben's.
    await tom.page.locator('dialog').getByLabel('Assignee', { exact: true }).selectOption('ben')
    await tom.page.getByRole('button', { name: 'Save' }).click()
    await maria.page.locator(`tr:has(th:has-text("Ben Okafor")) [data-shift="${shiftId}"]`).waitFor()
    await expect.poll(() => maria.page.locator(`.shift.being-edited`).count()).toBe(0)

    // Maria drags the other open shift onto Chloé on Saturday; Tom sees it there.
    const other = maria.page.locator('tr.open .shift').first()
    const otherId = await other.getAttribute('data-shift')
    await other.dragTo(maria.page.locator('td[data-staff="chloe"][data-date="2026-11-28"]'))
    await tom.page.locator(`td[data-staff="chloe"][data-date="2026-11-28"] [data-shift="${otherId}"]`).waitFor()
    await expect.poll(() => tom.page.locator('[data-metric="unfilled"] strong').textContent()).toBe('0')

    // Tom adds a person; Maria's staff list has them.
    await tom.page.getByRole('link', { name: 'Staff' }).click()
    await tom.page.getByRole('button', { name: '+ Person' }).click()
    await tom.page.locator('dialog').getByLabel('Name', { exact: true }).fill('Femi Adeyemi')
    await tom.page.locator('dialog').getByLabel('Role', { exact: true }).fill('nurse')
    await tom.page.getByRole('button', { name: 'Add person' }).click()
    await maria.page.getByRole('link', { name: 'Staff' }).click()
    await maria.page.getByRole('rowheader', { name: 'Femi Adeyemi' }).waitFor()
    await waitSaved(tom.page)
    await waitSaved(maria.page)
    await screenshot(maria.page, 'staff')

    await maria.page.getByRole('link', { name: 'Week' }).click()
    await maria.page.locator('tr:has-text("Femi Adeyemi")').waitFor()
    await screenshot(maria.page, 'week')

    // The server holds the same schedule both pages show.
    const res = await fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}`)
    const body = (await res.json()) as Record<string, unknown>
    const serverShifts = JSON.stringify(body).match(/sample-2026-11-23-\d+/g) ?? []
    expect(new Set(serverShifts).size).toBe(22)
  })
})
