// A source transaction larger than a batch, delivered by the change reader in pieces, through the stream
// pipeline between the in-memory source and sink: applied in ONE sink transaction (one commit, the
// checkpoint moved only with the final part), the open batch committed before it, keys that appear in
// several pieces ending right, a failure between pieces leaving the previous checkpoint and a rerun
// ending exact, reconcile mode kept across pieces, and a sink without the capability given whole
// transactions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemorySource } from '../helpers/memory-source.js';
import { MemorySink } from '../helpers/memory-sink.js';
import { streamHarness } from '../helpers/memory-stream.js';
import { T, assertNoDoubleApply, assertSameRows, newSource } from '../helpers/memory-table.js';
import type { SourcePosition } from '../../engine/core/position.js';
import type { Checkpoint } from '../../engine/core/checkpoint.js';
import type { RowChange } from '../../engine/core/changes.js';
import type { RawRow } from '../../engine/core/rows.js';

type Change = { table: string; type: RowChange['type']; before?: RawRow; after?: RawRow };

/** One source transaction that updates every row of `keys` to `value`. */
function updateAll(source: MemorySource, keys: number[], value: string): SourcePosition {
  return source.commit(...keys.map((k): Change => ({ table: T, type: 'update', after: [String(k), value] })));
}

/** What the sink holds (checkpoint and row count) each time a piece reaches it. */
function watchPieces(sink: MemorySink): { checkpoint: Checkpoint | null; rows: RawRow[] }[] {
  const seen: { checkpoint: Checkpoint | null; rows: RawRow[] }[] = [];
  const piece = sink.piece.bind(sink);
  sink.piece = (open, p, mode, tables) => {
    seen.push({ checkpoint: sink.checkpoint, rows: sink.rows(T) });
    return piece(open, p, mode, tables);
  };
  return seen;
}

test('pieces: a transaction larger than a batch is applied in one sink transaction, after the open batch commits', async () => {
  const source = newSource(10);
  const sink = new MemorySink();
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  const h = streamHarness(source, sink, { maxRows: 3 });
  const start = source.position;
  source.insert(T, ['11', 'v11']);
  const beforeBig = source.insert(T, ['12', 'v12']);
  const big = updateAll(source, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'big');
  source.insert(T, ['13', 'v13']);
  const seen = watchPieces(sink);
  assert.equal(await h.runner({ start, transactionPieces: true }).run(), 'caught-up');
  assertSameRows(source, sink);
  assertNoDoubleApply(sink);
  assert.equal(sink.pieceCalls, 3, 'ten changes in pieces of three: three pieces, then the final part');
  assert.deepEqual(sink.appliedEnds.map((e) => e.pos), [beforeBig.pos - 100, beforeBig.pos, big.pos, big.pos + 100]);
  assert.equal(sink.commits, 3, 'the two small transactions, the large one, the last one: one commit each batch');
  for (const s of seen) {
    assert.deepEqual(s.checkpoint?.position, beforeBig, 'while pieces are applied the checkpoint stays before the transaction (the open batch committed first)');
    assert.ok(s.rows.every((r) => r[1] !== 'big'), 'nothing of the transaction is visible before its final part commits');
  }
  assert.deepEqual(sink.checkpoint?.position, source.position);
});

test('pieces: a key in several pieces (insert, updates, delete, insert again) ends as the source has it, in strict mode', async () => {
  const source = newSource(2);
  const sink = new MemorySink();
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  const h = streamHarness(source, sink, { maxRows: 2 });
  const start = source.position;
  source.commit(
    { table: T, type: 'insert', after: ['5', 'a'] },
    { table: T, type: 'update', before: ['1', 'v1'], after: ['1', 'b'] },
    { table: T, type: 'update', before: ['5', 'a'], after: ['5', 'c'] },
    { table: T, type: 'update', before: ['1', 'b'], after: ['1', 'd'] },
    { table: T, type: 'delete', before: ['5', 'c'] },
    { table: T, type: 'update', before: ['2', 'v2'], after: ['6', 'moved'] },
    { table: T, type: 'insert', after: ['5', 'e'] },
  );
  assert.equal(await h.runner({ start, transactionPieces: true }).run(), 'caught-up');
  assert.equal(sink.pieceCalls, 3);
  assert.equal(sink.commits, 1);
  assert.deepEqual(sink.appliedModes, ['strict']);
  assertSameRows(source, sink);
  assert.deepEqual(sink.rows(T), [['1', 'd'], ['5', 'e'], ['6', 'moved']]);
});

