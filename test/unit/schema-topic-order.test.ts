// The order of a schema-change topic's statements with the data topics' row messages, by source position
// (engine/core/schema-topic-order.ts): a row past a statement of its table waits for it; rows before it go;
// the schema topic's own order is kept; a topic of several partitions cannot prove the order and refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consumeBatch, type DdlMessage, type GatedBatch, type RawMessage } from '../../engine/core/bad-messages.js';
import { parseJobConfig } from '../../shared/job-config.js';
import { compareSourcePos, SchemaTopicOrder, sourcePos, type SchemaStatement } from '../../engine/core/schema-topic-order.js';

const at = (file: string, pos: number) => sourcePos(file, pos)!;
const stmt = (offset: number, file: string, pos: number, tables: string[], sql = 'ALTER TABLE t ADD COLUMN c INT'): SchemaStatement => ({ offset: String(offset), position: at(file, pos), tables, db: 'shop', sql });

test('binlog positions compare by file sequence number, then byte position', () => {
  assert.equal(compareSourcePos(at('bin.000002', 4), at('bin.000010', 4)), -1, 'file 2 before file 10 (not by text)');
  assert.equal(compareSourcePos(at('bin.000003', 900), at('bin.000003', 1200)), -1);
  assert.equal(compareSourcePos(at('bin.000003', 1200), at('bin.000003', 1200)), 0);
  assert.equal(compareSourcePos(at('bin.000004', 4), at('bin.000003', 99999)), 1);
  assert.equal(sourcePos('bin.000001', 'x'), null, 'a position that is not digits is no position');
  assert.equal(sourcePos(undefined, 4), null);
  assert.deepEqual(sourcePos('bin.000001', '18446744073709551615'), { file: 'bin.000001', pos: 18446744073709551615n });
});

test('a row before the statement goes; a row at or past it waits for the statement, then goes', () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 500, ['shop.t']));
  assert.deepEqual(o.decide('shop.t', at('bin.000001', 499), 1, 'd:0:1'), { kind: 'go' });
  const d = o.decide('shop.t', at('bin.000001', 500), 1, 'd:0:2');
  assert.equal(d.kind, 'statement');
  assert.equal(d.kind === 'statement' && d.statement.offset, '0');
  assert.equal(o.decide('shop.t', at('bin.000002', 4), 1, 'd:0:3').kind, 'statement', 'a later file is past it too');
  assert.deepEqual(o.decide('shop.u', at('bin.000002', 4), 1, 'd:0:3'), { kind: 'go' }, 'another table does not wait for it');
  o.appliedThrough('1');
  assert.deepEqual(o.decide('shop.t', at('bin.000001', 600), 1, 'd:0:2'), { kind: 'go' });
  assert.equal(o.unapplied().length, 0);
});

test('statements are applied in the schema topic order: a row waits for an earlier statement of another table', () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 100, ['shop.a']));
  o.add(stmt(1, 'bin.000001', 200, ['shop.b']));
  const d = o.decide('shop.b', at('bin.000001', 300), 1, 'd:0:9');
  assert.equal(d.kind, 'wait');
  assert.equal(d.kind === 'wait' && d.statement.offset, '0');
  // The row of a reaches past its statement: applied, then b's row may have b's statement applied.
  assert.equal(o.decide('shop.a', at('bin.000001', 150), 1, 'a:0:3').kind, 'statement');
  o.appliedThrough('1');
  const e = o.decide('shop.b', at('bin.000001', 300), 1, 'd:0:9');
  assert.equal(e.kind === 'statement' && e.statement.offset, '1');
});

test('a statement of none of the job\'s tables is passed (only the offset moves) when a row waits behind it', () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 100, []));
  o.add(stmt(1, 'bin.000001', 200, ['shop.b']));
  const d = o.decide('shop.b', at('bin.000001', 300), 1, 'd:0:9');
  assert.equal(d.kind === 'statement' && d.statement.offset, '0');
  assert.deepEqual(o.decide('shop.c', at('bin.000001', 300), 1, 'd:0:9'), { kind: 'go' }, 'a table without statements never waits');
});

test('a topic of several partitions cannot prove the order: the row is refused with the statement and the fix', () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 100, ['shop.t'], 'ALTER TABLE t ADD COLUMN note TEXT'));
  const d = o.decide('shop.t', at('bin.000001', 300), 6, 'data:3:17');
  assert.equal(d.kind, 'refuse');
  if (d.kind !== 'refuse') return;
  assert.match(d.fault.reason, /6 partitions/);
  assert.match(d.fault.fix, /ADD COLUMN note TEXT/);
  assert.match(d.fault.fix, /data:3:17/);
  assert.equal(o.decide('shop.t', at('bin.000001', 300), null, 'data:3:17').kind, 'refuse', 'an unknown partition count refuses too');
  assert.deepEqual(o.decide('shop.t', at('bin.000001', 99), 6, 'data:3:16'), { kind: 'go' }, 'rows before it go in any topic');
});

