// Repair on a MySQL/MariaDB sink: copies again only the rows a verification found different — or, for a
// table without a key, the whole table — while the stream may keep running.
//
// Everything happens in ONE sink transaction that first locks this job's checkpoint row (FOR UPDATE):
// the stream locks that row first in every batch, so it waits (and retries lock waits) until the repair
// commits. With the row locked at the stream's position Q, a consistent snapshot is opened on the source
// (MariaDB reports its exact binlog position R; MySQL the position read right after it starts, never
// earlier than the snapshot); the rows of the reported keys are read from it as the copy reads them, each
// key is deleted on the sink and the source row (if any) written back as the stream's reconcile mode
// writes it (change-statements.ts: REPLACE, so a row still holding one of its unique values "from the
// future" gives way; that row's own change before R puts it back); R is stored as the checkpoint's
// reconcile_until; COMMIT. The stream then replays Q..R in reconcile mode (change-applier.ts
// effectiveMode), which leaves every repaired row at its state at R, by the copy handoff's argument
// (README "Handoff"), and goes on strictly. Without a stream the rows go through the copy's own writer
// (same rendering; a collision on another unique key fails the repair instead of removing a row).
//
// A table without a key cannot be repaired row by row while the stream runs (replaying an insert is not
// idempotent): with the job stopped, the table is emptied and copied again in the same transaction, and R
// becomes its snapshot_position in the state file, so the resumed stream skips its changes up to R.
// A job without a checkpoint row ("mode": "snapshot") just gets its rows rewritten.
import { CutoverError } from '../../../shared/errors.js';
import { mysqlSinkUrl, type JobConfig } from '../../../shared/job-config.js';
import type { VerifyTableResult } from '../../../shared/verify.js';
import type { Logger } from '../../core/logger.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../../mysql/connection.js';
import type { SourceSession } from '../../source/driver.js';
import { ensureCheckpointTable, readCheckpointRow, reconcileUntilUpdate } from './change-applier.js';
import { changeStatements, planTable, whereKeyRenderer } from './change-statements.js';
import { MysqlWriter } from './mysql-writer.js';
import { SINK_SESSION } from './session.js';
import type { SinkBatch } from '../sink.js';
import type { CopyTable } from '../../core/tables.js';
import type { RawRow, RawValue } from '../../core/rows.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import type { StateStore } from '../../state/store.js';
import type { VerifyTable } from '../../compare/chunk-checksum.js';
import { keyId, keyOfMismatch } from '../../compare/row-diff.js';
import { keylessRefusal, repairCommitted, type RepairDone, type RepairOptions, type RepairTarget } from '../../compare/repair-contract.js';

/** Keys per DELETE / SELECT statement. */
const KEYS_PER_STATEMENT = 200;
/** Bytes of rendered rows per INSERT statement. */
const STATEMENT_BYTES = 1 << 20;

