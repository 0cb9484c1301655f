// How far the sink is behind the source: the MySQL driver's bytes of binlog between two positions
// (bytesBetween, over the files SHOW BINARY LOGS lists), and the stream's metrics reading the source's
// position and that backlog through the source session (SourceSession.backlog), never a connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesBetween } from '../../engine/source/mysql/binlog-status.js';
import { StreamMetrics, type BacklogSource } from '../../engine/pipeline/stream-metrics.js';
import { StateStore } from '../../engine/state/store.js';
import { StreamStore, type StreamState } from '../../engine/state/stream-store.js';
import type { SourcePosition } from '../../engine/core/position.js';
import type { SourceBacklog, SourceStatus } from '../../engine/source/driver.js';
import { MemorySource, tableInfo } from '../helpers/memory-source.js';

const p = (file: string, pos: number): SourcePosition => ({ kind: 'mysql-binlog', file, pos });
const files = [
  { name: 'mysql-bin.000007', bytes: 1000 },
  { name: 'mysql-bin.000008', bytes: 500 },
  { name: 'mysql-bin.000009', bytes: 700 },
  { name: 'mysql-bin.000010', bytes: 300 },
];

test('bytes of binlog between two positions: in one file, across files (whole files between counted), none when at or past the head', () => {
  assert.equal(bytesBetween(p('mysql-bin.000008', 100), p('mysql-bin.000008', 420), files), 320);
  assert.equal(bytesBetween(p('mysql-bin.000007', 900), p('mysql-bin.000010', 250), files), 100 + 500 + 700 + 250);
  assert.equal(bytesBetween(p('mysql-bin.000009', 4), p('mysql-bin.000010', 4), files), 696 + 4);
  assert.equal(bytesBetween(p('mysql-bin.000010', 250), p('mysql-bin.000010', 250), files), 0);
  assert.equal(bytesBetween(p('mysql-bin.000010', 250), p('mysql-bin.000009', 10), files), 0);
});

test('bytes of binlog from a file the source no longer lists (purged) are not known', () => {
  assert.equal(bytesBetween(p('mysql-bin.000003', 100), p('mysql-bin.000010', 250), files), null);
});

function metricsOver(source: BacklogSource | null): { metrics: StreamMetrics; state: () => StreamState; streams: StreamStore; jobId: number } {
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'backlog-')), 'state.db'));
  const jobId = store.upsertJob('backlog', { name: 'backlog' } as never).id;
  const streams = new StreamStore(store);
  const metrics = new StreamMetrics(streams, jobId, source);
  return { metrics, streams, jobId, state: () => JSON.parse(store.jobById(jobId)!.stream_state!) as StreamState };
}

/** A source session whose head and backlog the test sets, recording what it was asked. */
class FakeSession implements BacklogSource {
  head: SourceStatus = { file: p('mysql-bin.000010', 250), gtid: { kind: 'mariadb-gtid', gtidPos: '0-1-120' } };
  bytesBehind: number | null = 1550;
  down = false;
  readonly asked: (SourcePosition | 'current')[] = [];

  async currentStatus(): Promise<SourceStatus> {
    this.asked.push('current');
    if (this.down) throw new Error('connection lost');
    return this.head;
  }

  async backlog(from: SourcePosition): Promise<SourceBacklog> {
    this.asked.push(from);
    if (this.down) throw new Error('connection lost');
    return { head: this.head, bytesBehind: this.bytesBehind };
  }
}

test('metrics: the source position and the bytes behind come from the session, transactions behind from the GTIDs', async () => {
  const session = new FakeSession();
  const { metrics, state, streams, jobId } = metricsOver(session);
  await metrics.sample();
  assert.deepEqual(session.asked, ['current'], 'nothing applied yet: only where the source stands');
  assert.deepEqual(state().source, { file: 'mysql-bin.000010', pos: 250, gtid: '0-1-120' });
  assert.equal(state().behindBytes, null);

  metrics.applied = { file: 'mysql-bin.000007', pos: 900, gtid: '0-1-100' };
  await metrics.sample();
  assert.deepEqual(session.asked.at(-1), p('mysql-bin.000007', 900), 'the backlog is asked from the applied position');
  assert.equal(state().behindBytes, 1550);
  assert.equal(state().behindTxs, 20);
  assert.equal(streams.samples(jobId).at(-1)?.behind_bytes, 1550);

  // At the head: no bytes behind means no transactions behind and no lag, whatever the GTIDs say.
  session.bytesBehind = 0;
  metrics.appliedAt = Date.now() / 1000 - 60;
  await metrics.sample();
  assert.equal(state().behindBytes, 0);
  assert.equal(state().behindTxs, 0);
  assert.equal(state().lagSeconds, 0);
});

test('metrics: while the source is unreachable, or between sessions, the last known position and backlog stand', async () => {
  const session = new FakeSession();
  const { metrics, state } = metricsOver(session);
  metrics.applied = { file: 'mysql-bin.000007', pos: 900, gtid: null };
  await metrics.sample();
  session.down = true;
  session.head = { file: p('mysql-bin.000011', 4), gtid: null };
  await metrics.sample();
  assert.deepEqual(state().source, { file: 'mysql-bin.000010', pos: 250, gtid: '0-1-120' });
  assert.equal(state().behindBytes, 1550);
  metrics.source = null;
  await metrics.sample();
  assert.equal(state().behindBytes, 1550);
});

test('metrics over the in-memory source: the bytes between the applied position and the head', async () => {
  const source = new MemorySource();
  source.addTable(tableInfo('shop', 't'));
  const applied = source.insert('shop.t', ['1', 'a']);
  source.insert('shop.t', ['2', 'b']);
  source.insert('shop.t', ['3', 'c']);
  const session = await source.openSession();
  const { metrics, state } = metricsOver(session);
  metrics.applied = { file: applied.file, pos: applied.pos, gtid: null };
  await metrics.sample();
  assert.equal(state().behindBytes, source.position.pos - applied.pos);
  assert.deepEqual(metrics.sourcePosition, source.position);
});