test('statements read again (a replay of the schema topic) are kept once; those the sink applied are dropped', () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 100, ['shop.t']));
  o.add(stmt(1, 'bin.000001', 200, ['shop.t']));
  o.add(stmt(1, 'bin.000001', 200, ['shop.t']));
  assert.equal(o.unapplied().length, 2);
  assert.equal(o.readOffset, '2');
  o.appliedThrough('1');
  assert.deepEqual(o.unapplied().map((s) => s.offset), ['1']);
  o.readThrough('5');
  assert.equal(o.readOffset, '5');
});

// The batch gate (engine/core/bad-messages.ts) with the order: a row past a statement stops the batch there,
// the statement is applied (stored at the schema topic's offset), and the same row is decoded again.

function rowsAt(rows: [table: string, pos: number][]): RawMessage[] {
  return rows.map(([t, p], o) => ({ offset: String(o), key: null, value: Buffer.from(`${t}@${p}`), timestampMs: o }));
}

function gate(o: SchemaTopicOrder, partitions = 1) {
  const log: string[] = [];
  return {
    log,
    deps: {
      decode: async (m: RawMessage) => {
        const [table, pos] = m.value!.toString().split('@') as [string, string];
        const d = o.decide(table, at('bin.000001', Number(pos)), partitions, `d:0:${m.offset}`);
        if (d.kind === 'wait') return { changes: [], timestampMs: null, wait: true as const };
        if (d.kind === 'refuse') throw new Error(d.fault.reason);
        if (d.kind === 'statement') return { changes: [], timestampMs: null, ddl: { db: 'shop', sql: d.statement.sql, format: 'debezium', at: { topic: 'schema', partition: 0, offset: d.statement.offset } } };
        const [db, tb] = table.split('.') as [string, string];
        return { changes: [{ db, table: tb, name: table, type: 'insert' as const, before: null, after: [m.offset], columns: ['id'] }], timestampMs: m.timestampMs };
      },
      fault: () => null,
      skipRequest: () => undefined,
      deadLetter: async () => null,
      apply: async (b: GatedBatch) => void log.push(`rows ${b.messages.map((m) => m.offset).join(',')} next ${b.next}`),
      applyDdl: async (_m: RawMessage, ddl: DdlMessage) => {
        assert.ok(ddl.at, 'a statement of the schema topic carries its offset there');
        log.push(`statement schema:0:${ddl.at.offset}`);
        o.appliedThrough(String(Number(ddl.at.offset) + 1));
      },
      who: 'test',
      now: () => 0,
    },
  };
}

test('a batch: the rows before the statement, the statement at its schema-topic offset, then the row that needed it and the rest', async () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 500, ['shop.t']));
  const g = gate(o);
  const r = await consumeBatch({ topic: 'd', partition: 0 }, rowsAt([['shop.t', 100], ['shop.t', 200], ['shop.t', 600], ['shop.t', 700]]), g.deps);
  assert.deepEqual(g.log, ['rows 0,1 next 2', 'statement schema:0:0', 'rows 2,3 next 4']);
  assert.deepEqual([r.next, r.delivered, r.paused, r.held], ['4', 4, null, undefined], 'the statement is not counted as a message of this partition');
});

test('a row waiting for another table\'s earlier statement: the batch stops before it, nothing paused, to be read again', async () => {
  const o = new SchemaTopicOrder('schema');
  o.add(stmt(0, 'bin.000001', 300, ['shop.a']));
  o.add(stmt(1, 'bin.000001', 400, ['shop.b']));
  const g = gate(o);
  const r = await consumeBatch({ topic: 'b', partition: 0 }, rowsAt([['shop.b', 100], ['shop.b', 450], ['shop.b', 460]]), g.deps);
  assert.deepEqual(g.log, ['rows 0 next 1']);
  assert.deepEqual([r.next, r.delivered, r.paused, r.held], ['1', 1, null, true]);
  // a's rows pass its statement: applied; then b's rows go on after b's statement.
  const ga = gate(o);
  await consumeBatch({ topic: 'a', partition: 0 }, rowsAt([['shop.a', 350]]), ga.deps);
  assert.deepEqual(ga.log, ['statement schema:0:0', 'rows 0 next 1']);
  const gb = gate(o);
  const again = await consumeBatch({ topic: 'b', partition: 0 }, rowsAt([['shop.b', 450], ['shop.b', 460]]).map((m, i) => ({ ...m, offset: String(i + 1) })), gb.deps);
  assert.deepEqual(gb.log, ['statement schema:0:1', 'rows 1,2 next 3']);
  assert.equal(again.held, undefined);
});

test('"schemaTopic" needs the Debezium format (the one whose rows carry the binlog position): others are refused with the reason', () => {
  const file = (format?: string) => ({ name: 'c', source: { type: 'kafka', brokers: ['k:9092'], topics: ['t'], schemaTopic: 'cutover.p.schema-changes', ...(format ? { format } : {}) }, sink: { type: 'mysql', url: 'mysql://u@h:3306' }, tables: { include: ['shop.*'] }, mode: 'stream' });
  const ok = parseJobConfig(file('debezium'));
  assert.equal(ok.source.type === 'kafka' && ok.source.schemaTopic, 'cutover.p.schema-changes');
  for (const f of ['canal', 'maxwell', 'auto', undefined]) assert.throws(() => parseJobConfig(file(f)), /schemaTopic.*needs "format": "debezium"[\s\S]*binlog position/, String(f));
});
