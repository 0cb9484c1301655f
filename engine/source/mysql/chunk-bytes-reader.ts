// Reads a chunk's rows as byte ranges of the server's row packets (RowBytes), without a JavaScript string
// per value: the copy's fast path when the sink writes bytes (LOAD DATA). The query is the one
// streamChunk runs (same select expressions, same raw session: character_set_results = NULL), so the
// bytes are exactly those streamChunk turns into byte strings.
//
// mysql2 has no public raw-row hook: the query's row state (Query.row, looked up on the instance once the
// column definitions are read) is replaced on this one query by a parser of the text protocol's row
// packet (one length-encoded string per column, 0xFB for NULL). End of rows, errors and the command queue
// stay mysql2's own.
import type { Connection as CallbackConnection } from 'mysql2';
import type { Connection } from '../../mysql/connection.js';
import type { RawRow, RowBytes } from '../../core/rows.js';
import type { CopyTable } from '../../core/tables.js';
import { chunkSelectSql, rawTypeCast } from '../../mysql/key-range.js';

/** The parts of mysql2's packet and query command this reader uses (internals of mysql2 3.x). */
interface WirePacket {
  buffer: Buffer;
  offset: number;
  end: number;
  isEOF(): boolean;
}
type RowState = (packet: WirePacket, connection: unknown) => unknown;
interface QueryCommand {
  row: RowState;
  on(event: string, fn: (...args: unknown[]) => void): void;
}
interface PausableConnection {
  pause(): void;
  resume(): void;
}

/** Per column offsets of the current row, reused from row to row (exported for its unit test). */
export class RowView implements RowBytes {
  buf: Buffer = Buffer.alloc(0);
  readonly start: Int32Array;
  readonly end: Int32Array;
  constructor(readonly count: number) {
    this.start = new Int32Array(count);
    this.end = new Int32Array(count);
  }

  /** Reads the row packet's length-encoded values; false when the packet is not a row of `count` values. */
  read(p: WirePacket): boolean {
    const b = p.buffer;
    const stop = p.end;
    let at = p.offset;
    this.buf = b;
    for (let i = 0; i < this.count; i++) {
      if (at >= stop) return false;
      const first = b[at]!;
      let len: number;
      if (first < 0xfb) {
        len = first;
        at += 1;
      } else if (first === 0xfb) {
        this.start[i] = -1;
        this.end[i] = -1;
        at += 1;
        continue;
      } else if (first === 0xfc) {
        len = b[at + 1]! | (b[at + 2]! << 8);
        at += 3;
      } else if (first === 0xfd) {
        len = b[at + 1]! | (b[at + 2]! << 8) | (b[at + 3]! << 16);
        at += 4;
      } else if (first === 0xfe) {
        len = b.readUInt32LE(at + 1) + b.readUInt32LE(at + 5) * 0x1_0000_0000;
        at += 9;
      } else return false;
      this.start[i] = at;
      this.end[i] = at + len;
      at += len;
    }
    return at <= stop;
  }
}

/**
 * Streams the rows of one chunk as RowBytes. The callback's promise is awaited before more rows are
 * read (the connection is paused meanwhile), as in streamChunk.
 */
export async function streamChunkBytes(
  conn: Connection,
  t: CopyTable,
  lower: RawRow | null,
  upper: RawRow | null,
  onRow: (row: RowBytes) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<void> {
  const raw = (conn as unknown as { connection: CallbackConnection }).connection;
  const wire = raw as unknown as PausableConnection;
  const view = new RowView(t.columns.length);
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    let paused = false;
    const finish = (e?: Error): void => {
      if (settled) return;
      settled = true;
      raw.off('error', finish);
      signal?.removeEventListener('abort', abort);
      // The rest of the result set is read and dropped by the row state below, so the connection stays usable.
      if (paused) {
        paused = false;
        wire.resume();
      }
      if (e) reject(e);
      else resolve();
    };
    const abort = (): void => finish(new Error('stop requested'));
    const q = raw.query({ sql: chunkSelectSql(t, lower, upper), rowsAsArray: true, typeCast: rawTypeCast as never }) as unknown as QueryCommand;
    const mysql2Row = Object.getPrototypeOf(q).row as RowState;
    const row: RowState = function (this: QueryCommand, packet, connection) {
      if (packet.isEOF()) return mysql2Row.call(this, packet, connection);
      if (settled) return row;
      if (!view.read(packet)) {
        finish(new Error(`the source sent a row that does not have the ${view.count} column(s) of ${t.source.db}.${t.source.table}'s copy query`));
        return row;
      }
      let p: Promise<void> | void;
      try {
        p = onRow(view);
      } catch (e) {
        finish(e as Error);
        return row;
      }
      if (p) {
        paused = true;
        wire.pause();
        p.then(
          () => {
            if (settled || !paused) return;
            paused = false;
            wire.resume();
          },
          (e: Error) => finish(e),
        );
      }
      return row;
    };
    q.row = row;
    raw.once('error', finish);
    signal?.addEventListener('abort', abort, { once: true });
    q.on('error', (e) => finish(e as Error));
    q.on('end', () => finish());
  });
}
