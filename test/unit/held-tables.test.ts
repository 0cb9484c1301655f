import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeldTables, sameModeRun, splitHeld } from '../../engine/pipeline/held-tables.js';
import type { Logger } from '../../engine/core/logger.js';
import { HeldStore } from '../../engine/state/held-store.js';
import { StateStore } from '../../engine/state/store.js';
import type { SourcePosition } from '../../engine/core/position.js';
import { errorOf } from '../helpers/errors.js';
import type { BinlogTransaction, RowChange } from '../../engine/core/changes.js';
import type { HeldSink } from '../../engine/sink/stream-target.js';
import type { HeldChange } from '../../engine/core/changes.js';

const at = (pos: number): SourcePosition => ({ kind: 'mysql-binlog', file: 'bin.000001', pos });
const change = (table: string, id: number, v: string | null = 'x'): RowChange => ({ db: 'shop', table, name: `shop.${table}`, type: 'insert', before: null, after: [String(id), v], columns: ['id', 'v'] });
const tx = (pos: number, ...changes: RowChange[]): BinlogTransaction => ({ kind: 'transaction', changes, gtid: null, end: at(pos), timestamp: 0 });
const quiet: Logger = { log: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newStore(): { store: StateStore; jobId: number } {
  const store = new StateStore(join(mkdtempSync(join(tmpdir(), 'held-')), 'state.db'));
  return { store, jobId: store.upsertJob('j', {}).id };
}

test('splitHeld holds the changes of a paused table in transactions after its pause position, and keeps the rest in order', () => {
  const txs = [tx(100, change('orders', 1), change('items', 1)), tx(300, change('items', 2), change('orders', 2), change('orders', 3)), tx(400, change('items', 3))];
  const { apply, hold } = splitHeld(txs, new Map([['shop.orders', at(200)]]), false);
  assert.deepEqual(apply.map((t) => t.changes.map((c) => `${c.table}${c.after![0]}`)), [['orders1', 'items1'], ['items2'], ['items3']], 'a change before the pause (a replay) is applied');
  assert.deepEqual(hold.map((h) => [h.table, h.end.pos, h.idx, h.change.after![0]]), [['shop.orders', 300, 1, '2'], ['shop.orders', 300, 2, '3']]);
  assert.equal(apply[2], txs[2], 'untouched transactions are passed as they are');
  assert.equal(splitHeld(txs, new Map(), false).apply, txs);
});

test('sameModeRun cuts the held changes where the reconcile window ends', () => {
  const h = (id: number, reconcile: boolean): HeldChange => ({ id, end: at(id), reconcile, change: change('orders', id) });
  assert.deepEqual(sameModeRun([h(1, true), h(2, true), h(3, false), h(4, true)]).map((c) => c.id), [1, 2]);
  assert.deepEqual(sameModeRun([h(5, false)]).map((c) => c.id), [5]);
  assert.deepEqual(sameModeRun([]), []);
});

test('held changes survive the state file, byte for byte, and a replayed batch is not held twice', () => {
  const { store, jobId } = newStore();
  const held = new HeldTables(store, jobId, 'j', undefined, quiet);
  held.pause(['shop.orders'], at(200), 'ALTER TABLE orders ADD c INT', 'policy');
  const binary = '\x00\xff\x80\'"\\\n';
  const batch = [tx(300, change('orders', 1, binary), change('items', 1)), tx(400, change('orders', 2, null))];
  assert.deepEqual(held.hold(batch, 'strict').map((t) => t.changes.length), [1, 0]);
  held.hold(batch, 'strict'); // the same batch after a crash
  const hs = new HeldStore(store);
  assert.equal(hs.total(jobId), 2);
  const rows = hs.next(jobId, 'shop.orders', 0, 10);
  assert.deepEqual(rows.map((r) => r.change.after), [['1', binary], ['2', null]]);
  assert.deepEqual(hs.status(jobId), [{ table: 'shop.orders', position: 'bin.000001:200', sql: 'ALTER TABLE orders ADD c INT', reason: 'policy', heldChanges: 2, request: null }]);
  held.pause(['shop.orders'], at(500), 'ALTER TABLE orders DROP c', 'policy');
  assert.equal(hs.tables(jobId)[0]!.from.pos, 200, 'a second statement keeps the first pause position');
  assert.equal(hs.tables(jobId)[0]!.ddl, 'ALTER TABLE orders ADD c INT\nALTER TABLE orders DROP c');
  store.close();
});

test('reaching ddl.maxHeldChanges pauses the job with the tables, the count and the fix, and holds nothing of that batch', () => {
  const { store, jobId } = newStore();
  const held = new HeldTables(store, jobId, 'j', { default: 'apply', tables: {}, maxHeldChanges: 3 }, quiet);
  held.pause(['shop.orders'], at(200), 'ALTER TABLE orders ADD c INT', 'policy');
  held.hold([tx(300, change('orders', 1), change('orders', 2))], 'strict');
  const e = errorOf(() => held.hold([tx(400, change('orders', 3), change('orders', 4))], 'strict'));
  assert.equal(e.code, 'DDL_PAUSED');
  assert.match(e.message, /shop\.orders.* hold 2 changes.*bound of 3 \("ddl\.maxHeldChanges"\)/);
  assert.match(e.fix ?? '', /cutover resume-table <db\.table> --job j/);
  assert.equal(new HeldStore(store).total(jobId), 2);
  store.close();
});

test('a resumed table drains in source order, resumes after the sink marker when a drain was cut short, and then streams again', async () => {
  const { store, jobId } = newStore();
  const held = new HeldTables(store, jobId, 'j', undefined, quiet);
  held.pause(['shop.orders'], at(200), 'ALTER TABLE orders ADD c INT', 'policy');
  held.hold(Array.from({ length: 7 }, (_, i) => tx(300 + i, change('orders', i + 1))), 'strict');
  // The sink already has the first 3 (a drain killed after its first sink transaction).
  const sink = { marker: 3, applied: [] as string[], adopted: 0 };
  const heldSink: HeldSink = {
    heldApplied: async () => sink.marker,
    applyHeld: async (_t, _from, changes) => {
      for (const c of changes) if (c.id > sink.marker) sink.applied.push(c.change.after![0]!);
      sink.marker = changes[changes.length - 1]!.id;
      return sink.marker;
    },
    adoptDefinition: async () => void sink.adopted++,
  };
  assert.equal(held.hasRequests(0), false);
  assert.ok(new HeldStore(store).request(jobId, 'shop.orders', 'resume'));
  assert.equal(held.hasRequests(0), true);
  await held.drain(heldSink, 2);
  assert.deepEqual(sink.applied, ['4', '5', '6', '7']);
  assert.equal(sink.adopted, 1);
  assert.equal(held.isPaused('shop.orders'), false);
  assert.equal(new HeldStore(store).total(jobId), 0);
  assert.deepEqual(held.hold([tx(900, change('orders', 8))], 'strict')[0]!.changes.length, 1, 'the table streams again');
  store.close();
});
