// A whole run (runJob: open → schema → copy → views → stream) on the in-memory drivers
// (test/helpers/memory-drivers.ts), its state in a real SQLite file: a snapshot copies every row exactly
// (renames and views planned through the source session); snapshot+stream applies what changed after the
// snapshot point and stops when asked; a run that fails mid-copy resumes without copying a finished chunk
// again. Nothing connects to a server: the job's URLs are placeholders the memory drivers never dial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobConfig, type JobConfig } from '../../shared/job-config.js';
import { CutoverError } from '../../shared/errors.js';
import { runJob, type RunJobOptions } from '../../engine/pipeline/job-runner.js';
import { formatPosition } from '../../engine/core/position.js';
import { StateStore } from '../../engine/state/store.js';
import type { RawRow } from '../../engine/core/rows.js';
import { MemorySource, tableInfo } from '../helpers/memory-source.js';
import { MemorySink } from '../helpers/memory-sink.js';
import { MemorySinkDriver, MemorySourceDriver, type MemorySourceOptions } from '../helpers/memory-drivers.js';

const rowsOf = (prefix: string, n: number): RawRow[] => Array.from({ length: n }, (_, i) => [String(i + 1), `${prefix}${i + 1}`]);

const VIEW =
  'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `shop`.`active_users` AS select `shop`.`users`.`id` AS `id`,`shop`.`users`.`v` AS `v` from `shop`.`users` where `shop`.`users`.`v` <> \'\'';

/** Source "shop": orders (250 rows: chunks of 100, 100, 50), users (120 rows: 100, 20), one view; users go to "crm" on the sink. */
function setup(mode: 'snapshot' | 'snapshot+stream', o: { parallelism?: number; source?: Omit<MemorySourceOptions, 'views'>; sink?: object } = {}) {
  const source = new MemorySource();
  source.addTable(tableInfo('shop', 'orders'), rowsOf('o', 250));
  source.addTable(tableInfo('shop', 'users'), rowsOf('u', 120));
  const sink = new MemorySink();
  const sourceDriver = new MemorySourceDriver(source, { views: { 'shop.active_users': VIEW }, ...o.source });
  const sinkDriver = new MemorySinkDriver(sink);
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'pipeline-run-')), 'state.db'));
  const config = parseJobConfig({
    name: 'whole',
    source: { url: 'mysql://memory@localhost:1/' },
    sink: o.sink ?? { type: 'mysql', url: 'mysql://memory@localhost:2/' },
    tables: { include: ['shop.*'] },
    rename: { 'shop.users': 'crm.users' },
    mode,
    snapshot: { chunkRows: 100, parallelism: o.parallelism ?? 2 },
    stream: { batch: { maxRows: 50, maxBytes: 1 << 20, maxDelayMs: 60_000 } },
  }) as unknown as JobConfig;
  const run = (extra: Partial<RunJobOptions> = {}) =>
    runJob({ store, config, signal: new AbortController().signal, drivers: { source: sourceDriver, sink: sinkDriver }, ...extra });
  const jobId = () => store.job('whole')!.id;
  /** The sink holds exactly the source's rows, table by table. */
  const exact = (): boolean =>
    JSON.stringify(sink.rows('shop.orders')) === JSON.stringify([...source.tables.get('shop.orders')!.rows.values()].sort((a, b) => Number(a[0]) - Number(b[0]))) &&
    JSON.stringify(sink.rows('crm.users')) === JSON.stringify([...source.tables.get('shop.users')!.rows.values()].sort((a, b) => Number(a[0]) - Number(b[0])));
  return { source, sink, sourceDriver, sinkDriver, store, config, run, jobId, exact };
}

/** Sorted source rows of a table, as the sink's rows() lists them. */
function sourceRows(source: MemorySource, table: string): RawRow[] {
  return [...source.tables.get(table)!.rows.values()].sort((a, b) => Number(a[0]) - Number(b[0]));
}