test('pieces: a failure between pieces leaves the previous checkpoint; the next session reads the whole transaction again and ends exact', async () => {
  const source = newSource(8);
  const sink = new MemorySink();
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  const h = streamHarness(source, sink, { maxRows: 2 });
  const start = source.position;
  const beforeBig = source.insert(T, ['9', 'v9']);
  updateAll(source, [1, 2, 3, 4, 5, 6, 7, 8, 9], 'big');
  source.insert(T, ['10', 'v10']);
  sink.failPieceAt = 3; // the third piece of the first attempt fails as a lost connection
  const seen = watchPieces(sink);
  assert.equal(await h.runner({ start, transactionPieces: true }).run(), 'caught-up');
  assert.equal(h.sleeps.length, 1, 'one reconnect');
  const failedAt = seen[2]!;
  assert.deepEqual(failedAt.checkpoint?.position, beforeBig, 'at the failure the sink held the checkpoint before the transaction');
  assert.ok(failedAt.rows.every((r) => r[1] !== 'big'), 'and none of its pieces');
  assert.deepEqual(source.readersOpened[1], beforeBig, 'the reconnect reads from that checkpoint: the whole transaction again');
  assert.equal(sink.pieceCalls, 3 + 4, 'the failed attempt (three pieces), then four pieces and the final part');
  assertSameRows(source, sink);
  assertNoDoubleApply(sink);
  assert.equal(sink.appliedEnds.length, 3);
});

test('pieces: a failure of the final part (the commit) rolls the pieces back too; the rerun ends exact', async () => {
  const source = newSource(6);
  const sink = new MemorySink();
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  const h = streamHarness(source, sink, { maxRows: 4 });
  const start = source.position;
  updateAll(source, [1, 2, 3, 4, 5, 6], 'big');
  sink.failApplyAt = 1;
  assert.equal(await h.runner({ start, transactionPieces: true }).run(), 'caught-up');
  assert.deepEqual(source.readersOpened[1], start);
  assert.equal(sink.pieceCalls, 2);
  assert.equal(sink.commits, 1);
  assertSameRows(source, sink);
});

test('pieces: in the reconcile window after a copy a transaction in pieces is reconciled, after it strict', async () => {
  const source = newSource(4);
  const sink = new MemorySink();
  const S = source.position;
  updateAll(source, [1, 2, 3], 'seen-by-copy');
  source.commit({ table: T, type: 'insert', after: ['5', 'v5'] }, { table: T, type: 'insert', after: ['6', 'v6'] }, { table: T, type: 'insert', after: ['7', 'v7'] });
  const H = source.position;
  // The copy read the rows at H: it already holds every change of the window.
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  updateAll(source, [1, 2, 3, 4, 5], 'after');
  const h = streamHarness(source, sink, { maxRows: 2 });
  h.store.setJob(h.jobId, { phase: 'catching-up' });
  assert.equal(await h.runner({ start: S, reconcileUntil: H, target: source.position, transactionPieces: true }).run(), 'caught-up');
  assert.deepEqual(sink.appliedModes, ['reconcile', 'reconcile', 'strict']);
  assert.equal(sink.commits, 3);
  assertSameRows(source, sink);
});

test('pieces: a sink without the capability gets whole transactions', async () => {
  const source = newSource(6);
  const sink = new MemorySink();
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  const h = streamHarness(source, sink, { maxRows: 2 });
  const start = source.position;
  updateAll(source, [1, 2, 3, 4, 5, 6], 'big');
  assert.equal(await h.runner({ start, transactionPieces: false }).run(), 'caught-up');
  assert.equal(sink.pieceCalls, 0);
  assert.equal(sink.commits, 1);
  assertSameRows(source, sink);
});

test('pieces: the stream counts the changes of every piece once the transaction commits', async () => {
  const source = newSource(5);
  const sink = new MemorySink();
  sink.tables.set(T, new Map([...source.tables.get(T)!.rows].map(([k, r]) => [k, r])));
  const h = streamHarness(source, sink, { maxRows: 2 });
  const start = source.position;
  updateAll(source, [1, 2, 3, 4, 5], 'big');
  const row = h.store.ensureTable(h.jobId, { db: 'shop', table: 't' }, { db: 'shop', table: 't' });
  assert.equal(await h.runner({ start, transactionPieces: true, tableIds: new Map([[T, row.id]]) }).run(), 'caught-up');
  assertSameRows(source, sink);
  const t = h.store.table(row.id) as unknown as { updates: number };
  assert.equal(t.updates, 5, 'five updates counted once, not once per piece or lost with the pieces');
});
