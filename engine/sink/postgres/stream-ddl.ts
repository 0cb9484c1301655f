// DDL met by a stream into PostgreSQL. The statement is classified by the MySQL sink's mapper (which
// tables of the selection it touches, after renames and exclusions: engine/mysql/ddl-mapper.ts),
// then translated, when it is one of these, into PostgreSQL with the copy's type rules (types.ts):
//   CREATE TABLE (also … LIKE)            → CREATE TABLE with the source table's columns and primary key
//   DROP TABLE                            → DROP TABLE IF EXISTS
//   TRUNCATE                              → TRUNCATE
//   ALTER TABLE … ADD [COLUMN] c def      → ADD COLUMN c <type> [NOT NULL] [DEFAULT literal]
//   ALTER TABLE … DROP [COLUMN] c         → DROP COLUMN c (not a key column)
//   ALTER TABLE … RENAME COLUMN a TO b    → RENAME COLUMN a TO b
// (several of the ALTER clauses in one statement, ALGORITHM= and LOCK= ignored). Anything else that
// touches a table of the job pauses the job naming the statement, why, and the fix (DDL_PAUSED).
//
// PostgreSQL DDL is transactional: the translated statements, the schema history's new definitions and
// the checkpoint past the statement commit together (PgChangeSink.inCheckpointTransaction), so a crash
// leaves either all of it or none, and the replay applies it once. The new definitions are the source's
// current ones (read now), narrowed to the columns the sink table has after the statement; a column the
// statement adds must still be on the source with the type the statement gives, else the job pauses.
import type { StreamDdlContext } from '../stream-target.js';
import { ddlActionForStatement } from '../../../shared/ddl-policy.js';
import type { JobConfig } from '../../../shared/job-config.js';
import { formatPosition } from '../../core/position.js';
import { qualified, sinkName, type TableRef } from '../../../shared/table-selection.js';
import { applierTable } from '../../core/checkpoint.js';
import { oneLine, pause } from '../../core/ddl-pause.js';
import type { DdlEvent } from '../../core/changes.js';
import type { ColumnInfo, TableInfo } from '../../core/tables.js';
import { mapDdl, tokenize, type DdlTarget, type Tok } from '../../mysql/ddl-mapper.js';
import type { PgChangeSink } from './change-sink.js';
import { isStatementError } from './change-sink.js';
import { pgId as pgIdent } from './connection.js';
import { planTable } from './ddl.js';
import { enumLabels } from '../../mysql/enum-labels.js';
import { translateAlter, type AlterClause } from './ddl-alter.js';

/** SQLSTATEs of a statement the sink already has (the copy read the table after it): duplicate/undefined column or table. */
const ALREADY_APPLIED = new Set(['42701', '42703', '42P07', '42P01']);

class Unmappable extends Error {}

/** What handling a statement needs from the stream (the pipeline's PgDdlContext provides it). */
export type PgDdlContext = StreamDdlContext;