/** Waits (polling) until `ok()`; fails after a generous bound so a broken run cannot hang the suite. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(), `never happened: ${what}`);
}

/** Every committed transaction end applied once (a double apply shows as a repeat). */
function appliedOnce(sink: MemorySink): void {
  const ends = sink.appliedEnds.map(formatPosition);
  assert.equal(new Set(ends).size, ends.length, `a transaction applied twice: ${ends.join(' ')}`);
}

test('run "snapshot": every row copied exactly once, renames and views planned over the source session, everything closed', async () => {
  const { source, sink, sourceDriver, sinkDriver, store, run, jobId } = setup('snapshot');
  assert.equal(await run(), 'done');
  assert.deepEqual(sink.rows('shop.orders'), sourceRows(source, 'shop.orders'));
  assert.deepEqual(sink.rows('crm.users'), sourceRows(source, 'shop.users'), 'users copied under their sink name');
  assert.equal(sink.tables.has('shop.users'), false);
  assert.equal(sink.copiedTimes.size, 370);
  assert.deepEqual([...sink.copiedTimes.values()].filter((n) => n !== 1), [], 'no row written twice');
  assert.equal(sink.writeCalls, 5, 'one write per chunk: 3 of orders, 2 of users');
  const tables = store.tables(jobId());
  assert.deepEqual(tables.map((t) => [`${t.src_db}.${t.src_table}`, t.state, t.rows_copied]).sort(), [
    ['shop.orders', 'done', 250],
    ['shop.users', 'done', 120],
  ]);
  assert.equal(store.jobById(jobId())!.state, 'done');
  assert.equal(sinkDriver.views.length, 1);
  assert.deepEqual(sinkDriver.views[0]!.name, { db: 'shop', table: 'active_users' });
  assert.match(sinkDriver.views[0]!.sql, /VIEW `shop`\.`active_users` AS select `crm`\.`users`\.`id`/, 'the view reads the renamed table');
  assert.doesNotMatch(sinkDriver.views[0]!.sql, /DEFINER=/, 'the source account does not become the definer on the sink');
  assert.equal(sourceDriver.sessionsOpen, 0, 'every source session the run opened is closed');
  assert.ok(sourceDriver.sessionsOpened >= 3, 'a metadata session, a filter check and copy workers');
  assert.equal(sinkDriver.runsOpen, 0);
  assert.equal(sourceDriver.readersOpened, 0, 'a snapshot reads no change stream');

  const writes = sink.writeCalls;
  assert.equal(await run(), 'done', 'a finished snapshot job is not copied again');
  assert.equal(sink.writeCalls, writes);
});

test('run "snapshot": a table\'s deferred step is logged in the sink\'s own words once its copy is done, not as indexes', async () => {
  const { sink, store, run } = setup('snapshot');
  sink.deferredStep = 'restore the settings';
  assert.equal(await run(), 'done');
  const lines = store.logs({ job: 'whole' }).map((l) => `${l.tbl ?? ''}: ${l.message}`);
  for (const t of ['shop.orders', 'shop.users']) assert.ok(lines.some((l) => new RegExp(`^${t}: did restore the settings after the copy in [0-9.]+ s$`).test(l)), lines.join('\n'));
  assert.ok(!lines.some((l) => /secondary index/.test(l)), lines.join('\n'));
});

test('run "snapshot": a sink write that fails on chunk 4 fails the run; the next run copies only the chunks not done and ends exact', async () => {
  const { source, sink, store, run, jobId } = setup('snapshot', { parallelism: 1 });
  sink.failWriteAt = 4;
  await assert.rejects(run(), (e) => e instanceof CutoverError && /failed/.test(e.message));
  assert.equal(store.jobById(jobId())!.state, 'failed');
  assert.equal(sink.writeCalls, 4, 'three chunks written, the fourth refused');
  const doneBefore = store.tables(jobId()).reduce((n, t) => n + t.chunks_done, 0);
  assert.equal(doneBefore, 3, 'the chunks the sink has are done');
  const rowsBefore = sink.copiedTimes.size;

  assert.equal(await run(), 'done');
  assert.equal(sink.writeCalls - 4, 2, 'the second run writes the two chunks not done, none of the three done');
  assert.equal(sink.copiedTimes.size - rowsBefore, 370 - rowsBefore);
  assert.deepEqual([...sink.copiedTimes.values()].filter((n) => n !== 1), [], 'no row written twice');
  assert.deepEqual(sink.rows('shop.orders'), sourceRows(source, 'shop.orders'));
  assert.deepEqual(sink.rows('crm.users'), sourceRows(source, 'shop.users'));
  assert.equal(store.tables(jobId()).reduce((n, t) => n + t.chunks_done, 0), 5);
  assert.equal(store.jobById(jobId())!.state, 'done');
});