/** Copies the targets' differing rows (keyless tables: the whole table) again; see the header. */
export async function repairMysql(o: RepairOptions): Promise<RepairDone> {
  const refusal = keylessRefusal(o.targets, o.running);
  if (refusal) throw refusal;
  const streams = o.cfg.mode !== 'snapshot';
  const sink = await connect(parseMysqlUrl(mysqlSinkUrl(o.cfg, 'Repair')), SINK_SESSION);
  let source: SourceSession | null = null;
  try {
    source = await o.openSource();
    const [v] = await queryRows<{ v: string }>(sink, 'SELECT VERSION() AS v');
    const writer = new MysqlWriter(sink, /mariadb/i.test(String(v?.v)) ? 'mariadb' : 'mysql', STATEMENT_BYTES, 'insert');
    if (streams) await ensureCheckpointTable(sink);
    await sink.query('BEGIN');
    try {
      const cp = streams ? await readCheckpointRow(sink, o.cfg.name, true) : null;
      if (streams && !cp)
        throw new CutoverError(
          `The job "${o.cfg.name}" has not started streaming yet (the sink has no checkpoint for it): a row repaired now would be overwritten by, or conflict with, the changes its stream replays from the copy's start.`,
          'Let the job reach the streaming phase (its handoff reconciles the copied rows), then verify and repair.',
          'STATE',
        );
      const snap = await source.startSnapshot();
      const rows = new Map<string, number>();
      try {
        for (const [i, target] of o.targets.entries()) {
          const t: CopyTable = { ...target.table, stateId: -1 - i };
          const write = cp ? (rows: RawRow[]) => replaceRows(sink, t, rows) : (rows: RawRow[]) => writeRows(writer, t, rows);
          const n = t.keyColumns.length ? await rewriteKeys(source, sink, write, t, target.result) : await recopyTable(source, sink, writer, t);
          rows.set(target.result.table, n);
        }
        if (cp) {
          const until = cp.reconcileUntil && o.positions.compare(cp.reconcileUntil, snap.file) > 0 ? cp.reconcileUntil : snap.file;
          const u = reconcileUntilUpdate(o.cfg.name, until);
          await sink.query(u.sql, u.params);
        }
        await sink.query('COMMIT');
      } finally {
        await source.endSnapshot().catch(() => undefined);
      }
      return repairCommitted(o, rows, snap.file, cp?.position ?? null);
    } catch (e) {
      await sink.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  } finally {
    await source?.close().catch(() => undefined);
    await sink.end().catch(() => undefined);
  }
}


/** `key = …` for one key, compared as the stream compares keys (charset/collation-aware literals). */
function keyEquals(t: CopyTable, key: RawValue[]): string {
  return t.keyColumns.map((c, i) => `${quoteId(c.name)} = ${whereKeyRenderer(c)(key[i] ?? null)}`).join(' AND ');
}

/** Deletes the reported keys on the sink and writes their source rows (those that exist) back. */
async function rewriteKeys(source: SourceSession, sink: Connection, write: (rows: RawRow[]) => Promise<void>, t: CopyTable, result: VerifyTableResult): Promise<number> {
  const keys = new Map<string, RawValue[]>();
  for (const m of result.mismatches) {
    const key = keyOfMismatch(m);
    if (key.length === t.keyColumns.length) keys.set(keyId(key), key);
  }
  const list = [...keys.values()];
  for (let i = 0; i < list.length; i += KEYS_PER_STATEMENT) {
    const where = list.slice(i, i + KEYS_PER_STATEMENT).map((k) => `(${keyEquals(t, k)})`).join(' OR ');
    const rows = await source.readRows(t, null, null, where);
    await sink.query(`DELETE FROM ${quoteTable(t.sink)} WHERE ${where}`);
    if (rows.length) await write(rows);
  }
  return list.length;
}

/** Empties the sink table and copies every source row (that passes the row filter) again. */
async function recopyTable(source: SourceSession, sink: Connection, writer: MysqlWriter, t: CopyTable): Promise<number> {
  await sink.query(`DELETE FROM ${quoteTable(t.sink)}`);
  let rows = 0;
  let batch: SinkBatch | null = null;
  await source.readChunk(t, null, null, async (row) => {
    batch ??= writer.newBatch(t);
    batch.add(row);
    rows++;
    if (batch.bytes >= STATEMENT_BYTES / 2) {
      const b = batch;
      batch = null;
      await writer.writeWithin(b);
    }
  });
  const last = batch as SinkBatch | null;
  if (last?.rows) await writer.writeWithin(last);
  return rows;
}

/** Rows written as the stream's reconcile mode writes them (REPLACE), one statement each. */
async function replaceRows(sink: Connection, t: CopyTable, rows: RawRow[]): Promise<void> {
  const plan = planTable({ sink: t.sink, info: { ...t.source, columns: t.columns } });
  const columns = t.columns.map((c) => c.name);
  for (const after of rows)
    for (const s of changeStatements(plan, { db: t.source.db, table: t.source.table, type: 'insert', before: null, after, columns }, 'reconcile')) await sink.query(s.sql);
}

/** Rows written through the copy's writer (warnings checked: nothing is changed silently). */
async function writeRows(writer: MysqlWriter, t: CopyTable, rows: RawRow[]): Promise<void> {
  const batch = writer.newBatch(t);
  for (const r of rows) batch.add(r);
  await writer.writeWithin(batch);
}
