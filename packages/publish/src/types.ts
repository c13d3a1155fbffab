import type { DateRange, ShiftJSON } from '@rota/model'

/** A publication id: `pub_<n>`, n counting from 1 per document (so ids sort in publishing order). */
export type PublicationId = string & { readonly __publicationId: true }

/**
 * One publication of a date range: the state of the document at `seq` is what its people were told for
 * those dates, until a later publication covers them again. Stored beside the log, linked to it by `seq`
 * (see docs/publishing.md, "Publications in the history").
 */
export interface Publication {
  id: PublicationId
  doc: string
  /** The log entry the published state ends with (the head when it was published, or the previewed seq). */
  seq: number
  range: DateRange
  /** Who published (token `sub`) and their role. */
  by: string
  role: string
  /** ISO-8601. */
  at: string
  note: string | null
  /** Open conflicts in the range that the publisher confirmed. */
  confirmedConflicts: string[]
  /** How many people's receipts the publication made. */
  people: number
}

/**
 * What happened to one of a person's shifts between two published states, from that person's side:
 * `new` (now theirs, was nobody's or did not exist), `removed` (was theirs, now gone or open), `changed`
 * (theirs before and after, different time, role, skill or notes), `reassigned` (moved between people:
 * `from` and `to` say which way).
 */
export type ShiftChangeKind = 'new' | 'changed' | 'removed' | 'reassigned'

export interface ShiftChange {
  kind: ShiftChangeKind
  shift: string
  before: ShiftJSON | null
  after: ShiftJSON | null
  /** For `reassigned`: the previous and the new assignee (one of them is the person). */
  from?: string
  to?: string
  /** The changed shift starts within the team's notice period of the time it was published. */
  shortNotice: boolean
}

/** One person's changes at one publication. */
export interface Receipt {
  publication: PublicationId
  doc: string
  staff: string
  at: string
  changes: ShiftChange[]
}

/** A team's publishing settings. */
export interface PublishSettings {
  /** Changes to shifts that start within this many days of publishing are marked short notice. */
  noticeDays: number
}

export const defaultPublishSettings: PublishSettings = Object.freeze({ noticeDays: 14 })

/**
 * Inbox item kinds: what a person is told about. `published` and `changed_after_publication` come from
 * publishing; `conflict_needs_decision` and `conflict_resolved_automatically` from the resolver's conflicts;
 * `change_not_accepted` from the server's refused changes (notices.ts).
 */
export type InboxKind = 'published' | 'changed_after_publication' | 'conflict_needs_decision' | 'conflict_resolved_automatically' | 'change_not_accepted'

export const inboxKinds: readonly InboxKind[] = ['published', 'changed_after_publication', 'conflict_needs_decision', 'conflict_resolved_automatically', 'change_not_accepted']

/** A conflict as an inbox item names it (the conflicts API has the rest: `GET /api/docs/:doc/conflicts/:id`). */
export interface InboxConflict {
  id: string
  kind: string
  shifts: string[]
  staff: string[]
  /** `conflict_resolved_automatically`: the label of the option the resolver applied. */
  applied?: string | null
}

/** A change the server took out of an editor's update (RotaDenied), as the editor's inbox keeps it. */
export interface RefusedChange {
  path: string
  kind: 'set' | 'delete' | 'insert'
  reason: string
}

export interface InboxItem {
  id: string
  kind: InboxKind
  doc: string
  /** The staff id of the document it is addressed to. */
  staff: string
  /** ISO-8601: created, and last updated (an unread item about the same shift is updated, not repeated). */
  at: string
  updatedAt: string
  read: boolean
  /** `published`, `changed_after_publication`: the publication. */
  publication?: PublicationId
  /** `published`: the person's changes at the publication. */
  changes?: ShiftChange[]
  /** `changed_after_publication`: the shift, its published version and how often it changed since. */
  shift?: string
  published?: ShiftJSON | null
  times?: number
  /** The conflict kinds: which conflict. */
  conflict?: InboxConflict
  /** `change_not_accepted`: the log entry the rest of the update is in, and the changes taken out. */
  seq?: number
  refused?: RefusedChange[]
}