export async function handlePgDdl(ctx: PgDdlContext, ev: DdlEvent, sink: PgChangeSink, reconciling: boolean): Promise<void> {
  const at = formatPosition(ev.end);
  const action = mapDdl(ev.sql, ev.db, ctx.cfg);
  if (action.kind === 'ignore') {
    await sink.inCheckpointTransaction(ev.end, ev.gtid, async () => undefined);
    return;
  }
  const names = action.targets.flatMap((t) => [t.source, ...(t.renamedTo ? [t.renamedTo] : [])]).map((r) => qualified(r));
  const policy = ctx.skipAt === at ? 'skip' : ddlActionForStatement(ctx.cfg.ddl, names);
  if (policy === 'skip') {
    if (ctx.skipAt === at) ctx.log.warn(`skipped on request (--skip-ddl) the statement at ${at}: ${oneLine(ev.sql)}`);
    else ctx.log.warn(`skipped (DDL policy "skip" for ${names.join(', ')}) the statement at ${at}: ${oneLine(ev.sql)}`);
    // The sink keeps its tables as they are (or as the operator changed them by hand): the definitions follow the sink's columns.
    const changed = action.targets.filter((t) => t.change !== 'drop').map((t) => t.renamedTo ?? t.source);
    await sink.inCheckpointTransaction(ev.end, ev.gtid, async () => {
      for (const ref of changed) await refresh(ctx, ev, sink, ref);
    });
    ctx.store.setJob(ctx.jobId, { pending_ddl: null });
    return;
  }
  if (policy === 'pause-job') throw pause(ctx, ev, `the job's DDL policy is "pause-job" for ${names.join(', ')}`);
  if (policy === 'pause-table') throw pause(ctx, ev, `the DDL policy "pause-table" is not available with a PostgreSQL sink (held changes need a MySQL or MariaDB sink); the whole job pauses instead`);
  if (action.kind === 'unmappable') throw pause(ctx, ev, action.reason);
  let plan: Translation;
  try {
    plan = await translate(ctx, ev, action.targets, sink);
  } catch (e) {
    if (e instanceof Unmappable) throw pause(ctx, ev, `${e.message} (PostgreSQL sink)`);
    throw e;
  }
  try {
    await sink.inCheckpointTransaction(ev.end, ev.gtid, async () => {
      for (const sql of plan.statements) {
        if (!reconciling) {
          await sink.client.query(sql);
          continue;
        }
        // Between the copy's start and end the copied table may already have this change.
        await sink.client.query('SAVEPOINT cutover_ddl');
        try {
          await sink.client.query(sql);
        } catch (e) {
          if (!isStatementError(e) || !ALREADY_APPLIED.has(String(e.code))) throw e;
          await sink.client.query('ROLLBACK TO SAVEPOINT cutover_ddl');
          ctx.log.info(`DDL already on the sink at ${at}: ${oneLine(sql)}`);
        }
      }
      for (const ref of plan.dropped) {
        ctx.streams.recordSchema(ctx.jobId, { source: ref, from: ev.end, ddl: ev.sql, info: null });
      }
      for (const ref of plan.changed) await refresh(ctx, ev, sink, ref);
      for (const { ref, info } of plan.next) record(ctx, ev, sink, ref, info);
    });
  } catch (e) {
    if (!isStatementError(e)) throw e;
    throw pause(ctx, ev, `the sink refused it: ${e.message}\n  mapped statement(s): ${plan.statements.map(oneLine).join('; ')}`);
  }
  for (const ref of plan.dropped) {
    sink.dropTable(qualified(ref));
    const id = ctx.tableIds.get(qualified(ref));
    if (id !== undefined) ctx.store.setTable(id, { state: 'dropped' });
    ctx.tableIds.delete(qualified(ref));
  }
  ctx.log.info(`applied DDL at ${at}: ${plan.statements.map(oneLine).join('; ')}`);
  ctx.store.setJob(ctx.jobId, { pending_ddl: null });
}

export interface Translation {
  statements: string[];
  /** Tables whose new definition is read back (the source's, narrowed to the sink's columns): CREATE TABLE. */
  changed: TableRef[];
  /** Tables whose new definition follows from the statement (ALTER). */
  next: { ref: TableRef; info: TableInfo }[];
  dropped: TableRef[];
}

const target = (cfg: JobConfig, ref: TableRef): string => {
  const s = sinkName(cfg, ref);
  return `${pgIdent(s.db)}.${pgIdent(s.table)}`;
};

/** What translating a statement needs: the job's names, a log, and the tables' definitions at the statement (CREATE). */
export type TranslateContext = Pick<PgDdlContext, 'cfg' | 'log' | 'readSourceTable'>;

const sourceTable = (ctx: TranslateContext, ref: TableRef): Promise<TableInfo | null> => ctx.readSourceTable(ref);

/**
 * A statement's PostgreSQL statements and the definitions that follow from it; an Unmappable error (exported
 * as a plain Error with `unmappable: true`) for what does not map.
 */
export async function translateStatement(ctx: TranslateContext, ev: Pick<DdlEvent, 'sql'>, targets: DdlTarget[], sink: PgChangeSink): Promise<Translation> {
  return translate(ctx, ev, targets, sink);
}

/** Whether an error of translateStatement is a statement that does not map (its message says why). */
export const isUnmappable = (e: unknown): e is Error => e instanceof Unmappable;

