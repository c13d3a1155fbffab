// A subscribed feed in a calendar viewer: the feed fetched from a real server as a calendar app fetches it,
// parsed by ical.js, and shown by FullCalendar (its week view) in Debian's Chromium with the browser's clock in the
// schedule's zone. Checks what the viewer shows (DST week of Europe/Berlin); with ROTA_SCREENSHOTS=1 it writes
// docs/screenshots/calendar-feed.png for docs/calendar.md.
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { chromium } from 'playwright-core'
import { call, parseFeed, startCalendarServer, tempDir, token } from './testing.ts'

const cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

const fullcalendar = dirname(createRequire(import.meta.url).resolve('fullcalendar/package.json'))
const asset = (path: string) => readFileSync(join(fullcalendar, path), 'utf8')
const set = (path: string, value: unknown) => ({ op: 'set', path, value })
const shift = (date: string, start: string, end: string, assignee: string, notes = '') => ({ date, start, end, role: 'nurse', assignee, notes })

describe('a subscribed feed in a calendar viewer', () => {
  it('[CAL-VIEW1] FullCalendar shows the published week in Berlin time across the spring-forward night', { timeout: 60_000 }, async () => {
    const t = tempDir()
    cleanup.push(t.remove)
    const s = await startCalendarServer(t.dir, () => Date.UTC(2026, 2, 20, 12))
    cleanup.push(() => s.close())
    const manager = await token({ sub: 'maria', tenant: 'acme', role: 'manager' })
    const doc = '/api/docs/acme%2F2026-w13'
    const ops = [
      set('settings.timezone', 'Europe/Berlin'), set('settings.name', 'Ward 3'),
      set('staff.ana', { name: 'Ana', role: 'nurse' }), set('staff.ben', { name: 'Ben', role: 'nurse' }),
      set('shifts.s1', shift('2026-03-23', '07:00', '15:00', 'ana')), set('shifts.s2', shift('2026-03-24', '07:00', '15:00', 'ana')),
      set('shifts.s3', shift('2026-03-26', '14:00', '22:00', 'ana')), set('shifts.s4', shift('2026-03-28', '22:00', '06:00', 'ana', 'night across the clock change')),
      set('shifts.s5', shift('2026-03-25', '07:00', '15:00', 'ana')),
    ]
    expect((await call(s.server, 'PATCH', doc, manager, { ops })).status).toBe(200)
    expect((await call(s.server, 'POST', `${doc}/publications`, manager, { from: '2026-03-23', to: '2026-03-29' })).status).toBe(200)
    // s5 goes to Ben and is published: Ana's calendar shows it cancelled.
    expect((await call(s.server, 'PATCH', doc, manager, { ops: [set('shifts.s5.assignee', 'ben')] })).status).toBe(200)
    const made = await call<{ path: string }>(s.server, 'POST', '/api/teams/acme/calendar-feeds/ana', manager)
    await call(s.server, 'GET', made.body.path)
    expect((await call(s.server, 'POST', `${doc}/publications`, manager, { from: '2026-03-23', to: '2026-03-29' })).status).toBe(200)

    const feed = parseFeed((await call(s.server, 'GET', made.body.path)).text)
    const events = feed.events.map((e) => ({
      title: e.status === 'CANCELLED' ? `Cancelled: ${e.summary}` : e.summary, start: e.start, end: e.end,
      ...(e.status === 'CANCELLED' ? { color: '#9aa3ad' } : {}),
    }))

    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
    cleanup.push(() => browser.close())
    const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1100, height: 820 }, locale: 'en-GB' })
    const page = await context.newPage()
    await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>${asset('skeleton.css')}${asset('themes/classic/theme.css')}${asset('themes/classic/palette.css')}
      body { font: 13px system-ui, sans-serif; margin: 16px }</style></head>
      <body><h3 id="title"></h3><div id="calendar"></div></body></html>`)
    await page.addScriptTag({ content: asset('all/global.js') })
    await page.addScriptTag({ content: asset('themes/classic/global.js') })
    await page.evaluate(({ events, name }) => {
      document.getElementById('title')!.textContent = `${name} — subscribed feed, week of the clock change (Europe/Berlin)`
      const FullCalendar = (window as unknown as { FullCalendar: { Calendar: new (el: HTMLElement, options: object) => { render(): void } } }).FullCalendar
      new FullCalendar.Calendar(document.getElementById('calendar')!, {
        initialView: 'timeGridWeek', initialDate: '2026-03-23', firstDay: 1, timeZone: 'local', allDaySlot: false,
        slotMinTime: '00:00', slotMaxTime: '24:00', slotDuration: '01:00:00', height: 'auto',
        eventTimeFormat: { hour: '2-digit', minute: '2-digit', hour12: false }, slotLabelFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
        headerToolbar: { left: '', center: 'title', right: '' }, events,
        // FullCalendar 7 hashes its class names: mark each event element for the test to find.
        eventDidMount: (info: { el: HTMLElement }) => info.el.setAttribute('data-rota-event', ''),
      }).render()
    }, { events, name: feed.name })
    await page.waitForSelector('[data-rota-event]')

    if (process.env.ROTA_SCREENSHOTS === '1') {
      await page.screenshot({ fullPage: true, path: join(import.meta.dirname, '..', '..', '..', 'docs', 'screenshots', 'calendar-feed.png') })
    }
    // What a person reads in the viewer: each shift at its Berlin wall-clock times; the night shift runs from
    // 22:00 on Saturday to 06:00 summer time on Sunday (the viewer draws it in two pieces, one per day).
    const shown = await page.locator('[data-rota-event]').allInnerTexts()
    expect(shown.map((text) => text.replace(/\s+/g, ' ').trim()).sort()).toEqual([
      '07:00 – 15:00 Cancelled: nurse · Ward 3', '07:00 – 15:00 nurse · Ward 3', '07:00 – 15:00 nurse · Ward 3',
      '14:00 – 22:00 nurse · Ward 3', '22:00 – 00:00 nurse · Ward 3', '00:00 – 06:00 nurse · Ward 3',
    ].sort())
  })
})
