// Optional source heartbeat (off by default): every intervalMs, one row of `_cutover`.`heartbeat` on the
// source gets the current time (epoch microseconds, a BIGINT, so no time zone is involved) for this job.
// The binlog then carries an update event even while the source is otherwise idle, and the stream reader
// turns its value into true end-to-end lag: the heartbeat and the reader run in the same Cutover process,
// so both times come from the same clock and server clock skew does not count.
//
// Limits: it writes to the source (one small table, one row per job, created if missing: needs CREATE,
// SELECT, INSERT and UPDATE on `_cutover`: MariaDB wants SELECT for INSERT ... ON DUPLICATE KEY UPDATE); the row travels through the binlog like any other, so a replica of
// the source gets it too. A write that fails (server restart, lock wait) calls onError and the next tick
// tries again on a new connection; the timer never throws. Ticks never overlap: a slow write delays the
// next one.
import { CutoverError } from '../../../shared/errors.js';
import { connect, parseMysqlUrl, queryRows, type Connection, type ServerAddress } from '../../mysql/connection.js';

export const HEARTBEAT_DB = '_cutover';
export const HEARTBEAT_TABLE = 'heartbeat';

const TABLE = `\`${HEARTBEAT_DB}\`.\`${HEARTBEAT_TABLE}\``;
const CREATE_DB = `CREATE DATABASE IF NOT EXISTS \`${HEARTBEAT_DB}\``;
const CREATE_TABLE =
  `CREATE TABLE IF NOT EXISTS ${TABLE} (job VARCHAR(100) NOT NULL PRIMARY KEY, written_us BIGINT NOT NULL) ` +
  "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='Cutover heartbeat: epoch microseconds per job, for lag while the source is idle'";
const UPSERT = `INSERT INTO ${TABLE} (job, written_us) VALUES (?, ?) ON DUPLICATE KEY UPDATE written_us = ?`;

/** Wall-clock time in epoch microseconds. */
function nowMicros(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

const PRIVILEGE_ERRORS = new Set([
  'ER_DBACCESS_DENIED_ERROR',
  'ER_TABLEACCESS_DENIED_ERROR',
  'ER_COLUMNACCESS_DENIED_ERROR',
  'ER_SPECIFIC_ACCESS_DENIED_ERROR',
]);

/** A missing privilege as an error that names the GRANT; anything else unchanged. */
function explain(e: unknown, account: string, step: string): unknown {
  const err = e as { code?: string; sqlMessage?: string; message?: string };
  if (!err?.code || !PRIVILEGE_ERRORS.has(err.code)) return e;
  return new CutoverError(
    `The source heartbeat cannot ${step} ${TABLE} as ${account}: ${err.sqlMessage ?? err.message}`,
    `GRANT CREATE, SELECT, INSERT, UPDATE ON \`${HEARTBEAT_DB}\`.* TO ${account}; ` +
      `(or create the table yourself: ${CREATE_DB}; ${CREATE_TABLE}; and grant SELECT, INSERT, UPDATE on it), or turn the heartbeat off.`,
    'HEARTBEAT_PRIVILEGE',
  );
}

export interface HeartbeatOptions {
  /** The job name: the row's key (at most 100 characters). */
  job: string;
  /** Milliseconds between writes (default 1000). */
  intervalMs?: number;
  /** Called for every failed write; the heartbeat keeps trying. */
  onError?: (e: Error) => void;
}

export class SourceHeartbeat {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  private constructor(
    private readonly address: ServerAddress,
    private readonly account: string,
    private conn: Connection | null,
    private readonly job: string,
    private readonly intervalMs: number,
    private readonly onError: (e: Error) => void,
  ) {}

  /**
   * Creates the table when it is missing, writes the first beat (so a missing privilege fails here, with
   * the GRANT that fixes it), then writes every intervalMs until stop().
   */
  static async start(url: string, opts: HeartbeatOptions): Promise<SourceHeartbeat> {
    if (!opts.job || opts.job.length > 100) throw new CutoverError(`Heartbeat job name "${opts.job}" must have 1 to 100 characters.`, 'Use a shorter job name.');
    const intervalMs = opts.intervalMs ?? 1000;
    if (!(intervalMs >= 10)) throw new CutoverError(`Heartbeat interval ${intervalMs} ms is too short.`, 'Use at least 10 ms (1000 is plenty for lag in seconds).');
    const address = parseMysqlUrl(url);
    const conn = await open(address);
    let account = `'${address.user}'@'%'`;
    try {
      const [me] = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
      const at = String(me?.u ?? '').lastIndexOf('@');
      if (at > 0) account = `'${me!.u.slice(0, at)}'@'${me!.u.slice(at + 1)}'`; // the account the server matched
      await ensureTable(conn, account);
      await write(conn, opts.job).catch((e: unknown) => {
        throw explain(e, account, 'write to');
      });
    } catch (e) {
      await conn.end().catch(() => undefined);
      throw e;
    }
    const hb = new SourceHeartbeat(address, account, conn, opts.job, intervalMs, opts.onError ?? (() => undefined));
    hb.schedule();
    return hb;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.beat().finally(() => {
        this.running = null;
        this.schedule();
      });
    }, this.intervalMs);
  }

  private async beat(): Promise<void> {
    try {
      if (!this.conn) this.conn = await open(this.address);
      await write(this.conn, this.job);
    } catch (e) {
      // a broken connection is replaced on the next tick
      const old = this.conn;
      this.conn = null;
      old?.destroy();
      if (this.stopped) return;
      try {
        this.onError(explain(e, this.account, 'write to') as Error);
      } catch {
        /* a throwing onError must not stop the heartbeat */
      }
    }
  }

  /** Stops the timer, waits for a write in flight, and closes the connection. No writes after it resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    const conn = this.conn;
    this.conn = null;
    await conn?.end().catch(() => conn.destroy());
  }
}

/** A connection whose idle-time errors (server gone) surface on the next write instead of as an unhandled event. */
async function open(a: ServerAddress): Promise<Connection> {
  const conn = await connect(a);
  conn.on('error', () => undefined);
  return conn;
}

