import { validateDocName } from '@rota/auth'
import { RotaServerError, ServerErrorCode } from './errors.ts'

export type DocName = string & { readonly __docName: true }

/**
 * Checks a decoded document name with @rota/auth's rules (no empty, `.` or `..` segments, no leading or
 * trailing `/`, no C0/C1 control characters or backslash, well-formed Unicode, at most `maxLength` UTF-8
 * bytes); throws ROTA_ERR_BAD_DOC_NAME.
 */
export const parseDocName = (name: string, maxLength: number): DocName => {
  try {
    return validateDocName(name, maxLength) as DocName
  } catch (err) {
    throw new RotaServerError(ServerErrorCode.BadDocName, err instanceof Error ? err.message : String(err), { name })
  }
}

/** The document name of a WebSocket URL path: `/acme/2026-w48?ack=1` → `acme/2026-w48`. */
export const docNameFromUrl = (url: string, maxLength: number): DocName => {
  const path = url.split('?')[0] ?? ''
  let decoded: string
  try {
    decoded = decodeURIComponent(path.slice(1))
  } catch {
    throw new RotaServerError(ServerErrorCode.BadDocName, 'document name is not valid percent-encoding', { path })
  }
  return parseDocName(decoded, maxLength)
}
