// The Kafka source's lenient apply (engine/source/kafka/apply-mode.ts): a topic that a snapshot+stream
// producer wrote under a concurrent writer holds, per key, the changes up to its chunk's snapshot position,
// the read, then the later changes. Rendered here by the Kafka sink's real TableRenderer (with the
// cutover.copy header the producer sets), decoded by the real decoders, applied to an in-memory sink with
// the strict and reconcile rules the MySQL and PostgreSQL sinks follow (test/helpers/memory-sink.ts): the
// end state equals the source's for every format, strict alone refuses such a topic, and once the copy is
// complete a divergent change is refused again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TableRenderer } from '../../engine/sink/kafka/table-renderer.js';
import type { ChangeEventInput, KafkaFormat, SourceInfo } from '../../engine/sink/kafka/formats/index.js';
import type { OutRecord } from '../../engine/sink/kafka/record-sender.js';
import { decodeMessage } from '../../engine/source/kafka/formats/decode.js';
import { appliesLeniently, lenientAs, type Headers } from '../../engine/source/kafka/apply-mode.js';
import { COPY_MARK_HEADER } from '../../engine/core/copy-mark.js';
import { modeRuns, strictWhereReplaceUnsafe } from '../../engine/core/batch-plan.js';
import type { RowChange } from '../../engine/core/changes.js';
import type { ApplierTable, ApplyMode } from '../../engine/core/checkpoint.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { TableInfo } from '../../engine/core/tables.js';
import { applyChange } from '../helpers/memory-sink.js';
import { changeStatements as mySql, planTable } from '../../engine/sink/mysql/change-statements.js';
import { changeStatements as pgSql, planPgTable } from '../../engine/sink/postgres/change-plan.js';
import { column } from '../helpers/columns.js';
import { prng } from '../helpers/source-writer.js';

const FORMATS: KafkaFormat[] = ['debezium', 'canal', 'maxwell'];
const columns = [column('id', 'int', { columnType: 'int(11)', nullable: false }), column('v', 'varchar', { columnType: 'varchar(20)', charset: 'utf8mb4' })];
const keyless = [column('k', 'int', { columnType: 'int(11)', nullable: false }), column('v', 'varchar', { columnType: 'varchar(20)', charset: 'utf8mb4' })];

function info(table: string, cols: typeof columns, key: string[]): TableInfo {
  return { db: 'shop', table, columns: cols, chunkKey: key, chunkKeyName: key.length ? 'PRIMARY' : null, engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false };
}
const T = info('t', columns, ['id']);
const tables = new Map<string, ApplierTable>([['shop.t', { sink: { db: 'shop', table: 't' }, info: T }]]);

function renderer(format: KafkaFormat, t: TableInfo = T): TableRenderer {
  const cols = t.columns;
  return new TableRenderer(t.db, t.table, cols, cols.filter((c) => t.chunkKey.includes(c.name)), { name: 'topic', maxMessageBytes: 1 << 20, partitions: 1 }, { format, keyMode: 'pk', tombstones: true });
}

const source = (pos: number, snapshot: boolean): SourceInfo => ({ serverId: snapshot ? null : 1, file: 'bin.000001', pos, gtid: null, tsMs: 1_700_000_000_000, snapshot, row: 0, serverName: 'job', version: '1', connector: 'mysql' });

type Event = { op: 'r' | 'c' | 'u' | 'd'; before: RawRow | null; after: RawRow | null; pos: number; mark?: 'row' | 'pending' };

/**
 * A source table of 20 rows under a writer (inserts, updates, deletes), copied in 4 key-range chunks each
 * read at its own snapshot position, in Cutover's order: every change, and each chunk's reads right after
 * the change at its position. Changes published before the last chunk carry the mark 'pending'.
 */
