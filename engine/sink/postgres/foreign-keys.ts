// Foreign keys on the PostgreSQL sink, added once every table of the job is copied (PgSink.finishCopy):
// read from the source's information_schema, renamed like their tables, created DEFERRABLE INITIALLY
// DEFERRED (a stream batch applies its changes per key, not in the source's order: the check waits for
// COMMIT). One that cannot be created is named in a warning with the reason and the SQL to run by hand;
// one that rows violate after a snapshot+stream copy is added again once the stream has caught up.
import { createHash } from 'node:crypto';
import { CutoverError } from '../../../shared/errors.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { CopyTable } from '../../core/tables.js';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { pgId, pgTable, type PgClient } from './connection.js';
import { CHECKPOINT_SCHEMA } from './descriptor.js';

export interface SourceForeignKey {
  db: string;
  table: string;
  name: string;
  columns: string[];
  refDb: string;
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}

/** The foreign keys declared in the source databases `dbs`, columns in key order. */
export async function readSourceForeignKeys(conn: Connection, dbs: string[]): Promise<SourceForeignKey[]> {
  if (!dbs.length) return [];
  const rows = await queryRows<Record<string, unknown>>(
    conn,
    `SELECT rc.CONSTRAINT_SCHEMA AS db, rc.TABLE_NAME AS tbl, rc.CONSTRAINT_NAME AS name, rc.UPDATE_RULE AS upd, rc.DELETE_RULE AS del,
            k.COLUMN_NAME AS col, k.REFERENCED_TABLE_SCHEMA AS rdb, k.REFERENCED_TABLE_NAME AS rtbl, k.REFERENCED_COLUMN_NAME AS rcol
       FROM information_schema.REFERENTIAL_CONSTRAINTS rc
       JOIN information_schema.KEY_COLUMN_USAGE k
         ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
        AND k.REFERENCED_TABLE_NAME IS NOT NULL
      WHERE rc.CONSTRAINT_SCHEMA IN (?)
      ORDER BY rc.CONSTRAINT_SCHEMA, rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [dbs],
  );
  const out = new Map<string, SourceForeignKey>();
  for (const r of rows) {
    const key = `${r.db}\u0000${r.tbl}\u0000${r.name}`;
    let fk = out.get(key);
    if (!fk) {
      fk = { db: String(r.db), table: String(r.tbl), name: String(r.name), columns: [], refDb: String(r.rdb), refTable: String(r.rtbl), refColumns: [], onDelete: String(r.del), onUpdate: String(r.upd) };
      out.set(key, fk);
    }
    fk.columns.push(String(r.col));
    fk.refColumns.push(String(r.rcol));
  }
  return [...out.values()];
}

/**
 * A referential action in PostgreSQL: MySQL's RESTRICT is its NO ACTION (both checked per statement in
 * InnoDB), and PostgreSQL checks RESTRICT at once even in a deferred constraint, so it becomes NO ACTION.
 */
export function pgAction(rule: string): string {
  const r = rule.toUpperCase();
  return r === 'CASCADE' || r === 'SET NULL' || r === 'SET DEFAULT' ? r : 'NO ACTION';
}

/** A constraint name of at most 63 bytes (PostgreSQL's limit; MySQL allows 64 characters). */
export function constraintName(name: string): string {
  if (Buffer.byteLength(name) <= 63) return name;
  const hash = createHash('sha1').update(name).digest('hex').slice(0, 8);
  let cut = name;
  while (Buffer.byteLength(cut) > 54) cut = cut.slice(0, -1);
  return `${cut}_${hash}`;
}

export interface PlannedForeignKey {
  /** Source "db.table.constraint", for messages. */
  label: string;
  table: TableRef;
  name: string;
  sql: string;
  /** Why it is not created; the SQL is then the statement to run by hand. */
  problem?: string;
}

/**
 * The ALTER TABLE for each foreign key of a copied table. `tables` is every table of the job; a key whose
 * referenced table is not among them is planned with a problem (its SQL names where `mapTable` would put it).
 */
export function planForeignKeys(fks: SourceForeignKey[], tables: CopyTable[], mapTable: (ref: TableRef) => TableRef): PlannedForeignKey[] {
  const bySource = new Map(tables.map((t) => [`${t.source.db}\u0000${t.source.table}`, t]));
  const out: PlannedForeignKey[] = [];
  for (const fk of fks) {
    const t = bySource.get(`${fk.db}\u0000${fk.table}`);
    if (!t) continue;
    const ref = bySource.get(`${fk.refDb}\u0000${fk.refTable}`);
    const refSink = ref?.sink ?? mapTable({ db: fk.refDb, table: fk.refTable });
    const name = constraintName(fk.name);
    const sql =
      `ALTER TABLE ${pgTable(t.sink)} ADD CONSTRAINT ${pgId(name)} FOREIGN KEY (${fk.columns.map(pgId).join(', ')})` +
      ` REFERENCES ${pgTable(refSink)} (${fk.refColumns.map(pgId).join(', ')})` +
      ` ON DELETE ${pgAction(fk.onDelete)} ON UPDATE ${pgAction(fk.onUpdate)} DEFERRABLE INITIALLY DEFERRED`;
    const p: PlannedForeignKey = { label: `${fk.db}.${fk.table}.${fk.name}`, table: t.sink, name, sql };
    const copied = new Set(t.columns.map((c) => c.name));
    const refCopied = ref && new Set(ref.columns.map((c) => c.name));
    if (!ref) p.problem = `it references ${fk.refDb}.${fk.refTable}, which this job does not copy`;
    else if (fk.columns.some((c) => !copied.has(c))) p.problem = `its column(s) ${fk.columns.filter((c) => !copied.has(c)).join(', ')} are not copied`;
    else if (fk.refColumns.some((c) => !refCopied!.has(c))) p.problem = `the referenced column(s) ${fk.refColumns.filter((c) => !refCopied!.has(c)).join(', ')} are not copied`;
    out.push(p);
  }
  return out;
}

/** Why PostgreSQL refused a foreign key, in words, from its error. */
function reason(e: unknown): string {
  const err = e as { code?: string; message?: string; detail?: string };
  const msg = `${err.message ?? String(e)}${err.detail ? ` (${err.detail})` : ''}`;
  switch (err.code) {
    case '23503':
      return `rows of the sink table violate it: ${msg}; fix or delete those rows, then run the statement`;
    case '42804':
      return `the column types do not match on PostgreSQL: ${msg}`;
    case '42830':
      return `the referenced columns have no primary key or unique index on PostgreSQL (MySQL accepts any index there): ${msg}`;
    default:
      return msg;
  }
}

/**
 * Creates the planned foreign keys that do not exist yet (a resumed run skips those it made), each in
 * its own statement so one refused key leaves the others in place. Returns one warning per key not created.
 */
export async function applyForeignKeys(client: PgClient, planned: PlannedForeignKey[], retryLater?: (p: PlannedForeignKey, why: string) => string): Promise<{ created: number; existing: number; warnings: string[]; violated: PlannedForeignKey[] }> {
  const warnings: string[] = [];
  const violated: PlannedForeignKey[] = [];
  let created = 0;
  let existing = 0;
  for (const p of planned) {
    const hand = `run by hand: ${p.sql};`;
    if (p.problem) {
      warnings.push(`foreign key ${p.label} not created on the PostgreSQL sink: ${p.problem}; ${hand}`);
      continue;
    }
    const has = await client.query(
      `SELECT 1 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = $1 AND t.relname = $2 AND c.conname = $3 AND c.contype = 'f'`,
      [p.table.db, p.table.table, p.name],
    );
    if (has.rowCount) {
      existing++;
      continue;
    }
    try {
      await client.query(p.sql);
      created++;
    } catch (e) {
      if ((e as { code?: string }).code === '23503' && retryLater) {
        violated.push(p);
        warnings.push(retryLater(p, reason(e)));
      } else warnings.push(`foreign key ${p.label} not created on the PostgreSQL sink: ${reason(e)}; ${hand}`);
    }
  }
  return { created, existing, warnings, violated };
}

// Keys refused after a snapshot+stream copy because rows violated them: the chunks were read at different
// moments, so a child row may name a parent the copy read before it existed (or after it was deleted).
// The rows agree again once the stream has replayed the copy's window, so such a key is remembered in the
// sink (beside the checkpoint, so a restart does not forget it) and added when the stream has caught up
// (PgChangeSink.idle); a key still refused then is named again with the reason and the statement, and
// tried again the next time the stream catches up (a new run, or after RETRY_PENDING_MS).

const PENDING = `${pgId(CHECKPOINT_SCHEMA)}.${pgId('cutover_pending_foreign_key')}`;

/** Remembers the job's keys to add once its stream has caught up. */
export async function rememberPendingForeignKeys(client: PgClient, job: string, keys: PlannedForeignKey[]): Promise<void> {
  if (!keys.length) return;
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${pgId(CHECKPOINT_SCHEMA)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${PENDING} (job varchar(100) NOT NULL, label text NOT NULL, sql text NOT NULL, PRIMARY KEY (job, label))`);
  for (const k of keys)
    await client.query(`INSERT INTO ${PENDING} (job, label, sql) VALUES ($1, $2, $3) ON CONFLICT (job, label) DO UPDATE SET sql = EXCLUDED.sql`, [job, k.label, k.sql]);
}

