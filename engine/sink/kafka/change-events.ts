// How the stream's row changes become records: per table a TableRenderer (created on first use, with the
// table's topic), the published columns picked out of each binlog row image, and the source block of
// each change event. A source transaction published in pieces is rendered part by part: `row` counts on
// across its parts and only its very last change carries the transaction's commit.
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { SourcePosition } from '../../core/position.js';
import type { RawRow } from '../../core/rows.js';
import type { RowChange } from '../../core/changes.js';
import type { ApplierTable } from '../../core/checkpoint.js';
import type { ChangeEventInput, ChangeOp, SourceInfo } from './formats/index.js';
import type { OutRecord } from './record-sender.js';
import { TableRenderer, type RenderedTopic } from './table-renderer.js';

const OPS: Record<RowChange['type'], ChangeOp> = { insert: 'c', update: 'u', delete: 'd' };

/**
 * Where each published column is in a binlog row image; `all`: every column of the image, in its order
 * (the image itself is then the published row, read and never changed by the renderers).
 */
type Positions = number[] & { all?: boolean };

/** The published columns of a row image, in the renderer's order. */
function pick(img: RawRow | null, pos: Positions): RawRow | null {
  if (!img) return null;
  if (pos.all === true && img.length === pos.length) return img;
  const out: RawRow = new Array(pos.length);
  for (let k = 0; k < pos.length; k++) out[k] = img[pos[k]!] ?? null;
  return out;
}

/** A part of a source transaction to render: its changes and what its change events say of it. */
export interface ChangePart {
  changes: RowChange[];
  /** The position the events carry: the transaction's end (a piece: its start, the end is not known yet). */
  at: SourcePosition;
  gtid: string | null;
  /** Commit time, unix seconds. */
  timestamp: number;
  /** The source.row of the first change (the changes of the transaction's earlier pieces). */
  firstRow: number;
  /** The last change commits the transaction (txCommit). */
  commits: boolean;
}

type Entry = { r: TableRenderer; positions: WeakMap<readonly string[], Positions> };

export class ChangeEvents {
  private readonly renderers = new Map<string, Entry>();

  constructor(
    private readonly cfg: KafkaSinkConfig,
    private readonly source: Omit<SourceInfo, 'tsMs' | 'file' | 'pos' | 'gtid' | 'row'>,
    private readonly tables: Map<string, ApplierTable>,
    private readonly topicOf: (sinkRef: TableRef) => Promise<RenderedTopic>,
  ) {}

  /** Forgets a table's renderer (its definition changed or it was dropped). */
  forget(sourceName: string): void {
    this.renderers.delete(sourceName);
  }

  private async renderer(name: string): Promise<Entry | null> {
    const have = this.renderers.get(name);
    if (have) return have;
    const t = this.tables.get(name);
    if (!t) return null;
    const topic = await this.topicOf(t.sink);
    const columns = t.info.columns.filter((c) => !c.generated);
    const keyColumns = t.info.chunkKey.map((k) => columns.find((c) => c.name === k)!).filter(Boolean);
    const r = new TableRenderer(t.info.db, t.info.table, columns, keyColumns, topic, { format: this.cfg.format, keyMode: this.cfg.key, tombstones: this.cfg.tombstones });
    const entry = { r, positions: new WeakMap<readonly string[], Positions>() };
    this.renderers.set(name, entry);
    return entry;
  }

  /** Where each published column is in a binlog row image (cached per image column list). */
  private positions(e: Entry, c: RowChange): Positions {
    const have = e.positions.get(c.columns);
    if (have) return have;
    const p: Positions = e.r.columns.map((col) => {
      let i = c.columns.indexOf(col.name);
      if (i < 0) i = c.columns.findIndex((n) => n.toLowerCase() === col.name.toLowerCase());
      if (i < 0)
        throw new CutoverError(
          `The binlog row image of ${c.db}.${c.table} has no column ${col.name} (its columns: ${c.columns.join(', ')}): the table's definition in the binlog differs from the one Cutover recorded.`,
          'The source table changed in a way the stream did not see (a DDL statement outside the binlog, e.g. sql_log_bin=0?). Run the job again with --resnapshot to copy it afresh.',
          'SINK_ROW',
        );
      return i;
    });
    p.all = p.length === c.columns.length && p.every((i, k) => i === k);
    e.positions.set(c.columns, p);
    return p;
  }

  /**
   * Renders the part's changes into `out`, skipping the tables in `held` and tables the job does not
   * publish; the changes of tables in `copying` (their copy may still publish chunks) are marked 'pending'.
   */
  async render(part: ChangePart, held: Set<string>, out: OutRecord[], copying?: ReadonlyMap<string, unknown>): Promise<void> {
    const now = Date.now();
    const n = part.changes.length;
    const base = this.source;
    for (let i = 0; i < n; i++) {
      const c = part.changes[i]!;
      const name = c.name ?? `${c.db}.${c.table}`;
      if (held.has(name)) continue;
      const e = this.renderers.get(name) ?? (await this.renderer(name));
      if (!e) continue;
      const pos = this.positions(e, c);
      const ev: ChangeEventInput = {
        op: OPS[c.type],
        table: e.r.kt,
        before: c.type === 'insert' ? null : pick(c.before, pos),
        after: c.type === 'delete' ? null : pick(c.after, pos),
        source: {
          serverId: base.serverId,
          snapshot: false,
          serverName: base.serverName,
          version: base.version,
          connector: base.connector,
          file: part.at.file,
          pos: part.at.pos,
          gtid: part.gtid,
          tsMs: part.timestamp * 1000,
          row: part.firstRow + i,
        },
        tsMs: now,
        txCommit: part.commits && i === n - 1,
      };
      if (copying?.size && copying.has(name)) ev.copyMark = 'pending';
      e.r.render(ev, out);
    }
  }
}