function history(seed: number): { events: Event[]; final: Map<string, string> } {
  const rnd = prng(seed);
  const state = new Map<number, string>();
  for (let id = 1; id <= 20; id++) state.set(id, `v${id}`);
  const changes = 120;
  const at = [0, 1 + Math.floor(rnd() * 40), 41 + Math.floor(rnd() * 40), 81 + Math.floor(rnd() * 39)];
  const ranges: [number, number][] = [[1, 6], [7, 12], [13, 18], [19, 1e9]];
  const events: Event[] = [];
  const reads = (p: number): void => {
    at.forEach((q, i) => {
      if (q !== p) return;
      const [lo, hi] = ranges[i]!;
      for (const [id, v] of [...state].sort((a, b) => a[0] - b[0])) if (id >= lo && id <= hi) events.push({ op: 'r', before: null, after: [String(id), v], pos: p, mark: 'row' });
    });
  };
  reads(0);
  let next = 21;
  const last = Math.max(...at);
  for (let p = 1; p <= changes; p++) {
    const ids = [...state.keys()];
    const r = rnd();
    const mark = p <= last ? ('pending' as const) : undefined;
    if (r < 0.3 || !ids.length) {
      const id = next++;
      state.set(id, `i${p}`);
      events.push({ op: 'c', before: null, after: [String(id), `i${p}`], pos: p, mark });
    } else if (r < 0.75) {
      const id = ids[Math.floor(rnd() * ids.length)]!;
      const before: RawRow = [String(id), state.get(id)!];
      state.set(id, `u${p}`);
      events.push({ op: 'u', before, after: [String(id), `u${p}`], pos: p, mark });
    } else {
      const id = ids[Math.floor(rnd() * ids.length)]!;
      events.push({ op: 'd', before: [String(id), state.get(id)!], after: null, pos: p, mark });
      state.delete(id);
    }
    reads(p);
  }
  return { events, final: new Map([...state].map(([id, v]) => [String(id), v])) };
}

function render(format: KafkaFormat, events: Event[], t: TableInfo = T): OutRecord[] {
  const r = renderer(format, t);
  const out: OutRecord[] = [];
  for (const e of events) {
    const ev: ChangeEventInput = { op: e.op, table: r.kt, before: e.before, after: e.after, source: source(e.pos, e.op === 'r'), tsMs: 0, ...(e.mark ? { copyMark: e.mark } : {}) };
    r.render(ev, out);
  }
  return out;
}

const buf = (v: string | Buffer | null): Buffer | null => (v === null ? null : Buffer.isBuffer(v) ? v : Buffer.from(v));

/** Decodes each record and applies it to `db` in the mode the Kafka source picks (strictOnly: always strict). */
function consume(format: KafkaFormat, records: OutRecord[], db: Map<string, Map<string, RawRow>>, opts: { strictOnly?: boolean; t?: ApplierTable } = {}): { lenient: number } {
  const t = opts.t ?? tables.get('shop.t')!;
  const applied = new Map([[`${t.info.db}.${t.info.table}`, t]]);
  let lenient = 0;
  for (const rec of records) {
    const d = decodeMessage(format, buf(rec.key), buf(rec.value), { columns: () => t.info.columns });
    if (d.kind !== 'rows') continue;
    const isLenient = !opts.strictOnly && appliesLeniently(d, rec.headers as Headers | undefined);
    if (isLenient) lenient++;
    for (const c of d.changes) applyChange(db, applied, c, isLenient ? 'reconcile' : 'strict');
  }
  return { lenient };
}

const rowsOf = (db: Map<string, Map<string, RawRow>>): Map<string, string> => new Map([...(db.get('shop.t') ?? new Map<string, RawRow>()).values()].map((r) => [r[0]!, r[1]!]));

for (const format of FORMATS) {
  test(`${format}: a snapshot+stream topic written under writes ends exact when applied with the copy marks (20 seeds)`, () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { events, final } = history(seed);
      const db = new Map<string, Map<string, RawRow>>();
      const { lenient } = consume(format, render(format, events), db);
      assert.ok(lenient > 0, 'some messages were applied leniently');
      assert.deepEqual(rowsOf(db), final, `seed ${seed}`);
    }
  });

  test(`${format}: strict apply alone refuses such a topic (a change before its key's read)`, () => {
    let refused = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const { events } = history(seed);
      try {
        consume(format, render(format, events), new Map(), { strictOnly: true });
      } catch (e) {
        assert.match((e as Error).message, /strict mode/);
        refused++;
      }
    }
    assert.ok(refused >= 15, `refused ${refused} of 20 topics`);
  });

  test(`${format}: after the copy is complete, changes are strict again: a row missing on the sink is refused`, () => {
    const { events, final } = history(3);
    const db = new Map<string, Map<string, RawRow>>();
    consume(format, render(format, events), db);
    const [id, v] = [...final][0]!;
    db.get('shop.t')!.delete(id); // the sink diverged
    const later = render(format, [{ op: 'u', before: [id, v], after: [id, 'late'], pos: 500 }]);
    assert.equal(later.some((r) => r.headers?.[COPY_MARK_HEADER] !== undefined), false);
    assert.throws(() => consume(format, later, db), /strict mode: update of a missing key/);
  });
}