/** Adds the job's remembered keys; each added (or found added) is forgotten, each still refused is named again. */
export async function addPendingForeignKeys(client: PgClient, job: string): Promise<{ added: string[]; warnings: string[]; left: number }> {
  const rows = await client.query<{ label: string; sql: string }>(`SELECT label, sql FROM ${PENDING} WHERE job = $1 ORDER BY label`, [job]).catch((e: { code?: string }) => {
    if (e.code === '42P01' || e.code === '3F000') return { rows: [] }; // nothing was ever remembered here
    throw e;
  });
  const added: string[] = [];
  const warnings: string[] = [];
  for (const r of rows.rows) {
    try {
      await client.query(r.sql);
    } catch (e) {
      if ((e as { code?: string }).code !== '42710') {
        // 42710: a constraint of that name exists (added by hand): done.
        warnings.push(`foreign key ${r.label} still not created on the PostgreSQL sink after the stream caught up: ${reason(e)}; run by hand: ${r.sql}; (tried again the next time the stream catches up)`);
        continue;
      }
    }
    await client.query(`DELETE FROM ${PENDING} WHERE job = $1 AND label = $2`, [job, r.label]);
    added.push(r.label);
  }
  return { added, warnings, left: rows.rows.length - added.length };
}

export const NOT_TRANSLATED = 'MySQL SQL is not translated to PostgreSQL; create it by hand';

