// Documents from several tables (engine/sink/elasticsearch/join-rules.ts): the group rules, and the
// ordering argument run exhaustively against an in-memory index: a customer's changes (insert, update,
// delete, re-insert) and an order's (insert, update, move to another customer, move back, or a delete)
// merged in every interleaving, cut into stream batches in 16 ways (one batch, one per change, each single
// cut, each all-but-one cut), each batch applied in the stream
// target's three steps (lookup writes, joined documents embedded from the lookup, spread of the changed
// keys), with a crash after each step replaying the batch: the document always ends equal to the join.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, parseExactJson, type JsonObject } from '../../engine/sink/elasticsearch/exact-json.js';
import { JobFile } from '../../shared/job-config.js';
import { embedGroups, joinSpecs, ownFields, takesGroup, withGroup, type GroupState, type JoinSpec } from '../../engine/sink/elasticsearch/join-rules.js';

const spec: JoinSpec = joinSpecs({ 'shop.customers': { into: 'shop.orders', on: 'customer_id', fields: ['name'] } })[0]!;
const obj = (s: string): JsonObject => parseExactJson(s) as JsonObject;
const state = (name: string | null, version: string | null): GroupState => ({ fields: name === null ? null : obj(`{"name":${JSON.stringify(name)}}`), version });

test('join specs: "as" defaults to the table name, "fields" to all', () => {
  assert.deepEqual(joinSpecs({ 'shop.customers': { into: 'shop.orders', on: 'customer_id' } }), [{ from: 'shop.customers', into: 'shop.orders', on: 'customer_id', as: 'customers', fields: null }]);
  assert.equal(spec.as, 'customers');
});

test('group versions: an older state never replaces a newer one; equal and unknown ones are taken', () => {
  assert.equal(takesGroup(undefined, '5'), true);
  assert.equal(takesGroup('5', '6'), true);
  assert.equal(takesGroup('5', '5'), true);
  assert.equal(takesGroup('6', '5'), false);
  assert.equal(takesGroup('6', null), true);
  // Beyond 2^53: compared exactly.
  assert.equal(takesGroup('9007199254740993', '9007199254740992'), false);
});

test('withGroup: sets, replaces, removes the group and keeps every other field exactly', () => {
  const doc = obj('{"id":7,"customer_id":3,"amount":"12.50","big":123456789012345678901}');
  const set = withGroup(doc, spec, state('Ann', '10'))!;
  assert.equal(canonicalJson(set), canonicalJson(obj('{"id":7,"customer_id":3,"amount":"12.50","big":123456789012345678901,"customers":{"name":"Ann"},"_cutover":{"v":{"customers":"10"}}}')));
  assert.equal(withGroup(set, spec, state('Ann', '10')), null, 'the same state again: nothing to write');
  assert.equal(withGroup(set, spec, state('Old', '9')), null, 'an older state is refused');
  const gone = withGroup(set, spec, state(null, '11'))!;
  assert.equal(canonicalJson(gone), canonicalJson(obj('{"id":7,"customer_id":3,"amount":"12.50","big":123456789012345678901,"_cutover":{"v":{"customers":"11"}}}')), 'a deleted customer removes its fields, not the document');
  assert.equal(withGroup(gone, spec, state('Ann', '10')), null, 'a replayed older state does not bring them back');
  assert.equal(canonicalJson(ownFields(set, [spec])), canonicalJson(doc));
});

test('embedGroups: a fresh document gets its groups and their versions; a missing row gives no field', () => {
  assert.equal(embedGroups('{"id":1}', [{ spec, state: state('Bo', '4') }]), '{"id":1,"customers":{"name":"Bo"},"_cutover":{"v":{"customers":"4"}}}');
  assert.equal(embedGroups('{"id":1}', [{ spec, state: state(null, null) }]), '{"id":1}');
});

// ---------------------------------------------------------------------------------------------------
// The ordering argument, exhaustively, against an in-memory index with external versions.