test('the mark on the records: copied rows, pending changes, never on a tombstone', () => {
  for (const format of FORMATS) {
    const recs = render(format, [
      { op: 'r', before: null, after: ['1', 'a'], pos: 0, mark: 'row' },
      { op: 'd', before: ['1', 'a'], after: null, pos: 1, mark: 'pending' },
      { op: 'c', before: null, after: ['2', 'b'], pos: 2 },
    ]);
    const marks = recs.map((r) => (r.value === null ? 'tombstone' : (r.headers?.[COPY_MARK_HEADER] ?? '-')));
    assert.deepEqual(marks, format === 'debezium' ? ['row', 'pending', 'tombstone', '-'] : ['row', 'pending', '-'], format);
  }
});

test('the rule without Cutover\'s mark: strict, Debezium reads and Maxwell bootstrap rows included', () => {
  assert.equal(appliesLeniently({ format: 'debezium', snapshotRead: true }, undefined), false, 'the real Debezium can stream a change its snapshot already holds');
  assert.equal(appliesLeniently({ format: 'debezium' }, {}), false);
  assert.equal(appliesLeniently({ format: 'maxwell', snapshotRead: true }, undefined), false, 'the real Maxwell bootstraps without a consistent snapshot or a position');
  assert.equal(appliesLeniently({ format: 'canal' }, {}), false);
  assert.equal(appliesLeniently({ format: 'canal' }, { [COPY_MARK_HEADER]: Buffer.from('pending') }), true);
  assert.equal(appliesLeniently({ format: 'maxwell', snapshotRead: true }, { [COPY_MARK_HEADER]: 'row' }), true);
  assert.equal(appliesLeniently({ format: 'canal' }, { [COPY_MARK_HEADER]: 'other' }), false, 'an unknown value is no mark');
  assert.equal(lenientAs({ format: 'canal' }, { [COPY_MARK_HEADER]: 'pending' }), 'change');
  assert.equal(lenientAs({ format: 'canal' }, { [COPY_MARK_HEADER]: 'row' }), 'read');
  assert.equal(lenientAs({ format: 'debezium', snapshotRead: true }, { [COPY_MARK_HEADER]: 'row' }), 'read');
  assert.equal(lenientAs({ format: 'debezium' }, {}), null);
  // The decoders say which messages are reads.
  const maxwellBootstrap = decodeMessage('maxwell', null, Buffer.from('{"database":"shop","table":"t","type":"bootstrap-insert","ts":1,"data":{"id":1,"v":"a"}}'), { columns: () => columns });
  assert.equal(maxwellBootstrap.kind === 'rows' && maxwellBootstrap.snapshotRead, true);
  const dbzRead = decodeMessage('debezium', null, Buffer.from('{"before":null,"after":{"id":1,"v":"a"},"source":{"db":"shop","table":"t","snapshot":"last","file":"b.1","pos":4},"op":"r","ts_ms":1}'), { columns: () => columns });
  assert.equal(dbzRead.kind === 'rows' && dbzRead.snapshotRead, true);
});

