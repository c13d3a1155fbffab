/**
 * The schema, as numbered migrations, and `migrate`, which applies the missing ones. Servers never
 * run DDL: an operator runs `rota migrate` (or calls `migrate`) before the first `rota serve`, and
 * `openPostgresLog` refuses a schema that is missing or at another version.
 *
 * Sequence numbers come from `rota_docs.next_seq`, a counter row per document that every append
 * locks (FOR UPDATE, in doc_id order) and advances in the same transaction as its INSERT. Why not a
 * SEQUENCE or an identity column: those hand out numbers at call time, not at commit, and keep them
 * on rollback, so seqs would have gaps and a reader could see 7 committed before 6. With the row
 * lock, the next writer of a document (from any instance) gets the row only after the previous
 * COMMIT, so seqs are dense, unique, in commit order, and a rolled-back batch consumes none.
 */
import pg from 'pg'
import { connectionConfig, validateSchemaName } from './connection.ts'
import type { ConnectionOptions } from './connection.ts'
import { openError } from './errors.ts'

/** The version `openPostgresLog` expects; `migrate` brings a schema up to it. */
export const SCHEMA_VERSION = 1

const APPEND = `
CREATE FUNCTION rota_append(p_names text[], p_received bigint[], p_client_time bigint[], p_actor text[], p_role text[],
  p_origin text[], p_client_ids text[], p_details text[], p_bodies bytea[], p_crcs integer[])
RETURNS TABLE (ord bigint, seq bigint, received_at bigint, since_entries bigint, since_bytes bigint, checkpoint_seq bigint, base_seq bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO rota_docs (name) SELECT DISTINCT n FROM unnest(p_names) AS n ORDER BY 1 ON CONFLICT (name) DO NOTHING;
  -- One lock order for every writer, so that two batches on the same documents never deadlock.
  PERFORM 1 FROM rota_docs WHERE name = ANY (p_names) ORDER BY doc_id FOR UPDATE;
  RETURN QUERY
  WITH input AS (
    SELECT t.* FROM unnest(p_names, p_received, p_client_time, p_actor, p_role, p_origin, p_client_ids, p_details, p_bodies, p_crcs)
      WITH ORDINALITY AS t (name, received, client_time, actor, role, origin, client_ids, details, body, crc, ord)
  ), numbered AS (
    SELECT i.*, d.doc_id,
      d.next_seq - 1 + row_number() OVER w AS seq,
      -- receivedAt never decreases per document, whichever instance wrote the entry before.
      GREATEST(d.last_time, max(i.received) OVER w) AS stored_time
    FROM input i JOIN rota_docs d ON d.name = i.name
    WINDOW w AS (PARTITION BY d.doc_id ORDER BY i.ord)
  ), inserted AS (
    INSERT INTO rota_entries (doc_id, seq, received_at, client_time, actor, role, origin, client_ids, details, body, crc)
    SELECT doc_id, seq, stored_time, client_time, actor, role, origin, client_ids::bigint[], details, body, crc FROM numbered
  ), totals AS (
    SELECT doc_id, max(seq) AS head, max(stored_time) AS t, count(*) AS n, sum(octet_length(body)) AS bytes FROM numbered GROUP BY doc_id
  ), updated AS (
    UPDATE rota_docs d SET next_seq = totals.head + 1, head_seq = totals.head, head_time = totals.t, last_time = totals.t,
      removed = false, since_entries = d.since_entries + totals.n, since_bytes = d.since_bytes + totals.bytes
    FROM totals WHERE d.doc_id = totals.doc_id
    RETURNING d.doc_id, d.since_entries, d.since_bytes, d.checkpoint_seq, d.base_seq
  )
  SELECT n.ord, n.seq, n.stored_time, u.since_entries, u.since_bytes, u.checkpoint_seq, u.base_seq
  FROM numbered n JOIN updated u USING (doc_id) ORDER BY n.ord;
END $$`

const REMOVE = `
CREATE FUNCTION rota_remove(p_name text, p_meta text) RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE d rota_docs;
BEGIN
  SELECT * INTO d FROM rota_docs WHERE name = p_name FOR UPDATE;
  IF NOT FOUND OR d.removed OR d.head_seq = 0 THEN RETURN false; END IF;
  INSERT INTO rota_removals (doc_id, seq, meta) VALUES (d.doc_id, d.next_seq - 1, p_meta);
  -- The numbering goes on (next_seq stays): a name written again starts a new history after it.
  UPDATE rota_docs SET removed = true, base_seq = next_seq - 1, base_time = head_time, base_is_checkpoint = false,
    head_seq = 0, head_time = 0, last_time = 0, checkpoint_seq = next_seq - 1, since_entries = 0, since_bytes = 0
  WHERE doc_id = d.doc_id;
  DELETE FROM rota_cuts WHERE doc_id = d.doc_id;
  DELETE FROM rota_entries WHERE doc_id = d.doc_id;
  DELETE FROM rota_checkpoints WHERE doc_id = d.doc_id;
  RETURN true;
END $$`

