// An in-memory sink for the pipeline's unit tests: it keeps rows per sink table and one checkpoint, and
// changes them together or not at all (a batch and its position are one "transaction"), like the MySQL
// and PostgreSQL sinks. Strict mode refuses what a real sink would (an insert over an existing key, an
// update or delete of a missing row), so a change applied twice shows. Failure injection: the Nth batch
// or copy write fails as a dropped connection, before anything of it is kept. A source transaction in pieces
// (applyPiece) is applied to a private copy of the rows that only its final part commits, with the
// checkpoint, as one commit; closing the target (a lost session) drops it.
import { CutoverError } from '../../shared/errors.js';
import type { SourcePosition } from '../../engine/core/position.js';
import { comparePositions } from '../../engine/core/position.js';
import type { BinlogTransaction, DdlEvent, RowChange, TransactionPiece } from '../../engine/core/changes.js';
import type { ApplierTable, ApplyMode, Checkpoint } from '../../engine/core/checkpoint.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { CopyTable } from '../../engine/core/tables.js';
import type { StreamTarget } from '../../engine/sink/stream-target.js';
import type { PreparedTable, Sink, SinkBatch, SinkWriter } from '../../engine/sink/sink.js';
import type { DdlContextBase } from '../../engine/pipeline/stream-ddl.js';
import { connectionLost } from './memory-source.js';

type Rows = Map<string, RawRow>;

/** A source transaction being applied in pieces: its rows so far, private until the final part commits. */
interface OpenTx {
  rows: Map<string, Rows>;
  mode: ApplyMode;
  skip: boolean;
}

export class MemorySink {
  /** Sink rows by "db.table", then by key. */
  tables = new Map<string, Rows>();
  checkpoint: Checkpoint | null = null;
  /** Every transaction end the sink committed, in order (a double apply shows as a repeat). */
  readonly appliedEnds: SourcePosition[] = [];
  /** The mode each committed transaction was applied in, in the same order. */
  readonly appliedModes: ApplyMode[] = [];
  readonly ddl: string[] = [];
  /** Batches (stream) and batch writes (copy) seen, failed ones included. */
  applyCalls = 0;
  /** Pieces of source transactions seen (failed ones included), and successful commits of the stream. */
  pieceCalls = 0;
  commits = 0;
  /** The piece with this number (1-based) fails as a dropped connection; null: none. */
  failPieceAt: number | null = null;
  writeCalls = 0;
  /** The apply call with this number (1-based) fails as a dropped connection; null: none. */
  failApplyAt: number | null = null;
  /** The copy write with this number (1-based) fails as a dropped connection; null: none. */
  failWriteAt: number | null = null;
  sessionsOpened = 0;
  /** A step each created table defers until its copy is done (as a search index's settings are); finishTable reports it done. */
  deferredStep: string | null = null;
  /**
   * The target offers prepare() (StreamTarget.prepare) and applies a batch a timer tick later, so the
   * stream reads on while it applies; counted: prepares, those made while an apply ran, the most applies
   * running at once, and applies given the batch last prepared.
   */
  prepares = false;
  prepareCalls = 0;
  preparedDuringApply = 0;
  applying = 0;
  maxApplying = 0;
  appliesPrepared = 0;
  /** Copy: how often each row (by "db.table" and key) was written in a committed batch. */
  readonly copiedTimes = new Map<string, number>();
  /** Copy: the sink asks for its tables one after another (Sink.copyTableByTable). */
  tableByTable = false;
  /** Copy: each write is answered this many ms later (0: at once), so writes overlap the reads. */
  writeDelayMs = 0;
  /** Copy: the most tables written at one moment, the most writes in flight on one writer, and batches begun while their writer's write was in flight. */
  maxTablesWriting = 0;
  maxWritesPerWriter = 0;
  batchesDuringWrite = 0;
  private readonly writing = new Map<string, number>();

  rows(table: string): RawRow[] {
    return [...(this.tables.get(table)?.values() ?? [])].sort((a, b) => Number(a[0]) - Number(b[0]));
  }

