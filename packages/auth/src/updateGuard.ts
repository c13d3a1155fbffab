import * as Y from 'yjs'
import { findStruct, itemRefs } from '@rota/model'

/**
 * Hostile-update guards. Yjs trusts its input: a truncated update used to hang the decoder (yjs#479,
 * yjs#498), an item that points forward into its own client's history makes `applyUpdate` throw halfway
 * through a transaction, a zero-length struct breaks the struct store's invariants, a clock near 2^53
 * poisons every later edit of that client. These checks decode without applying and say no first.
 */
export interface UpdateLimits {
  /** Largest update, in bytes. */
  maxBytes: number
  /** Most structs (items, GC and skip runs) in one update. */
  maxStructs: number
  /** Most delete-set ranges in one update. */
  maxDeleteRanges: number
  /** Largest clock any struct or deletion may reach (clock + length). */
  maxClock: number
  /** Root type names an item may hang under; undefined = any. */
  allowedRoots?: readonly string[]
}

export const defaultUpdateLimits: UpdateLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxStructs: 200_000,
  maxDeleteRanges: 200_000,
  maxClock: 2 ** 32,
}

export type UpdateCheck =
  | { ok: true; structs: number; deleteRanges: number; clientIds: number[] }
  | { ok: false; reason: string }

type Struct = Y.Item | Y.GC | Y.Skip

interface Decoded {
  structs: Struct[]
  ds: { clients: Map<number, Array<{ clock: number; len: number }>> }
}

// authorizeUpdate asks several questions of one update; decoding dominates their cost, so do it once.
// Nothing here modifies the decoded structs.
const decodedUpdates = new WeakMap<Uint8Array, Decoded | string>()

/**
 * The update's decoded structs and delete set, or why it does not decode; decoded once per update bytes
 * (the server's core, every guard and the judge share it). Nothing may modify what it returns.
 */
export const decodeUpdateOnce = (update: Uint8Array): Decoded | string => decode(update)

const decode = (update: Uint8Array): Decoded | string => {
  const known = decodedUpdates.get(update)
  if (known !== undefined) return known
  let decoded: Decoded | string
  try {
    decoded = Y.decodeUpdate(update) as unknown as Decoded
  } catch (err) {
    decoded = `update does not decode: ${(err as Error).message}`
  }
  decodedUpdates.set(update, decoded)
  return decoded
}

const schemaContent = (content: Y.Item['content']): boolean =>
  content instanceof Y.ContentAny || content instanceof Y.ContentType || content instanceof Y.ContentDeleted

/** The schedule's roots (@rota/model's layout): inside them only plain values and shared maps/lists mean anything. */
const scheduleRoots = new Set(['staff', 'shifts', 'settings'])

const structProblem = (struct: Struct, limits: UpdateLimits): string | undefined => {
  const { client, clock } = struct.id
  if (!(struct.length >= 1)) return `struct ${client}:${clock} is empty`
  if (clock + struct.length > limits.maxClock) return `struct ${client}:${clock} reaches past clock ${limits.maxClock}`
  if (!(struct instanceof Y.Item)) return undefined
  if (struct.content instanceof Y.ContentDoc) return `item ${client}:${clock} is a subdocument`
  for (const ref of itemRefs(struct)) {
    // A client can only refer to its own earlier structs; a forward reference throws inside applyUpdate.
    if (ref.client === client && ref.clock >= clock) return `item ${client}:${clock} refers forward to ${ref.client}:${ref.clock}`
    if (ref.clock >= limits.maxClock) return `item ${client}:${clock} refers past clock ${limits.maxClock}`
  }
  if (limits.allowedRoots !== undefined && typeof struct.parent === 'string' && !limits.allowedRoots.includes(struct.parent)) {
    return `item ${client}:${clock} belongs to unknown root "${struct.parent}"`
  }
  return undefined
}

const checkDecoded = (decoded: Decoded, limits: UpdateLimits): UpdateCheck => {
  const { structs, ds } = decoded
  if (structs.length > limits.maxStructs) return { ok: false, reason: `update holds ${structs.length} structs, at most ${limits.maxStructs}` }
  const clientIds: number[] = []
  let previous: Struct | undefined
  for (const struct of structs) {
    const problem = structProblem(struct, limits)
    if (problem !== undefined) return { ok: false, reason: problem }
    const continues = previous !== undefined && previous.id.client === struct.id.client
    if (continues && struct.id.clock !== previous!.id.clock + previous!.length) {
      return { ok: false, reason: `client ${struct.id.client} appears twice` }
    }
    if (!continues) {
      // Yjs reads each client's structs as one run; a client listed twice would lose its first run.
      if (clientIds.includes(struct.id.client)) return { ok: false, reason: `client ${struct.id.client} appears twice` }
      clientIds.push(struct.id.client)
    }
    previous = struct
  }
  let deleteRanges = 0
  for (const [client, ranges] of ds.clients) {
    for (const { clock, len } of ranges) {
      deleteRanges++
      if (!(len >= 1) || clock + len > limits.maxClock) return { ok: false, reason: `deletion ${client}:${clock}+${len} is out of range` }
    }
  }
  if (deleteRanges > limits.maxDeleteRanges) return { ok: false, reason: `update holds ${deleteRanges} deletions, at most ${limits.maxDeleteRanges}` }
  return { ok: true, structs: structs.length, deleteRanges, clientIds }
}

