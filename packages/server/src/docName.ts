import { RotaServerError, ServerErrorCode } from './errors.ts'

export type DocName = string & { readonly __docName: true }

// Control characters are never part of a name someone typed; `..` segments would read like paths.
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f]/

/** Checks a decoded document name; throws ROTA_ERR_BAD_DOC_NAME. */
export const parseDocName = (name: string, maxLength: number): DocName => {
  const problem =
    name.length === 0
      ? 'is empty'
      : Buffer.byteLength(name) > maxLength
        ? `is longer than ${maxLength} bytes`
        : controlChars.test(name)
          ? 'contains control characters'
          : name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')
            ? 'has an empty, "." or ".." segment'
            : undefined
  if (problem !== undefined) throw new RotaServerError(ServerErrorCode.BadDocName, `document name ${problem}`, { name })
  return name as DocName
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