  private tableOf(name: string): Rows {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new Map()));
    return t;
  }

  /** The change sink of one stream session. */
  async openTarget(): Promise<StreamTarget<DdlContextBase>> {
    this.sessionsOpened++;
    return new MemoryTarget(this);
  }

  /** Applies a batch atomically: on any error nothing of it (nor the checkpoint) is kept. */
  commit(txs: BinlogTransaction[], mode: ApplyMode, tables: Map<string, ApplierTable>, open?: OpenTx): number {
    this.applyCalls++;
    if (this.failApplyAt === this.applyCalls) throw connectionLost('sink');
    if (open?.skip) return txs.length > 1 ? this.commit(txs.slice(1), mode, tables) : 0;
    if (open) mode = open.mode;
    const pending = this.checkpoint ? txs.filter((t) => comparePositions(t.end, this.checkpoint!.position) > 0) : txs;
    if (!pending.length) return 0;
    const copy = open?.rows ?? this.snapshot();
    for (const tx of pending) for (const c of tx.changes) applyChange(copy, tables, c, mode);
    this.tables = copy;
    const last = pending[pending.length - 1]!;
    this.checkpoint = { position: last.end, gtid: last.gtid, pendingDdl: null };
    this.appliedEnds.push(...pending.map((t) => t.end));
    this.appliedModes.push(...pending.map(() => mode));
    this.commits++;
    return pending.length;
  }

  private snapshot(): Map<string, Rows> {
    return new Map([...this.tables].map(([k, v]) => [k, new Map(v)]));
  }

  /** A piece of a source transaction: opens the private transaction (null given) or continues it; the checkpoint stays. */
  piece(open: OpenTx | null, piece: TransactionPiece, mode: ApplyMode, tables: Map<string, ApplierTable>): OpenTx {
    this.pieceCalls++;
    if (this.failPieceAt === this.pieceCalls) throw connectionLost('sink');
    const tx = open ?? { rows: this.snapshot(), mode, skip: this.checkpoint !== null && comparePositions(piece.start, this.checkpoint.position) < 0 };
    if (!tx.skip) for (const c of piece.changes) applyChange(tx.rows, tables, c, tx.mode);
    return tx;
  }

  /** The copy side (Sink): tables are created empty; writes keep an existing key's row (idempotent). */
  get copy(): Sink {
    const sink = this;
    return {
      kind: 'memory',
      copyTableByTable: sink.tableByTable,
      async prepareTable(t: CopyTable): Promise<PreparedTable> {
        const name = `${t.sink.db}.${t.sink.table}`;
        const created = !sink.tables.has(name);
        sink.tableOf(name);
        return { created, warnings: [], deferredIndexes: sink.deferredStep ? [sink.deferredStep] : [] };
      },
      async finishTable(_t: CopyTable, deferred: string[]) {
        return deferred.length ? `did ${deferred.join(', ')}` : null;
      },
      async createViews() {
        return [];
      },
      async openWriter(): Promise<SinkWriter> {
        let inFlight = 0;
        return {
          newBatch: (t) => {
            if (inFlight) sink.batchesDuringWrite++;
            return new MemoryBatch(t);
          },
          write: async (b) => {
            sink.writeCalls++;
            const mb = b as MemoryBatch;
            const name = `${mb.table.sink.db}.${mb.table.sink.table}`;
            inFlight++;
            sink.writing.set(name, (sink.writing.get(name) ?? 0) + 1);
            sink.maxWritesPerWriter = Math.max(sink.maxWritesPerWriter, inFlight);
            sink.maxTablesWriting = Math.max(sink.maxTablesWriting, sink.writing.size);
            try {
              if (sink.writeDelayMs) await new Promise((r) => setTimeout(r, sink.writeDelayMs));
            } finally {
              inFlight--;
              const n = sink.writing.get(name)! - 1;
              if (n) sink.writing.set(name, n);
              else sink.writing.delete(name);
            }
            if (sink.failWriteAt === sink.writeCalls) throw connectionLost('sink');
            const rows = sink.tableOf(`${mb.table.sink.db}.${mb.table.sink.table}`);
            const key = mb.table.keyColumns.map((k) => mb.table.columns.findIndex((c) => c.name === k.name));
            for (const r of mb.list) {
              const k = key.length ? key.map((i) => r[i]).join('\u0000') : JSON.stringify(r);
              const id = `${mb.table.sink.db}.${mb.table.sink.table}:${k}`;
              sink.copiedTimes.set(id, (sink.copiedTimes.get(id) ?? 0) + 1);
              if (!rows.has(k)) rows.set(k, r);
            }
          },
          truncate: async (t) => void sink.tables.set(`${t.sink.db}.${t.sink.table}`, new Map()),
          close: async () => undefined,
        };
      },
      async close() {},
    };
  }
}

