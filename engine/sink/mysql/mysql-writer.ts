// Writes copied rows to a MySQL/MariaDB sink: LOAD DATA LOCAL (fast) or multi-row INSERT IGNORE.
//
// Both paths keep a row whose key already exists on the sink (a resumed chunk, an appended table, and —
// with streaming — a newer value the stream applied), and both downgrade errors to warnings, so every
// batch's warnings are read back: duplicates of the chunk key are expected; anything else (a truncated
// or invalid value, a collision on another unique key) fails the copy with the server's words.
import { Readable } from 'node:stream';
import { CutoverError } from '../../../shared/errors.js';
import { quoteTable } from '../../mysql/identifiers.js';
import type { Connection } from '../../mysql/connection.js';
import type { SinkBatch, SinkWriter } from '../sink.js';
import { buildInserts, emptyEnumValues, insertTemplate, renderRow, type InsertTemplate } from './insert-builder.js';
import { loadDataTemplate, plainColumns, TsvBuffer, type LoadTemplate } from './load-data.js';
import { LENIENT_MODE, STRICT_MODE } from './session.js';
import { fitsPacket, keyText, rowTooLarge } from '../../mysql/packet-limit.js';
import { rowFromBytes, type RawRow, type RowBytes } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';

export type WriteMethod = 'load-data' | 'insert';

/** A batch encoded for LOAD DATA (TSV bytes) or for INSERT (rendered row tuples). */
class MysqlBatch implements SinkBatch {
  rows = 0;
  bytes = 0;
  readonly tsv: TsvBuffer | null;
  readonly tuples: string[] | null;
  /** Rows holding ENUM's invalid value: written apart (see writeEnumZeroRow). */
  readonly enumZero: RawRow[] = [];

  constructor(
    readonly table: CopyTable,
    readonly tpl: InsertTemplate,
    method: WriteMethod,
    expectedBytes: number,
    plain: boolean[],
    /** The sink's max_allowed_packet (0: unknown, not checked). */
    private readonly maxPacket = 0,
  ) {
    this.tsv = method === 'load-data' ? new TsvBuffer(expectedBytes, plain) : null;
    this.tuples = method === 'insert' ? [] : null;
  }

  add(row: RawRow): void {
    let size = row.length;
    for (let i = 0; i < row.length; i++) size += row[i]?.length ?? 0;
    this.rows++;
    this.bytes += size;
    if (this.maxPacket && !fitsPacket(size * 2, this.maxPacket)) this.checkSize(row);
    if (this.tpl.enumColumns.length && emptyEnumValues(this.tpl, row) > 0) this.enumZero.push(row);
    else if (this.tsv) this.tsv.addRow(row);
    else this.tuples!.push(renderRow(this.tpl, row));
  }

  /**
   * add() from the row's bytes: straight into the LOAD DATA buffer. A row that needs a closer look (near
   * the packet limit, an ENUM's invalid value) or an INSERT batch takes the byte-string path.
   */
  addBytes(row: RowBytes): void {
    const tsv = this.tsv;
    const n = row.count;
    let size = n;
    for (let i = 0; i < n; i++) {
      const s = row.start[i]!;
      if (s >= 0) size += row.end[i]! - s;
    }
    if (!tsv || (this.maxPacket && !fitsPacket(size * 2, this.maxPacket)) || this.hasEmptyEnum(row)) {
      this.add(rowFromBytes(row));
      return;
    }
    this.rows++;
    this.bytes += size;
    tsv.addRowBytes(row);
  }

  private hasEmptyEnum(row: RowBytes): boolean {
    for (const i of this.tpl.enumColumns) if (row.start[i]! >= 0 && row.end[i] === row.start[i]) return true;
    return false;
  }

  /** A row that may not fit in one packet (escaped or hex text can double it): measured as it would be sent. */
  private checkSize(row: RawRow): void {
    let bytes: number;
    if (this.tsv) {
      const one = new TsvBuffer(64 * 1024, []);
      one.addRow(row);
      bytes = one.byteLength;
    } else bytes = Buffer.byteLength(this.tpl.prefix + renderRow(this.tpl, row));
    if (fitsPacket(bytes, this.maxPacket)) return;
    const t = this.table;
    throw rowTooLarge({
      table: `${t.sink.db}.${t.sink.table}`,
      key: keyText(t.keyColumns.map((c) => c.name), t.columns.map((c) => c.name), row),
      bytes,
      limit: this.maxPacket,
      during: 'copy',
    });
  }
}

interface WriteResult {
  warningStatus?: number;
}

interface Warning {
  Level: string;
  Code: number;
  Message: string;
}

export class MysqlWriter implements SinkWriter {
  private readonly inserts = new Map<number, InsertTemplate>();
  private readonly loads = new Map<number, LoadTemplate>();
  private readonly plain = new Map<number, boolean[]>();

  constructor(
    private readonly conn: Connection,
    private readonly flavor: 'mysql' | 'mariadb',
    private readonly maxBytes: number,
    private readonly method: WriteMethod,
    /** A stream replays the source's changes after the copy: a row colliding on any unique key is left to it. */
    private readonly anyUniqueDuplicate = false,
    /** The sink's max_allowed_packet: a row that cannot fit stops the copy with the fix (0: unknown). */
    private readonly maxPacket = 0,
  ) {}

  private insertTpl(t: CopyTable): InsertTemplate {
    let tpl = this.inserts.get(t.stateId);
    if (!tpl) this.inserts.set(t.stateId, (tpl = insertTemplate(t, this.flavor)));
    return tpl;
  }

