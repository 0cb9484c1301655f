// What the binlog reader keeps per table id from the TableMap events: the converters of the table's columns
// (set on zongji's entry, so zongji decodes the rows into converted values), the ENUM/SET labels, and the
// column details the binlog lacks (the consumer's schema history, else information_schema). A DDL
// (schemaChanged) makes the next TableMap of every table build its converters again.
import type { TableMapEvent } from '@vlasky/zongji';
import { queryRows, type Connection } from '../../mysql/connection.js';
import { BinlogType, converterFor, type ColumnHint, type ValueConverter } from './binlog-values.js';
import { sameColumns, schemaLabels, type TableState } from './binlog-table-state.js';

/** zongji internals the reader relies on (pinned version 0.9.0, see FINDINGS.md). */
export interface ZongJiTable {
  columns: { name: string; type: number; charset: string | null }[];
  columnSchemas: Record<string, unknown>[];
  /** Set by the reader: zongji then decodes this table's rows as arrays of these converters' results (see the zongji patch). */
  convert?: ValueConverter[];
}

const HINT_SQL = `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, EXTRA AS extra
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY)`;

/** The parts of zongji the table maps use. */
export interface ZongJiTables {
  tableMap: Record<number, ZongJiTable>;
  isMariaDb?: boolean;
}

export class BinlogTableMaps {
  private readonly tables = new Map<number, TableState>();
  private readonly hints = new Map<string, Map<string, ColumnHint>>();
  private hintsVersion = 0;

  constructor(
    private readonly zongji: ZongJiTables,
    private readonly meta: Connection,
    /** Column details of a table as the consumer knows it (its schema history); null: read the source. */
    private readonly knownHints: ((db: string, table: string) => Map<string, ColumnHint> | null) | undefined,
    /** Pauses the binlog while column details are read (resume), and reports a failure to read them. */
    private readonly io: { pause(): void; resume(): void; fail(e: Error): void },
  ) {}

  /** The table a rows event refers to, by its table id. */
  get(tableId: number): TableState | undefined {
    return this.tables.get(tableId);
  }

  /** A DDL statement went by: the schema may have changed, the column details are read again. */
  schemaChanged(): void {
    this.hints.clear();
    this.hintsVersion++;
  }

  /** A TableMap event (before the rows events of its table are parsed): zongji's entry gets the table's converters. */
  onTableMap(ev: TableMapEvent): void {
    const z = this.zongji;
    const t = z.tableMap[ev.tableId];
    if (!t) return;
    if ((ev as unknown as { unchanged?: boolean }).unchanged === true) {
      // The same bytes as the TableMap that built zongji's entry (patches/@vlasky+zongji+0.9.0.patch): its
      // columns, labels and converters hold, unless a DDL changed the hints since (then they are built again
      // from what that TableMap said).
      const prev = this.tables.get(ev.tableId);
      if (prev && prev.hintsVersion !== this.hintsVersion) this.buildTable(ev, t, prev.labels, prev.selfDescribing);
      return;
    }
    const enumSet = (ev as unknown as { _enumSetValues?: (Buffer[] | undefined)[] })._enumSetValues;
    const labels: (string[] | null)[] = [];
    // Synchronous, before the row events of this table are parsed: raw bytes for text, numbers for ENUM/SET.
    t.columns.forEach((col, i) => {
      const charset = col.charset;
      if (col.charset != null) col.charset = 'binary'; // raw text: one code unit per byte (see the zongji patch)
      const s = t.columnSchemas[i]!;
      const isEnumSet = col.type === BinlogType.ENUM || col.type === BinlogType.SET;
      let names: string[] | null = isEnumSet && enumSet?.[i] ? enumSet[i]!.map((b) => b.toString('latin1')) : null;
      if (isEnumSet && !names) {
        // binlog_row_metadata=MINIMAL: the labels come from the current schema (zongji read COLUMN_TYPE)
        names = schemaLabels(String(s.COLUMN_TYPE ?? ''), String(s.CHARACTER_SET_NAME ?? charset ?? 'utf8mb4'), `${ev.schemaName}.${ev.tableName}`);
      }
      if (col.type === BinlogType.ENUM) s.ENUM_VALUES = names!.map((_, k) => k + 1);
      if (col.type === BinlogType.SET) s.SET_VALUES = names!.map((_, k) => k);
      if (col.type === BinlogType.GEOMETRY) s.RAW_GEOMETRY = true; // patches/@vlasky+zongji+0.9.0.patch
      labels.push(names);
    });
    // The same table is mapped again before every transaction that touches it: reuse its converters.
    const prev = this.tables.get(ev.tableId);
    if (prev && prev.hintsVersion === this.hintsVersion && prev.db === ev.schemaName && prev.table === ev.tableName && sameColumns(prev, t.columns, labels)) {
      t.convert = prev.convert;
      return;
    }
    const e = ev as unknown as { hasSelfDescribingMetadata?: () => boolean; hasAmbiguousTemporalColumns?: () => boolean };
    const selfDescribing = e.hasSelfDescribingMetadata?.() === true && !(z.isMariaDb && e.hasAmbiguousTemporalColumns?.() === true);
    this.buildTable(ev, t, labels, selfDescribing);
  }

