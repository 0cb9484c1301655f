// The PostgreSQL sink's copy side: creates each source database as a schema and each table from the
// mapped types (ddl.ts), then loads rows with COPY (pg-writer.ts), adds indexes after each table's load
// and foreign keys once every table is loaded (foreign-keys.ts).
import { CutoverError } from '../../../shared/errors.js';
import type { TableRef } from '../../../shared/table-selection.js';
import type { Logger } from '../../core/logger.js';
import type { CopyTable } from '../../core/tables.js';
import type { OnExisting, PreparedTable, Sink, SinkWriter } from '../sink.js';
import { connect, parseMysqlUrl } from '../../mysql/connection.js';
import { rawQuery } from '../../mysql/key-range.js';
import { charsetReady, loadSourceCharsets } from './charsets.js';
import { connectPg, pgTable, type PgClient } from './connection.js';
import { planTable } from './ddl.js';
import { NOT_TRANSLATED, applyForeignKeys, planForeignKeys, rememberPendingForeignKeys, readSourceForeignKeys, truncateTable, untranslatedObjects, type SourceForeignKey } from './foreign-keys.js';
import { PgWriter } from './pg-writer.js';
import { GEOMETRY_TYPES, postgisInstalled, sinkGeometryColumns, sourceColumnSrids } from './postgis.js';
import type { UnholdablePolicy } from './types.js';

export interface PgSinkOptions {
  url: string;
  /** The source, asked once per run how it converts its multi-byte charsets (charsets.ts). */
  /** The MySQL source's URL, asked only when the copy reads the source (a Kafka-source job never copies). */
  sourceUrl: () => string;
  policy: UnholdablePolicy;
  /** Type overrides by source "db.table.column". */
  types: Record<string, string>;
  mapTable: (ref: TableRef) => TableRef;
  log?: Logger;
  /** A binlog stream follows the copy (see PlanOptions.streamFollows). */
  streamFollows?: boolean;
  /** The job (its foreign keys refused by rows of the copy are remembered under it, for the stream to add). */
  jobName?: string;
}

export class PgSink implements Sink {
  readonly kind = 'postgres';

  /** PostGIS geometry columns of each prepared table (by stateId), for the writers' encoders. */
  private readonly geometry = new Map<number, Map<string, { srid: number }>>();

  private constructor(
    private readonly opts: PgSinkOptions,
    private readonly admin: PgClient,
    /** The sink database has the postgis extension (postgis.ts): spatial columns become geometry. */
    private readonly postgis: boolean,
  ) {}

  static async open(opts: PgSinkOptions): Promise<PgSink> {
    const admin = await connectPg(opts.url);
    try {
      return new PgSink(opts, admin, await postgisInstalled(admin));
    } catch (e) {
      await admin.end().catch(() => undefined);
      throw e;
    }
  }

