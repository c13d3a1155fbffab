import { docNameProblem, normalizeDocName } from '@rota/protocol'
import { RotaServerError, ServerErrorCode } from './errors.ts'

export type DocName = string & { readonly __docName: true }

/**
 * Checks a decoded document name with @rota/protocol's rules (no empty, `.` or `..` segments, no leading or
 * trailing `/`, no C0/C1 control characters or backslash, well-formed Unicode, at most `maxLength` UTF-8
 * bytes); throws ROTA_ERR_BAD_DOC_NAME with `details.reason`. Returns the name in Unicode NFC
 * (`normalizeDocName`): one document, one room and one tenant check, whichever way a client spelled it. Every
 * name the server takes in (WebSocket path, REST, extensions through `ExtensionContext.http`, the rooms) comes
 * through here.
 */
export const parseDocName = (name: string, maxLength: number): DocName => {
  const normal = normalizeDocName(name)
  const problem = docNameProblem(normal, maxLength)
  if (problem !== undefined) throw new RotaServerError(ServerErrorCode.BadDocName, `document name ${problem}`, { name, reason: problem })
  return normal as DocName
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
