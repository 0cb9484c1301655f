// Repair on a PostgreSQL sink: copies again only the rows a verification found different — or, for a
// table without a key, the whole table — while the stream may keep running. The same protocol as the
// MySQL sink's repair (engine/sink/mysql/repair.ts), with PostgreSQL's statements:
//
// ONE PostgreSQL transaction first locks the job's checkpoint row (FOR UPDATE; every stream batch locks
// it first, so the stream waits until the repair commits). With the row held at the stream's position Q,
// a consistent snapshot is opened on the source at position R; each reported key's row is read from it,
// the key is deleted on the sink and the source row (if any) written back as the stream's reconcile mode
// writes a row image (change-plan.ts: the rows holding its key or one of its unique values give way); R
// is stored as the checkpoint's reconcile_until; COMMIT. The stream then replays Q..R in reconcile mode,
// which leaves every repaired row at its state at R, and goes on strictly. Without a stream ("mode":
// "snapshot") the rows are inserted strictly: a collision on another unique key fails the repair
// instead of removing a row.
//
// Keys, as the verification names them (RowMismatch.hex): a row the source held is named by its key as
// the source reads it, and looked up on the source by that key; a row only the sink held is named by its
// key columns as PostgreSQL prints them, deleted by them, and the source row with the same canonical key
// (the verifier's key hash; this needs a scan of the source table) written back if one exists now.
//
// A table without a key is emptied and copied again in the same transaction, only while the job does not
// run (keylessRefusal); R becomes its snapshot_position in the state file, so the resumed stream skips its
// changes up to R.
import { CutoverError } from '../../../shared/errors.js';
import type { VerifyTableResult } from '../../../shared/verify.js';
import type { RowChange } from '../../core/changes.js';
import type { RawRow, RawValue } from '../../core/rows.js';
import type { ColumnInfo, CopyTable } from '../../core/tables.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import { keyRenderer, selectExpr, valueKind } from '../../mysql/values.js';
import type { SourceSession } from '../../source/driver.js';
import { keyId, keyOfMismatch } from '../../compare/row-diff.js';
import { sourceSql } from '../../compare/sink-verifier.js';
import { keylessRefusal, repairCommitted, type RepairDone, type RepairOptions, type RepairTarget } from '../../compare/repair-contract.js';
import { mysqlRowHash, pgRowHash } from './canonical.js';
import { changeStatements, planPgTable, type Encode, type PgStatement, type PgTablePlan } from './change-plan.js';
import { asTransient, inlineParams, openStreamClient, sinkIndexes } from './change-sink.js';
import { charsetReady, loadSourceCharsets } from './charsets.js';
import { PG_CHECKPOINT, ensurePgCheckpointTable, readPgCheckpoint } from './checkpoint.js';
import { postgresSinkOf, type PgClient } from './connection.js';
import { advanceRefused, advanceStatements, identityMaxima, sinkIdentities } from './identity.js';
import { pgTextEncoder } from './values.js';
import { postgisInstalled, sinkGeometryColumns } from './postgis.js';
import { PostgresTableCheck } from './verifier.js';
import type { UnholdablePolicy } from './types.js';

/** Keys per statement (source SELECT, sink DELETE). */
const KEYS_PER_STATEMENT = 200;
/** Rows per INSERT of a keyless table copied again. */
const ROWS_PER_INSERT = 500;

interface Ctx {
  /** The source's own SQL on the session the snapshot is open on, and that session. */
  source: (sql: string) => Promise<RawRow[]>;
  session: SourceSession;
  pg: PgClient;
  policy: UnholdablePolicy;
  /** The stream's checkpoint is held: rows are written as the reconcile mode writes them. */
  reconcile: boolean;
}