  /** The SRID attributes of the table's spatial columns on the source (typing its PostGIS columns). */
  private async sourceSrids(t: CopyTable): Promise<Map<string, number>> {
    const conn = await connect(parseMysqlUrl(this.opts.sourceUrl()));
    try {
      return await sourceColumnSrids(conn, t.source.db, t.source.table);
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  async prepareTable(t: CopyTable, onExisting: OnExisting, alreadyOurs: boolean): Promise<PreparedTable> {
    const prepared = await this.prepare(t, onExisting, alreadyOurs);
    this.geometry.set(t.stateId, this.postgis ? await sinkGeometryColumns(this.admin, t.sink.db, t.sink.table) : new Map());
    return prepared;
  }

  private async exists(ref: TableRef): Promise<boolean> {
    const r = await this.admin.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2', [ref.db, ref.table]);
    return (r.rowCount ?? 0) > 0;
  }

  private async learnCharsets(t: CopyTable): Promise<void> {
    const needed = new Set(t.columns.map((c) => c.charset).filter((cs): cs is string => !charsetReady(cs)));
    if (!needed.size) return;
    const conn = await connect(parseMysqlUrl(this.opts.sourceUrl()));
    try {
      await loadSourceCharsets((sql) => rawQuery(conn, sql), needed);
    } finally {
      await conn.end().catch(() => undefined);
    }
  }

  private async prepare(t: CopyTable, onExisting: OnExisting, alreadyOurs: boolean): Promise<PreparedTable> {
    await this.learnCharsets(t);
    const srids = this.postgis && t.columns.some((c) => GEOMETRY_TYPES.has(c.dataType)) ? await this.sourceSrids(t) : undefined;
    const plan = planTable(t, { policy: this.opts.policy, types: this.opts.types, streamFollows: this.opts.streamFollows, foreignKeysLater: true, postgis: this.postgis, srids });
    const table = pgTable(t.sink);
    const warnings: string[] = [];
    if (await this.exists(t.sink)) {
      if (alreadyOurs) return { created: true, warnings, deferredIndexes: [] };
      const r = await this.admin.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if (!r.rowCount) return { created: true, warnings, deferredIndexes: plan.deferred };
      if (onExisting === 'fail')
        throw new CutoverError(
          `The sink table ${table} already exists and has rows.`,
          `Empty it (TRUNCATE TABLE ${table};), or set "snapshot": {"onExisting": "truncate"} to empty it automatically, or "append" to keep its rows (source rows whose key is already there are not copied).`,
        );
      if (onExisting === 'truncate') {
        await truncateTable(this.admin, t.sink);
        warnings.push(`emptied the existing sink table ${table} (onExisting: truncate)`);
        return { created: true, warnings, deferredIndexes: plan.deferred };
      }
      warnings.push(`appending to the existing rows of ${table} (onExisting: append)`);
      return { created: false, warnings, deferredIndexes: [] };
    }
    await this.admin.query('BEGIN');
    try {
      for (const sql of plan.create) await this.admin.query(sql);
      await this.admin.query('COMMIT');
    } catch (e) {
      await this.admin.query('ROLLBACK').catch(() => undefined);
      // Two tables of one new schema prepared at once: CREATE SCHEMA IF NOT EXISTS can race; once more.
      if ((e as { code?: string }).code === '23505' && !(await this.exists(t.sink))) return this.prepare(t, onExisting, alreadyOurs);
      throw new CutoverError(
        `Creating ${table} on the PostgreSQL sink failed: ${(e as Error).message}`,
        `Create the table on the sink by hand (the statements were:\n${plan.create.join(';\n')};\n) and run again with "onExisting": "append".`,
      );
    }
    return { created: true, warnings: [...warnings, ...plan.warnings], deferredIndexes: plan.deferred };
  }

  async finishTable(t: CopyTable, deferred: string[]): Promise<string | null> {
    if (!deferred.length) return null;
    const conn = await connectPg(this.opts.url);
    try {
      for (const sql of deferred) await conn.query(sql);
    } catch (e) {
      throw new CutoverError(
        `Adding the indexes of ${pgTable(t.sink)} after its copy failed: ${(e as Error).message}`,
        `Run again (the copy resumes and retries them), or run them by hand:\n${deferred.join(';\n')};`,
      );
    } finally {
      await conn.end().catch(() => undefined);
    }
    return deferredSummary(deferred);
  }

  async createViews(views: { sql: string; name: TableRef }[]): Promise<string[]> {
    return views.map((v) => `view ${v.name.db}.${v.name.table} not created on the PostgreSQL sink: ${NOT_TRANSLATED}`);
  }

  /** After the last table: the foreign keys among the copied tables, and the triggers, routines and events named as not translated. */
  async finishCopy(tables: CopyTable[]): Promise<string[]> {
    const src = await connect(parseMysqlUrl(this.opts.sourceUrl()));
    let fks: SourceForeignKey[];
    let untranslated: string[];
    try {
      fks = await readSourceForeignKeys(src, [...new Set(tables.map((t) => t.source.db))]);
      untranslated = await untranslatedObjects(src, tables);
    } finally {
      await src.end().catch(() => undefined);
    }
    const job = this.opts.streamFollows ? this.opts.jobName : undefined;
    const later = job
      ? (p: { label: string; sql: string }, why: string) =>
          `foreign key ${p.label} not created yet on the PostgreSQL sink: ${why}; the copy read its tables' chunks at different moments, so it is added once the stream has caught up (or run by hand then: ${p.sql};)`
      : undefined;
    const r = await applyForeignKeys(this.admin, planForeignKeys(fks, tables, this.opts.mapTable), later);
    if (job) await rememberPendingForeignKeys(this.admin, job, r.violated);
    if (fks.length) this.opts.log?.info(`foreign keys on the PostgreSQL sink: ${r.created} created, ${r.existing} already there, ${r.warnings.length} not created`);
    return [...r.warnings, ...untranslated];
  }

  async openWriter(): Promise<SinkWriter> {
    return new PgWriter(await connectPg(this.opts.url), this.opts.policy, this.opts.streamFollows ?? false, (t) => this.geometry.get(t.stateId));
  }

  async close(): Promise<void> {
    await this.admin.end().catch(() => undefined);
  }
}

/** What the deferred statements of a table did, for the job's log: "added 2 index(es), set the identity sequence". */
export function deferredSummary(deferred: string[]): string {
  const indexes = deferred.filter((sql) => /^CREATE (?:UNIQUE )?INDEX/.test(sql)).length;
  const others = deferred.length - indexes;
  return [indexes ? `added ${indexes} index(es)` : null, others ? 'set the identity sequence past the copied values' : null].filter(Boolean).join(', ');
}