/** The triggers of the copied tables and the routines and events of their databases: one message each. */
export async function untranslatedObjects(conn: Connection, tables: CopyTable[]): Promise<string[]> {
  const dbs = [...new Set(tables.map((t) => t.source.db))];
  if (!dbs.length) return [];
  const copied = new Set(tables.map((t) => `${t.source.db}\u0000${t.source.table}`));
  const out: string[] = [];
  const triggers = await queryRows<{ s: string; n: string; ts: string; tt: string }>(
    conn,
    'SELECT TRIGGER_SCHEMA AS s, TRIGGER_NAME AS n, EVENT_OBJECT_SCHEMA AS ts, EVENT_OBJECT_TABLE AS tt FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA IN (?) ORDER BY 1, 2',
    [dbs],
  );
  for (const r of triggers) if (copied.has(`${r.ts}\u0000${r.tt}`)) out.push(`trigger ${r.s}.${r.n} (on ${r.ts}.${r.tt}) not created on the PostgreSQL sink: ${NOT_TRANSLATED}`);
  const routines = await queryRows<{ s: string; n: string; t: string }>(
    conn,
    'SELECT ROUTINE_SCHEMA AS s, ROUTINE_NAME AS n, ROUTINE_TYPE AS t FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (?) ORDER BY 1, 3, 2',
    [dbs],
  );
  for (const r of routines) out.push(`${String(r.t).toLowerCase()} ${r.s}.${r.n} not created on the PostgreSQL sink: ${NOT_TRANSLATED}`);
  const events = await queryRows<{ s: string; n: string }>(conn, 'SELECT EVENT_SCHEMA AS s, EVENT_NAME AS n FROM information_schema.EVENTS WHERE EVENT_SCHEMA IN (?) ORDER BY 1, 2', [dbs]);
  for (const r of events) out.push(`event ${r.s}.${r.n} not created on the PostgreSQL sink: ${NOT_TRANSLATED}`);
  return out;
}

/**
 * TRUNCATE of a sink table that foreign keys of other tables reference (a repeated job with
 * "onExisting": "truncate"): PostgreSQL refuses it; the error names those keys and how to proceed.
 */
export async function truncateTable(client: PgClient, ref: TableRef): Promise<void> {
  try {
    await client.query(`TRUNCATE TABLE ${pgTable(ref)}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '0A000') throw e;
    const r = await client.query<{ t: string; c: string }>(
      `SELECT c.conrelid::regclass::text AS t, c.conname AS c FROM pg_constraint c
        WHERE c.contype = 'f' AND c.confrelid = $1::regclass AND c.conrelid <> c.confrelid ORDER BY 1, 2`,
      [pgTable(ref)],
    );
    const drops = r.rows.map((row) => `ALTER TABLE ${row.t} DROP CONSTRAINT ${pgId(row.c)};`);
    throw new CutoverError(
      `The sink table ${pgTable(ref)} cannot be emptied ("onExisting": "truncate"): foreign keys of other tables reference it (${r.rows.map((row) => `${row.t}.${row.c}`).join(', ')}).`,
      `Drop those foreign keys and run again (the job adds the foreign keys among its tables again after the load):\n${drops.join('\n')}\nor empty the tables yourself (TRUNCATE TABLE … listing them all) and run again.`,
    );
  }
}
