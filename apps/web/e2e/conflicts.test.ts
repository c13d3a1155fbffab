import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { resolverExtension } from '@rota/resolver'
import { docUrl, screenshot, startWorld, testAuthHooks, tokenOf, waitSaved, type World } from './harness.ts'

interface ConflictJSON {
  id: string
  kind: string
  status: string
  edits: { editorId: string }[]
  options: { id: string; keeps: string[] }[]
  appliedOptionId: string | null
}

type Person = Awaited<ReturnType<World['person']>>

/** Both people go offline, set one shift's assignee to different people, and come back. */
const offlineClash = async (edits: [Person, string][], shift: string): Promise<void> => {
  for (const [person, assignee] of edits) {
    await person.context.setOffline(true)
    await person.page.locator('#status[data-state="offline"]').waitFor()
    await person.page.locator(`[data-shift="${shift}"]`).click()
    await person.page.locator('dialog').getByLabel('Assignee', { exact: true }).selectOption(assignee)
    await person.page.locator('dialog').getByRole('button', { name: 'Save' }).click()
  }
  for (const [person] of edits) {
    await person.context.setOffline(false)
    await waitSaved(person.page)
  }
}

describe('conflicts inbox', () => {
  let world: World
  beforeAll(async () => {
    world = await startWorld({ hooks: testAuthHooks, extensions: [resolverExtension()] })
  })
  afterAll(async () => {
    await world?.close()
  })

  it('shows a conflict made by two offline editors and resolves it with one click', async () => {
    const doc = 'acme/ward-3'
    const maria = await world.person('Maria Lopez')
    const tom = await world.person('Tom Berg')
    const api = (path: string, token: string) =>
      fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}${path}`, { headers: { authorization: `Bearer ${token}` } })
    const mariaToken = tokenOf('maria', 'manager', 'acme')

    // With auth on, the page asks for a token; Maria signs in through the form.
    await maria.page.goto(world.server.url)
    await maria.page.getByLabel('Access token').waitFor()
    await screenshot(maria.page, 'sign-in')
    await maria.page.getByLabel('Access token').fill(mariaToken)
    await maria.page.getByRole('button', { name: 'Sign in' }).click()
    await maria.page.getByLabel('Schedule id').waitFor()
    await screenshot(maria.page, 'schedules')
    await maria.page.getByLabel('Schedule id').fill(doc)
    await maria.page.getByRole('button', { name: 'Create and open' }).click()
    await waitSaved(maria.page)
    await maria.page.goto(docUrl(world.server, doc))
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)
    // Tom's token is already stored on his device.
    await tom.context.addInitScript((t) => localStorage.setItem('rota.token', t), tokenOf('tom', 'lead', 'acme'))
    await tom.page.goto(docUrl(world.server, doc))
    await waitSaved(tom.page)

    // Both go offline and fill the same open shift with different people.
    const shift = 'sample-2026-11-23-5'
    await offlineClash([[maria, 'chloe'], [tom, 'ben']], shift)

    // The inbox shows the clash, both sides, a suggestion and its confidence.
    await maria.page.getByRole('link', { name: /Conflicts/ }).click()
    const card = maria.page.locator('article.conflict.open', { has: maria.page.locator(`text=${shift.replace('sample-', '')}`) })
      .or(maria.page.locator('article.conflict.open').filter({ hasText: 'Tue 24 Nov 07:00–15:00' }))
    await card.first().waitFor({ timeout: 20_000 })
    await expect.poll(() => maria.page.locator('.tab[data-view="conflicts"] .count').textContent()).toMatch(/^\d+$/)
    const text = (await card.first().textContent())!
    expect(text).toContain('maria')
    expect(text).toContain('tom')
    await screenshot(maria.page, 'conflicts')

    // One click: keep Maria's choice.
    const open = ((await (await api('/conflicts?status=open', mariaToken)).json()) as { conflicts: ConflictJSON[] }).conflicts
    const conflict = open.find((c) => c.edits.some((e) => e.editorId === 'maria') && c.edits.some((e) => e.editorId === 'tom'))!
    expect(conflict).toBeDefined()
    const keepMaria = conflict.options.find((o) => o.keeps.length === 1 && o.keeps[0] === 'maria')!
    await maria.page.locator(`article[data-conflict="${conflict.id}"] button[data-option="${keepMaria.id}"]`).click()
    await maria.page.locator(`article[data-conflict="${conflict.id}"]`).waitFor({ state: 'detached' })

    const after = ((await (await api('/conflicts?status=all', mariaToken)).json()) as { conflicts: ConflictJSON[] }).conflicts
    expect(after.find((c) => c.id === conflict.id)).toMatchObject({ status: 'resolved', appliedOptionId: keepMaria.id })
    // Tom's page shows the outcome without a reload.
    if (conflict.kind === 'concurrent_overwrite') {
      await tom.page.locator(`td[data-staff="chloe"] [data-shift="${shift}"]`).waitFor()
    }
  })

  it('lists an automatic resolution and undoes it with one click', async () => {
    const doc = 'acme/ward-4'
    const mariaToken = tokenOf('maria', 'manager', 'acme')
    // The team lets the resolver act on anything (threshold 0), so the next clash is resolved automatically.
    const put = await fetch(`${world.server.url}/api/teams/acme/resolver-settings`, {
      method: 'PUT', headers: { authorization: `Bearer ${mariaToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ threshold: 0 }),
    })
    expect(put.status).toBe(200)
    const maria = await world.person('Maria Lopez')
    const tom = await world.person('Tom Berg')
    await maria.context.addInitScript((t) => localStorage.setItem('rota.token', t), mariaToken)
    await tom.context.addInitScript((t) => localStorage.setItem('rota.token', t), tokenOf('tom', 'lead', 'acme'))
    await maria.page.goto(docUrl(world.server, doc))
    await waitSaved(maria.page)
    await maria.page.getByRole('button', { name: 'Add a sample team' }).click()
    await waitSaved(maria.page)
    await tom.page.goto(docUrl(world.server, doc))
    await waitSaved(tom.page)

    const shift = 'sample-2026-11-23-18'
    await offlineClash([[maria, 'chloe'], [tom, 'ben']], shift)

    await maria.page.getByRole('link', { name: /Conflicts/ }).click()
    const auto = maria.page.locator('article.conflict.auto_applied').first()
    await auto.waitFor({ timeout: 20_000 })
    await auto.locator('button.option.applied').waitFor()
    await screenshot(maria.page, 'conflicts-auto')
    const id = (await auto.getAttribute('data-conflict'))!
    await auto.getByRole('button', { name: 'Undo' }).click()
    await maria.page.locator(`article[data-conflict="${id}"]`).waitFor({ state: 'detached' })
    const res = await fetch(`${world.server.url}/api/docs/${encodeURIComponent(doc)}/conflicts/${id}`, { headers: { authorization: `Bearer ${mariaToken}` } })
    expect(((await res.json()) as ConflictJSON).status).toBe('dismissed')
  })

  it('says when the server refuses the token and lets the person sign in again', async () => {
    const eve = await world.person('Eve')
    await eve.context.addInitScript(() => localStorage.setItem('rota.token', 'revoked'))
    await eve.page.goto(docUrl(world.server, 'acme/ward-3'))
    await eve.page.locator('#status[data-state="auth-failed"]').waitFor()
    await eve.page.getByRole('alert').filter({ hasText: 'refused your access token' }).waitFor()
    await eve.page.getByRole('button', { name: 'Sign in again' }).click()
    await eve.page.getByLabel('Access token').waitFor()
  })
})