/**
 * Decodes a Yjs v1 update without applying it and checks its shape against the limits. Never throws;
 * decoding is linear in the update's size (lib0 ≥ 0.2.60 stops at the end of the buffer).
 */
export const checkUpdate = (update: Uint8Array, limits: Partial<UpdateLimits> = {}): UpdateCheck => {
  const resolved = { ...defaultUpdateLimits, ...limits }
  if (!(update instanceof Uint8Array)) return { ok: false, reason: 'update is not binary' }
  if (update.length > resolved.maxBytes) return { ok: false, reason: `update of ${update.length} bytes, at most ${resolved.maxBytes}` }
  const decoded = decode(update)
  if (typeof decoded === 'string') return { ok: false, reason: decoded }
  return checkDecoded(decoded, resolved)
}

/** A client's clock in `doc`, looked up where it is needed: these guards run on every update, and encoding
 * the whole state vector instead costs per update what the document's history of client ids costs. */
type Clocks = (client: number) => number
const clocksOf = (doc: Y.Doc): Clocks => (client) => Y.getState(doc.store, client)

/**
 * Whether the update can be integrated into `doc` completely. Yjs keeps an update whose dependencies
 * are missing as "pending" and applies it later, when they arrive: such an update changes nothing now and
 * something unforeseeable later, so a policy that judges what an update changes must refuse it.
 * Returns the first missing dependency, or undefined when there is none.
 */
export const missingDependency = (doc: Y.Doc, update: Uint8Array): string | undefined => {
  const decoded = decode(update)
  if (typeof decoded === 'string') return decoded
  const held = clocksOf(doc)
  // What the doc will know once the update's own structs are in, client by client.
  const added = new Map<number, number>()
  const after: Clocks = (client) => added.get(client) ?? held(client)
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id
    if (struct instanceof Y.Skip) return `update skips ${client}:${clock}+${struct.length}`
    if (clock > after(client)) return `update starts at ${client}:${clock}, the document knows ${client} up to ${after(client)}`
    added.set(client, Math.max(after(client), clock + struct.length))
  }
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue
    for (const ref of itemRefs(struct)) {
      if (ref.clock >= after(ref.client)) return `item ${struct.id.client}:${struct.id.clock} needs unknown ${ref.client}:${ref.clock}`
    }
  }
  return deletionBeyond(decoded, after)
}

/**
 * The first deletion of clocks beyond `known` (what the document will hold once the update's structs are in).
 * Yjs would keep it pending and apply it when the structs arrive — on the server and every replica they reach
 * through it, but on their author's own replica only once some later remote update comes in: a deletion of an
 * edit made before the edit existed, which no genuine client makes.
 */
const deletionBeyond = (decoded: Decoded, known: Clocks): string | undefined => {
  for (const [client, ranges] of decoded.ds.clients) {
    for (const { clock, len } of ranges) {
      if (clock + len > known(client)) return `deletion ${client}:${clock}+${len} is of structs the document does not have`
    }
  }
  return undefined
}

/** Is every range of `ranges` inside the union of `covering` (sorted, as Yjs keeps delete sets)? */
const rangesCovered = (ranges: Array<{ clock: number; len: number }>, covering: Array<{ clock: number; len: number }>): boolean =>
  ranges.every(({ clock, len }) => {
    let position = clock
    const end = clock + len
    for (const range of covering) {
      if (range.clock > position) break
      position = Math.max(position, range.clock + range.len)
      if (position >= end) return true
    }
    return position >= end
  })

/**
 * True when applying the update to `doc` would change nothing: every struct is already known (and so
 * is everything it names) and every deletion already happened. A read-only client's sync step 2 is such an update (it always
 * carries the whole delete set), and must not count as an attempt to write.
 */
export const isNoopUpdate = (doc: Y.Doc, update: Uint8Array): boolean => {
  const decoded = decode(update)
  if (typeof decoded === 'string') return false
  const held = clocksOf(doc)
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) continue
    if (struct.id.clock + struct.length > held(struct.id.client)) return false
    // Yjs asks for an item's dependencies before it skips a known one: a copy naming ids the document
    // lacks is kept pending, not skipped (missingDependency refuses it).
    if (struct instanceof Y.Item && itemRefs(struct).some((ref) => ref.clock >= held(ref.client))) return false
  }
  if (decoded.ds.clients.size === 0) return true
  const docDeletes = (Y.createDeleteSetFromStructStore(doc.store) as unknown as Decoded['ds']).clients
  for (const [client, ranges] of decoded.ds.clients) {
    if (!rangesCovered(ranges, docDeletes.get(client) ?? [])) return false
  }
  return true
}