async function translate(ctx: TranslateContext, ev: Pick<DdlEvent, 'sql'>, targets: DdlTarget[], sink: PgChangeSink): Promise<Translation> {
  const out: Translation = { statements: [], changed: [], next: [], dropped: [] };
  for (const t of targets) {
    const ref = t.source;
    if (t.change === 'drop') {
      out.statements.push(`DROP TABLE IF EXISTS ${target(ctx.cfg, ref)}`);
      out.dropped.push(ref);
    } else if (t.change === 'truncate') {
      out.statements.push(`TRUNCATE ${target(ctx.cfg, ref)}`);
    } else if (t.change === 'create') {
      const info = await sourceTable(ctx, ref);
      if (!info) throw new Unmappable(`${qualified(ref)} no longer exists on the source, so its definition at this statement cannot be read: create it on the sink by hand`);
      const named = createdColumns(tokenize(ev.sql));
      const now = info.columns.map((c) => c.name.toLowerCase());
      if (named && (named.length !== now.length || named.some((n, i) => n.toLowerCase() !== now[i])))
        throw new Unmappable(`${qualified(ref)} has changed on the source since this statement (columns now: ${info.columns.map((c) => c.name).join(', ')}): create it on the sink by hand`);
      const travelling = applierTable(ctx.cfg, info).info;
      const columns = travelling.columns.filter((c) => !c.generated);
      const keyColumns = info.chunkKey.map((k) => columns.find((c) => c.name === k)).filter((c): c is ColumnInfo => c !== undefined);
      // The copy's own table plan (ddl.ts): types, defaults, identity, keys, indexes, as a copied table gets them.
      const table = planTable({ stateId: 0, source: info, sink: sinkName(ctx.cfg, ref), columns, keyColumns }, sink.typeOptions);
      for (const w of table.warnings) ctx.log.warn(w, qualified(ref));
      out.statements.push(...table.create, ...table.deferred);
      out.changed.push(ref);
    } else if (t.change === 'alter') {
      const old = sink.table(qualified(ref))?.info;
      if (!old) throw new Unmappable(`${qualified(ref)} has no definition in the stream's schema history`);
      const charset = /DEFAULT CHARSET=(\w+)/.exec(old.createSql)?.[1] ?? 'utf8mb4';
      const clauses = translateAlter(tokenize(ev.sql), ev.sql, charset);
      if (typeof clauses === 'string') throw new Unmappable(clauses);
      let next: TableInfo = old;
      for (const c of clauses) {
        const step = clauseSql(ctx, ref, c, next, sink);
        out.statements.push(`ALTER TABLE ${target(ctx.cfg, ref)} ${step.sql}`);
        next = step.next;
      }
      out.next.push({ ref, info: next });
    } else {
      throw new Unmappable(`${t.change === 'rename' ? 'renaming a table' : 'index changes'} ${t.change === 'rename' ? 'is' : 'are'} not mapped to PostgreSQL: apply the equivalent statement on the sink by hand`);
    }
  }
  return out;
}

/** One ALTER clause in PostgreSQL, and the table's definition after it (from the one before: the source may be further on). */
function clauseSql(ctx: TranslateContext, ref: TableRef, c: AlterClause, before: TableInfo, sink: PgChangeSink): { sql: string; next: TableInfo } {
  const key = before.chunkKey.map((k) => k.toLowerCase());
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  if (c.kind === 'drop') {
    if (key.includes(c.column.toLowerCase())) throw new Unmappable(`the statement drops ${c.column}, a column of the key the stream applies changes by`);
    return {
      sql: `DROP COLUMN ${c.ifExists ? 'IF EXISTS ' : ''}${pgIdent(pgName(before, c.column))}`,
      next: { ...before, columns: before.columns.filter((x) => !same(x.name, c.column)) },
    };
  }
  if (c.kind === 'rename') {
    if (key.includes(c.column.toLowerCase())) throw new Unmappable(`the statement renames ${c.column}, a column of the key the stream applies changes by`);
    return {
      sql: `RENAME COLUMN ${pgIdent(pgName(before, c.column))} TO ${pgIdent(c.to)}`,
      next: { ...before, columns: before.columns.map((x) => (same(x.name, c.column) ? { ...x, name: c.to } : x)) },
    };
  }
  const col = c.info;
  if (c.position) ctx.log.info(`the column ${col.name} is added at the end of the PostgreSQL table (PostgreSQL has no ${c.position}); values go by name`, qualified(ref));
  const type = sink.columnType(ref, col);
  let def = '';
  if (c.default !== undefined) def = c.default === null ? '' : ` DEFAULT ${pgLiteral(c.default)}`;
  else if (c.notNull) {
    // MySQL fills the existing rows of a NOT NULL column without a DEFAULT with the type's implicit default.
    const implicit = implicitDefault(col);
    if (implicit === null) throw new Unmappable(`the NOT NULL column ${col.name} has no DEFAULT, and the value MySQL gave the existing rows is not known for ${col.columnType}`);
    def = ` DEFAULT ${pgLiteral(implicit)}`;
  }
  const check = col.dataType === 'enum' ? ` CHECK (${pgIdent(col.name)} IN (${[...new Set([...enumLabels(col.columnType), ''])].map(pgLiteral).join(', ')}))` : '';
  const exists = before.columns.some((x) => same(x.name, col.name));
  return {
    sql: `ADD COLUMN ${c.ifNotExists ? 'IF NOT EXISTS ' : ''}${pgIdent(col.name)} ${type}${c.notNull ? ' NOT NULL' : ''}${def}${check}`,
    next: exists ? before : { ...before, columns: [...before.columns, col] },
  };
}