/** Returns how many entries were cut; -1 when \`p_seq\` lies before the base (history gone). */
const TRUNCATE = `
CREATE FUNCTION rota_truncate(p_name text, p_seq bigint) RETURNS bigint LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE d rota_docs; cut bigint; new_head bigint; new_time bigint; newest_checkpoint bigint;
BEGIN
  SELECT * INTO d FROM rota_docs WHERE name = p_name FOR UPDATE;
  IF NOT FOUND OR d.removed OR (d.head_seq = 0 AND NOT d.base_is_checkpoint) THEN RETURN 0; END IF;
  IF p_seq < d.base_seq THEN RETURN -1; END IF;
  DELETE FROM rota_entries WHERE doc_id = d.doc_id AND seq > p_seq;
  GET DIAGNOSTICS cut = ROW_COUNT;
  IF cut = 0 THEN RETURN 0; END IF;
  DELETE FROM rota_checkpoints WHERE doc_id = d.doc_id AND seq > p_seq;
  -- The cut numbers are recorded, never reused: verify tells them from lost entries.
  INSERT INTO rota_cuts (doc_id, from_seq, to_seq) VALUES (d.doc_id, p_seq + 1, d.next_seq - 1)
    ON CONFLICT (doc_id, from_seq) DO UPDATE SET to_seq = GREATEST(rota_cuts.to_seq, EXCLUDED.to_seq);
  SELECT e.seq, e.received_at INTO new_head, new_time FROM rota_entries e
    WHERE e.doc_id = d.doc_id AND e.seq > d.base_seq ORDER BY e.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    new_head := CASE WHEN d.base_is_checkpoint THEN d.base_seq ELSE 0 END;
    new_time := CASE WHEN d.base_is_checkpoint THEN d.base_time ELSE 0 END;
  END IF;
  SELECT COALESCE(max(c.seq), d.base_seq) INTO newest_checkpoint FROM rota_checkpoints c WHERE c.doc_id = d.doc_id AND c.seq >= d.base_seq;
  UPDATE rota_docs SET head_seq = new_head, head_time = new_time, last_time = new_time, checkpoint_seq = newest_checkpoint,
    since_entries = (SELECT count(*) FROM rota_entries e WHERE e.doc_id = d.doc_id AND e.seq > newest_checkpoint),
    since_bytes = (SELECT COALESCE(sum(octet_length(e.body)), 0) FROM rota_entries e WHERE e.doc_id = d.doc_id AND e.seq > newest_checkpoint)
  WHERE doc_id = d.doc_id;
  RETURN cut;
END $$`

/**
 * Stores a checkpoint built from the entries up to \`p_seq\`, unless the history it was built from
 * changed meanwhile (removed, truncated behind it, or folded past it); drops the thinned ones and
 * takes the entries it covers off the policy counters. Derived data: committed without waiting for
 * the WAL flush (a crash loses at most the checkpoint, which the next load rebuilds from entries).
 */
const STORE_CHECKPOINT = `
CREATE FUNCTION rota_store_checkpoint(p_name text, p_seq bigint, p_time bigint, p_state bytea, p_crc integer,
  p_stale bigint[], p_entries bigint, p_bytes bigint) RETURNS boolean LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE d rota_docs;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  SELECT * INTO d FROM rota_docs WHERE name = p_name FOR UPDATE;
  IF NOT FOUND OR d.removed OR p_seq <= d.base_seq OR p_seq > d.head_seq
    OR NOT EXISTS (SELECT 1 FROM rota_entries e WHERE e.doc_id = d.doc_id AND e.seq = p_seq) THEN
    RETURN false;
  END IF;
  INSERT INTO rota_checkpoints (doc_id, seq, received_at, state, crc) VALUES (d.doc_id, p_seq, p_time, p_state, p_crc)
    ON CONFLICT (doc_id, seq) DO NOTHING;
  DELETE FROM rota_checkpoints c WHERE c.doc_id = d.doc_id AND c.seq = ANY (p_stale) AND c.seq > d.base_seq;
  UPDATE rota_docs SET checkpoint_seq = GREATEST(checkpoint_seq, p_seq),
    since_entries = GREATEST(0, since_entries - p_entries), since_bytes = GREATEST(0, since_bytes - p_bytes)
  WHERE doc_id = d.doc_id;
  RETURN true;
END $$`