type Change = { table: 'c'; id: number; name: string | null } | { table: 'o'; id: number; customer: number | null };

interface Doc {
  version: number;
  source: JsonObject | null; // null: a delete tombstone
}

class MemoryIndexes {
  readonly lookup = new Map<number, Doc>();
  readonly orders = new Map<number, Doc>();

  /** An external-versioned write: taken only when newer than the document or its tombstone. */
  static write(m: Map<number, Doc>, id: number, version: number, source: JsonObject | null): void {
    const d = m.get(id);
    if (d && d.version >= version) return;
    m.set(id, { version, source });
  }

  lookupState(cid: number | null, known?: Map<number, number>): GroupState {
    const d = cid === null ? undefined : this.lookup.get(cid);
    if (d?.source) return { fields: d.source, version: String(d.version) };
    return { fields: null, version: cid !== null && known?.has(cid) ? String(known.get(cid)) : null };
  }
}

/** One batch as the stream target applies it; `crashAfter` stops after that step (0: lookups, 1: joined documents). */
function applyBatch(ix: MemoryIndexes, batch: { change: Change; version: number }[], crashAfter: number | null): void {
  const lastC = new Map<number, { name: string | null; version: number }>();
  const lastO = new Map<number, { customer: number | null; version: number }>();
  for (const { change, version } of batch) {
    if (change.table === 'c') lastC.set(change.id, { name: change.name, version });
    else lastO.set(change.id, { customer: change.customer, version });
  }
  for (const [id, c] of lastC) MemoryIndexes.write(ix.lookup, id, c.version, c.name === null ? null : obj(`{"name":${JSON.stringify(c.name)}}`));
  if (crashAfter === 0) return;
  for (const [id, o] of lastO) {
    if (o.customer === -1) MemoryIndexes.write(ix.orders, id, o.version, null);
    else MemoryIndexes.write(ix.orders, id, o.version, obj(embedGroups(`{"id":${id},"customer_id":${o.customer}}`, [{ spec, state: ix.lookupState(o.customer) }])));
  }
  if (crashAfter === 1) return;
  const known = new Map([...lastC].map(([id, c]) => [id, c.version]));
  for (const [id, d] of ix.orders) {
    if (!d.source) continue;
    const v = d.source.members.find(([k]) => k === 'customer_id')![1] as { num: string } | null;
    const cid = v === null ? null : Number(v.num);
    if (cid === null || !known.has(cid)) continue;
    const next = withGroup(d.source, spec, ix.lookupState(cid, known));
    if (next) ix.orders.set(id, { version: d.version, source: next }); // the same _version (external_gte)
  }
}

/** Every way to merge two sequences keeping each one's order. */
function interleavings(m: number, n: number): ('c' | 'o')[][] {
  if (m === 0) return [Array<'o'>(n).fill('o')];
  if (n === 0) return [Array<'c'>(m).fill('c')];
  return [...interleavings(m - 1, n).map((r) => ['c' as const, ...r]), ...interleavings(m, n - 1).map((r) => ['o' as const, ...r])];
}

