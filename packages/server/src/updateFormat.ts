import * as decoding from 'lib0/decoding'
import { RotaServerError, ServerErrorCode } from './errors.ts'

/**
 * Refuses bytes that are a Yjs v2 update where a v1 update is expected. Every v2 update starts with a zero
 * (its feature flag), which v1 reads as "no structs"; v1's decoder then reads a delete set from the next few
 * bytes and ignores the rest, so a v2 update "applies" as an empty v1 update and the caller gets a 200 for
 * data that was dropped. A genuine v1 update that starts with zero is a delete set and nothing after it;
 * anything left over means it is not v1. (Updates with structs are checked by `inspectUpdate` as before.)
 */
export const assertV1Update = (update: Uint8Array): void => {
  if (update.length === 0) throw notV1('the body is empty')
  if (update[0] !== 0) return
  const decoder = decoding.createDecoder(update)
  try {
    decoding.readVarUint(decoder)
    const clients = decoding.readVarUint(decoder)
    for (let i = 0; i < clients; i++) {
      decoding.readVarUint(decoder)
      const ranges = decoding.readVarUint(decoder)
      for (let j = 0; j < ranges; j++) {
        decoding.readVarUint(decoder)
        decoding.readVarUint(decoder)
      }
    }
  } catch {
    throw notV1('the delete set does not decode')
  }
  if (decoding.hasContent(decoder)) {
    throw notV1('bytes follow the delete set (a Yjs v2 update? send Y.encodeStateAsUpdate, not …V2)')
  }
}

const notV1 = (why: string): RotaServerError =>
  new RotaServerError(ServerErrorCode.BadUpdate, `not a Yjs v1 update: ${why}`, { format: 'v1 expected' })