const VERSION_1 = [
  `CREATE TABLE rota_docs (
    doc_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "C": byte order, which is UTF-8 byte order, the order listDocs promises.
    name text COLLATE "C" NOT NULL UNIQUE,
    next_seq bigint NOT NULL DEFAULT 1,
    head_seq bigint NOT NULL DEFAULT 0,
    head_time bigint NOT NULL DEFAULT 0,
    last_time bigint NOT NULL DEFAULT 0,
    base_seq bigint NOT NULL DEFAULT 0,
    base_time bigint NOT NULL DEFAULT 0,
    base_is_checkpoint boolean NOT NULL DEFAULT false,
    removed boolean NOT NULL DEFAULT false,
    checkpoint_seq bigint NOT NULL DEFAULT 0,
    since_entries bigint NOT NULL DEFAULT 0,
    since_bytes bigint NOT NULL DEFAULT 0
  )`,
  `CREATE TABLE rota_entries (
    doc_id bigint NOT NULL REFERENCES rota_docs,
    seq bigint NOT NULL,
    received_at bigint NOT NULL,
    client_time bigint,
    actor text NOT NULL,
    role text NOT NULL,
    origin text NOT NULL,
    client_ids bigint[] NOT NULL,
    details text,
    body bytea NOT NULL,
    crc integer NOT NULL,
    PRIMARY KEY (doc_id, seq)
  )`,
  `CREATE INDEX rota_entries_time ON rota_entries (doc_id, received_at, seq)`,
  `CREATE TABLE rota_checkpoints (
    doc_id bigint NOT NULL REFERENCES rota_docs,
    seq bigint NOT NULL,
    received_at bigint NOT NULL,
    state bytea NOT NULL,
    crc integer NOT NULL,
    PRIMARY KEY (doc_id, seq)
  )`,
  `CREATE TABLE rota_cuts (doc_id bigint NOT NULL REFERENCES rota_docs, from_seq bigint NOT NULL, to_seq bigint NOT NULL, PRIMARY KEY (doc_id, from_seq))`,
  `CREATE TABLE rota_removals (doc_id bigint NOT NULL REFERENCES rota_docs, seq bigint NOT NULL, meta text NOT NULL, PRIMARY KEY (doc_id, seq))`,
  // Who builds a document's checkpoint (or applies its retention) now; expired claims are taken over.
  `CREATE TABLE rota_claims (doc_id bigint NOT NULL REFERENCES rota_docs, task text NOT NULL, holder text NOT NULL, until timestamptz NOT NULL, PRIMARY KEY (doc_id, task))`,
  APPEND,
  REMOVE,
  TRUNCATE,
  STORE_CHECKPOINT,
]

/** Migration n (1-based) brings a schema from version n - 1 to n. */
const MIGRATIONS: readonly (readonly string[])[] = [VERSION_1]

export interface MigrateReport {
  schema: string
  from: number
  to: number
}

/**
 * Creates the schema or brings it up to SCHEMA_VERSION, in one transaction; concurrent calls wait
 * for each other (an advisory lock per schema). Safe to run again: a current schema is left alone.
 */
export async function migrate(url: string, options: ConnectionOptions = {}): Promise<MigrateReport> {
  const schema = validateSchemaName(options.schema)
  const client = new pg.Client(connectionConfig(url, { ...options, schema }))
  try {
    await client.connect()
  } catch (error) {
    throw openError(url, error)
  }
  client.on('error', () => undefined)
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`rota-migrate:${schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await client.query('CREATE TABLE IF NOT EXISTS rota_schema (version integer NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())')
    const { rows } = await client.query<{ version: number }>('SELECT max(version) AS version FROM rota_schema')
    const from = rows[0]?.version ?? 0
    for (let version = from + 1; version <= MIGRATIONS.length; version++) {
      for (const statement of MIGRATIONS[version - 1]!) await client.query(statement)
      await client.query('INSERT INTO rota_schema (version) VALUES ($1)', [version])
    }
    await client.query('COMMIT')
    return { schema, from, to: Math.max(from, MIGRATIONS.length) }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw openError(url, error)
  } finally {
    await client.end().catch(() => undefined)
  }
}
