// The sink kinds as the API lists them (sinkKinds), and the decisions taken from their capabilities
// instead of their names: repair refused with the kind's own explanation, a removal's words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sinkKind, sinkKinds } from '../../engine/sink/registry.js';
import { repairNote, repairUnavailable } from '../../engine/compare/repair-contract.js';

test('sinkKinds lists each kind once, with a title and every capability as a boolean', () => {
  const kinds = sinkKinds();
  assert.deepEqual(kinds.map((k) => k.kind).sort(), ['kafka', 'mysql']);
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
