import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { docUrl, screenshot, startWorld, step, waitSaved, type World } from './harness.ts'

describe('offline editing', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld()
  })
  afterAll(async () => {
    await world?.close()
  })

  it('keeps edits made offline across a reload and converges when back online', async () => {
    step('start')
    const doc = 'e2e/offline'
    const maria = await world.person('Maria Lopez')
    const tom = await world.person('Tom Berg')
    await maria.page.goto(docUrl(world.server, doc))
    await waitSaved(maria.page)
    step('maria saved')
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)
    step('sample saved')
    await tom.page.goto(docUrl(world.server, doc))
    await waitSaved(tom.page)
    step('// The app shell')
    // The app shell must be cached before the network goes away.
    await maria.page.evaluate(async () => {
      await navigator.serviceWorker.ready
    })

    step('await maria.context.setOffline(true)')
    await maria.context.setOffline(true)
    await maria.page.locator('#status[data-state="offline"]').waitFor()

    step('// Offline, Maria')
    // Offline, Maria fills an open shift with Dev.
    const shift = maria.page.locator('tr.open .shift').first()
    const shiftId = (await shift.getAttribute('data-shift'))!
    await shift.click()
    await maria.page.locator('dialog').getByLabel('Assignee', { exact: true }).selectOption('dev')
    await maria.page.locator('dialog').getByRole('button', { name: 'Save' }).click()
    await maria.page.locator(`td[data-staff="dev"] [data-shift="${shiftId}"]`).waitFor()

    step('// Meanwhile Tom')
    // Meanwhile Tom, online, gives Ben more hours.
    await tom.page.getByRole('link', { name: 'Staff' }).click()
    await tom.page.getByRole('button', { name: 'Edit Ben Okafor' }).click()
    await tom.page.locator('dialog').getByLabel('Max hours per week').fill('38')
    await tom.page.locator('dialog').getByRole('button', { name: 'Save' }).click()
    await waitSaved(tom.page)

    step('// Maria reloads')
    // Maria reloads while still offline: the page and her edit come back from this device.
    await maria.page.reload()
    await maria.page.locator('#status[data-state="offline"]').waitFor()
    await maria.page.locator(`td[data-staff="dev"] [data-shift="${shiftId}"]`).waitFor()
    await expect.poll(() => maria.page.locator('#status').textContent()).toMatch(/Offline · \d+ changes? on this device/)
    expect(await maria.page.locator('tr:has-text("Ben Okafor") .hours').textContent()).toContain('/40h')
    step("await screenshot(maria.page, 'offline')")
    await screenshot(maria.page, 'offline')

    step('// Back online')
    // Back online: both converge and the server holds both edits.
    await maria.context.setOffline(false)
    await waitSaved(maria.page)
    step("await tom.page.getByRole('link', { name:")
    await tom.page.getByRole('link', { name: 'Week' }).click()
    await tom.page.locator(`td[data-staff="dev"] [data-shift="${shiftId}"]`).waitFor()
    await expect.poll(() => maria.page.locator('tr:has-text("Ben Okafor") .hours').textContent()).toContain('/38h')
    step('const res = await fetch')
    const res = await fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}`)
    const body = JSON.stringify(await res.json())
    expect(body).toContain(`"${shiftId}":{"date"`)
    const server = JSON.parse(body) as { shifts?: Record<string, { assignee: string }>; staff?: Record<string, { maxHoursPerWeek: number }> }
    const schedule = (server.shifts ? server : (Object.values(server).find((v) => typeof v === 'object' && v !== null && 'shifts' in v) as typeof server))
    expect(schedule.shifts?.[shiftId]?.assignee).toBe('dev')
    expect(schedule.staff?.ben?.maxHoursPerWeek).toBe(38)
  })
})