test('every interleaving of a customer\'s and an order\'s changes, 16 ways to cut it into batches, a crash after each step: the document equals the join', () => {
  const customerSeqs: Change[][] = [
    [
      { table: 'c', id: 1, name: 'Ann' },
      { table: 'c', id: 1, name: 'Ann B' },
      { table: 'c', id: 1, name: null },
      { table: 'c', id: 1, name: 'Ann C' },
    ],
    [
      { table: 'c', id: 1, name: 'Ann' },
      { table: 'c', id: 1, name: null },
      { table: 'c', id: 1, name: 'Ann D' },
      { table: 'c', id: 1, name: null },
    ],
  ];
  const orderSeqs: Change[][] = [
    [
      { table: 'o', id: 7, customer: 1 },
      { table: 'o', id: 7, customer: 2 },
      { table: 'o', id: 7, customer: 1 },
      { table: 'o', id: 7, customer: 1 }, // an update of the order's own fields
    ],
    [
      { table: 'o', id: 7, customer: 2 },
      { table: 'o', id: 7, customer: null },
      { table: 'o', id: 7, customer: 1 },
      { table: 'o', id: 7, customer: -1 }, // deleted
    ],
  ];
  // Batch cuts: one batch, one per change, each single cut, each all-but-one cut.
  const cutSets = [0, 127, ...[0, 1, 2, 3, 4, 5, 6].flatMap((b) => [1 << b, 127 & ~(1 << b)])];
  let runs = 0;
  for (const customer of customerSeqs)
  for (const orders of orderSeqs)
    for (const order of interleavings(4, 4)) {
      let i = 0;
      let k = 0;
      const changes = order.map((w, n) => ({ change: w === 'c' ? customer[i++]! : orders[k++]!, version: 100 + n * 10 }));
      for (const cuts of cutSets) {
        const batches: (typeof changes)[] = [[]];
        changes.forEach((c, n) => {
          batches[batches.length - 1]!.push(c);
          if (n < 7 && cuts & (1 << n)) batches.push([]);
        });
        for (const crash of [null, 0, 1]) {
          const ix = new MemoryIndexes();
          // Customer 2 exists throughout (copied before).
          MemoryIndexes.write(ix.lookup, 2, 50, obj('{"name":"Other"}'));
          for (const b of batches) {
            if (crash !== null) applyBatch(ix, b, crash);
            applyBatch(ix, b, null);
          }
          runs++;
          const finalCustomer = (customer[3] as { name: string | null }).name;
          const lastOrder = orders[3] as { customer: number | null };
          const doc = ix.orders.get(7)!;
          if (lastOrder.customer === -1) {
            assert.equal(doc.source, null, 'a deleted order has no document');
            continue;
          }
          const name = lastOrder.customer === 1 ? finalCustomer : lastOrder.customer === 2 ? 'Other' : null;
          const want = `{"customer_id":${lastOrder.customer},${name === null ? '' : `"customers":{"name":${JSON.stringify(name)}},`}"id":7}`;
          assert.equal(canonicalJson(ownFieldsAndGroup(doc.source!)), want, `order ${order.join('')}, cuts ${cuts.toString(2)}, crash ${crash}`);
        }
      }
    }
  assert.equal(runs, 2 * 2 * 70 * cutSets.length * 3);
});

/** The document without its bookkeeping. */
function ownFieldsAndGroup(d: JsonObject): JsonObject {
  return { members: d.members.filter(([k]) => k !== '_cutover') };
}

test('job file: "sink.documents" is checked for its shape', () => {
  const job = (documents: unknown): boolean =>
    JobFile.safeParse({ name: 'j', source: { url: 'mysql://u@127.0.0.1:3306' }, sink: { type: 'elasticsearch', url: 'http://127.0.0.1:9200', documents }, tables: { include: ['shop.*'] }, mode: 'snapshot+stream' }).success;
  assert.equal(job({ 'shop.customers': { into: 'shop.orders', on: 'customer_id', as: 'customer', fields: ['name'] } }), true);
  assert.equal(job({ 'shop.customers': { into: 'shop.orders', on: 'customer_id' } }), true);
  assert.equal(job({ 'shop.customers': { into: 'orders', on: 'customer_id' } }), false, '"into" is db.table');
  assert.equal(job({ 'shop.customers': { into: 'shop.orders', on: 'customer_id', as: '_cutover' } }), false, '"as" may not start with _');
  assert.equal(job({ 'shop.customers': { into: 'shop.orders', on: 'customer_id', as: 'a.b' } }), false, '"as" has no dots');
  assert.equal(job({ 'shop.customers': { into: 'shop.orders' } }), false, '"on" is required');
});
