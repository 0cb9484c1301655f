// Schema changes read from Kafka: the three DDL forms decode to the statement and its database (Canal
// isDdl, Maxwell ddl, Debezium's schema-change record and truncate), in the exact form Cutover's own Kafka
// sink renders them (engine/sink/kafka/formats); consumeBatch applies a DDL message on its own, after the
// messages before it and before those after it, and pauses the partition AT a statement refused; the
// ordering rule applies a statement only in a one-partition topic; a CREATE TABLE statement reads back as
// the table it defines (PostgreSQL sink).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumeBatch, MessageRefused, type DdlMessage, type GatedBatch, type RawMessage } from '../../engine/core/bad-messages.js';
import { DdlHomes, ddlOrderFault } from '../../engine/core/partition-ddl.js';
import { unappliedPart } from '../../engine/core/partition-offsets.js';
import { decodeMessage, detectFormat } from '../../engine/source/kafka/formats/decode.js';
import { renderSchemaChange } from '../../engine/sink/kafka/formats/index.js';
import { createdTable } from '../../engine/sink/postgres/created-table.js';

const ctx = { columns: () => null };
const change = { db: 'shop', ddl: 'ALTER TABLE orders ADD COLUMN note VARCHAR(20) NULL', position: { file: 'bin.000003', pos: 4711, gtid: null }, tsMs: 1_765_000_000_000, table: 'orders' };

for (const format of ['canal', 'maxwell', 'debezium'] as const) {
  test(`a ${format} schema-change record as Cutover's Kafka sink writes it decodes to the statement and its database`, () => {
    const m = renderSchemaChange(format, change)!;
    const value = Buffer.from(m.value!, 'utf8');
    assert.equal(detectFormat(value), format);
    const d = decodeMessage(format, m.key === null ? null : Buffer.from(m.key), value, ctx);
    assert.equal(d.kind, 'ddl');
    if (d.kind !== 'ddl') return;
    assert.equal(d.sql, change.ddl);
    assert.equal(d.db, 'shop');
    assert.equal(d.format, format);
    // Debezium's form belongs to the schema-change topic, ordered with the data by source position (not applied by partition order).
    assert.equal(d.schemaTopic === true, format === 'debezium');
  });
}

test('Canal isDdl and Maxwell table-create messages as Canal and Maxwell put them in the data topics decode as DDL', () => {
  const canal = decodeMessage('canal', null, Buffer.from('{"data":null,"database":"shop","es":1765000000000,"id":7,"isDdl":true,"mysqlType":null,"old":null,"pkNames":null,"sql":"CREATE TABLE t2 (id INT PRIMARY KEY)","sqlType":null,"table":"t2","ts":1765000000001,"type":"CREATE"}'), ctx);
  assert.deepEqual(canal.kind === 'ddl' && [canal.db, canal.sql, canal.timestampMs], ['shop', 'CREATE TABLE t2 (id INT PRIMARY KEY)', 1765000000000]);
  const maxwell = decodeMessage('maxwell', null, Buffer.from('{"type":"table-alter","database":"shop","table":"orders","old":{},"def":{},"ts":1765000000,"sql":"RENAME TABLE orders TO orders2","position":"bin.000003:99"}'), ctx);
  assert.deepEqual(maxwell.kind === 'ddl' && [maxwell.db, maxwell.sql, maxwell.origin], ['shop', 'RENAME TABLE orders TO orders2', 'bin.000003:99']);
  const truncate = decodeMessage('debezium', null, Buffer.from('{"before":null,"after":null,"source":{"db":"shop","table":"orders","file":"bin.1","pos":4},"op":"t","ts_ms":1}'), ctx);
  assert.equal(truncate.kind === 'ddl' && truncate.sql, 'TRUNCATE TABLE `shop`.`orders`');
});

test('the ordering rule: a statement is applied in a one-partition topic; in any other it pauses with the mapped statement and the fix', () => {
  assert.equal(ddlOrderFault('t', 1, ['shop.orders'], 'ALTER TABLE `x`.`orders` ADD c INT'), null);
  const many = ddlOrderFault('t', 3, ['shop.orders'], 'ALTER TABLE `x`.`orders` ADD c INT');
  assert.ok(many);
  assert.match(many.reason, /3 partitions/);
  assert.match(many.fix, /ALTER TABLE `x`\.`orders` ADD c INT/);
  assert.match(many.fix, /--skip-message t:PARTITION:OFFSET/);
  assert.match(ddlOrderFault('t', null, ['shop.orders'], null)!.reason, /partition count is not known/);
});

const TP = { topic: 'shop', partition: 0 };
function msgs(kinds: ('row' | 'ddl' | 'bad-ddl')[]): RawMessage[] {
  return kinds.map((k, o) => ({ offset: String(o), key: null, value: Buffer.from(k), timestampMs: o }));
}

