/**
 * Dotted schema paths: `settings`, `settings.<field>`, `staff.<id>`, `staff.<id>.<field>`,
 * `shifts.<id>`, `shifts.<id>.<field>`. Ids cannot contain '.', so a path splits unambiguously.
 */
import { ModelError, ModelErrorCode } from './errors.ts'
import { type Collection, Root, SETTINGS_FIELDS, checkId, fieldsOf, hasField } from './schema.ts'

export type PathTarget =
  | { readonly kind: 'settings' }
  | { readonly kind: 'setting'; readonly field: string }
  | { readonly kind: 'record'; readonly collection: Collection; readonly id: string }
  | { readonly kind: 'field'; readonly collection: Collection; readonly id: string; readonly field: string }

const MAX_PATH_LENGTH = 1024

const unknownPath = (path: string, reason: string): ModelError =>
  new ModelError(ModelErrorCode.UnknownPath, `'${path}': ${reason}`, { path })

/** Parses a path against the schema; throws ROTA_MODEL_UNKNOWN_PATH (or ROTA_MODEL_INVALID_ID) when it names nothing. */
export const parsePath = (path: unknown): PathTarget => {
  if (typeof path !== 'string') throw new ModelError(ModelErrorCode.UnknownPath, 'a path must be a string')
  if (path.length > MAX_PATH_LENGTH) throw unknownPath(path.slice(0, 64) + '…', 'path too long')
  const parts = path.split('.')
  const [root, second, third, ...rest] = parts
  if (root === Root.settings) {
    if (second === undefined) return { kind: 'settings' }
    if (third === undefined && hasField(SETTINGS_FIELDS, second)) return { kind: 'setting', field: second }
    throw unknownPath(path, `settings has fields ${Object.keys(SETTINGS_FIELDS).join(', ')}`)
  }
  if (root === Root.staff || root === Root.shifts) {
    if (second === undefined) throw unknownPath(path, `expected ${root}.<id> or ${root}.<id>.<field>`)
    const id = checkId(second, path)
    if (third === undefined) return { kind: 'record', collection: root, id }
    const fields = fieldsOf(root)
    if (rest.length === 0 && hasField(fields, third)) return { kind: 'field', collection: root, id, field: third }
    throw unknownPath(path, `${root} records have fields ${Object.keys(fields).join(', ')}`)
  }
  throw unknownPath(path, `a path starts with ${Object.values(Root).join(', ')}`)
}

export const formatPath = (target: PathTarget): string => {
  switch (target.kind) {
    case 'settings':
      return Root.settings
    case 'setting':
      return `${Root.settings}.${target.field}`
    case 'record':
      return `${target.collection}.${target.id}`
    case 'field':
      return `${target.collection}.${target.id}.${target.field}`
  }
}

/** True when `path` parses (the test describeUpdate uses to flag foreign structure). */
export const isSchemaPath = (path: string): boolean => {
  try {
    parsePath(path)
    return true
  } catch {
    return false
  }
}
