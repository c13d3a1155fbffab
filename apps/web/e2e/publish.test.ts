import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { judgeEach } from '@rota/auth'
import { publishExtension } from '@rota/publish'
import { docUrl, screenshot, startWorld, step, testAuthHooks, tokenOf, waitSaved, type World } from './harness.ts'

// The server's clock: 13 Nov 2026 12:00 UTC; the week published is 23–29 Nov, so with the default
// notice period (14 days) changes to shifts starting before 27 Nov 12:00 are short notice: Ana's
// sample shifts of 23–27 Nov (07:00 on the 27th), not the one of the 28th.
const NOW = Date.UTC(2026, 10, 13, 12, 0)

interface Open { id: string; kind: 'double_booking'; refs: { shifts: string[]; staff: string[]; paths: string[]; coverage: null } }

describe('publishing', () => {
  let world: World
  // The open conflicts the server's previews see (the resolver's list in `rota serve`); set per step.
  let open: Open[] = []
  beforeAll(async () => {
    // @rota/auth's real policy judges each change, so a staff member's rename of a colleague is refused.
    world = await startWorld({
      hooks: { ...testAuthHooks, authorizeChanges: (identity, facts, changes) => judgeEach(identity, facts, changes) },
      extensions: [publishExtension({ now: () => NOW, conflicts: async () => open as never })],
    })
  })
  afterAll(async () => {
    await world?.close()
  })

  it('a manager previews and publishes; staff see the receipt and the inbox live; open conflicts ask first', async () => {
    const doc = 'acme/ward-9'
    const mariaToken = tokenOf('maria', 'manager', 'acme')
    const maria = await world.person('Maria Lopez')
    const ana = await world.person('Ana Souza')
    await maria.context.addInitScript((t) => localStorage.setItem('rota.token', t), mariaToken)
    await ana.context.addInitScript((t) => localStorage.setItem('rota.token', t), tokenOf('ana-user', 'staff', 'acme', 'ana'))
    await maria.page.goto(docUrl(world.server, doc))
    await waitSaved(maria.page)
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)

    step('staff opens My shifts')
    await ana.page.goto(docUrl(world.server, doc))
    await waitSaved(ana.page)
    await ana.page.getByRole('link', { name: /My shifts/ }).click()
    await ana.page.getByRole('heading', { name: 'Inbox (0 unread)' }).waitFor()
    // Staff may not publish: no Publish tab.
    expect(await ana.page.locator('.tab[data-view="publish"]').count()).toBe(0)

    step('manager previews')
    await maria.page.getByRole('link', { name: 'Publish' }).click()
    const anaCard = maria.page.locator('article.person-changes[data-staff="ana"]')
    await anaCard.waitFor()
    expect(await anaCard.locator('li[data-kind="new"]').count()).toBe(6)
    expect(await anaCard.locator('li[data-kind="new"] .short-notice').count()).toBe(5)
    await maria.page.getByText('Not published yet.').waitFor()
    await maria.page.getByLabel('Note to staff (optional)').fill('First cut of week 48')
    await screenshot(maria.page, 'publish-preview')

    step('manager publishes')
    await maria.page.getByRole('button', { name: 'Publish 23 Nov 2026 – 29 Nov 2026' }).click()
    await maria.page.locator('.last-publication[data-publication="pub_1"]').filter({ hasText: 'by maria' }).waitFor()
    expect(await maria.page.locator('.last-publication').textContent()).toContain('First cut of week 48')

    step('staff sees the receipt and the count, live')
    await ana.page.locator('.tab[data-view="mine"] .count[data-unread="1"]').waitFor()
    await ana.page.getByRole('link', { name: 'My shifts (1 unread)' }).waitFor()
    const receipt = ana.page.locator('article.receipt[data-publication="pub_1"]')
    await receipt.waitFor()
    expect(await receipt.locator('li[data-kind="new"]').count()).toBe(6)
    expect(await ana.page.locator('.published-shifts li').count()).toBe(6)
    await ana.page.getByRole('heading', { name: 'Inbox (1 unread)' }).waitFor()
    await screenshot(ana.page, 'my-shifts')
    await ana.page.getByRole('button', { name: /^Mark read: Your shifts were published/ }).click()
    await ana.page.getByRole('heading', { name: 'Inbox (0 unread)' }).waitFor()
    await ana.page.locator('.tab[data-view="mine"] .count').waitFor({ state: 'detached' })

    step('a change of the staff member\'s is not accepted: the badge counts it live, the inbox says why')
    await ana.page.getByRole('link', { name: 'Staff' }).click()
    await ana.page.getByRole('button', { name: 'Edit Ben Okafor' }).click()
    await ana.page.locator('dialog').getByLabel('Name').fill('Benny')
    await ana.page.locator('dialog').getByRole('button', { name: 'Save' }).click()
    await ana.page.locator('#toast').filter({ hasText: 'was not accepted' }).waitFor()
    await ana.page.locator('.tab[data-view="mine"] .count[data-unread="1"]').waitFor()
    await ana.page.getByRole('link', { name: /My shifts/ }).click()
    await ana.page.getByRole('heading', { name: 'Inbox (1 unread)' }).waitFor()
    await ana.page.locator('.inbox-item.unread').filter({ hasText: /A change of yours was not accepted: staff may not set staff\.ben\.name/ }).waitFor()
    await screenshot(ana.page, 'inbox')
    await ana.page.getByRole('button', { name: 'Mark all read' }).click()
    await ana.page.getByRole('heading', { name: 'Inbox (0 unread)' }).waitFor()

    step('an open conflict asks for confirmation')
    open = [{ id: 'c-1', kind: 'double_booking', refs: { shifts: ['sample-2026-11-23-0'], staff: ['ana'], paths: [], coverage: null } }]
    await maria.page.getByRole('button', { name: 'Preview', exact: true }).click()
    await maria.page.getByRole('heading', { name: /Open conflicts \(1\)/ }).waitFor()
    await maria.page.getByRole('button', { name: 'Publish 23 Nov 2026 – 29 Nov 2026' }).click()
    const dialog = maria.page.locator('dialog[open]')
    await dialog.getByRole('heading', { name: 'Publish with 1 open conflict?' }).waitFor()
    await screenshot(maria.page, 'publish-confirm')
    // Cancel publishes nothing.
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' }).catch(() => maria.page.locator('dialog[open]').waitFor({ state: 'hidden' }))
    await maria.page.getByRole('button', { name: 'Publish 23 Nov 2026 – 29 Nov 2026' }).click()
    await maria.page.locator('dialog[open]').getByRole('button', { name: 'Publish anyway' }).click()
    await maria.page.locator('.last-publication[data-publication="pub_2"]').waitFor()
    const list = await (await fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}/publications`, { headers: { authorization: `Bearer ${mariaToken}` } })).json() as { publications: { id: string; confirmedConflicts: string[]; note: string | null }[] }
    expect(list.publications.map((p) => [p.id, p.confirmedConflicts, p.note])).toEqual([['pub_2', ['c-1'], null], ['pub_1', [], 'First cut of week 48']])
  })
})
