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

/** A raw-inflate context; `dictionary` (the previous context's window) continues a compressed stream. */
const createInflater = (windowBits: number, dictionary?: Buffer): Inflater => {
  const inflate = zlib.createInflateRaw({
    windowBits,
    // The stream's own output buffer is never used (output goes to `scratch`): keep it at zlib's minimum.
    chunkSize: zlib.constants.Z_MIN_CHUNK,
    ...(dictionary === undefined ? {} : { dictionary }),
  }) as Inflater
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

/**
 * The last bytes a connection's inflate produced, up to the window size: what a new inflate context needs as
 * its dictionary to carry on where a released one stopped. Grows with what the client sent, so an idle
 * connection that sent a few kilobytes keeps a few kilobytes (a live zlib context is ~40 KB).
 */
class History {
  private bytes = Buffer.alloc(0)
  private length = 0

  constructor(private readonly size: number) {}

  append(output: Buffer): void {
    const { size } = this
    if (output.length >= size) {
      this.bytes = Buffer.from(output.subarray(output.length - size))
      this.length = size
      return
    }
    const kept = Math.min(this.length, size - output.length)
    if (kept + output.length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.min(size, Math.max(kept + output.length, this.bytes.length * 2, 256)))
      this.bytes.copy(grown, 0, this.length - kept, this.length)
      this.bytes = grown
    } else if (kept < this.length) {
      this.bytes.copyWithin(0, this.length - kept, this.length)
    }
    output.copy(this.bytes, kept)
    this.length = kept + output.length
  }

  /** Drops unused capacity (when the connection goes idle). */
  compact(): void {
    if (this.bytes.length > this.length) this.bytes = Buffer.from(this.bytes.subarray(0, this.length))
  }

  get window(): Buffer | undefined {
    return this.length === 0 ? undefined : this.bytes.subarray(0, this.length)
  }
}

/** A connection's inflate state: a live zlib context while messages come, its window alone while idle. */
interface InflateState {
  inflate: Inflater | undefined
  history: History | undefined
  lastUsed: number
}

/** How long a connection may send nothing before its zlib context is released (its window is kept). */
const idleReleaseMs = 500
const live = new Set<InflateState>()
let sweeper: NodeJS.Timeout | undefined

/** Connections holding a live zlib context right now (the others hold only their window). */
export const liveInflateContexts = (): number => live.size

const release = (state: InflateState): void => {
  state.inflate?.close()
  state.inflate = undefined
  state.history?.compact()
  live.delete(state)
  if (live.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper)
    sweeper = undefined
  }
}

const track = (state: InflateState): void => {
  live.add(state)
  sweeper ??= setInterval(() => {
    const now = Date.now()
    for (const idle of live) if (now - idle.lastUsed >= idleReleaseMs) release(idle)
  }, idleReleaseMs / 2).unref()
}

/** Replaces a server connection's asynchronous inflate with a synchronous one (same context, same limits). */
const useSyncInflate = (socket: WebSocket, extension: PerMessageDeflateExtension): void => {
  const bits = extension.params.client_max_window_bits
  const windowBits = typeof bits === 'number' ? bits : zlib.constants.Z_DEFAULT_WINDOWBITS
  // Without context takeover every message starts afresh: there is no window to keep.
  const history = extension.params.client_no_context_takeover === true ? undefined : new History(1 << windowBits)
  const state: InflateState = { inflate: undefined, history, lastUsed: 0 }
  const cleanup = extension.cleanup.bind(extension)

  extension.decompress = (data, fin, callback) => {
    let result: Buffer | undefined
    let failure: Error | null = null
    try {
      if (state.inflate === undefined) {
        state.inflate = createInflater(windowBits, history?.window)
        track(state)
      }
      state.lastUsed = Date.now()
      result = inflateSync(state.inflate, fin ? Buffer.concat([data, TRAILER]) : data, extension._maxPayload)
      if (history !== undefined) history.append(result)
      else if (fin) state.inflate.reset()
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err))
      release(state)
      // As ws does for data that does not inflate (its own error carries the code, ours cannot).
      socket.close(1007, 'invalid compressed data')
    }
    // ws's receiver expects the answer after decompress returns (it re-enters its parse loop from the callback).
    queueMicrotask(() => callback(failure, result))
  }
  extension.cleanup = () => {
    release(state)
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