const maxPlacementDepth = 1000

/**
 * Where items live, as keys: `<parent>|<parentSub>`, with the parent a root name or a type item's id.
 * Unknowable places (GC'd or missing neighbours, chains too long) are undefined and not judged here.
 */
class Placements {
  private readonly held: Clocks
  private readonly roots = new Map<unknown, string>()
  private readonly byClient = new Map<number, Struct[]>()
  private readonly memo = new Map<string, string | undefined>()

  constructor(
    private readonly doc: Y.Doc,
    structs: Struct[],
  ) {
    this.held = clocksOf(doc)
    for (const [name, type] of doc.share) this.roots.set(type, name)
    for (const struct of structs) {
      const list = this.byClient.get(struct.id.client)
      if (list === undefined) this.byClient.set(struct.id.client, [struct])
      else list.push(struct)
    }
  }

  /** The update's struct holding `id` (each client's structs are one run, in clock order). */
  private inUpdate(id: Y.ID): Struct | undefined {
    return findStruct(this.byClient.get(id.client) ?? [], id.clock)
  }

  private ofDocItem(struct: Y.Item | Y.GC): string | undefined {
    if (!(struct instanceof Y.Item) || !(struct.parent instanceof Y.AbstractType)) return undefined
    const parent = struct.parent
    const key = parent._item !== null ? `${parent._item.id.client}:${parent._item.id.clock}` : `root:${this.roots.get(parent) ?? '?'}`
    return `${key}|${struct.parentSub ?? ''}`
  }

  /** The root a place lies under, following parent items up (undefined when a link is unknowable). */
  rootOf(place: string | undefined): string | undefined {
    for (let depth = 0; place !== undefined && depth < 16; depth++) {
      const parent = place.slice(0, place.indexOf('|'))
      if (parent.startsWith('root:')) return parent.slice(5)
      const [client, clock] = parent.split(':').map(Number)
      place = this.of(Y.createID(client!, clock!))
    }
    return undefined
  }

  of(id: Y.ID, depth = 0): string | undefined {
    if (depth > maxPlacementDepth) return undefined
    if (id.clock < this.held(id.client)) {
      try {
        return this.ofDocItem(Y.getItem(this.doc.store, id) as Y.Item | Y.GC)
      } catch {
        return undefined
      }
    }
    const struct = this.inUpdate(id)
    return struct instanceof Y.Item ? this.ofUpdateItem(struct, depth + 1) : undefined
  }

  ofUpdateItem(item: Y.Item, depth = 0): string | undefined {
    const memoKey = `${item.id.client}:${item.id.clock}`
    if (this.memo.has(memoKey)) return this.memo.get(memoKey)
    const parent = item.parent as unknown
    let place: string | undefined
    if (typeof parent === 'string') place = `root:${parent}|${item.parentSub ?? ''}`
    else if (parent instanceof Y.ID) place = `${parent.client}:${parent.clock}|${item.parentSub ?? ''}`
    else if (item.origin !== null) place = this.of(item.origin, depth)
    else if (item.rightOrigin !== null) place = this.of(item.rightOrigin, depth)
    this.memo.set(memoKey, place)
    return place
  }
}

/**
 * Whether the update's items are placed consistently: an item's left and right neighbours (origin and
 * right origin) must live in the same parent under the same key, and a map entry has no right neighbour.
 * Yjs takes such updates without complaint, and replicas that integrate them in different orders then
 * disagree for good. Returns the first inconsistency, or undefined.
 */
export const inconsistentPlacement = (doc: Y.Doc, update: Uint8Array): string | undefined => {
  const decoded = decode(update)
  if (typeof decoded === 'string') return decoded
  const placements = new Placements(doc, decoded.structs)
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue
    const where = `item ${struct.id.client}:${struct.id.clock}`
    const left = struct.origin === null ? undefined : placements.of(struct.origin)
    const right = struct.rightOrigin === null ? undefined : placements.of(struct.rightOrigin)
    if (left !== undefined && right !== undefined && left !== right) return `${where} sits between neighbours of different parents`
    const place = placements.ofUpdateItem(struct)
    if (struct.rightOrigin !== null && place !== undefined && !place.endsWith('|')) return `${where} is a map entry with a right neighbour`
    // Text, formatting, embeds, binary and legacy JSON content mean nothing in a schedule, and a format
    // item can still shadow a map key's value: inside the schedule's roots they are refused.
    if (!schemaContent(struct.content) && scheduleRoots.has(placements.rootOf(place) ?? '')) {
      return `${where} holds ${struct.content.constructor.name}, which a schedule does not use`
    }
  }
  return undefined
}
