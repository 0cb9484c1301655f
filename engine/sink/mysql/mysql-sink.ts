// The MySQL/MariaDB sink: creates the schema from the source's DDL and writes rows idempotently.
import { CutoverError } from '../../../shared/errors.js';
import type { TableRef } from '../../../shared/table-selection.js';
import { connect, queryRows, type Connection, type ServerAddress } from '../../mysql/connection.js';
import { quoteId, quoteTable } from '../../mysql/identifiers.js';
import type { OnExisting, PreparedTable, Sink, SinkWriter } from '../sink.js';
import { rewriteCreateTable, type TableRewrite } from '../../mysql/ddl-rewrite.js';
import { MysqlWriter, type WriteMethod } from './mysql-writer.js';
import { SINK_SESSION } from './session.js';
import type { CopyTable } from '../../core/tables.js';

export { SINK_SESSION };


export interface MysqlSinkOptions {
  address: ServerAddress;
  batchBytes?: number;
  /** Maps a source table to its sink name (for foreign keys that reference other tables). */
  mapTable: (ref: TableRef) => TableRef;
  databaseDefaults: (db: string) => Promise<{ charset: string; collation: string }>;
  /** A binlog stream follows the copy and reconciles rows that collide on a secondary unique key. */
  streamFollows?: boolean;
}

export class MysqlSink implements Sink {
  readonly kind = 'mysql';
  private admin!: Connection;
  private flavor: 'mysql' | 'mariadb' = 'mariadb';
  private statementBytes = 4 * 1024 * 1024;
  private packet = 0;
  private method: WriteMethod = 'load-data';
  private readonly createdDbs = new Set<string>();

  private constructor(private readonly opts: MysqlSinkOptions) {}

  static async open(opts: MysqlSinkOptions): Promise<MysqlSink> {
    const s = new MysqlSink(opts);
    s.admin = await connect(opts.address, SINK_SESSION);
    const [v] = await queryRows<{ v: string; p: string | number }>(s.admin, 'SELECT VERSION() AS v, @@max_allowed_packet AS p');
    s.flavor = /mariadb/i.test(String(v?.v)) ? 'mariadb' : 'mysql';
    const packet = Number(v?.p ?? 4194304);
    s.packet = packet;
    const [infile] = await queryRows<{ li: number | string }>(s.admin, 'SELECT @@local_infile AS li');
    s.method = Number(infile?.li) === 1 || String(infile?.li).toUpperCase() === 'ON' ? 'load-data' : 'insert';
    // Statements stay well under max_allowed_packet; larger batches do not make InnoDB faster.
    s.statementBytes = opts.batchBytes ?? Math.max(64 * 1024, Math.min(4 * 1024 * 1024, Math.floor(packet / 4)));
    if (s.statementBytes > packet - 1024) {
      throw new CutoverError(
        `sink.batchBytes (${s.statementBytes}) is larger than the sink's max_allowed_packet (${packet}).`,
        `Lower "sink.batchBytes", or raise the limit: SET GLOBAL max_allowed_packet = ${Math.max(packet * 2, 67108864)};`,
      );
    }
    return s;
  }

  /** How rows are written: LOAD DATA LOCAL when the sink allows it (faster), else multi-row INSERT. */
  get writeMethod(): WriteMethod {
    return this.method;
  }

  get maxStatementBytes(): number {
    return this.statementBytes;
  }

  private async ensureDatabase(db: string, sourceDb: string): Promise<void> {
    if (this.createdDbs.has(db)) return;
    const d = await this.opts.databaseDefaults(sourceDb);
    await this.admin.query(`CREATE DATABASE IF NOT EXISTS ${quoteId(db)} CHARACTER SET ${d.charset} COLLATE ${d.collation}`);
    this.createdDbs.add(db);
  }

