// The objects the copy holds back: triggers (they would fire on copied and streamed rows and change them
// a second time), stored procedures and functions, and events (they would run on the sink as well as on
// the source). The cutover assistant creates them on the sink once the source is quiet and the sink has
// caught up, each with the SQL mode and character set it was created with on the source, without
// DEFINER, under the job's renames; and its undo drops exactly the ones it created.
import type { DeferredObject } from '../../shared/cutover.js';
import type { JobConfig } from '../../shared/job-config.js';
import { isSelected, sinkDatabase, sinkName, type TableRef } from '../../shared/table-selection.js';
import { queryRows, type Connection } from '../mysql/connection.js';
import { loadSource, sessionOver } from '../source/registry.js';
import { rewriteStoredObject, type StoredObjectKind } from '../mysql/ddl-rewrite.js';
import { quoteId, quoteTable } from '../mysql/identifiers.js';

export interface DeferredSpec extends DeferredObject {
  /** The statement for the sink. */
  sql: string;
  /** The session settings the object was created with on the source. */
  sqlMode: string;
  charsetClient: string;
  collationConnection: string;
}

const SHOW: Record<StoredObjectKind, { show: string; column: string }> = {
  trigger: { show: 'TRIGGER', column: 'SQL Original Statement' },
  procedure: { show: 'PROCEDURE', column: 'Create Procedure' },
  function: { show: 'FUNCTION', column: 'Create Function' },
  event: { show: 'EVENT', column: 'Create Event' },
};

/** The triggers of the job's tables and the routines and events of its databases, ready for the sink. */
export async function listDeferred(src: Connection, cfg: JobConfig): Promise<DeferredSpec[]> {
  const source = sessionOver(await loadSource(cfg), src);
  const tables = (await source.listTables()).filter((r) => isSelected(cfg, r));
  const known = new Set([...tables, ...(await source.listViews()).filter((r) => isSelected(cfg, r))].map((r) => `${r.db}\u0000${r.table}`));
  const isKnown = (r: TableRef): boolean => known.has(`${r.db}\u0000${r.table}`);
  const mapTable = (r: TableRef): TableRef => sinkName(cfg, r);
  const dbs = [...new Set(tables.map((t) => t.db))];
  if (!dbs.length) return [];
  const found: { kind: StoredObjectKind; db: string; name: string }[] = [];
  const selectedTables = new Set(tables.map((t) => `${t.db}\u0000${t.table}`));
  for (const r of await queryRows<{ db: string; name: string; tdb: string; tbl: string }>(
    src,
    'SELECT TRIGGER_SCHEMA AS db, TRIGGER_NAME AS name, EVENT_OBJECT_SCHEMA AS tdb, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA IN (?) ORDER BY 1, ACTION_ORDER, 2',
    [dbs],
  )) {
    if (selectedTables.has(`${r.tdb}\u0000${r.tbl}`)) found.push({ kind: 'trigger', db: String(r.db), name: String(r.name) });
  }
  for (const r of await queryRows<{ db: string; name: string; type: string }>(
    src,
    'SELECT ROUTINE_SCHEMA AS db, ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (?) ORDER BY 1, 2',
    [dbs],
  )) {
    const kind = String(r.type).toUpperCase() === 'FUNCTION' ? 'function' : String(r.type).toUpperCase() === 'PROCEDURE' ? 'procedure' : null;
    if (kind) found.push({ kind, db: String(r.db), name: String(r.name) });
  }
  for (const r of await queryRows<{ db: string; name: string }>(src, 'SELECT EVENT_SCHEMA AS db, EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA IN (?) ORDER BY 1, 2', [dbs])) {
    found.push({ kind: 'event', db: String(r.db), name: String(r.name) });
  }

  const out: DeferredSpec[] = [];
  for (const o of found) {
    const [row] = await queryRows<Record<string, string>>(src, `SHOW CREATE ${SHOW[o.kind].show} ${quoteTable({ db: o.db, table: o.name })}`);
    const sinkDb = sinkDatabase(cfg, o.db);
    const base = { kind: o.kind, name: `${o.db}.${o.name}`, sinkName: `${sinkDb}.${o.name}`, state: 'pending' as const, error: null };
    const create = row?.[SHOW[o.kind].column];
    if (!create) {
      out.push({ ...base, state: 'failed', error: `SHOW CREATE ${SHOW[o.kind].show} returned no statement: the account needs the right to see it (SHOW_ROUTINE, TRIGGER or EVENT).`, sql: '', sqlMode: '', charsetClient: 'utf8mb4', collationConnection: 'utf8mb4_general_ci' });
      continue;
    }
    let sql: string;
    try {
      sql = rewriteStoredObject(String(create), o.kind, { db: o.db, table: o.name }, sinkDb, mapTable, isKnown);
    } catch (e) {
      out.push({ ...base, state: 'failed', error: (e as Error).message, sql: String(create), sqlMode: '', charsetClient: 'utf8mb4', collationConnection: 'utf8mb4_general_ci' });
      continue;
    }
    out.push({
      ...base,
      sql,
      sqlMode: String(row['sql_mode'] ?? ''),
      charsetClient: String(row['character_set_client'] ?? 'utf8mb4'),
      collationConnection: String(row['collation_connection'] ?? 'utf8mb4_general_ci'),
    });
  }
  return out;
}

/** Creates one object on the sink with its own session settings; an object that exists is left alone ('exists'). */
export async function createDeferred(sink: Connection, o: DeferredSpec): Promise<DeferredObject> {
  const { sql: _sql, sqlMode: _m, charsetClient: _c, collationConnection: _k, ...obj } = o;
  if (o.state === 'failed') return obj;
  const [db, name] = splitName(o.sinkName);
  if (await exists(sink, o.kind, db, name)) return { ...obj, state: 'exists', error: null };
  try {
    await sink.query('SET SESSION sql_mode = ?, character_set_client = ?, collation_connection = ?', [o.sqlMode, o.charsetClient, o.collationConnection]);
    await sink.query(`USE ${quoteId(db)}`);
    await sink.query(o.sql);
    return { ...obj, state: 'created', error: null };
  } catch (e) {
    const err = e as { sqlMessage?: string; message?: string };
    return { ...obj, state: 'failed', error: err.sqlMessage ?? err.message ?? String(e) };
  }
}

/** Drops an object this assistant created (undo). */
export async function dropDeferred(sink: Connection, o: DeferredObject): Promise<DeferredObject> {
  const [db, name] = splitName(o.sinkName);
  try {
    await sink.query(`DROP ${SHOW[o.kind].show} IF EXISTS ${quoteTable({ db, table: name })}`);
    return { ...o, state: 'dropped', error: null };
  } catch (e) {
    const err = e as { sqlMessage?: string; message?: string };
    return { ...o, error: err.sqlMessage ?? err.message ?? String(e) };
  }
}

async function exists(sink: Connection, kind: StoredObjectKind, db: string, name: string): Promise<boolean> {
  const q =
    kind === 'trigger'
      ? 'SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME = ?'
      : kind === 'event'
        ? 'SELECT 1 FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?'
        : `SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME = ? AND ROUTINE_TYPE = '${kind.toUpperCase()}'`;
  return (await queryRows(sink, q, [db, name])).length > 0;
}

function splitName(qualifiedName: string): [string, string] {
  const dot = qualifiedName.indexOf('.');
  return [qualifiedName.slice(0, dot), qualifiedName.slice(dot + 1)];
}