test('a keyless table stays strict in lenient mode on both sinks: no REPLACE, and its updates and deletes must find one row', () => {
  const K = info('k', keyless, []);
  const t: ApplierTable = { sink: { db: 'shop', table: 'k' }, info: K };
  const my = planTable(t);
  const pgPlan = planPgTable(t, 'shop', 'k', { keyIndexed: false, otherUniques: [] }, () => (raw) => raw);
  const ins: RowChange = { db: 'shop', table: 'k', type: 'insert', before: null, after: ['1', 'a'], columns: ['k', 'v'] };
  const del: RowChange = { db: 'shop', table: 'k', type: 'delete', before: ['1', 'a'], after: null, columns: ['k', 'v'] };
  const upd: RowChange = { db: 'shop', table: 'k', type: 'update', before: ['1', 'a'], after: ['1', 'b'], columns: ['k', 'v'] };
  for (const mode of ['reconcile', 'strict'] as const) {
    assert.match(mySql(my, ins, mode)[0]!.sql, /^INSERT INTO/);
    assert.equal(mySql(my, del, mode)[0]!.expect, 1);
    assert.equal(mySql(my, upd, mode)[0]!.expect, 1);
    assert.match(pgSql(pgPlan, ins, mode)[0]!.sql, /^INSERT INTO/);
    assert.doesNotMatch(pgSql(pgPlan, ins, mode).map((x) => x.sql).join(';'), /ON CONFLICT|DELETE/);
    assert.equal(pgSql(pgPlan, del, mode)[0]!.expect, 1);
    assert.equal(pgSql(pgPlan, upd, mode)[0]!.expect, 1);
  }
  // A keyed table in lenient mode: REPLACE, and a delete that may find nothing.
  const keyedPlan = planTable(tables.get('shop.t')!);
  const kdel: RowChange = { db: 'shop', table: 't', type: 'delete', before: ['1', 'a'], after: null, columns: ['id', 'v'] };
  assert.match(mySql(keyedPlan, { ...ins, table: 't', columns: ['id', 'v'] }, 'reconcile')[0]!.sql, /^REPLACE INTO/);
  assert.equal(mySql(keyedPlan, kdel, 'reconcile')[0]!.expect, null);
  assert.equal(mySql(keyedPlan, kdel, 'strict')[0]!.expect, 1);
});

test('modeRuns: consecutive parts of one mode are one run, in order; a part without a mode takes the batch\'s', () => {
  const c = (id: string): RowChange => ({ db: 'shop', table: 't', type: 'insert', before: null, after: [id, 'x'], columns: ['id', 'v'] });
  const parts: { changes: RowChange[]; mode?: ApplyMode }[] = [{ changes: [c('1')], mode: 'reconcile' }, { changes: [c('2'), c('3')], mode: 'reconcile' }, { changes: [c('4')] }, { changes: [c('5')], mode: 'reconcile' }];
  const runs = modeRuns(parts, 'strict');
  assert.deepEqual(runs.map((r) => [r.mode, r.changes.map((x) => x.after![0])]), [['reconcile', ['1', '2', '3']], ['strict', ['4']], ['reconcile', ['5']]]);
  assert.equal(parts[0]!.changes.length, 1, 'the parts are not changed');
});

test('a lenient message on a table with a further unique key is applied strictly (a replace could remove a row another partition is ahead on)', () => {
  const withUnique: TableInfo = { ...T, createSql: 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` varchar(20),\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `v` (`v`)\n) ENGINE=InnoDB' };
  const onlyKey: TableInfo = { ...T, createSql: 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` varchar(20),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB' };
  assert.equal(planTable({ sink: { db: 'shop', table: 't' }, info: withUnique }).replaceSafe, false);
  assert.equal(planTable({ sink: { db: 'shop', table: 't' }, info: onlyKey }).replaceSafe, true);
  assert.equal(planTable({ sink: { db: 'shop', table: 'k' }, info: info('k', keyless, []) }).replaceSafe, false);
  const t = { sink: { db: 'shop', table: 't' }, info: T };
  assert.equal(planPgTable(t, 'shop', 't', { keyIndexed: true, otherUniques: [['v']] }, () => (raw) => raw).replaceSafe, false);
  assert.equal(planPgTable(t, 'shop', 't', { keyIndexed: true, otherUniques: [] }, () => (raw) => raw).replaceSafe, true);
  const c = (table: string): RowChange => ({ db: 'shop', table, type: 'insert', before: null, after: ['1', 'x'], columns: ['id', 'v'] });
  const parts: { changes: RowChange[]; mode?: ApplyMode }[] = [{ changes: [c('safe')], mode: 'reconcile' }, { changes: [c('safe'), c('unsafe')], mode: 'reconcile' }, { changes: [c('unsafe')] }];
  const same = parts.slice();
  strictWhereReplaceUnsafe(parts, (x) => x.table === 'safe');
  assert.deepEqual(parts.map((p) => p.mode ?? 'batch'), ['reconcile', 'batch', 'batch']);
  assert.ok(parts.every((p, i) => p === same[i]), 'the same part objects (a refused message is named by its object)');
});