  newBatch(t: CopyTable): MysqlBatch {
    // Sized for a full batch (half a statement, see the copy runner) so it rarely has to grow.
    let plain = this.plain.get(t.stateId);
    if (!plain) this.plain.set(t.stateId, (plain = plainColumns(t)));
    return new MysqlBatch(t, this.insertTpl(t), this.method, Math.ceil(this.maxBytes * 0.55), plain, this.maxPacket);
  }

  /**
   * Writes one batch in one transaction: LOAD DATA LOCAL and INSERT IGNORE downgrade errors to
   * warnings and store the clamped value, so a batch whose warnings fail it must leave nothing behind
   * (a resumed copy keeps rows whose key exists, and would otherwise keep the changed ones).
   */
  async write(batch: SinkBatch): Promise<void> {
    await this.conn.query('START TRANSACTION');
    try {
      await this.writeRows(batch);
      await this.conn.query('COMMIT');
    } catch (e) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /**
   * Writes a batch inside the caller's open transaction, checked the same way (a repair writes the rows
   * in the sink transaction that holds the stream's checkpoint row, see engine/sink/mysql/repair.ts).
   */
  async writeWithin(batch: SinkBatch): Promise<void> {
    await this.writeRows(batch);
  }

  private async writeRows(batch: SinkBatch): Promise<void> {
    const b = batch as MysqlBatch;
    const t = b.table;
    if (b.tsv?.rows) {
      let tpl = this.loads.get(t.stateId);
      if (!tpl) this.loads.set(t.stateId, (tpl = loadDataTemplate(t, this.flavor)));
      const data = b.tsv.bytes();
      await this.checked({ sql: tpl.sql, infileStreamFactory: () => Readable.from([data]) }, t, 0);
    }
    if (b.tuples?.length) {
      const tpl = this.insertTpl(t);
      for (const sql of buildInserts(tpl, b.tuples, this.maxBytes)) await this.checked(sql, t, 0);
    }
    for (const row of b.enumZero) await this.writeEnumZeroRow(b.tpl, t, row);
  }

  /**
   * Runs a write and fails on any warning but duplicates of the chunk key (and `allowed` others). When a
   * stream follows the copy, a duplicate on another unique key is accepted too: the sink then holds an
   * older image of another row with that value, and the value moved after the copy started, so the
   * replay of the binlog from the copy's start position writes this row again (see README, Handoff).
   */
  private async checked(q: string | { sql: string; infileStreamFactory: () => Readable }, t: CopyTable, allowed: number): Promise<void> {
    let res: WriteResult;
    try {
      [res] = (await this.conn.query(q as never)) as unknown as [WriteResult];
    } catch (e) {
      throw explainWriteError(e, t);
    }
    if (!res.warningStatus) return;
    const [warnings] = (await this.conn.query('SHOW WARNINGS')) as unknown as [Warning[]];
    const key = t.source.chunkKeyName;
    const bad = warnings.filter((w) => !(w.Code === 1062 && key && (this.anyUniqueDuplicate || duplicateKeyName(w.Message) === key)));
    if (bad.length > allowed || warnings.length < res.warningStatus) {
      const shown = bad.slice(0, 5).map((w) => `${w.Level} ${w.Code}: ${w.Message}`);
      throw new CutoverError(
        `Writing to ${quoteTable(t.sink)} would change data (${res.warningStatus} warning(s)): ${shown.join('; ')}`,
        'Compare the column definitions and unique keys of the source and sink tables (SHOW CREATE TABLE on both); ' +
          'a row the sink cannot store exactly is never written silently. Fix the sink table and run the job again.',
      );
    }
  }

  /**
   * ENUM's invalid value (index 0, read as '') can only be written outside strict mode, with a warning.
   * Such a row is written alone; any warning beyond one per empty ENUM value fails the copy.
   */
  private async writeEnumZeroRow(tpl: InsertTemplate, t: CopyTable, row: RawRow): Promise<void> {
    await this.conn.query(LENIENT_MODE);
    try {
      await this.checked(tpl.prefix + renderRow(tpl, row), t, emptyEnumValues(tpl, row));
    } finally {
      await this.conn.query(STRICT_MODE);
    }
  }

  async truncate(t: CopyTable): Promise<void> {
    await this.conn.query(`TRUNCATE TABLE ${quoteTable(t.sink)}`);
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
  }
}

/** "Duplicate entry '5' for key 'PRIMARY'" → "PRIMARY" (MySQL 8 writes 'table.PRIMARY'). */
export function duplicateKeyName(message: string): string | null {
  const m = /for key '([^']*)'$/.exec(message);
  if (!m) return null;
  const k = m[1]!;
  return k.includes('.') ? k.slice(k.lastIndexOf('.') + 1) : k;
}

function explainWriteError(e: unknown, t: CopyTable): CutoverError {
  const err = e as { code?: string; sqlMessage?: string; message?: string };
  const where = quoteTable(t.sink);
  if (err.code === 'ER_NET_PACKET_TOO_LARGE' || err.code === 'ECONNRESET' || err.code === 'EPIPE')
    return new CutoverError(
      `Writing to ${where} failed: the sink closed the connection (${err.code}); a batch larger than the sink's max_allowed_packet is one cause.`,
      "Check the sink's error log and SELECT @@max_allowed_packet; on it (SET GLOBAL max_allowed_packet = 1073741824; raises it), then run the same job again: the copy resumes.",
    );
  return new CutoverError(
    `Writing to ${where} failed: ${err.code ?? ''} ${err.sqlMessage ?? err.message ?? String(e)}`.trim(),
    'Fix the cause on the sink (the row and table above), then run the same job again: finished chunks are not copied again.',
  );
}
