// The search stream's pure rules: the external version from a binlog position (monotonic across file
// rotation, exact beyond 2^53, refused past a signed long), the bulk items' outcomes, the net writes of a
// batch (primary-key changes, delete + re-insert, last state per _id), the bulk cuts and the 200 ms flush
// cap on the stream batch, the gc_deletes check, the copy's bulk bodies and answers, and the heartbeat document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { externalVersion, versionParts } from '../../engine/sink/elasticsearch/external-version.js';
import { bulkAnswer, itemOutcome } from '../../engine/sink/elasticsearch/bulk-items.js';
import { actionLine, BulkWriter, documentShape } from '../../engine/sink/elasticsearch/bulk-writer.js';
import { SearchHeartbeat } from '../../engine/sink/elasticsearch/heartbeat-doc.js';
import type { SearchClient } from '../../engine/sink/elasticsearch/http.js';
import type { CopyTable } from '../../engine/core/tables.js';
import { cutBulks, flushDelay, STREAM_FLUSH_MS } from '../../engine/sink/elasticsearch/flush-rules.js';
import { StreamActions } from '../../engine/sink/elasticsearch/stream-actions.js';
import { gcDeletesProblem, timeValueMs } from '../../engine/sink/elasticsearch/gc-deletes.js';
import { capBatchRows } from '../../engine/pipeline/stream-phase.js';
import type { BinlogTransaction, RowChange } from '../../engine/core/changes.js';
import type { ApplierTable } from '../../engine/core/checkpoint.js';
import type { ColumnInfo } from '../../engine/core/tables.js';

const at = (file: string, pos: number) => ({ kind: 'mysql-binlog' as const, file, pos });

test('external version: sequence × 2^32 + offset, exact digits, monotonic across file rotation', () => {
  assert.equal(externalVersion(at('mysql-bin.000001', 4)), String(2n ** 32n + 4n));
  // Beyond 2^53: a JavaScript number would round these two to the same value.
  const a = externalVersion(at('mysql-bin.1073741824', 1));
  const b = externalVersion(at('mysql-bin.1073741824', 2));
  assert.equal(BigInt(b) - BigInt(a), 1n);
  assert.equal(Number(a), Number(b), 'as numbers they round together: the digits are what is sent');
  assert.deepEqual(versionParts(a), { sequence: 1073741824n, offset: 1n });
  // The end of file 41 (any offset below 4 GiB) is before the start of file 42.
  assert.ok(BigInt(externalVersion(at('mysql-bin.000041', 4_294_967_295))) < BigInt(externalVersion(at('mysql-bin.000042', 4))));
  // .999999 → .1000000 (names are not compared as strings).
  assert.ok(BigInt(externalVersion(at('mysql-bin.999999', 500))) < BigInt(externalVersion(at('mysql-bin.1000000', 4))));
  // The largest position fits a signed 64-bit long exactly.
  assert.equal(externalVersion(at('b.2147483647', 4_294_967_295)), String(2n ** 63n - 1n));
  assert.throws(() => externalVersion(at('b.2147483648', 4)), /does not fit/);
  assert.throws(() => externalVersion(at('b.000001', 4_294_967_296)), /does not fit/);
  assert.throws(() => externalVersion(at('nosequence', 4)), /does not fit/);
  assert.equal(actionLine('delete', 'i', '7', '9223372036854775807'), '{"delete":{"_index":"i","_id":"7","version":9223372036854775807,"version_type":"external"}}');
});

test('bulk items: a version conflict is already applied, a missing delete is done, 429 is retried, the rest rejected', () => {
  assert.equal(itemOutcome({ status: 201 }, 'index'), 'done');
  assert.equal(itemOutcome({ status: 409, error: { type: 'version_conflict_engine_exception' } }, 'index'), 'done');
  assert.equal(itemOutcome({ status: 404 }, 'delete'), 'done');
  assert.equal(itemOutcome({ status: 404, error: { type: 'index_not_found_exception' } }, 'delete'), 'rejected');
  assert.equal(itemOutcome({ status: 429, error: { type: 'es_rejected_execution_exception' } }, 'index'), 'retry');
  assert.equal(itemOutcome({ status: 400, error: { type: 'mapper_parsing_exception' } }, 'index'), 'rejected');
  assert.equal(itemOutcome({ status: 409, error: { type: 'other' } }, 'index'), 'rejected');
});

