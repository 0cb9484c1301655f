// Sends the statements of a change applier (change-statements.ts builds them) to a MySQL/MariaDB sink and
// checks what each affected.
//
// run() sends many statements per round trip (multi-statement packets) below the sink's max_allowed_packet;
// a statement that affects other than the rows it must (`expect`) raises Mismatch, a statement over the
// packet limit OverPacket. The applier then rolls back and calls runOneByOne(): one statement per change in
// binlog order, which names the exact change, statement and server message in a SinkChangeError.
import { CutoverError } from '../../../shared/errors.js';
import type { Connection } from '../../mysql/connection.js';
import { fitsPacket, keyText, rowTooLarge } from '../../mysql/packet-limit.js';
import { transactionLabel, type BinlogTransaction, type MessageChanges, type RowChange, type TransactionPiece } from '../../core/changes.js';
import type { ApplierTable, ApplyMode } from '../../core/checkpoint.js';
import type { Statement } from './change-statements.js';

/** A change the sink refused: which one, the statement, and the server's message. */
export class SinkChangeError extends CutoverError {
  constructor(
    readonly change: RowChange,
    readonly statement: string,
    readonly tx: BinlogTransaction | TransactionPiece | MessageChanges,
    reason: string,
  ) {
    const sql = statement.length > 1500 ? statement.slice(0, 1500) + ' …' : statement;
    super(
      `The sink refused ${change.type === 'insert' ? 'an' : 'a'} ${change.type} on ${change.db}.${change.table} from ${transactionLabel(tx)}: ${reason}\n  statement: ${sql}`,
      'Nothing of this transaction (nor of the transactions grouped with it in the same sink transaction) was applied and the job is paused. Correct the sink (for example remove the row that conflicts, or the constraint), then run the same job again: the transaction is retried.',
      'SINK_ROW',
    );
  }
}

interface ServerError {
  errno?: number;
  message?: string;
}

/** A statement of several rows is over the sink's max_allowed_packet: the batch is applied one change at a time. */
export class OverPacket extends Error {}

/** A statement affected other than the rows it must. */
export class Mismatch extends Error {
  constructor(
    readonly statement: Statement,
    readonly affected: number,
  ) {
    super(`it affected ${affected} row(s) where ${statement.expect} ${statement.expect === 1 ? 'was' : 'were'} expected`);
  }
}

/**
 * Whether a failure of the set form (run) is worth the exact path (runOneByOne): a result that differs, a
 * statement over the packet limit, or an error the server gave for a statement (not a lost connection,
 * not a lock wait or deadlock, which are retried whole). `overPacket`: an over-packet statement counts.
 */
export function exactPathFor(e: unknown, overPacket = true): boolean {
  return e instanceof Mismatch || (overPacket && e instanceof OverPacket) || (isServerError(e) && !isRetryable(e));
}

export class StatementSender {
  /** Text sent per round trip, below the sink's max_allowed_packet. */
  packetBytes = 4 << 20;
  /** The sink's max_allowed_packet: no statement may be larger (0: not known). */
  maxPacket = 0;

  constructor(
    private readonly conn: Connection,
    /** The job's definition of a source table ("db.table"), for naming a row too large. */
    private readonly tableOf: (sourceName: string) => ApplierTable | undefined,
  ) {}

  /** Takes the sink's max_allowed_packet: statements are grouped to half of it (64 KiB to 16 MiB). */
  setMaxPacket(bytes: number): void {
    this.maxPacket = bytes;
    this.packetBytes = Math.max(64 << 10, Math.min(16 << 20, Math.floor(bytes / 2)));
  }

  /** Sends the statements many per round trip and checks what each affected. */
  async run(statements: Statement[]): Promise<void> {
    let i = 0;
    while (i < statements.length) {
      const group: Statement[] = [];
      let bytes = 0;
      while (i < statements.length && (group.length === 0 || bytes + statements[i]!.sql.length < this.packetBytes)) {
        if (this.maxPacket && statements[i]!.sql.length * 3 >= this.maxPacket && !fitsPacket(Buffer.byteLength(statements[i]!.sql), this.maxPacket)) throw new OverPacket();
        bytes += statements[i]!.sql.length + 2;
        group.push(statements[i++]!);
      }
      const [res] = await this.conn.query(group.map((s) => s.sql).join(';\n'));
      const results = (group.length === 1 ? [res] : res) as { affectedRows?: number }[];
      group.forEach((s, k) => {
        const affected = results[k]?.affectedRows ?? 0;
        if (s.expect !== null && affected !== s.expect) throw new Mismatch(s, affected);
      });
    }
  }

  /**
   * The slow, exact path: one statement per change in binlog order (`build` gives a part's statements, one
   * per change); names the change that fails.
   */
  async runOneByOne(txs: (BinlogTransaction | TransactionPiece | MessageChanges)[], mode: ApplyMode, build: (changes: readonly RowChange[], mode: ApplyMode) => Statement[]): Promise<void> {
    for (const tx of txs) {
      for (const s of build(tx.changes, (tx.kind === 'message' ? tx.mode : undefined) ?? mode)) {
        this.checkPacket(s, tx);
        let affected: number;
        try {
          const [res] = await this.conn.query(s.sql);
          affected = (res as { affectedRows?: number }).affectedRows ?? 0;
        } catch (e) {
          if (!isServerError(e) || isRetryable(e)) throw e;
          throw new SinkChangeError(s.change, s.sql, tx, (e as ServerError).message ?? String(e));
        }
        if (s.expect !== null && affected !== s.expect) {
          const what = s.change.type === 'insert' ? 'row' : affected === 0 ? 'the row is missing on the sink' : `${affected} rows matched`;
          throw new SinkChangeError(s.change, s.sql, tx, `${what} (expected ${s.expect} row affected, got ${affected}); the sink has diverged from the source`);
        }
      }
    }
  }

  /** A change whose statement cannot fit in one packet pauses the job with the fix (retrying would loop). */
  private checkPacket(s: Statement, tx: BinlogTransaction | TransactionPiece | MessageChanges): void {
    if (!this.maxPacket || s.sql.length * 3 < this.maxPacket) return;
    const bytes = Buffer.byteLength(s.sql);
    if (fitsPacket(bytes, this.maxPacket)) return;
    const c = s.change;
    const t = this.tableOf(c.name ?? `${c.db}.${c.table}`);
    throw rowTooLarge({
      table: t ? `${t.sink.db}.${t.sink.table}` : `${c.db}.${c.table}`,
      key: keyText(t?.info.chunkKey ?? [], c.columns, (c.after ?? c.before)!),
      bytes,
      limit: this.maxPacket,
      during: `the ${c.type} of ${transactionLabel(tx)}`,
    });
  }
}

/** An error the server returned for a statement (not a lost connection). */
export function isServerError(e: unknown): boolean {
  const err = e as { errno?: number; fatal?: boolean; sqlState?: string };
  return typeof err.errno === 'number' && err.errno >= 1000 && !err.fatal && err.errno !== 1053 && err.errno !== 2013 && err.errno !== 2006;
}

/** Lock wait timeout and deadlock: the whole batch is retried later, nothing is wrong with the change. */
export function isRetryable(e: unknown): boolean {
  const errno = (e as { errno?: number }).errno;
  return errno === 1205 || errno === 1213;
}
