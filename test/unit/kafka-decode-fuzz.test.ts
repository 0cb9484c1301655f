// Kafka source decoding under many different messages through one decode context (the decoders keep
// what repeats between messages: a schema envelope parsed once, field names, column lists): random rows of
// a table like the pipeline test's items (text with quotes, backslashes, control characters and non-ASCII;
// negative integers; DECIMAL and DATETIME(6) values and NULLs) and of an unsigned BIGINT / JSON / binary
// table, in random order, rendered by Cutover's formats and decoded back. Every value must come back as the
// snapshot reader's byte string, for every message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMessages, type ChangeEventInput, type KafkaColumn, type KafkaTable } from '../../engine/sink/kafka/formats/index.js';
import { decodeMessage, type ColumnType, type DecodeContext } from '../../engine/source/kafka/formats/decode.js';
import type { RawValue } from '../../engine/core/rows.js';
import type { RowChange } from '../../engine/core/changes.js';
import { withSchemaEnvelope } from './kafka-decode-envelope.js';
import { prng } from '../helpers/source-writer.js';

const col = (name: string, dataType: string, columnType = dataType, charset: string | null = null, nullable = true): KafkaColumn => ({ name, dataType, columnType, charset, nullable });
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

const ITEMS: KafkaTable = {
  db: 'kp_src',
  table: 'items',
  columns: [col('id', 'int', 'int(11)', null, false), col('name', 'varchar', 'varchar(40)', 'utf8mb4', false), col('qty', 'int', 'int(11)', null, false), col('price', 'decimal', 'decimal(10,2)'), col('at', 'datetime', 'datetime(6)')],
  keyColumns: ['id'],
};
const WIDE: KafkaTable = {
  db: 'kp_src',
  table: 'wide',
  columns: [col('a', 'int', 'int(11)', null, false), col('b', 'varchar', 'varchar(10)', 'utf8mb4', false), col('v', 'bigint', 'bigint(20) unsigned', null, false), col('j', 'json', 'json'), col('bin', 'varbinary', 'varbinary(16)')],
  keyColumns: ['a', 'b'],
};
const TABLES = [ITEMS, WIDE];
const ctx: DecodeContext = {
  columns: (db, table) => {
    const t = TABLES.find((x) => x.db === db && x.table === table);
    return t ? t.columns.map((c): ColumnType => ({ name: c.name, dataType: c.dataType, columnType: c.columnType, charset: c.charset, nullable: c.nullable })) : null;
  },
};

const PIECES = ['item ', 'w', '∑', 'ü€', '+', '"', '\\', '\n', '\t', '\u0001', '😀', '{', '}', ':', ',', '[', ']', 'null', '0', '-', ' '];

function randomRow(t: KafkaTable, rnd: () => number, key: RawValue[]): RawValue[] {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const text = (max: number): string => {
    let s = '';
    for (let k = pick(6); k >= 0 && [...s].length < max; k--) s += PIECES[pick(PIECES.length)];
    return utf8([...s].slice(0, max).join(''));
  };
  if (t === ITEMS) {
    const price = pick(5) === 0 ? null : `${pick(2) ? '-' : ''}${pick(100000)}.${String(pick(100)).padStart(2, '0')}`;
    const at = pick(4) === 0 ? null : `20${10 + pick(20)}-0${1 + pick(9)}-1${pick(10)} ${String(pick(24)).padStart(2, '0')}:0${pick(10)}:5${pick(10)}.${String(pick(1_000_000)).padStart(6, '0')}`;
    return [key[0]!, text(40), String(pick(3) === 0 ? -pick(2 ** 31) : pick(2 ** 31)), price, at];
  }
  const big = pick(10) === 0 ? '18446744073709551615' : String(pick(2 ** 30) * 1000003 + pick(1000));
  const json = pick(3) === 0 ? null : utf8(JSON.stringify({ n: pick(1000), s: Buffer.from(text(8), 'latin1').toString('utf8') }).replace(/}$/, `, "big": 1844674407370955161${pick(10)}}`));
  const bin = pick(3) === 0 ? null : Buffer.from(Array.from({ length: pick(17) }, () => pick(256))).toString('latin1');
  return [key[0]!, key[1]!, big, json, bin];
}

const source = { serverId: 1, file: 'bin.000003', pos: 154, gtid: '0-1-42', tsMs: 1765052875000, snapshot: false as const, row: 0, thread: 7, query: null, xid: 99, serverName: 'job', version: '1.0', connector: 'mysql' as const };

for (const [format, envelope] of [['debezium', false], ['debezium', true], ['maxwell', false], ['canal', false]] as const) {
  test(`${format}${envelope ? ' with the schema envelope' : ''}: 3,000 random changes of two tables through one decode context come back byte for byte`, () => {
    const rnd = prng(0x5eed + format.length + (envelope ? 1 : 0));
    const pick = (n: number): number => Math.floor(rnd() * n);
    const rows = new Map<string, { t: KafkaTable; row: RawValue[] }>();
    for (let i = 0; i < 3000; i++) {
      const t = TABLES[pick(2)]!;
      const key: RawValue[] = t === ITEMS ? [String(1 + pick(300))] : [String(pick(60)), utf8(`b${pick(8)}`)];
      const id = `${t.table}/${key.join('/')}`;
      const now = rows.get(id)?.row ?? null;
      const after = pick(5) === 0 && now ? null : randomRow(t, rnd, key);
      const op: ChangeEventInput['op'] = !now ? (pick(4) === 0 ? 'r' : 'c') : after ? 'u' : 'd';
      const e: ChangeEventInput = { op, table: t, before: op === 'c' || op === 'r' ? null : now, after, source: { ...source, pos: 154 + i, snapshot: op === 'r' }, tsMs: 1765052876000 + i, txCommit: true };
      const changes: RowChange[] = [];
      for (const m of renderMessages(format, e, { canalEnumText: false })) {
        const value = m.value === null ? null : envelope ? withSchemaEnvelope(t, m.value) : m.value;
        const d = decodeMessage(format, m.key === null ? null : Buffer.from(m.key), value === null ? null : Buffer.from(value), ctx);
        if (d.kind === 'rows') changes.push(...d.changes);
      }
      const what = `message ${i} (${format} ${op} ${id})`;
      assert.equal(changes.length, 1, what);
      const c = changes[0]!;
      assert.deepEqual(c.after ?? null, after, `${what}: after`);
      if (op !== 'c' && op !== 'r') assert.deepEqual(c.before, now, `${what}: before`);
      if (after) rows.set(id, { t, row: after });
      else rows.delete(id);
    }
  });
}