const c = (name: string): ColumnInfo => ({ name, dataType: name === 'id' ? 'int' : 'varchar', columnType: name === 'id' ? 'int' : 'varchar(20)', charset: 'utf8mb4', collation: null, nullable: true, generated: false });
const table: ApplierTable = { sink: { db: 'd', table: 't' }, info: { db: 'd', table: 't', columns: [c('id'), c('v')], chunkKey: ['id'], chunkKeyName: 'PRIMARY', engine: null, estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false } };
const ch = (type: RowChange['type'], before: [string, string] | null, after: [string, string] | null): RowChange => ({ db: 'd', table: 't', type, before, after, columns: ['id', 'v'] });
const tx = (pos: number, ...changes: RowChange[]): BinlogTransaction => ({ kind: 'transaction', changes, gtid: null, end: at('bin.000003', pos), timestamp: 0 });

test('net writes: the last state per _id with its transaction version; key changes delete the old _id', () => {
  const acts = new StreamActions((n) => (n === 'd.t' ? table : undefined), () => 'd.t');
  const v = (pos: number) => externalVersion(at('bin.000003', pos));
  const out = acts.plan([
    tx(100, ch('insert', null, ['1', 'a']), ch('update', ['1', 'a'], ['1', 'b'])),
    tx(200, ch('update', ['2', 'x'], ['3', 'x'])), // primary-key change
    tx(300, ch('delete', ['4', 'q'], null), ch('insert', null, ['4', 'r'])), // delete + re-insert of one key
    tx(400, ch('delete', ['1', 'b'], null)),
    { ...tx(500, ch('insert', null, ['9', 'z'])), changes: [{ ...ch('insert', null, ['9', 'z']), table: 'other' }] },
  ]);
  assert.deepEqual(
    out.map((a) => [a.op, a.id, a.version]),
    [
      ['delete', '2', v(200)],
      ['index', '3', v(200)],
      ['index', '4', v(300)],
      ['delete', '1', v(400)],
    ],
  );
  assert.match(out[2]!.body, /"version":\d+,"version_type":"external"\}\}\n\{"id":4,"v":"r"\}\n$/);
});

test('flush rules: bulk requests cut by count and bytes, the stream batch waits at most 200 ms', () => {
  const a = Array.from({ length: 10 }, (_, i) => ({ body: 'x'.repeat(i === 5 ? 100 : 10) }));
  assert.deepEqual(cutBulks(a, { maxBytes: 1000, maxDocs: 4 }).map((b) => b.length), [4, 4, 2]);
  assert.deepEqual(cutBulks(a, { maxBytes: 35, maxDocs: 100 }).map((b) => b.length), [3, 2, 1, 3, 1]);
  assert.deepEqual(cutBulks([], { maxBytes: 35, maxDocs: 100 }), []);
  assert.equal(STREAM_FLUSH_MS, 200);
  assert.equal(flushDelay(500), 200);
  assert.equal(flushDelay(50), 50);
  const stream = { batch: { maxRows: 20_000, maxBytes: 8 << 20, maxDelayMs: 500 } } as Parameters<typeof capBatchRows>[0];
  const capped = capBatchRows(stream, 5_000, STREAM_FLUSH_MS);
  assert.deepEqual([capped.batch.maxRows, capped.batch.maxDelayMs], [5_000, 200]);
  const shorter = { ...stream, batch: { ...stream.batch, maxDelayMs: 100 } };
  assert.equal(capBatchRows(shorter, undefined, STREAM_FLUSH_MS), shorter, "the job's shorter delay is kept");
});

test('gc_deletes: at least an hour, the default 60 s named as too short', () => {
  assert.equal(timeValueMs('1h'), 3_600_000);
  assert.equal(timeValueMs('90m'), 5_400_000);
  assert.equal(gcDeletesProblem('i', '1h'), null);
  assert.equal(gcDeletesProblem('i', '2d'), null);
  assert.match(gcDeletesProblem('i', undefined)!, /60s \(the default\)/);
  assert.match(gcDeletesProblem('i', '10m')!, /index i has index.gc_deletes 10m/);
});