async function ensureTable(conn: Connection, account: string): Promise<void> {
  const [exists] = await queryRows<{ n: number }>(
    conn,
    'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [HEARTBEAT_DB, HEARTBEAT_TABLE],
  );
  if (Number(exists?.n) > 0) return; // created earlier, or by a DBA: no CREATE privilege needed
  try {
    await conn.query(CREATE_DB);
    await conn.query(CREATE_TABLE);
  } catch (e) {
    throw explain(e, account, 'create');
  }
}

async function write(conn: Connection, job: string): Promise<void> {
  const us = nowMicros();
  await conn.query(UPSERT, [job, us, us]);
}

/** The parts of a binlog row change (binlog-reader's RowChange) a heartbeat needs. */
export interface HeartbeatRowImage {
  db: string;
  table: string;
  columns: string[];
  after: (string | null)[] | null;
}

/**
 * Parses a heartbeat row image from the binlog: returns the written time in ms since epoch or null (not
 * the heartbeat table, a deleted row, another job's row when `job` is given, or no valid value).
 */
export function heartbeatTime(change: HeartbeatRowImage, job?: string): number | null {
  if (change.db !== HEARTBEAT_DB || change.table !== HEARTBEAT_TABLE || !change.after) return null;
  const at = change.columns.indexOf('written_us');
  const jobAt = change.columns.indexOf('job');
  if (at < 0) return null;
  // row images hold the stored bytes as a latin1 string: compare the job name's UTF-8 bytes the same way
  if (job !== undefined && (jobAt < 0 || change.after[jobAt] !== Buffer.from(job, 'utf8').toString('latin1'))) return null;
  const raw = change.after[at];
  if (raw === null || raw === undefined || !/^\d{1,19}$/.test(raw)) return null;
  return Number(raw) / 1000;
}

/**
 * Writes this job's heartbeat row once, as a fence: a transaction the job's stream passes through (the
 * reader always follows the heartbeat table), so once the stream's applied position reaches it, the sink
 * has everything the source committed before it. Returns where it ended: the binlog position right after
 * the commit (at or after the fence) and, on MariaDB, the fence transaction's own GTID (exact).
 */
export async function writeFence(conn: Connection, job: string): Promise<{ writtenAt: number; gtid: string | null }> {
  const [me] = await queryRows<{ u: string }>(conn, 'SELECT CURRENT_USER() AS u');
  const at = String(me?.u ?? '').lastIndexOf('@');
  const account = at > 0 ? `'${me!.u.slice(0, at)}'@'${me!.u.slice(at + 1)}'` : `'${job}'@'%'`;
  await ensureTable(conn, account);
  const writtenAt = Date.now();
  await write(conn, job).catch((e: unknown) => {
    const err = e as { errno?: number };
    if (err.errno === 1290)
      throw new CutoverError(
        `The source is read-only and ${account} cannot write the fence row to ${TABLE}.`,
        `GRANT READ_ONLY ADMIN ON *.* TO ${account}; (MariaDB 10.5.2+; SUPER on MySQL, and not under super_read_only), or undo read-only, run the fence, then set read-only again.`,
        'READ_ONLY',
      );
    throw explain(e, account, 'write to');
  });
  const [g] = await queryRows<{ g: string | null }>(conn, 'SELECT @@last_gtid AS g').catch(() => [{ g: null }]);
  return { writtenAt, gtid: g?.g ? String(g.g) : null };
}