  /**
   * The converters of a table's columns, kept by table id and set on zongji's entry (`convert`: zongji then
   * hands out rows as arrays of converted values); with the hints this needs, read first when the binlog lacks them.
   */
  private buildTable(ev: TableMapEvent, t: ZongJiTable, labels: (string[] | null)[], selfDescribing: boolean): void {
    const key = `${ev.schemaName}\0${ev.tableName}`;
    const build = (hints: Map<string, ColumnHint>): void => {
      const state: TableState = {
        db: ev.schemaName,
        table: ev.tableName,
        name: `${ev.schemaName}.${ev.tableName}`,
        columns: t.columns.map((c) => c.name),
        convert: t.columns.map((c, i) => converterFor({ name: c.name, type: c.type, labels: labels[i]!, hint: hints.get(c.name) ?? null })),
        types: t.columns.map((c) => c.type),
        labels,
        hintsVersion: this.hintsVersion,
        selfDescribing,
        fullBitmap: undefined,
      };
      this.tables.set(ev.tableId, state);
      t.convert = state.convert;
    };
    const known = selfDescribing ? this.knownHints?.(ev.schemaName, ev.tableName) : null;
    if (known) return build(known);
    const cached = this.hints.get(key);
    if (cached) return build(cached);
    if (!selfDescribing) {
      // zongji has just read the columns from information_schema (binlog_row_metadata=MINIMAL) and will
      // resume the connection as soon as this handler returns: take the hints from what it read.
      const hints = new Map<string, ColumnHint>();
      for (const c of t.columnSchemas) {
        const columnType = String(c.COLUMN_TYPE ?? '').toLowerCase();
        hints.set(String(c.COLUMN_NAME), { dataType: /^[a-z0-9_]+/.exec(columnType)?.[0] ?? '', columnType, generated: false, textForm: true });
      }
      return build(hints);
    }
    // Column details the binlog lacks (UUID/INET, zerofill, DOUBLE(M,D)): read them before the rows are parsed.
    this.io.pause();
    queryRows<{ name: string; dataType: string; columnType: string; extra: string }>(this.meta, HINT_SQL, [ev.schemaName, ev.tableName])
      .then((rows) => {
        const hints = new Map<string, ColumnHint>();
        for (const r of rows) {
          hints.set(String(r.name), {
            dataType: String(r.dataType).toLowerCase(),
            columnType: String(r.columnType).toLowerCase(),
            generated: /GENERATED|PERSISTENT|VIRTUAL|STORED/i.test(String(r.extra)),
          });
        }
        this.hints.set(key, hints);
        build(hints);
        this.io.resume();
      })
      .catch((e: Error) => this.io.fail(e));
  }
}
