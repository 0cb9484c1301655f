// Verifies one table against a MySQL/MariaDB sink: chunk by chunk over the key ranges the source finds
// (keyset pagination, the copy's nextBoundary), each server computing its own aggregates of the row
// hashes; a chunk whose aggregates differ is listed on both sides (key bytes, row hash) to name the rows.
// A table without a key is one chunk compared as a multiset of row hashes.
//
// While the job streams, the two sides are read at different moments, so a difference may only be a
// change in flight. Such a chunk is compared again (rechecked): each round lists the source, reads the
// source's binlog position, waits (a little longer each round) until the sink has applied up to it,
// then lists the sink. A row is reported only when it differs the same way in two consecutive rounds
// (row-diff.ts stableDiffs); rows the stream keeps changing are compared again, up to MAX_ROUNDS, and
// then left out (logged). Without a stream, a difference is reported at once.
import { CutoverError } from '../../../shared/errors.js';
import { mysqlSinkUrl } from '../../../shared/job-config.js';
import { recordMismatch, type VerifyTableResult } from '../../../shared/verify.js';
import type { Logger } from '../../core/logger.js';
import { connect, parseMysqlUrl, type Connection } from '../../mysql/connection.js';
import { openDataConnection, rawQuery } from '../../mysql/key-range.js';
import type { SourceSession } from '../../source/driver.js';
import type { RawRow } from '../../core/rows.js';
import { quoteTable } from '../../mysql/identifiers.js';
import { chunkSums, listChunk, rowMultiset, sameSums, side, type ChunkSums, type VerifyTable } from '../../compare/chunk-checksum.js';
import { diffKeyed, diffMultiset, multisetSize, stableDiffs, toMismatch, type RowDiff } from '../../compare/row-diff.js';
import { settle, type Listing } from '../../compare/settle.js';
import { walkKeyChunks } from '../../compare/chunk-walk.js';
import { describeMismatches } from './row-values.js';
import { sourceSql, type SinkVerifier, type SinkVerifierContext } from '../../compare/sink-verifier.js';
import { streamSync, type StreamSync } from '../../compare/stream-sync.js';
import { readCheckpointRow } from './change-applier.js';
import type { SourcePosition } from '../../core/position.js';

/** What a side's chunks are read with: the source's data session, or the sink's data connection. */
type ChunkReader = Pick<SourceSession, 'chunkSums' | 'listChunk' | 'rowMultiset'>;

export interface TableCheckOptions {
  /** The source's data session (raw bytes): chunk boundaries are the source's to find. */
  source: SourceSession;
  /** The sink's data connection (raw bytes, see engine/mysql/key-range.ts openDataConnection). */
  sink: Connection;
  chunkRows: number;
  maxRows: number;
  /** Set while the job streams: differences are confirmed over rounds. */
  sync: StreamSync | null;
  signal: AbortSignal;
  log: Logger;
  /** Called after each chunk (progress). */
  onChunk: () => void;
}

