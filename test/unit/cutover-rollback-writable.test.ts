// The rollback's writable summary: from both servers' read-only settings (read live) it says which server
// takes writes, in every combination, and how to finish when the answer is neither or both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rollbackWritable, type RollbackWritableInput } from '../../engine/cutover/rollback-writable.js';

const base: RollbackWritableInput = { oldReadOnly: true, newReadOnly: false, reverseRunning: true, rolledBack: false, completeWith: 'run `cutover rollback job.json --yes` again' };

test('before the freeze of the new server: the new server takes writes, the reverse job follows it (or not)', () => {
  const w = rollbackWritable(base);
  assert.equal(w.takesWrites, 'new');
  assert.match(w.detail, /reverse job keeps the old server in step/);
  const stopped = rollbackWritable({ ...base, reverseRunning: false });
  assert.equal(stopped.takesWrites, 'new');
  assert.match(stopped.detail, /the reverse job is not running: the old server falls behind/);
});

test('between the freeze and the old server writable: neither, with how to complete or go back', () => {
  const w = rollbackWritable({ ...base, newReadOnly: true });
  assert.equal(w.takesWrites, 'neither');
  assert.match(w.detail, /Complete the rollback \(run `cutover rollback job\.json --yes` again\)/);
  assert.match(w.detail, /SET GLOBAL read_only = OFF/);
});

test('the old server writable: old, saying whether the rollback is recorded as complete', () => {
  const half = rollbackWritable({ ...base, oldReadOnly: false, newReadOnly: true, reverseRunning: false });
  assert.equal(half.takesWrites, 'old');
  assert.match(half.detail, /last steps are not recorded yet/);
  const done = rollbackWritable({ ...base, oldReadOnly: false, newReadOnly: true, reverseRunning: false, rolledBack: true });
  assert.match(done.detail, /: rolled back\.$/);
});

test('both writable, or a setting that could not be read', () => {
  assert.equal(rollbackWritable({ ...base, oldReadOnly: false }).takesWrites, 'both');
  const u = rollbackWritable({ ...base, newReadOnly: null });
  assert.equal(u.takesWrites, 'unknown');
  assert.match(u.detail, /new server could not be read/);
});
