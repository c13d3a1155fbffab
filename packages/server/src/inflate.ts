import zlib from 'node:zlib'
import { WebSocket } from 'ws'

/**
 * Synchronous permessage-deflate decompression for the server's sockets.
 *
 * Stock clients (browsers, y-websocket on `ws`) deflate every frame, however small, as long as client
 * context takeover is allowed, and that is what keeps a keystroke-sized update at ~30 bytes on the wire.
 * `ws` inflates each frame through Node's asynchronous zlib: a write and a flush, each a thread-pool round
 * trip, under a process-wide limit of ten at a time. For frames of a few dozen bytes the hand-offs cost
 * ~100× the inflating (1–2 µs): they were the largest single cost per edit. Here each connection keeps its
 * raw-inflate context and runs it synchronously, as Node's own `*Sync` functions do; the sliding window
 * carries over from message to message exactly as before, so nothing changes on the wire.
 *
 * This reaches into two internals: ws's per-connection extension object (its `decompress` is replaced) and
 * the native zlib handle's `writeSync` (the public sync API closes the stream after one call, which would
 * lose the context). Both are checked once at startup; without them ws keeps its own asynchronous path.
 */

/** The fields and methods of ws's per-connection PerMessageDeflate object this module relies on. */
interface PerMessageDeflateExtension {
  readonly _isServer: boolean
  readonly _maxPayload: number
  readonly params: Record<string, unknown>
  decompress(data: Buffer, fin: boolean, callback: (err: Error | null, result?: Buffer) => void): void
  cleanup(): void
}

/** A zlib stream's native handle and the [availOut, availIn] pair it reports after each write. */
interface ZlibInternals {
  _handle: {
    writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void
  } | null
  _writeState: Uint32Array
}
type Inflater = zlib.InflateRaw & ZlibInternals

/** Marks the end of a message: permessage-deflate strips it from every frame (RFC 7692 §7.2.2). */
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff])
const extensionName = 'permessage-deflate'

/** Output space shared by every connection: inflating is synchronous, so one buffer is never used twice at once. */
const scratch = Buffer.allocUnsafe(64 * 1024)

const createInflater = (windowBits: number): Inflater => {
  // The stream's own output buffer is never used (output goes to `scratch`): keep it at zlib's minimum.
  const inflate = zlib.createInflateRaw({ windowBits, chunkSize: zlib.constants.Z_MIN_CHUNK }) as Inflater
  // zlib reports a data error through the stream (destroy + 'error' on the next tick); it is read from
  // `errored` right after the write instead.
  inflate.on('error', () => undefined)
  return inflate
}

/**
 * Inflates one frame's payload with the connection's context; throws on corrupt data. Stops once the output
 * passes `maxOutput` and returns what it has: ws then refuses the message as too big (close 1009), as it
 * would after its own inflate, without a compressed bomb ever being expanded in full.
 */
const inflateSync = (inflate: Inflater, input: Buffer, maxOutput: number): Buffer => {
  const handle = inflate._handle
  if (handle === null) throw new Error('inflate context is closed')
  const state = inflate._writeState
  const chunks: Buffer[] = []
  let total = 0
  let offset = 0
  let available = input.length
  for (;;) {
    handle.writeSync(zlib.constants.Z_SYNC_FLUSH, input, offset, available, scratch, 0, scratch.length)
    if (inflate.errored !== null) throw inflate.errored
    const [outLeft = 0, inLeft = 0] = state
    const produced = scratch.length - outLeft
    if (produced > 0) {
      total += produced
      chunks.push(Buffer.from(scratch.subarray(0, produced)))
    }
    // A full output buffer means zlib may have more to give for the same input.
    if (outLeft !== 0 || (maxOutput > 0 && total > maxOutput)) break
    offset += available - inLeft
    available = inLeft
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total)
}

/** Whether this Node's zlib streams expose what inflateSync needs (checked once). */
const supported = (() => {
  try {
    const probe = createInflater(15)
    const ok = typeof probe._handle?.writeSync === 'function' && probe._writeState instanceof Uint32Array
    if (ok) {
      const data = zlib.deflateRawSync(Buffer.from('rota'), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
      if (inflateSync(probe, data, 0).toString() !== 'rota') return false
    }
    probe.close()
    return ok
  } catch {
    return false
  }
})()

/** Replaces a server connection's asynchronous inflate with a synchronous one (same context, same limits). */
const useSyncInflate = (socket: WebSocket, extension: PerMessageDeflateExtension): void => {
  const bits = extension.params.client_max_window_bits
  const windowBits = typeof bits === 'number' ? bits : zlib.constants.Z_DEFAULT_WINDOWBITS
  const resetEachMessage = extension.params.client_no_context_takeover === true
  const maxOutput = extension._maxPayload
  let inflate: Inflater | undefined
  const cleanup = extension.cleanup.bind(extension)

  extension.decompress = (data, fin, callback) => {
    let result: Buffer | undefined
    let failure: Error | null = null
    try {
      inflate ??= createInflater(windowBits)
      result = inflateSync(inflate, fin ? Buffer.concat([data, TRAILER]) : data, maxOutput)
      if (fin && resetEachMessage) inflate.reset()
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err))
      inflate?.close()
      inflate = undefined
      // As ws does for data that does not inflate (its own error carries the code, ours cannot).
      socket.close(1007, 'invalid compressed data')
    }
    // ws's receiver expects the answer after decompress returns (it re-enters its parse loop from the callback).
    queueMicrotask(() => callback(failure, result))
  }
  extension.cleanup = () => {
    inflate?.close()
    inflate = undefined
    cleanup()
  }
}

/**
 * The server's WebSocket class (ws's `WebSocket` option): a ws WebSocket whose permessage-deflate, when
 * negotiated, inflates synchronously. The swap happens in setSocket, before the first frame is read.
 */
class SyncInflateWebSocket extends WebSocket {
  setSocket(...args: unknown[]): void {
    const extension = (this as unknown as { _extensions: Record<string, PerMessageDeflateExtension | undefined> })
      ._extensions[extensionName]
    if (supported && extension?._isServer === true && typeof extension.decompress === 'function') useSyncInflate(this, extension)
    ;(WebSocket.prototype as unknown as { setSocket: (...args: unknown[]) => void }).setSocket.apply(this, args)
  }
}

/** For ws's `WebSocket` server option. */
export const syncInflateWebSocket: typeof WebSocket = SyncInflateWebSocket