test('bulk answers: "errors":false with every status is answered without parsing items; anything else is parsed', () => {
  const ok = '{"errors":false,"items":[{"index":{"status":201}},{"index":{"status":200}}]}';
  assert.equal(bulkAnswer(ok, 2), null);
  // A count that does not match is not taken as success: the items go to the per-item check.
  assert.equal(bulkAnswer(ok, 3)?.length, 2);
  const mixed = '{"errors":true,"items":[{"index":{"status":201}},{"index":{"status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full"}}}]}';
  const items = bulkAnswer(mixed, 2)!;
  assert.deepEqual(items.map((i) => itemOutcome(i, 'index')), ['done', 'retry']);
});

test('copy bulk bodies: written as UTF-8 into one buffer; items answered 429 are sent again alone, a rejection names the _id', async () => {
  const cols: ColumnInfo[] = [
    { name: 'id', dataType: 'int', columnType: 'int(11)', charset: null, collation: null, nullable: false, generated: false },
    { name: 'v', dataType: 'varchar', columnType: 'varchar(20)', charset: 'utf8mb4', collation: 'utf8mb4_general_ci', nullable: true, generated: false },
  ];
  const table = { stateId: 1, source: { db: 'd', table: 't' }, sink: { db: 'd', table: 't' }, columns: cols, keyColumns: [cols[0]!] } as unknown as CopyTable;
  const bodies: string[] = [];
  const answers = [
    '{"errors":true,"items":[{"index":{"status":201}},{"index":{"status":429,"error":{"type":"es_rejected_execution_exception"}}},{"index":{"status":201}}]}',
    '{"errors":false,"items":[{"index":{"status":201}}]}',
    '{"errors":true,"items":[{"index":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"bad"}}}]}',
  ];
  const client = {
    request: async (_m: string, _p: string, body: Buffer) => {
      bodies.push(body.toString('utf8'));
      return { status: 200, body: answers.shift()! };
    },
  } as unknown as SearchClient;
  const w = new BulkWriter(client, (t) => documentShape(t, 'd.t'));
  const b = w.newBatch(table);
  b.add(['1', 'a']);
  b.add(['2', Buffer.from('é"ü').toString('latin1')]); // raw rows hold the source's bytes
  b.add(['3', null]);
  await w.write(b);
  const line = (id: number, v: string) => `{"index":{"_index":"d.t","_id":"${id}"}}\n{"id":${id},"v":${v}}\n`;
  assert.equal(bodies[0], line(1, '"a"') + line(2, '"é\\"ü"') + line(3, 'null'));
  assert.equal(bodies[1], line(2, '"é\\"ü"'), 'only the item answered 429 is sent again');
  const c = w.newBatch(table);
  c.add(['7', 'x']);
  await assert.rejects(w.write(c), /_id "7" of index d\.t.*mapper_parsing_exception/);
});

test('heartbeat document: written with the batch that reaches its position, the newest beat only, never an older one back', () => {
  const hb = new SearchHeartbeat({} as SearchClient, 'job-1');
  assert.equal(hb.where, 'cutover-heartbeat/_doc/job-1');
  assert.equal(hb.actionFor(at('mysql-bin.000001', 500)), null, 'nothing noted');
  hb.note(1_000, at('mysql-bin.000001', 400));
  hb.note(2_000, at('mysql-bin.000001', 800));
  hb.note(1_500, at('mysql-bin.000001', 600)); // older than the one noted: ignored
  assert.equal(hb.actionFor(at('mysql-bin.000001', 700)), null, 'a batch that ends before the beat does not carry it');
  const a = hb.actionFor(at('mysql-bin.000001', 900))!;
  assert.equal(a.version, '2000');
  const [action, doc] = a.body.trimEnd().split('\n');
  assert.equal(action, '{"index":{"_index":"cutover-heartbeat","_id":"job-1","version":2000,"version_type":"external"}}');
  assert.deepEqual(JSON.parse(doc!), { job: 'job-1', written_ms: 2000, written: new Date(2000).toISOString(), position: 'mysql-bin.000001:800' });
  hb.note(3_000, at('mysql-bin.000001', 1000)); // came while the batch was being written
  hb.written(a);
  assert.equal(hb.actionFor(at('mysql-bin.000001', 1000))?.version, '3000', 'a newer beat is kept');
  hb.written(hb.actionFor(at('mysql-bin.000001', 1000))!);
  assert.equal(hb.actionFor(at('mysql-bin.000002', 4)), null, 'written: forgotten');
});
