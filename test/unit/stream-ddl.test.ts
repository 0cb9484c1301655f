// The stream's DDL handling over the change sink's DdlStatementSink contract (sink/stream-target.ts), no
// server: the statement mapped to the sink's names is run, the table's new definition is read back from the
// sink under its sink name and recorded under its source name, a drop forgets the table, and a statement
// the sink refuses pauses the job. The state file is real (SQLite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobConfig, type JobConfig } from '../../shared/job-config.js';
import type { TableRef } from '../../shared/table-selection.js';
import { handleDdl, type DdlContext } from '../../engine/pipeline/stream-ddl.js';
import type { DdlStatementSink } from '../../engine/sink/stream-target.js';
import type { ApplierTable } from '../../engine/core/checkpoint.js';
import type { SourcePosition } from '../../engine/core/position.js';
import type { TableInfo } from '../../engine/core/tables.js';
import type { DdlEvent } from '../../engine/core/changes.js';
import type { Logger } from '../../engine/core/logger.js';
import { StateStore } from '../../engine/state/store.js';
import { StreamStore } from '../../engine/state/stream-store.js';
import { CutoverError } from '../../shared/errors.js';
import { at, tableInfo } from '../helpers/memory-source.js';

/** A sink that records the statements it is given and holds table definitions by sink "db.table". */
class FakeDdlSink implements DdlStatementSink {
  readonly statements: (string | null)[] = [];
  readonly defs = new Map<string, TableInfo>();
  readonly tables = new Map<string, ApplierTable>();
  refuse: { errno: number; message: string } | null = null;

  async applyDdl(sql: string | null, _end: SourcePosition, _gtid: string | null): Promise<'applied' | 'already'> {
    if (sql && this.refuse) throw Object.assign(new Error(this.refuse.message), this.refuse);
    this.statements.push(sql);
    return 'applied';
  }

  setTable(sourceName: string, t: ApplierTable): void {
    this.tables.set(sourceName, t);
  }

  dropTable(sourceName: string): void {
    this.tables.delete(sourceName);
  }

  async readSinkTable(ref: TableRef): Promise<TableInfo | null> {
    return this.defs.get(`${ref.db}.${ref.table}`) ?? null;
  }
}

function context(sink: FakeDdlSink): { ctx: DdlContext; store: StateStore; streams: StreamStore; jobId: number } {
  const cfg = parseJobConfig({
    name: 'ddl',
    source: { url: 'mysql://u:p@127.0.0.1:1' },
    sink: { type: 'mysql', url: 'mysql://u:p@127.0.0.1:2' },
    tables: { include: ['shop.*'] },
    rename: { shop: 'shop_v2' },
    mode: 'stream',
  }) as unknown as JobConfig;
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'ddl-')), 'state.db'));
  const jobId = store.upsertJob(cfg.name, cfg).id;
  const streams = new StreamStore(store);
  const quiet = (): void => undefined;
  const log: Logger = { log: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };
  const tableIds = new Map<string, number>();
  const row = store.ensureTable(jobId, { db: 'shop', table: 't' }, { db: 'shop_v2', table: 't' });
  tableIds.set('shop.t', row.id);
  const ctx: DdlContext = { cfg, jobId, store, streams, log, tableIds, skipAt: null, applier: sink, readSourceTable: async () => null };
  return { ctx, store, streams, jobId };
}

const ddl = (sql: string, pos: number): DdlEvent => ({ kind: 'ddl', db: 'shop', sql, end: at(pos), gtid: null, timestamp: 0 });

test("an ALTER runs under the sink's names; the definition read back from the sink is recorded under the source name", async () => {
  const sink = new FakeDdlSink();
  sink.defs.set('shop_v2.t', tableInfo('shop_v2', 't', ['id', 'v', 'w']));
  const { ctx, streams, jobId } = context(sink);
  await handleDdl(ctx, ddl('ALTER TABLE t ADD COLUMN w INT', 200), false);
  assert.equal(sink.statements.length, 1);
  assert.match(sink.statements[0]!, /ALTER TABLE `shop_v2`\.`t` ADD COLUMN w INT/);
  const t = sink.tables.get('shop.t');
  assert.deepEqual(t?.info.columns.map((c) => c.name), ['id', 'v', 'w']);
  assert.deepEqual([t?.info.db, t?.info.table], ['shop', 't']);
  const history = streams.schemaAt(jobId, at(200)).get('shop.t');
  assert.deepEqual(history?.info?.columns.map((c) => c.name), ['id', 'v', 'w']);
  assert.deepEqual(history?.from, at(200));
});

test('a table the sink does not have after the statement is not given a definition', async () => {
  const sink = new FakeDdlSink();
  const { ctx } = context(sink);
  await handleDdl(ctx, ddl('ALTER TABLE t ADD COLUMN w INT', 200), false);
  assert.equal(sink.statements.length, 1);
  assert.equal(sink.tables.has('shop.t'), false);
});

test('a DROP forgets the table on the sink side, marks it dropped and records the drop in the schema history', async () => {
  const sink = new FakeDdlSink();
  sink.tables.set('shop.t', { sink: { db: 'shop_v2', table: 't' }, info: tableInfo('shop', 't') });
  const { ctx, store, streams, jobId } = context(sink);
  const id = ctx.tableIds.get('shop.t')!;
  await handleDdl(ctx, ddl('DROP TABLE t', 300), false);
  assert.match(sink.statements[0]!, /DROP TABLE `shop_v2`\.`t`/);
  assert.equal(sink.tables.has('shop.t'), false);
  assert.equal(ctx.tableIds.has('shop.t'), false);
  assert.equal(store.table(id).state, 'dropped');
  assert.equal(streams.schemaAt(jobId, at(300)).has('shop.t'), false);
});

test('a statement the sink refuses pauses the job with the statement and the server message', async () => {
  const sink = new FakeDdlSink();
  sink.refuse = { errno: 1054, message: "Unknown column 'nope'" };
  const { ctx, store, jobId } = context(sink);
  await assert.rejects(handleDdl(ctx, ddl('ALTER TABLE t DROP COLUMN nope', 400), false), (e) => e instanceof CutoverError && e.code === 'DDL_PAUSED' && /Unknown column 'nope'/.test(e.message));
  const pending = JSON.parse(store.jobById(jobId)!.pending_ddl!) as { sql: string; reason: string };
  assert.equal(pending.sql, 'ALTER TABLE t DROP COLUMN nope');
  assert.match(pending.reason, /the sink refused it/);
  assert.equal(sink.statements.length, 0);
});
