// The sink kinds as the API lists them (sinkKinds), and the decisions taken from their capabilities
// instead of their names: repair refused with the kind's own explanation, a removal's words; each kind's
// own preflight checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sinkKind, sinkKinds } from '../../engine/sink/registry.js';
import { repairNote, repairUnavailable } from '../../engine/compare/repair-contract.js';
import { messageEstimates } from '../../engine/sink/kafka/preflight.js';
import type { SourceRowSizes } from '../../engine/core/row-sizes.js';
import type { CheckItem } from '../../shared/preflight.js';

test('sinkKinds lists each kind once, with a title and every capability as a boolean', () => {
  const kinds = sinkKinds();
  assert.deepEqual(kinds.map((k) => k.kind).sort(), ['elasticsearch', 'kafka', 'mysql', 'postgres']);
  const keys = Object.keys(kinds[0]!.capabilities).sort();
  for (const k of kinds) {
    assert.ok(k.title.length > 0, `${k.kind} has a title`);
    assert.deepEqual(Object.keys(k.capabilities).sort(), keys, `${k.kind} declares the same capabilities`);
    for (const v of Object.values(k.capabilities)) assert.equal(typeof v, 'boolean');
  }
  assert.throws(() => sinkKind('nosuch'), /Unknown sink type "nosuch"/);
});

test('repair: available where the kind can repair; elsewhere refused with what the kind says to do instead', () => {
  assert.deepEqual(repairNote(sinkKind('mysql')), { available: true, note: null });
  const kafka = sinkKind('kafka');
  const note = repairNote(kafka);
  assert.equal(note.available, false);
  assert.match(note.note ?? '', /^Repair is not available for Kafka sinks yet: Re-copy the table/);
  const refusal = repairUnavailable(kafka);
  assert.match(refusal.message, /^Repair is not available for Kafka sinks yet: Cutover would have to publish/);
  assert.match(refusal.fix ?? '', /consumers keep the last message per key\.$/);
});

test('what a removal leaves: a sink that keeps the checkpoint says how to delete it, one that does not has nothing to clean', () => {
  const mysql = sinkKind('mysql').leftovers("o'brien");
  assert.equal(sinkKind('mysql').capabilities.checkpointInSink, true);
  assert.match(mysql.cleaned?.(true) ?? '', /^Deleted the job's checkpoint row in `_cutover`\.`cutover_checkpoint` on the sink\.$/);
  assert.match(mysql.cleaned?.(false) ?? '', /had no checkpoint row/);
  assert.equal(mysql.cleanByHand, "DELETE FROM `_cutover`.`cutover_checkpoint` WHERE job = 'o''brien';");
  const kafka = sinkKind('kafka').leftovers('j');
  assert.equal(kafka.cleanable, '');
  assert.match(kafka.kept, /consumer group cutover-j/);
});

test('preflight: each kind brings its own checks (sinkCheck) with where they look; the MySQL one reports a refused connection as an item', async () => {
  const mysql = sinkKind('mysql').preflightOptions?.({ type: 'mysql', url: 'mysql://u:p@127.0.0.1:1' });
  assert.deepEqual(Object.keys(mysql ?? {}), ['sinkCheck']);
  assert.equal(mysql?.sinkCheck?.url, 'mysql://u:p@127.0.0.1:1');
  const kafka = sinkKind('kafka').preflightOptions?.({ type: 'kafka', brokers: ['b1:9092', 'b2:9092'] } as never);
  assert.equal(kafka?.sinkCheck?.url, 'kafka://b1:9092,b2:9092');

  const items: CheckItem[] = [];
  let asked = 0;
  const source: SourceRowSizes = {
    largestRows: async () => (asked++, []),
    estimateRows: async () => (asked++, []),
  };
  const server = await mysql!.sinkCheck!.check({ items, sourceTables: [{ db: 'a', table: 't' }], sinkName: (r) => r, streaming: false, source });
  assert.deepEqual(server, {});
  assert.deepEqual(items.map((i) => [i.id, i.side, i.status]), [['sink.connect', 'sink', 'fail']]);
  assert.equal(asked, 0, 'no sink, no packet limit: the source is not read');
});

test('Kafka preflight: the source rows become message estimates, largest first, measured only where the source measured', () => {
  const est = messageEstimates([
    { table: 'a.small', averageBytes: 100, largestBytes: null },
    { table: 'a.blobs', averageBytes: 200, largestBytes: 3_000_000 },
    { table: 'a.wide', averageBytes: 5000, largestBytes: null },
  ]);
  assert.deepEqual(est, [
    { table: 'a.blobs', bytes: 6_001_024, measured: true },
    { table: 'a.wide', bytes: 11_024, measured: false },
    { table: 'a.small', bytes: 1224, measured: false },
  ]);
});
