// A skip asked for while a Kafka-source job runs (engine/pipeline/skip-message.ts, `cutover skip-message`
// and the app's Skip): only the message a partition is paused at is taken, recorded in the state file for
// the running member to take to the sink; anything else is refused naming the paused messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../../engine/state/store.js';
import { ConsumerStore } from '../../engine/state/consumer-store.js';
import { requestMessageSkip } from '../../engine/pipeline/skip-message.js';
import { badMessage, parseMessageRef } from '../../engine/core/bad-messages.js';
import type { JobConfig } from '../../shared/job-config.js';

function setup(): { store: StateStore; members: ConsumerStore; jobId: number } {
  const store = new StateStore(':memory:');
  const cfg = { name: 'orders', source: { type: 'kafka', brokers: ['127.0.0.1:9092'], topics: ['t'] }, sink: { type: 'mysql', url: 'mysql://u@127.0.0.1:1' }, tables: { include: ['shop.*'] }, mode: 'stream' };
  const jobId = store.upsertJob('orders', cfg as unknown as JobConfig).id;
  const members = new ConsumerStore(store);
  // Partition 2 of topic t is paused at offset 9 (recorded by the process that holds it, pid 4242).
  members.recordPaused(jobId, 4242, badMessage({ topic: 't', partition: 2 }, { offset: '9', key: Buffer.from('k9'), value: Buffer.from('nope'), timestampMs: 0 }, { reason: 'not JSON', fix: 'skip it' }, 1));
  return { store, members, jobId };
}

test('a skip of the paused message is recorded once for the running member to take; it is gone once taken', () => {
  const { store, members, jobId } = setup();
  const job = store.job('orders')!;
  const r = requestMessageSkip(store, job, parseMessageRef('t:2:9'), 'ana@host pid 1');
  assert.deepEqual(r, { running: false }, 'no live member recorded: taken when the job runs again');
  requestMessageSkip(store, job, parseMessageRef('t:2:9'), 'bob@host pid 2');
  const pending = members.pendingSkips(jobId);
  assert.equal(pending.length, 1, 'asked twice, recorded once');
  assert.deepEqual({ ...pending[0], requestedAt: 0 }, { topic: 't', partition: 2, offset: '9', requestedBy: 'ana@host pid 1', requestedAt: 0 });
  members.record(jobId, process.pid, 'member-1', []);
  assert.deepEqual(requestMessageSkip(store, job, parseMessageRef('t:2:9'), 'ana@host pid 1'), { running: true }, 'a live member: it takes the request within seconds');
  members.dropSkip(jobId, pending[0]!);
  assert.deepEqual(members.pendingSkips(jobId), []);
  assert.ok(store.db.prepare("SELECT 1 FROM logs WHERE message LIKE 'skip of the message at t:2:9 requested by ana@host pid 1%'").get(), 'the request is in the job log');
});

test('a skip of anything but the paused message is refused, nothing recorded, naming what is paused', () => {
  const { store, members, jobId } = setup();
  const job = store.job('orders')!;
  for (const ref of ['t:2:8', 't:2:10', 't:1:9', 'u:2:9'])
    assert.throws(() => requestMessageSkip(store, job, parseMessageRef(ref), 'ana@host'), (e: Error) => {
      assert.match(e.message, new RegExp(`^${ref} is not a message job "orders" is paused at \\(paused: t:2:9\\)`));
      return true;
    });
  assert.deepEqual(members.pendingSkips(jobId), []);
  members.passed(jobId, { topic: 't', partition: 2 }, '10');
  assert.throws(() => requestMessageSkip(store, job, parseMessageRef('t:2:9'), 'ana@host'), /no partition is paused/, 'once the partition moved past it');
});
