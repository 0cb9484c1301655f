// The copy phase's runner (chunks planned and copied by workers, each chunk marked done only once the sink
// has it) between an in-memory source and sink, its state in a real SQLite file: a failed write stops the
// copy, and the next run resumes with the chunks not done, copying no row twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobConfig, type JobConfig } from '../../shared/job-config.js';
import { CutoverError } from '../../shared/errors.js';
import { CopyRunner } from '../../engine/pipeline/copy-runner.js';
import { CopyMetrics } from '../../engine/pipeline/metrics.js';
import { Throttle } from '../../engine/pipeline/throttle.js';
import { StateStore } from '../../engine/state/store.js';
import type { CopyTable } from '../../engine/core/tables.js';
import type { Logger } from '../../engine/core/logger.js';
import type { SourceSession } from '../../engine/source/driver.js';
import { MemorySource, tableInfo } from '../helpers/memory-source.js';
import { MemorySink } from '../helpers/memory-sink.js';

const quiet: Logger = { log: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function setup(rows: number, tables = ['t']) {
  const source = new MemorySource();
  for (const name of tables) source.addTable(tableInfo('shop', name), Array.from({ length: rows }, (_, i) => [String(i + 1), `${name}${i + 1}`]));
  const sink = new MemorySink();
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'pipeline-copy-')), 'state.db'));
  const cfg = parseJobConfig({
    name: 'copy',
    source: { url: 'mysql://u:p@127.0.0.1:1' },
    sink: { type: 'mysql', url: 'mysql://u:p@127.0.0.1:2' },
    tables: { include: ['shop.*'] },
    mode: 'snapshot',
  }) as unknown as JobConfig;
  const jobId = store.upsertJob('copy', cfg).id;
  const plan: CopyTable[] = tables.map((name) => {
    const info = source.tables.get(`shop.${name}`)!.info;
    const row = store.ensureTable(jobId, info, info);
    return { stateId: row.id, source: info, sink: { db: 'shop', table: name }, columns: info.columns, keyColumns: info.columns.filter((c) => info.chunkKey.includes(c.name)) };
  });
  const copy = async (parallelism = 1): Promise<void> => {
    const signal = new AbortController().signal;
    for (const t of plan) await sink.copy.prepareTable(t, 'append', true);
    await new CopyRunner({
      store,
      openSource: async () => source.copySession() as unknown as SourceSession,
      sink: sink.copy,
      tables: plan,
      snapshot: { ...cfg.snapshot, chunkRows: 3, parallelism }, // small chunks: the job file's minimum is 100 rows
      batchBytes: 1 << 20,
      log: quiet,
      metrics: new CopyMetrics(store, jobId),
      throttle: new Throttle({ maxThreadsRunning: 0, maxRowsPerSecond: 0 }, async () => 0, quiet, signal),
      signal,
    }).run();
  };
  return { source, sink, store, jobId, plan, copy };
}

test('copy: a write that fails stops the copy; the next run copies only the chunks not done, no row twice', async () => {
  const { source, sink, store, plan, copy } = setup(10);
  sink.failWriteAt = 3; // the third chunk's write
  await assert.rejects(copy(), (e) => e instanceof CutoverError && /Copying shop\.t failed/.test(e.message));
  const t = plan[0]!.stateId;
  assert.equal(store.table(t).state, 'failed');
  assert.equal(store.table(t).chunks_done, 2, 'the chunks the sink has are done');
  assert.equal(sink.rows('shop.t').length, 6);
  const writesBefore = sink.writeCalls;
  await copy();
  assert.equal(sink.writeCalls - writesBefore, 2, 'chunks 3 and 4 only (rows 7–9 and 10)');
  assert.equal(store.table(t).state, 'done');
  assert.equal(store.table(t).rows_copied, 10);
  assert.deepEqual(sink.rows('shop.t'), [...source.tables.get('shop.t')!.rows.values()]);
  assert.deepEqual([...sink.copiedTimes.values()].filter((n) => n !== 1), [], 'no row written twice');
});

test('copy: several tables with parallel workers, resumed after a failure, end exact', async () => {
  const { source, sink, store, plan, copy } = setup(20, ['a', 'b', 'c']);
  sink.failWriteAt = 9;
  await assert.rejects(copy(3));
  const done = plan.reduce((n, t) => n + store.table(t.stateId).chunks_done, 0);
  assert.ok(done >= 1 && done < 21, `some chunks done before the failure (${done})`);
  await copy(3);
  for (const name of ['a', 'b', 'c']) {
    assert.deepEqual(sink.rows(`shop.${name}`), [...source.tables.get(`shop.${name}`)!.rows.values()], name);
  }
  for (const t of plan) assert.equal(store.table(t.stateId).rows_copied, 20);
  assert.equal(sink.writeCalls, 21 + 1, 'each of the 21 chunks written once, plus the failed write');
});

test("copy: a worker reads its next chunk while its last write is in flight, one write at a time per worker, and a chunk counts as done only once written", async () => {
  const { source, sink, store, plan, copy } = setup(30);
  sink.writeDelayMs = 5;
  await copy(1);
  assert.ok(sink.batchesDuringWrite >= 5, `the next chunk read during the last write (${sink.batchesDuringWrite} times)`);
  assert.equal(sink.maxWritesPerWriter, 1);
  const row = store.table(plan[0]!.stateId);
  assert.equal(row.chunks_done, row.chunks_planned);
  assert.equal(row.rows_copied, 30);
  assert.deepEqual(sink.rows('shop.t'), [...source.tables.get('shop.t')!.rows.values()]);
  assert.deepEqual([...sink.copiedTimes.values()].filter((n) => n !== 1), [], 'no row written twice');
});

for (const byTable of [false, true]) {
  test(`copy: ${byTable ? 'a sink that asks for table by table gets at most two tables written at once (one ending, one starting)' : 'by default the workers spread over the tables'}`, async () => {
    const { source, sink, copy } = setup(30, ['a', 'b', 'c', 'd']);
    sink.tableByTable = byTable;
    sink.writeDelayMs = 3;
    await copy(4);
    if (byTable) assert.ok(sink.maxTablesWriting <= 2, `${sink.maxTablesWriting} tables written at once`);
    else assert.ok(sink.maxTablesWriting >= 3, `${sink.maxTablesWriting} tables written at once`);
    for (const name of ['a', 'b', 'c', 'd']) assert.deepEqual(sink.rows(`shop.${name}`), [...source.tables.get(`shop.${name}`)!.rows.values()], name);
  });
}