test('run "snapshot+stream" into a sink that publishes the copy between the changes: refused when the source cannot tell its snapshots\' exact positions', async () => {
  const { sink, store, run, jobId, sourceDriver } = setup('snapshot+stream', { sink: { type: 'kafka', brokers: ['localhost:1'] }, source: { exactSnapshotPositions: false } });
  await assert.rejects(run(), (e) => e instanceof CutoverError && e.code === 'CONFIG' && /which only MariaDB reports \(binlog_snapshot_position\)/.test(e.message));
  assert.equal(store.jobById(jobId())!.state, 'failed');
  assert.equal(sink.writeCalls, 0, 'nothing copied');
  assert.equal(sourceDriver.readersOpened, 0, 'no stream started');
  assert.equal(sourceDriver.sessionsOpen, 0);
});

test('run "snapshot+stream": changes made during the copy are applied after it; a later run streams until stopped', async () => {
  const { source, sink, sourceDriver, sinkDriver, store, run, jobId, exact } = setup('snapshot+stream', {
    parallelism: 1,
    source: {
      // After the first chunk read: change a row already read, delete one not read yet, add one at the end;
      // after the fourth: change a user row (read already or not, as the workers took the chunks).
      afterChunk: (n) => {
        if (n === 1) {
          source.update('shop.orders', ['1', 'o1 changed during the copy']);
          source.delete('shop.orders', '200');
          source.insert('shop.orders', ['251', 'o251 inserted during the copy']);
        }
        if (n === 4) source.update('shop.users', ['110', 'u110 changed during the copy']);
      },
    },
  });
  const start = source.position;
  assert.equal(await run({ exitWhenCaughtUp: true }), 'caught-up');
  const job = store.jobById(jobId())!;
  assert.equal(formatPosition(JSON.parse(job.copy_start_position!).file), formatPosition(start), 'the stream starts where the source stood before the copy');
  assert.ok(exact(), 'the sink has every change made during the copy');
  assert.deepEqual(sink.rows('shop.orders')[0], ['1', 'o1 changed during the copy']);
  assert.equal(sink.rows('shop.orders').some((r) => r[0] === '200'), false);
  assert.equal(sink.checkpoint && formatPosition(sink.checkpoint.position), formatPosition(source.position), 'the checkpoint is at the copy end');
  appliedOnce(sink);
  assert.equal(job.state, 'stopped');

  // A second run goes straight to the stream (the schema history is there) and follows the source until stopped.
  const writes = sink.writeCalls;
  const stop = new AbortController();
  const running = run({ signal: stop.signal });
  await until(() => store.jobById(jobId())!.phase === 'streaming', 'the second run streams');
  source.insert('shop.users', ['121', 'u121']);
  source.commit({ table: 'shop.orders', type: 'update', after: ['2', 'o2 changed while streaming'] }, { table: 'shop.users', type: 'delete', before: ['1', 'u1'] });
  await until(exact, 'the sink follows the source while streaming');
  stop.abort();
  assert.equal(await running, 'stopped');
  assert.ok(exact());
  assert.equal(sink.writeCalls, writes, 'nothing copied again');
  appliedOnce(sink);
  assert.equal(store.jobById(jobId())!.state, 'stopped');
  assert.equal(sourceDriver.sessionsOpen, 0, 'every source session closed');
  assert.equal(sourceDriver.readersOpen, 0, 'every change reader closed');
  assert.equal(sinkDriver.runsOpen, 0);
});
