// The held changes of a table paused at a DDL statement (DDL policy "pause-table"), applied to a
// MySQL/MariaDB sink exactly once: each group of them goes in one sink transaction that also records,
// in `_cutover`.`cutover_held`, the id of the last held change applied for that table and pause. The
// job's checkpoint row is locked first, as every stream batch does, so held changes and live batches
// never interleave. A crash at any point leaves the sink with a prefix of the held changes, and the
// marker says which.
import type { SourcePosition } from '../../core/position.js';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { quoteId } from '../../mysql/identifiers.js';
import { CHECKPOINT_DB, readCheckpointRow, type ChangeApplier } from './change-applier.js';
import type { BinlogTransaction } from '../../core/changes.js';
import type { ApplyMode } from '../../core/checkpoint.js';
import type { HeldChange } from '../../core/changes.js';

const HELD = `${quoteId(CHECKPOINT_DB)}.${quoteId('cutover_held')}`;

export const HELD_DDL = `CREATE TABLE IF NOT EXISTS ${HELD} (
  job VARCHAR(100) NOT NULL,
  tbl VARCHAR(200) NOT NULL,
  file VARCHAR(255) NOT NULL,
  pos BIGINT UNSIGNED NOT NULL,
  last_id BIGINT UNSIGNED NOT NULL,
  applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (job, tbl)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;

/** The id of the last held change of `tbl` the sink has for the pause at `from` (0: none). */
export async function heldApplied(conn: Connection, job: string, tbl: string, from: SourcePosition): Promise<number> {
  await conn.query(HELD_DDL);
  return readMarker(conn, job, tbl, from, false);
}

/** No DDL here: inside a transaction, CREATE TABLE (even IF NOT EXISTS) would commit it. */
async function readMarker(conn: Connection, job: string, tbl: string, from: SourcePosition, lock: boolean): Promise<number> {
  const rows = await queryRows<{ file: string; pos: string | number; last_id: string | number }>(
    conn,
    `SELECT file, pos, last_id FROM ${HELD} WHERE job = ? AND tbl = ?${lock ? ' FOR UPDATE' : ''}`,
    [job, tbl],
  );
  const r = rows[0];
  return r && r.file === from.file && Number(r.pos) === from.pos ? Number(r.last_id) : 0;
}

/** Consecutive held changes of one source transaction become one transaction again (for error messages). */
export function heldTransactions(changes: HeldChange[]): BinlogTransaction[] {
  const out: BinlogTransaction[] = [];
  for (const h of changes) {
    const last = out[out.length - 1];
    if (last && last.end.file === h.end.file && last.end.pos === h.end.pos) last.changes.push(h.change);
    else out.push({ kind: 'transaction', changes: [h.change], gtid: null, end: h.end, timestamp: 0 });
  }
  return out;
}

/** Applies the held changes after the sink's marker, and moves the marker, in one sink transaction; returns the marker. */
export async function applyHeld(applier: ChangeApplier, job: string, tbl: string, from: SourcePosition, changes: HeldChange[], mode: ApplyMode): Promise<number> {
  const conn = applier.connection;
  await conn.query(HELD_DDL);
  await conn.query('BEGIN');
  try {
    await readCheckpointRow(conn, job, true);
    const done = await readMarker(conn, job, tbl, from, true);
    const pending = changes.filter((c) => c.id > done);
    if (!pending.length) {
      await conn.query('ROLLBACK');
      return done;
    }
    await applier.applyInTransaction(heldTransactions(pending), mode);
    const last = pending[pending.length - 1]!.id;
    await conn.query(
      `INSERT INTO ${HELD} (job, tbl, file, pos, last_id, applied_at) VALUES (?, ?, ?, ?, ?, NOW(6)) ` +
        'ON DUPLICATE KEY UPDATE file = VALUES(file), pos = VALUES(pos), last_id = VALUES(last_id), applied_at = VALUES(applied_at)',
      [job, tbl, from.file, from.pos, last],
    );
    await conn.query('COMMIT');
    return last;
  } catch (e) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
