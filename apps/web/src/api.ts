/**
 * The REST side of the server: document list, history, preview, restore and conflicts.
 * Errors come back as `ApiError` with the server's stable code (`{ error: { code, message } }`).
 */
import type { ScheduleJSON, PathOp } from '@rota/model'

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

export type ConflictStatus = 'open' | 'auto_applied' | 'resolved' | 'overridden' | 'dismissed'

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

export const docPath = (docName: string): string => `/api/docs/${encodeURIComponent(docName)}`

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
}
