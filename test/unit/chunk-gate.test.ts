// The copy/stream handoff gate (engine/core/chunk-gate.ts): what the stream may publish while copy
// chunks are being read, in which order chunks come out, and chunks whose snapshot is behind the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkGate } from '../../engine/core/chunk-gate.js';
import type { SourcePosition } from '../../engine/core/position.js';

const at = (pos: number, file = 'mysql-bin.000001'): SourcePosition => ({ kind: 'mysql-binlog', file, pos });

test('a reservation without a position holds everything; with one, only what lies past it', () => {
  const g = new ChunkGate<string>();
  const r = g.reserve();
  assert.equal(g.unsettled, true, 'nothing may be published before the snapshot position is known');
  assert.equal(r.setPosition(at(500)), true);
  assert.equal(g.unsettled, false);
  assert.deepEqual(g.holdPosition(), at(500), 'changes ending after 500 wait for the chunk read at 500');
  void r.submit('rows', () => undefined);
  assert.equal(g.holdPosition(), null, 'submitted: nothing is held any more');
});

test('chunks come out in binlog order, before the first change that ends after them (equal: after it)', () => {
  const g = new ChunkGate<string>();
  for (const [p, name] of [[900, 'c'], [300, 'a'], [600, 'b']] as const) {
    const r = g.reserve();
    r.setPosition(at(p));
    void r.submit(name, () => undefined);
  }
  assert.deepEqual(g.take(at(300), false).map((s) => s.payload), [], 'a change ending at 300 is in the chunk read at 300: it goes first');
  assert.deepEqual(g.take(at(700), false).map((s) => s.payload), ['a', 'b']);
  assert.deepEqual(g.take(at(900), true).map((s) => s.payload), ['c'], 'idle at 900: the chunk read at 900 can go');
  assert.equal(g.pending, 0);
  assert.deepEqual(g.take(at(10, 'mysql-bin.000002'), false), [], 'taken once');
});

test('a snapshot behind what the stream already published is refused (the chunk is read again)', () => {
  const g = new ChunkGate<string>();
  g.publishedUpTo = at(1000);
  const late = g.reserve();
  assert.equal(late.setPosition(at(999)), false);
  assert.equal(g.pending, 0, 'the refused reservation is gone');
  const ok = g.reserve();
  assert.equal(ok.setPosition(at(1000)), true, 'at the published position is fine');
});

test('chunks whose publishing failed go back and come out again; a failed sink fails every waiting chunk', async () => {
  const g = new ChunkGate<string>();
  const r = g.reserve();
  r.setPosition(at(100));
  const done = r.submit('x', () => undefined);
  const taken = g.take(at(200), false);
  assert.equal(taken.length, 1);
  g.restore(taken);
  assert.deepEqual(g.take(at(200), false).map((s) => s.payload), ['x']);
  g.restore(taken);
  const boom = new Error('broker gone');
  g.fail(boom);
  await assert.rejects(done, /broker gone/);
  assert.throws(() => g.reserve(), /broker gone/);
});

test('each transaction is placed through advance(): a snapshot taken while a batch renders cannot land behind it', () => {
  const g = new ChunkGate<string>();
  assert.equal(g.advance(at(100)), true, 'nothing reserved: the transaction ending at 100 is placed');
  assert.deepEqual(g.publishedUpTo, at(100), 'the frontier moves when the transaction is placed, before it is sent');
  // A copy worker reserves while the stream renders the rest of its batch.
  const r = g.reserve();
  assert.equal(g.advance(at(200)), false, 'the next transaction waits for the snapshot position');
  assert.equal(r.setPosition(at(150)), true);
  assert.equal(g.advance(at(200)), false, 'the chunk read at 150 must go before the transaction ending at 200');
  assert.equal(g.advance(at(150)), true, 'a transaction ending at 150 is in the chunk: it may go first');
  void r.submit('rows', () => undefined);
  assert.equal(g.advance(at(200)), true, 'submitted: it is taken before the transaction ending at 200');
  assert.deepEqual(g.take(at(200), false).map((s) => s.payload), ['rows']);
  // A snapshot older than a transaction already placed (rendered, not sent yet) is refused.
  const late = g.reserve();
  assert.equal(late.setPosition(at(180)), false, 'behind the transaction ending at 200, already placed');
});

test('while a transaction is published in pieces, a snapshot at or before its start is behind it', () => {
  const g = new ChunkGate<string>();
  g.publishedUpTo = at(100);
  g.openAfter = at(300);
  assert.equal(g.reserve().setPosition(at(300)), false, 'at its start the snapshot lacks the transaction the pieces publish');
  assert.equal(g.reserve().setPosition(at(400)), true, 'past its start: the snapshot holds it (positions are transaction ends)');
  g.openAfter = null;
  assert.equal(g.reserve().setPosition(at(300)), true);
});
