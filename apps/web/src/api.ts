/**
 * The REST side of the server: document list, history, preview, restore, conflicts, and publishing
 * (preview, publish, publications, my shifts, the inbox).
 * Errors come back as `ApiError` with the server's stable code (`{ error: { code, message } }`).
 */
import type { ScheduleJSON, PathOp, ShiftJSON } from '@rota/model'

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
    this.name = 'ApiError'
  }
}

export interface DocSummary {
  doc: string
  headSeq: number
  lastChange: string
}

export interface HistoryEntry {
  seq: number
  /** ISO time the server stored it. */
  time: string
  /** ISO time the editor made it, when it came from an offline session. */
  clientTime?: string
  actor: string
  role?: string
  origin: string
  bytes?: number
  /** The paths the entry changed. */
  changes?: { path: string; kind: string; value?: unknown }[]
}

export interface HistoryPage {
  entries: HistoryEntry[]
  /** `before` for the next (older) page; null at the start. */
  next: number | null
}

type ConflictStatus = 'open' | 'auto_applied' | 'resolved' | 'overridden' | 'dismissed'

export interface ConflictOption {
  id: string
  keeps: string[]
  label: string
  ops: PathOp[]
}

export interface Conflict {
  id: string
  kind: string
  refs: {
    shifts: string[]
    staff: string[]
    paths: string[]
    coverage: { role: string; date: string; start: string; end: string } | null
  }
  edits: { editorId: string; role: string; clientTime: string; receivedAt: string }[]
  options: ConflictOption[]
  suggestion: { optionId: string; confidence: number; strategy: string } | null
  status: ConflictStatus
  appliedOptionId: string | null
  detectedAt: string
  resolvedAt: string | null
  resolvedBy: string | null
}

// ---------------------------------------------------------------- publishing (@rota/publish, docs/publishing.md)

type ShiftChangeKind = 'new' | 'changed' | 'removed' | 'reassigned'

export interface ShiftChange {
  kind: ShiftChangeKind
  shift: string
  before: ShiftJSON | null
  after: ShiftJSON | null
  from?: string
  to?: string
  shortNotice: boolean
}

export interface DateRange { from: string; to: string }

export interface Publication {
  id: string
  doc: string
  seq: number
  range: DateRange
  by: string
  role: string
  at: string
  note: string | null
  confirmedConflicts: string[]
  people: number
}

export interface PublishPreview {
  doc: string
  seq: number
  range: DateRange
  lastPublication: string | null
  noticeDays: number
  people: { staff: string; name: string | null; changes: ShiftChange[] }[]
  conflicts: { id: string; kind: string; shifts: string[]; staff: string[] }[]
  violations: ({ kind: string; key: string; staff?: string; shift?: string; shifts?: string[]; week?: string; hours?: number; max?: number } & Record<string, unknown>)[]
  needsConfirmation: boolean
}

export interface Receipt {
  publication: string
  doc: string
  staff: string
  at: string
  changes: ShiftChange[]
}

export interface MyShifts {
  doc: string
  staff: string
  shifts: { id: string; shift: ShiftJSON }[]
  segments: { from: string; to: string; publication: string | null; seq: number | null }[]
  receipts: Receipt[]
}

export interface InboxItem {
  id: string
  kind: 'published' | 'changed_after_publication' | 'conflict_needs_decision' | 'conflict_resolved_automatically' | 'change_not_accepted' | (string & {})
  doc: string
  staff: string
  at: string
  updatedAt: string
  read: boolean
  publication?: string
  changes?: ShiftChange[]
  shift?: string
  published?: ShiftJSON | null
  times?: number
  /** The conflict kinds: which conflict (`applied`: the option the resolver applied). */
  conflict?: { id: string; kind: string; shifts: string[]; staff: string[]; applied?: string | null }
  /** change_not_accepted: the log entry the rest went into, and the changes taken out. */
  seq?: number
  refused?: { path: string; kind: string; reason: string }[]
}

const docPath = (docName: string): string => `/api/docs/${encodeURIComponent(docName)}`

export class Api {
  constructor(private readonly base: string, private currentToken: string | null = null) {}

  setToken(token: string | null): void {
    this.currentToken = token
  }

  token(): string | null {
    return this.currentToken
  }

  hasToken(): boolean {
    return this.currentToken !== null && this.currentToken !== ''
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.currentToken) headers.authorization = `Bearer ${this.currentToken}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(new URL(path, this.base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    const data: unknown = text === '' ? null : JSON.parse(text)
    if (!res.ok) {
      const error = (data as { error?: { code?: string; message?: string } } | null)?.error
      throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText)
    }
    return data as T
  }

  async listDocs(): Promise<DocSummary[]> {
    return (await this.request<{ docs: DocSummary[] }>('GET', '/api/docs')).docs
  }

  history(docName: string, before: number | null = null, limit = 100): Promise<HistoryPage> {
    return this.request('GET', `${docPath(docName)}/history?limit=${limit}${before === null ? '' : `&before=${before}`}`)
  }

  async scheduleAt(docName: string, seq: number): Promise<ScheduleJSON> {
    return (await this.request<{ schedule: ScheduleJSON }>('GET', `${docPath(docName)}?at=${seq}`)).schedule
  }

  restore(docName: string, seq: number): Promise<unknown> {
    return this.request('POST', `${docPath(docName)}/restore`, { seq })
  }

  async conflicts(docName: string): Promise<Conflict[]> {
    const data = await this.request<{ conflicts: Conflict[] }>('GET', `${docPath(docName)}/conflicts?status=all`)
    return data.conflicts
  }

  resolveConflict(docName: string, id: string, optionId: string): Promise<Conflict> {
    return this.request('POST', `${docPath(docName)}/conflicts/${encodeURIComponent(id)}/resolve`, { optionId })
  }

  dismissConflict(docName: string, id: string): Promise<Conflict> {
    return this.request('POST', `${docPath(docName)}/conflicts/${encodeURIComponent(id)}/dismiss`, {})
  }

  publishPreview(docName: string, range: DateRange): Promise<PublishPreview> {
    return this.request('GET', `${docPath(docName)}/publications/preview?from=${range.from}&to=${range.to}`)
  }

  publish(docName: string, body: { from: string; to: string; note?: string; seq?: number; confirm?: boolean }): Promise<{ publication: Publication; receipts: Receipt[] }> {
    return this.request('POST', `${docPath(docName)}/publications`, body)
  }

  async publications(docName: string, limit = 5): Promise<Publication[]> {
    return (await this.request<{ publications: Publication[] }>('GET', `${docPath(docName)}/publications?limit=${limit}`)).publications
  }

  myShifts(docName: string, range: DateRange): Promise<MyShifts> {
    return this.request('GET', `${docPath(docName)}/my-shifts?from=${range.from}&to=${range.to}`)
  }

  inbox(limit = 50): Promise<{ items: InboxItem[]; unread: number }> {
    return this.request('GET', `/api/inbox?limit=${limit}`)
  }

  async unreadCount(): Promise<number> {
    return (await this.request<{ unread: number }>('GET', '/api/inbox/unread-count')).unread
  }

  markRead(which: string[] | 'all'): Promise<{ marked: number; unread: number }> {
    return this.request('POST', '/api/inbox/read', which === 'all' ? { all: true } : { ids: which })
  }
}