export async function verifyMysqlTable(t: VerifyTable, r: VerifyTableResult, o: TableCheckOptions): Promise<void> {
  const src = side(t, 'source');
  const snk = side(t, 'sink');
  const name = `${t.source.db}.${t.source.table}`;
  const streaming = o.sync !== null;
  const sinkChunks: ChunkReader = {
    chunkSums: (t, lower, upper) => chunkSums(o.sink, t, lower, upper),
    listChunk: (t, lower, upper) => listChunk(o.sink, t, lower, upper),
    rowMultiset: (t) => rowMultiset(o.sink, t),
  };

  /** Source then sink (after the sink applied up to the source's position) while streaming; else both at once. */
  const both = async <T>(read: (reader: ChunkReader, which: 'source' | 'sink') => Promise<T>, waitMs: number): Promise<[T, T]> => {
    if (!o.sync) return Promise.all([read(o.source, 'source'), read(sinkChunks, 'sink')]);
    const a = await read(o.source, 'source');
    const at = await o.sync.sourcePosition();
    if (waitMs > 0 && !(await o.sync.waitApplied(at, waitMs, o.signal)))
      o.log.debug(`verify: the sink had not applied up to ${at.file}:${at.pos} after ${waitMs / 1000} s; comparing anyway`, name);
    return [a, await read(sinkChunks, 'sink')];
  };

  const record = async (sums: [ChunkSums, ChunkSums], found: (Listing & { moving: number }) | null): Promise<void> => {
    r.rowsSource += found ? found.rowsSource : sums[0].rows;
    r.rowsSink += found ? found.rowsSink : sums[1].rows;
    if (!found) return;
    if (found.moving) o.log.info(`verify: ${found.moving} row(s) kept changing while the stream applied them; not reported`, name);
    if (!found.diffs.length) return;
    r.mismatchedChunks++;
    const from = r.mismatches.length;
    for (const d of found.diffs) if (!recordMismatch(r, toMismatch(d, t.keyColumns), o.maxRows)) break;
    await describeMismatches(sourceSql(o.source, 'Describing differing rows'), (sql) => rawQuery(o.sink, sql), t, r.mismatches, from);
  };

  if (!t.keyColumns.length) {
    r.chunks = 1;
    const sums = await both((c, w) => c.chunkSums(w === 'source' ? src : snk, null, null), 0);
    let found: (Listing & { moving: number }) | null = null;
    if (!sameSums(sums[0], sums[1])) {
      if (streaming) r.rechecked++;
      found = await settle(async (waitMs) => {
        const [a, b] = await both((c, w) => c.rowMultiset(w === 'source' ? src : snk), waitMs);
        return { diffs: diffMultiset(a, b), rowsSource: multisetSize(a), rowsSink: multisetSize(b) };
      }, streaming, o.signal);
    }
    await record(sums, found);
    r.chunksDone = 1;
    o.onChunk();
    return;
  }

  await walkKeyChunks(r, { estimatedRows: t.source.estimatedRows, chunkRows: o.chunkRows, signal: o.signal, onChunk: o.onChunk }, (lower) => o.source.nextBoundary(src, lower, o.chunkRows), async (lo, upper) => {
    const sums = await both((c, w) => c.chunkSums(w === 'source' ? src : snk, lo, upper), 0);
    let found: (Listing & { moving: number }) | null = null;
    if (!sameSums(sums[0], sums[1])) {
      if (streaming) r.rechecked++;
      found = await settle(async (waitMs) => {
        const [a, b] = await both((c, w) => c.listChunk(w === 'source' ? src : snk, lo, upper), waitMs);
        return { diffs: diffKeyed(a, b), rowsSource: a.length, rowsSink: b.length };
      }, streaming, o.signal);
    }
    await record(sums, found);
  });
}


/** The MySQL/MariaDB sink side of a verification: its connections and, while streaming, its sync. */
export async function openMysqlVerifier(ctx: SinkVerifierContext): Promise<SinkVerifier> {
  const address = parseMysqlUrl(mysqlSinkUrl(ctx.cfg, 'MySQL verification'));
  const sink = await openDataConnection(address);
  let meta: Connection | null = null;
  try {
    meta = await connect(address);
    const sinkMeta = meta;
    const sync = ctx.streaming ? streamSync({ store: ctx.store, jobId: ctx.jobId, source: ctx.sourceSessions.meta, applied: mysqlApplied(sinkMeta, ctx.cfg.name) }) : null;
    return {
      sinkName: (t) => `${t.sink.db}.${t.sink.table}`,
      verifyTable: (t, r, progress) =>
        verifyMysqlTable(t, r, { source: ctx.sourceSessions.data, sink, chunkRows: ctx.chunkRows, maxRows: ctx.maxRows, sync, signal: ctx.signal, log: ctx.log, onChunk: progress }).catch((e: { errno?: number }) => {
          // The source's tables were just listed: a missing table is the sink's.
          if (e.errno !== 1146) throw e;
          throw new CutoverError(`${quoteTable(t.sink)} does not exist on the sink.`, 'Run the job (it creates and copies its tables), or check "rename" in the job file.', 'NOT_FOUND');
        }),
      close: async () => {
        await sink.end().catch(() => undefined);
        await sinkMeta.end().catch(() => undefined);
      },
    };
  } catch (e) {
    await sink.end().catch(() => undefined);
    await meta?.end().catch(() => undefined);
    throw e;
  }
}

/** A MySQL sink's applied position: the job's checkpoint row. */
function mysqlApplied(sink: Connection, job: string): () => Promise<SourcePosition | null> {
  return async () => (await readCheckpointRow(sink, job, false))?.position ?? null;
}