class MemoryBatch implements SinkBatch {
  readonly list: RawRow[] = [];
  bytes = 0;
  constructor(readonly table: CopyTable) {}
  get rows(): number {
    return this.list.length;
  }
  add(row: RawRow): void {
    this.list.push(row);
    for (const v of row) this.bytes += v === null ? 1 : v.length;
  }
}

function keyOf(t: ApplierTable, row: RawRow, columns: string[]): string {
  if (!t.info.chunkKey.length) return JSON.stringify(row);
  return t.info.chunkKey.map((k) => row[columns.indexOf(k)]).join('\u0000');
}

export function applyChange(db: Map<string, Rows>, tables: Map<string, ApplierTable>, c: RowChange, mode: ApplyMode): void {
  const name = c.name ?? `${c.db}.${c.table}`;
  const t = tables.get(name);
  if (!t) return;
  const sinkName = `${t.sink.db}.${t.sink.table}`;
  let rows = db.get(sinkName);
  if (!rows) db.set(sinkName, (rows = new Map()));
  const refuse = (what: string): never => {
    throw new CutoverError(`strict mode: ${what} in ${sinkName}`, 'a change applied twice, or a row the copy missed', 'SINK_ROW');
  };
  const before = c.before ? keyOf(t, c.before, c.columns) : null;
  const after = c.after ? keyOf(t, c.after, c.columns) : null;
  if (c.type === 'insert') {
    if (mode === 'strict' && rows.has(after!)) refuse(`insert of an existing key ${after}`);
    rows.set(after!, c.after!);
  } else if (c.type === 'update') {
    if (mode === 'strict' && !rows.has(before!)) refuse(`update of a missing key ${before}`);
    rows.delete(before!);
    rows.set(after!, c.after!);
  } else {
    if (mode === 'strict' && !rows.has(before!)) refuse(`delete of a missing key ${before}`);
    rows.delete(before!);
  }
}

class MemoryTarget implements StreamTarget<DdlContextBase> {
  private readonly tables = new Map<string, ApplierTable>();
  private closed = false;
  private open_: OpenTx | null = null;
  private preparedTxs: BinlogTransaction[] | null = null;
  prepare?: (txs: BinlogTransaction[], mode: ApplyMode) => void;
  constructor(private readonly sink: MemorySink) {
    if (sink.prepares) {
      this.prepare = (txs) => {
        sink.prepareCalls++;
        if (sink.applying > 0) sink.preparedDuringApply++;
        this.preparedTxs = txs;
      };
    }
  }

  private open(): void {
    if (this.closed) throw new Error('the memory change sink was used after close()');
  }

  async checkpoint(): Promise<Checkpoint | null> {
    this.open();
    return this.sink.checkpoint;
  }

  async setCheckpoint(end: SourcePosition, gtid: string | null): Promise<void> {
    this.open();
    this.sink.checkpoint = { position: end, gtid, pendingDdl: null };
  }

  setTable(name: string, t: ApplierTable): void {
    this.tables.set(name, t);
  }

  table(name: string): ApplierTable | undefined {
    return this.tables.get(name);
  }

  async apply(txs: BinlogTransaction[], mode: ApplyMode): Promise<number> {
    this.open();
    const open = this.open_ ?? undefined;
    this.open_ = null;
    if (!this.sink.prepares) return this.sink.commit(txs, mode, this.tables, open);
    const sink = this.sink;
    if (this.preparedTxs === txs) sink.appliesPrepared++;
    this.preparedTxs = null;
    sink.maxApplying = Math.max(sink.maxApplying, ++sink.applying);
    try {
      await new Promise((r) => setTimeout(r, 1));
      this.open();
      return sink.commit(txs, mode, this.tables, open);
    } finally {
      sink.applying--;
    }
  }

  async applyPiece(piece: TransactionPiece, mode: ApplyMode): Promise<void> {
    this.open();
    const open = this.open_;
    this.open_ = null; // a failed piece loses the transaction, as a rolled-back one
    this.open_ = this.sink.piece(open, piece, mode, this.tables);
  }

  async ddl(_ctx: DdlContextBase, ev: DdlEvent): Promise<void> {
    this.open();
    const cp = this.sink.checkpoint;
    if (cp && comparePositions(ev.end, cp.position) <= 0) return;
    this.sink.ddl.push(ev.sql);
    this.sink.checkpoint = { position: ev.end, gtid: ev.gtid, pendingDdl: null };
  }

  async close(): Promise<void> {
    this.open_ = null;
    this.closed = true;
  }
}