/** A sink recording the order of rows and statements, offsets stored like the real ones (unappliedPart). */
function memorySink() {
  const log: string[] = [];
  let next: string | null = null;
  return {
    log,
    next: () => next,
    deps: {
      decode: async (m: RawMessage) => {
        const v = m.value!.toString();
        if (v === 'row') return { changes: [{ db: 'shop', table: 'orders', name: 'shop.orders', type: 'insert' as const, before: null, after: [m.offset], columns: ['id'] }], timestampMs: m.timestampMs };
        return { changes: [], timestampMs: m.timestampMs, ddl: { db: 'shop', sql: v, format: 'canal' } };
      },
      fault: () => null,
      skipRequest: () => undefined,
      deadLetter: async () => null,
      apply: async (b: GatedBatch) => {
        const part = unappliedPart(b, next);
        if (!part.move) return;
        log.push(`rows ${part.messages.map((m) => m.offset).join(',')} next ${b.next}`);
        next = b.next;
      },
      applyDdl: async (m: RawMessage, ddl: DdlMessage) => {
        assert.equal(next === null ? '0' : next, m.offset, 'every message before the statement is in the sink');
        if (ddl.sql === 'bad-ddl') throw new MessageRefused(m.offset, 'cannot map it', 'apply it by hand');
        log.push(`ddl ${m.offset}`);
        next = String(Number(m.offset) + 1);
      },
      who: 'test',
      now: () => 0,
    },
  };
}

test('a DDL message splits its batch: the rows before it, the statement, then the rows after it, each with its offset', async () => {
  const s = memorySink();
  const r = await consumeBatch(TP, msgs(['row', 'row', 'ddl', 'row', 'ddl', 'ddl', 'row']), s.deps);
  assert.deepEqual(s.log, ['rows 0,1 next 2', 'ddl 2', 'rows 3 next 4', 'ddl 4', 'ddl 5', 'rows 6 next 7']);
  assert.deepEqual([r.next, r.delivered, r.paused], ['7', 7, null]);
});

test('a statement first and last in a batch; a refused one pauses the partition AT it, nothing after it applied', async () => {
  const s = memorySink();
  const r = await consumeBatch(TP, msgs(['ddl', 'row', 'bad-ddl', 'row', 'ddl']), s.deps);
  assert.deepEqual(s.log, ['ddl 0', 'rows 1 next 2']);
  assert.equal(r.next, '2');
  assert.equal(r.delivered, 2);
  assert.equal(r.paused?.offset, '2');
  assert.match(r.paused!.reason, /cannot map it/);
  assert.equal(s.next(), '2');
});

test('a CREATE TABLE statement reads back as its columns and primary key (the PostgreSQL sink creates it from them)', () => {
  const t = createdTable("CREATE TABLE `t2` (`id` INT NOT NULL, name VARCHAR(40) CHARACTER SET latin1 NULL, amount DECIMAL(10,2) DEFAULT '0.00', PRIMARY KEY (`id`), KEY n (name(10))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4", { db: 'shop', table: 't2' });
  assert.ok(t);
  assert.deepEqual(t.columns.map((c) => [c.name, c.columnType, c.nullable, c.charset]), [['id', 'int', false, null], ['name', 'varchar(40)', true, 'latin1'], ['amount', 'decimal(10,2)', true, null]]);
  assert.deepEqual(t.chunkKey, ['id']);
  assert.deepEqual(createdTable('CREATE TABLE k (a BIGINT UNSIGNED PRIMARY KEY, b TEXT)', { db: 'shop', table: 'k' })?.chunkKey, ['a']);
  assert.equal(createdTable('CREATE TABLE c LIKE shop.t2', { db: 'shop', table: 'c' }), null);
});

test("a statement from another partition than its table's rows pauses; rows from elsewhere after a statement stop the job", () => {
  const h = new DdlHomes();
  const data = { topic: 'shop.orders', partition: 0 };
  const schema = { topic: 'cutover.job.schema-changes', partition: 0 };
  assert.equal(h.sawRows('shop.orders', data), null);
  assert.equal(h.ddlFault(['shop.orders'], data), null, 'the partition of its rows');
  const f = h.ddlFault(['shop.orders'], schema);
  assert.ok(f);
  assert.match(f.reason, /rows come from shop\.orders:0/);
  assert.equal(h.ddlFault(['shop.items'], schema), null, 'a table whose rows were not seen yet (CREATE TABLE)');
  h.applied(['shop.items'], schema);
  assert.equal(h.sawRows('shop.items', schema), null);
  assert.match(h.sawRows('shop.items', data)?.reason ?? '', /schema change of shop\.items was applied from cutover\.job\.schema-changes:0/);
});