/** The sink's spelling of a column (names keep the source's case; MySQL compares them case-insensitively). */
function pgName(info: TableInfo | null, name: string): string {
  return info?.columns.find((c) => c.name.toLowerCase() === name.toLowerCase())?.name ?? name;
}

function implicitDefault(c: ColumnInfo): string | null {
  if (['tinyint', 'smallint', 'mediumint', 'int', 'bigint', 'decimal', 'float', 'double', 'year'].includes(c.dataType)) return '0';
  if (['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext'].includes(c.dataType)) return '';
  return null;
}

const pgLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** Column names of a CREATE TABLE's column list, in order; null when the statement has none (… LIKE). */
function createdColumns(toks: Tok[]): string[] | null {
  const open = toks.findIndex((t) => t.t === 'p' && t.v === '(');
  if (open < 0 || toks.some((t, i) => i < open && t.t === 'w' && t.v.toUpperCase() === 'LIKE')) return null;
  if (toks[open + 1]?.t === 'w' && toks[open + 1]!.v.toUpperCase() === 'LIKE') return null;
  const names: string[] = [];
  let depth = 0;
  let first = true;
  for (let i = open + 1; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t === 'p' && t.v === '(') depth++;
    else if (t.t === 'p' && t.v === ')') {
      if (depth-- === 0) break;
    } else if (depth === 0 && t.t === 'p' && t.v === ',') first = true;
    else if (first && depth === 0) {
      first = false;
      const w = t.v.toUpperCase();
      if (t.t === 'q' || !['PRIMARY', 'UNIQUE', 'KEY', 'INDEX', 'CONSTRAINT', 'FOREIGN', 'CHECK', 'FULLTEXT', 'SPATIAL', 'PERIOD'].includes(w)) names.push(t.v);
    }
  }
  return names;
}

/**
 * Records the definition a table has from this statement on: the source's current one, narrowed to the
 * columns the sink table has (after the statement), with the job's exclusions; nothing when the sink has no such table.
 */
async function refresh(ctx: PgDdlContext, ev: DdlEvent, sink: PgChangeSink, ref: TableRef): Promise<void> {
  const s = sinkName(ctx.cfg, ref);
  const r = await sink.client.query<{ c: string }>('SELECT column_name::text AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [s.db, s.table]);
  if (!r.rows.length) return;
  const have = new Set(r.rows.map((x) => x.c));
  const src = await sourceTable(ctx, ref);
  if (!src) return;
  record(ctx, ev, sink, ref, { ...src, columns: src.columns.filter((c) => have.has(c.name)) });
}

/** Makes `info` the table's definition from this statement on: the change sink's, the state file's and the schema history's. */
function record(ctx: PgDdlContext, ev: DdlEvent, sink: PgChangeSink, ref: TableRef, info: TableInfo): void {
  const s = sinkName(ctx.cfg, ref);
  const t = applierTable(ctx.cfg, info);
  sink.setTable(qualified(ref), t);
  const row = ctx.store.ensureTable(ctx.jobId, ref, s);
  if (!ctx.tableIds.has(qualified(ref))) ctx.store.setTable(row.id, { state: row.state === 'done' ? 'done' : 'streaming', key_columns: JSON.stringify(info.chunkKey) });
  ctx.tableIds.set(qualified(ref), row.id);
  ctx.streams.recordSchema(ctx.jobId, { source: ref, from: ev.end, ddl: ev.sql, info });
}