  private async exists(ref: TableRef): Promise<boolean> {
    const rows = await queryRows(this.admin, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY)', [
      ref.db,
      ref.table,
    ]);
    return rows.length > 0;
  }

  async prepareTable(t: CopyTable, onExisting: OnExisting, alreadyOurs: boolean): Promise<PreparedTable> {
    const warnings: string[] = [];
    await this.ensureDatabase(t.sink.db, t.source.db);
    const rw: TableRewrite = {
      source: t.source,
      sink: t.sink,
      excludeColumns: new Set(t.source.columns.map((c) => c.name).filter((n) => !t.columns.some((c) => c.name === n) && !isGenerated(t, n))),
      mapTable: this.opts.mapTable,
    };
    const { sql, droppedIndexes, deferredIndexes } = rewriteCreateTable(t.source.createSql, rw);
    if (await this.exists(t.sink)) {
      if (alreadyOurs) return { created: true, warnings, deferredIndexes: [] };
      // An existing empty (or emptied) table is filled like a new one; of the source's deferrable indexes,
      // finishTable adds those it lacks (a table left by an interrupted earlier copy may lack them).
      const [row] = await queryRows(this.admin, `SELECT 1 AS x FROM ${quoteTable(t.sink)} LIMIT 1`);
      if (!row) return { created: true, warnings, deferredIndexes };
      if (onExisting === 'fail') {
        throw new CutoverError(
          `The sink table ${quoteTable(t.sink)} already exists and has rows.`,
          `Empty it (TRUNCATE TABLE ${quoteTable(t.sink)};), or set "snapshot": {"onExisting": "truncate"} to empty it automatically, or "append" to keep its rows (source rows whose key is already there are not copied).`,
        );
      }
      if (onExisting === 'truncate') {
        await this.admin.query(`TRUNCATE TABLE ${quoteTable(t.sink)}`);
        warnings.push(`emptied the existing sink table ${quoteTable(t.sink)} (onExisting: truncate)`);
        return { created: true, warnings, deferredIndexes };
      }
      warnings.push(`appending to the existing rows of ${quoteTable(t.sink)} (onExisting: append)`);
      return { created: false, warnings, deferredIndexes: [] };
    }
    for (const d of droppedIndexes) warnings.push(`not created on the sink because it uses an excluded column: ${d}`);
    try {
      await this.admin.query(sql);
    } catch (e) {
      throw new CutoverError(
        `Creating ${quoteTable(t.sink)} on the sink failed: ${(e as Error).message}`,
        `Create the table on the sink by hand (the statement was:\n${sql}\n) and run again with "onExisting": "append".`,
      );
    }
    return { created: true, warnings, deferredIndexes };
  }

  async finishTable(t: CopyTable, deferredIndexes: string[]): Promise<string | null> {
    if (!deferredIndexes.length) return null;
    const existing = new Set(
      (
        await queryRows<{ n: string }>(
          this.admin,
          'SELECT DISTINCT INDEX_NAME AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = CAST(? AS BINARY) AND TABLE_NAME = CAST(? AS BINARY)',
          [t.sink.db, t.sink.table],
        )
      ).map((r) => String(r.n)),
    );
    const missing = deferredIndexes.filter((d) => {
      const name = /^(?:KEY|INDEX) `((?:[^`]|``)+)`/i.exec(d)?.[1]?.replace(/``/g, '`');
      return !name || !existing.has(name);
    });
    if (!missing.length) return null;
    const conn = await connect(this.opts.address, SINK_SESSION);
    try {
      await conn.query(`ALTER TABLE ${quoteTable(t.sink)} ${missing.map((d) => `ADD ${d}`).join(', ')}`);
    } catch (e) {
      throw new CutoverError(
        `Adding the secondary indexes of ${quoteTable(t.sink)} after its copy failed: ${(e as Error).message}`,
        `Run again (the copy resumes and retries the indexes), or add them by hand: ALTER TABLE ${quoteTable(t.sink)} ${missing.map((d) => `ADD ${d}`).join(', ')};`,
      );
    } finally {
      await conn.end().catch(() => undefined);
    }
    return `added ${missing.length} secondary index(es)`;
  }

  async createViews(views: { sql: string; name: TableRef }[]): Promise<string[]> {
    // Views may depend on each other: create what can be created until nothing more succeeds.
    let pending = [...views];
    const errors = new Map<string, string>();
    for (let progress = true; pending.length && progress; ) {
      progress = false;
      const next: typeof pending = [];
      for (const v of pending) {
        if (await this.exists(v.name)) {
          errors.delete(quoteTable(v.name));
          continue;
        }
        try {
          await this.admin.query(v.sql);
          errors.delete(quoteTable(v.name));
          progress = true;
        } catch (e) {
          errors.set(quoteTable(v.name), (e as Error).message);
          next.push(v);
        }
      }
      pending = next;
    }
    return [...errors.entries()].map(([n, m]) => `view ${n} not created on the sink: ${m}`);
  }

  async openWriter(): Promise<SinkWriter> {
    return new MysqlWriter(await connect(this.opts.address, SINK_SESSION), this.flavor, this.statementBytes, this.method, this.opts.streamFollows ?? false, this.packet);
  }

  async close(): Promise<void> {
    await this.admin.end().catch(() => undefined);
  }
}

function isGenerated(t: CopyTable, name: string): boolean {
  return t.source.columns.some((c) => c.name === name && c.generated);
}