/** Copies the targets' differing rows (keyless tables: the whole table) again; see the header. */
export async function repairPostgres(o: RepairOptions): Promise<RepairDone> {
  const refusal = keylessRefusal(o.targets, o.running);
  if (refusal) throw refusal;
  const streams = o.cfg.mode !== 'snapshot';
  const sink = postgresSinkOf(o.cfg, 'Repair');
  const pg = await openStreamClient(sink.url).catch((e) => Promise.reject(asTransient(e)));
  let session: SourceSession | null = null;
  try {
    session = await o.openSource();
    const source = sourceSql(session, 'PostgreSQL repair');
    const needed = new Set(o.targets.flatMap((t) => t.table.columns.map((c) => c.charset)).filter((cs): cs is string => !charsetReady(cs)));
    if (needed.size) await loadSourceCharsets(source, needed);
    if (streams) await ensurePgCheckpointTable(pg);
    await pg.query('BEGIN');
    try {
      const cp = streams ? await readPgCheckpoint(pg, o.cfg.name, true) : null;
      if (streams && !cp)
        throw new CutoverError(
          `The job "${o.cfg.name}" has not started streaming yet (the PostgreSQL sink has no checkpoint for it): a row repaired now would be overwritten by, or conflict with, the changes its stream replays from the copy's start.`,
          'Let the job reach the streaming phase (its handoff reconciles the copied rows), then verify and repair.',
          'STATE',
        );
      const snap = await session.startSnapshot();
      const rows = new Map<string, number>();
      try {
        const ctx: Ctx = { source, session, pg, policy: sink.unholdable, reconcile: cp !== null };
        for (const target of o.targets) {
          const plan = await planFor(pg, target.table, sink.unholdable);
          const n = target.table.keyColumns.length ? await rewriteKeys(ctx, plan, target) : await recopyTable(ctx, plan, target.table);
          rows.set(target.result.table, n);
        }
        if (cp) {
          const until = cp.reconcileUntil && o.positions.compare(cp.reconcileUntil, snap.file) > 0 ? cp.reconcileUntil : snap.file;
          await pg.query(`UPDATE ${PG_CHECKPOINT} SET reconcile_file = $1, reconcile_pos = $2 WHERE job = $3`, [until.file, String(until.pos), o.cfg.name]);
        }
        await pg.query('COMMIT');
      } finally {
        await session.endSnapshot().catch(() => undefined);
      }
      return repairCommitted(o, rows, snap.file, cp?.position ?? null);
    } catch (e) {
      await pg.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await session?.close().catch(() => undefined);
    await pg.end().catch(() => undefined);
  }
}


/** The stream's plan of the table (the sink's unique indexes and identity columns), over the copied columns. */
async function planFor(pg: PgClient, t: RepairTarget['table'], policy: UnholdablePolicy): Promise<PgTablePlan> {
  const info = { ...t.source, columns: t.columns, chunkKey: t.keyColumns.map((c) => c.name) };
  const idx = await sinkIndexes(pg, t.sink.db, t.sink.table, info.chunkKey);
  const identities = await sinkIdentities(pg, t.sink.db, t.sink.table);
  const geometry = (await postgisInstalled(pg)) ? await sinkGeometryColumns(pg, t.sink.db, t.sink.table) : new Map<string, { srid: number }>();
  const table = `${t.sink.db}.${t.sink.table}`;
  return planPgTable({ sink: t.sink, info }, t.sink.db, t.sink.table, idx, (c): Encode => {
    const enc = pgTextEncoder(c, geometry.get(c.name));
    return (raw, key) => enc(raw, { table, key, policy });
  }, identities);
}

const rowChange = (t: RepairTarget['table'], type: 'insert' | 'delete', row: RawRow): RowChange => ({
  db: t.source.db,
  table: t.source.table,
  type,
  before: type === 'delete' ? row : null,
  after: type === 'insert' ? row : null,
  columns: t.columns.map((c) => c.name),
});

/**
 * A key as the verifier read it from the source (keySelectExpr: ENUM and BIT as their numbers) in the
 * form the copy reads the column (selectExpr), which the sink's encoders take.
 */
export function keyAsRead(c: ColumnInfo, v: RawValue): RawValue {
  if (v === null) return null;
  const kind = valueKind(c);
  if (kind === 'enum') {
    const labels = [...c.columnType.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"));
    const label = labels[Number(v) - 1];
    return label === undefined ? v : Buffer.from(label, 'utf8').toString('latin1');
  }
  if (kind === 'bit') {
    const bits = Number(/\((\d+)\)/.exec(c.columnType)?.[1] ?? '1');
    const bytes = Math.ceil(bits / 8);
    let n = BigInt(v);
    const out = Buffer.alloc(bytes);
    for (let i = bytes - 1; i >= 0; i--) {
      out[i] = Number(n & 0xffn);
      n >>= 8n;
    }
    return out.toString('latin1');
  }
  return v;
}

/** Runs statements in the repair's transaction, many to a round trip (values inlined as the stream does). */
async function run(pg: PgClient, statements: PgStatement[]): Promise<void> {
  for (let i = 0; i < statements.length; i += 100) {
    const group = statements.slice(i, i + 100);
    await pg.query(group.map(inlineParams).join(';\n'));
  }
}

/** Moves the identity sequences past the values the repair wrote (the stream does the same per batch). */
async function advanceIdentities(pg: PgClient, plan: PgTablePlan, inserts: RowChange[]): Promise<void> {
  const statements = advanceStatements(identityMaxima(inserts, () => plan));
  if (!statements.length) return;
  try {
    await pg.query(statements.map((s) => s.sql).join(';\n'));
  } catch (e) {
    throw advanceRefused(statements, e as Error & { code?: string });
  }
}

/** Deletes the reported keys on the sink and writes the source rows of those keys (those that exist) back. */
async function rewriteKeys(ctx: Ctx, plan: PgTablePlan, target: RepairTarget): Promise<number> {
  const t = target.table;
  const { sourceKeys, sinkKeys } = reportedKeys(target.result, t.keyColumns.length);
  const cols = t.columns.map(selectExpr).join(', ');
  const filter = t.where ? `(${t.where}) AND ` : '';
  const found: RawRow[] = [];
  const gone: RawRow[] = [];
  const keyAt = plan.keyAt;

  // Rows the source held: read by their key (the server compares, as the verifier's lookup does).
  for (let i = 0; i < sourceKeys.length; i += KEYS_PER_STATEMENT) {
    // The server compares the keys (ENUM and BIT keys as the numbers the verifier read).
    const rawKeys = sourceKeys.slice(i, i + KEYS_PER_STATEMENT);
    const conds = rawKeys.map((k) => `(${t.keyColumns.map((c, j) => `${quoteId(c.name)} = ${keyRenderer(c)(k[j] ?? null)}`).join(' AND ')})`);
    const batch = rawKeys.map((k) => t.keyColumns.map((c, j) => keyAsRead(c, k[j] ?? null)));
    const rows = await ctx.source(`SELECT ${cols} FROM ${quoteTable(t.source)} WHERE ${filter}(${conds.join(' OR ')})`);
    found.push(...rows);
    const held = new Set(rows.map((r) => keyId(keyAt.map((at) => r[at] ?? null))));
    for (const k of batch) if (!held.has(keyId(k))) gone.push(keyRowOf(plan, k));
  }

  // Rows only the sink held: deleted by their key text; a source row of the same canonical key is written back.
  if (sinkKeys.length) {
    const check = new PostgresTableCheck(ctx.source, ctx.pg, ctx.policy);
    const p = await check.plan(t, Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < sinkKeys.length; i += KEYS_PER_STATEMENT) {
      const batch = sinkKeys.slice(i, i + KEYS_PER_STATEMENT);
      const params: (string | null)[] = [];
      const where = batch.map((k) => `(${t.keyColumns.map((c, j) => (k[j] === null ? `${pgCol(c)} IS NULL` : `${pgCol(c)} = $${params.push(k[j]!)}`)).join(' AND ')})`).join(' OR ');
      const hashes = (await ctx.pg.query<{ h: string }>(`SELECT ${pgRowHash(p.keyRules)} AS h FROM ${plan.target} WHERE ${where}`, params)).rows.map((r) => r.h);
      await ctx.pg.query(`DELETE FROM ${plan.target} WHERE ${where}`, params);
      if (hashes.length) {
        const list = hashes.filter((h) => /^[0-9a-f]{32}$/.test(h)).map((h) => `'${h}'`).join(', ');
        found.push(...(await ctx.source(`SELECT ${cols} FROM ${quoteTable(t.source)} WHERE ${filter}${mysqlRowHash(p.keyRules)} IN (${list})`)));
      }
    }
  }

  // Each key deleted (whether or not the sink holds it), then the source rows written (each once).
  const unique = new Map(found.map((r) => [keyId(keyAt.map((at) => r[at] ?? null)), r]));
  found.splice(0, found.length, ...unique.values());
  const mode = ctx.reconcile ? 'reconcile' : 'strict';
  const deletes = [...found, ...gone].flatMap((r) => changeStatements(plan, rowChange(t, 'delete', r), 'reconcile'));
  await run(ctx.pg, deletes);
  const inserts = found.map((r) => rowChange(t, 'insert', r));
  await run(ctx.pg, inserts.flatMap((c) => changeStatements(plan, c, mode)));
  await advanceIdentities(ctx.pg, plan, inserts);
  return sourceKeys.length + sinkKeys.length;
}

const pgCol = (c: ColumnInfo): string => `"${c.name.replace(/"/g, '""')}"`;

/** A row image holding only the key (a delete by key reads nothing else). */
function keyRowOf(plan: PgTablePlan, key: RawValue[]): RawRow {
  const row: RawRow = plan.writeCols.map(() => null);
  plan.keyAt.forEach((at, j) => (row[at] = key[j] ?? null));
  return row;
}

/** The reported keys: as the source reads them (a row it held), or as the sink prints them (a row only the sink held). */
function reportedKeys(result: VerifyTableResult, width: number): { sourceKeys: RawValue[][]; sinkKeys: (string | null)[][] } {
  const sourceKeys = new Map<string, RawValue[]>();
  const sinkKeys = new Map<string, (string | null)[]>();
  for (const m of result.mismatches) {
    const key = keyOfMismatch(m);
    if (key.length !== width) continue;
    if (m.kind === 'extra') {
      const text = m.hex.map((h) => (h === null ? null : Buffer.from(h, 'hex').toString('utf8')));
      sinkKeys.set(keyId(text), text);
    } else sourceKeys.set(keyId(key), key);
  }
  return { sourceKeys: [...sourceKeys.values()], sinkKeys: [...sinkKeys.values()] };
}

/** Empties the sink table and copies every source row (that passes the row filter) again. */
async function recopyTable(ctx: Ctx, plan: PgTablePlan, t: RepairTarget['table']): Promise<number> {
  await ctx.pg.query(`DELETE FROM ${plan.target}`);
  const copy: CopyTable = { ...t, stateId: -1 };
  let rows = 0;
  let batch: RowChange[] = [];
  const flush = async (): Promise<void> => {
    if (!batch.length) return;
    await insertRows(ctx.pg, plan, batch);
    await advanceIdentities(ctx.pg, plan, batch);
    batch = [];
  };
  await ctx.session.readChunk(copy, null, null, async (row) => {
    batch.push(rowChange(t, 'insert', row));
    rows++;
    if (batch.length >= ROWS_PER_INSERT) await flush();
  });
  await flush();
  return rows;
}

/** One multi-row INSERT of these row images. */
async function insertRows(pg: PgClient, plan: PgTablePlan, changes: RowChange[]): Promise<void> {
  const params: (string | null)[] = [];
  const tuples = changes.map((c) => {
    const row = c.after!;
    const text = () => `${plan.source} (a row without a key)`;
    return `(${plan.encode.map((enc, i) => `$${params.push(enc(row[i] ?? null, text))}`).join(', ')})`;
  });
  await pg.query(`INSERT INTO ${plan.target} ${plan.columnsClause} VALUES ${tuples.join(', ')}`, params);
}
