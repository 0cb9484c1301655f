// Reading one chunk of a table from the source into the sink's batches.
import type { SourceSession } from '../source/driver.js';
import type { SinkBatch } from '../sink/sink.js';
import { rowFromBytes, type RawRow } from '../core/rows.js';
import type { CopyTable } from '../core/tables.js';

/**
 * Streams a chunk's rows into the batch `target()` returns, then calls `after` with it (its promise is
 * awaited before more rows are read). Rows travel as bytes when the source can read them so
 * (readChunkBytes): a batch that takes bytes gets them as they are, any other the same values as byte strings.
 */
export function readChunkInto(
  src: SourceSession,
  t: CopyTable,
  lower: RawRow | null,
  upper: RawRow | null,
  target: () => SinkBatch,
  after: (b: SinkBatch) => Promise<void> | void,
  signal: AbortSignal,
): Promise<void> {
  if (src.readChunkBytes) {
    return src.readChunkBytes(
      t,
      lower,
      upper,
      (row) => {
        const b = target();
        if (b.addBytes) b.addBytes(row);
        else b.add(rowFromBytes(row));
        return after(b);
      },
      signal,
    );
  }
  return src.readChunk(
    t,
    lower,
    upper,
    (row) => {
      const b = target();
      b.add(row);
      return after(b);
    },
    signal,
  );
}
