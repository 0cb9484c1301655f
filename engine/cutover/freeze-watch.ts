// The proof of a write freeze: the source's change stream, read through the source driver, holds no row
// change of the job's tables after the freeze point. Reading starts where the sink stood (so the last write
// before the freeze is found too) and goes on until the stream has passed the position the source had when
// the watch window ended. The heartbeat table (the fence) is not the job's: its rows do not count.
import { CutoverError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { mysqlSourceUrl } from '../../shared/job-config.js';
import { isSelected } from '../../shared/table-selection.js';
import type { SourcePosition } from '../core/position.js';
import type { SourceDriver } from '../source/driver.js';
import { defaultServerId } from '../pipeline/stream-apply.js';

export interface WriteSeen {
  /** The position after the transaction's commit. */
  position: string;
  gtid: string | null;
  /** "db.table" of its first row change on a job table. */
  table: string;
  rows: number;
  /** Commit time (ms). */
  at: number;
}

export interface FreezeWatch {
  /** The last transaction on the job's tables at or before the freeze point (null: none since `from`). */
  lastBefore: WriteSeen | null;
  /** Transactions on the job's tables after the freeze point (the first 20). */
  after: WriteSeen[];
  afterCount: number;
  /** Where reading started and how far it went (formatted positions). */
  from: string;
  watchedTo: string;
}

export interface WatchOptions {
  cfg: JobConfig;
  driver: SourceDriver;
  job: string;
  /** Where to start reading (at or before the freeze point). */
  from: SourcePosition;
  /** The freeze point: a change after it broke the freeze. */
  freezeAt: SourcePosition;
  /** At least this long (ms) the stream is watched. */
  ms: number;
  /** The source's current position: the watch ends once the stream has been read up to it. */
  current(): Promise<SourcePosition>;
  /** Stop reading early once a change after the freeze is seen. */
  stopAtFirst?: boolean;
}

const CATCH_UP_MS = 60_000;

export async function watchFreeze(o: WatchOptions): Promise<FreezeWatch> {
  const order = o.driver.positions;
  const heartbeat = o.driver.heartbeatRows?.table ?? null;
  const reader = await o.driver.openChangeReader(mysqlSourceUrl(o.cfg, 'The cutover freeze'), o.from, {
    serverId: defaultServerId(`${o.job}\u0000freeze-watch`),
    include: (db, table) => isSelected(o.cfg, { db, table }),
    heartbeatMs: 1000,
  });
  const out: FreezeWatch = { lastBefore: null, after: [], afterCount: 0, from: order.format(o.from), watchedTo: order.format(o.from) };
  const windowEnds = Date.now() + o.ms;
  let target: SourcePosition | null = null;
  let giveUp = 0;
  try {
    let lastEnd: SourcePosition | null = null;
    for (;;) {
      const item = await reader.next(250);
      if (item === null) throw new CutoverError('The source’s change stream closed while the freeze was watched.', 'Run this step again.', 'FREEZE');
      // Pieces come only to a reader asked for them (ChangeReaderOptions); this one reads whole transactions.
      if (item && item.kind !== 'piece') {
        lastEnd = item.end;
        out.watchedTo = order.format(item.end);
        if (item.kind === 'transaction') {
          const mine = item.changes.filter((c) => `${c.db}.${c.table}` !== heartbeat && isSelected(o.cfg, { db: c.db, table: c.table }));
          if (mine.length) {
            const seen: WriteSeen = { position: order.format(item.end), gtid: item.gtid, table: `${mine[0]!.db}.${mine[0]!.table}`, rows: mine.length, at: item.timestamp * 1000 };
            if (order.compare(item.end, o.freezeAt) <= 0) out.lastBefore = seen;
            else {
              out.afterCount++;
              if (out.after.length < 20) out.after.push(seen);
              if (o.stopAtFirst) return out;
            }
          }
        }
      }
      if (Date.now() < windowEnds) continue;
      if (!target) {
        target = await o.current();
        giveUp = Date.now() + CATCH_UP_MS;
      }
      // Read up to the target: the last transaction ends at or after it, or the reader is idle there.
      const idle = reader.idlePosition;
      if ((lastEnd && order.compare(lastEnd, target) >= 0) || (idle && order.compare(idle, target) >= 0)) {
        if (idle && (!lastEnd || order.compare(idle, lastEnd) > 0)) out.watchedTo = order.format(idle);
        return out;
      }
      if (Date.now() > giveUp)
        throw new CutoverError(`The source’s change stream could not be read up to ${order.format(target)} within ${CATCH_UP_MS / 1000} s.`, 'Look at the source’s load and run this step again.', 'FREEZE');
    }
  } finally {
    await reader.close().catch(() => undefined);
  }
}
