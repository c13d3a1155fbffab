/**
 * The address bar holds where the user is: `#doc=<name>&view=week&week=2026-11-23`. A hash
 * keeps the server's static file handling trivial (one index.html) and survives reloads offline.
 */
export type ViewName = 'week' | 'staff' | 'settings' | 'conflicts' | 'history' | 'publish' | 'mine'
export const VIEWS: readonly ViewName[] = ['week', 'staff', 'settings', 'conflicts', 'history', 'publish', 'mine']

export interface Route {
  doc: string | null
  view: ViewName
  week: string | null
  /** A history sequence number being previewed. */
  at: number | null
}

export const parseRoute = (hash: string): Route => {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const doc = params.get('doc')
  const view = params.get('view') as ViewName | null
  const week = params.get('week')
  const at = Number(params.get('at'))
  return {
    doc: doc !== null && doc.trim() !== '' ? doc : null,
    view: view !== null && VIEWS.includes(view) ? view : 'week',
    week: week !== null && /^\d{4}-\d{2}-\d{2}$/.test(week) ? week : null,
    at: params.has('at') && Number.isSafeInteger(at) && at >= 0 ? at : null,
  }
}

export const formatRoute = (route: Route): string => {
  if (route.doc === null) return '#'
  const params = new URLSearchParams({ doc: route.doc })
  if (route.view !== 'week') params.set('view', route.view)
  if (route.week !== null) params.set('week', route.week)
  if (route.at !== null) params.set('at', String(route.at))
  return `#${params.toString()}`
}
