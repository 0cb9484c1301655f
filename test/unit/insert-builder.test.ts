import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInserts, insertTemplate, renderRow } from '../../engine/sink/mysql/insert-builder.js';
import { encodeRows, loadDataTemplate, TsvBuffer } from '../../engine/sink/mysql/load-data.js';
import { duplicateKeyName } from '../../engine/sink/mysql/mysql-writer.js';
import type { ColumnInfo } from '../../engine/core/tables.js';
import type { CopyTable } from '../../engine/core/tables.js';

const c = (name: string, dataType: string): ColumnInfo => ({ name, dataType, columnType: dataType, charset: 'utf8mb4', collation: 'utf8mb4_general_ci', nullable: true, generated: false });
const cols = [c('id', 'int'), c('select', 'varchar')];
const table = (keyed: boolean): CopyTable => ({
  stateId: 1,
  source: { db: 's', table: 't', columns: cols, chunkKey: keyed ? ['id'] : [], chunkKeyName: keyed ? 'PRIMARY' : null, engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql: '', systemVersioned: false },
  sink: { db: 'd', table: 't' },
  columns: cols,
  keyColumns: keyed ? [cols[0]!] : [],
});
const rows = Array.from({ length: 100 }, (_, i) => [String(i), i % 10 ? 'row ' + i : null]);

test('rows are inserted with INSERT IGNORE (a row whose key exists is kept), never REPLACE', () => {
  const [sql] = buildInserts(insertTemplate(table(true), 'mariadb'), rows.slice(0, 2).map((r) => renderRow(insertTemplate(table(true), 'mariadb'), r)), 1 << 20);
  assert.equal(sql, "INSERT IGNORE INTO `d`.`t` (`id`,`select`) VALUES (0,NULL),(1,'row 1')");
});

test('statements stay under the byte budget and keep every row in order', () => {
  const tpl = insertTemplate(table(true), 'mariadb');
  const stmts = buildInserts(tpl, rows.map((r) => renderRow(tpl, r)), 300);
  assert.ok(stmts.length > 5);
  for (const s of stmts) assert.ok(Buffer.byteLength(s) <= 300 || !s.includes('),('), `too long: ${s.length}`);
  const ids = stmts.flatMap((s) => [...s.matchAll(/\((\d+),/g)].map((m) => Number(m[1])));
  assert.deepEqual(ids, rows.map((_, i) => i));
});

test('LOAD DATA rows: tab-separated bytes, \\N for NULL, escapes for \\ tab newline CR NUL', () => {
  const buf = encodeRows([
    ['1', null, 'a\tb\nc\\d\re\0f'],
    ['2', '', 'é'],
  ]);
  assert.equal(buf.toString('latin1'), '1\t\\N\ta\\tb\\nc\\\\d\\re\\0f\n2\t\té\n');
  assert.equal(buf.length, 27);
});

test('LOAD DATA rows gathered in blocks: every byte of many rows, across block ends, in order; the size counts unwritten lines', () => {
  const all = Array.from({ length: 5000 }, (_, i) => [String(i), i % 7 ? null : 'x', `v\t${i}\\ \xff`.repeat(1 + (i % 5))]);
  const line = (r: (string | null)[]): string =>
    r.map((v) => (v === null ? '\\N' : v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t'))).join('\t') + '\n';
  const expected = all.map(line).join('');
  assert.ok(expected.length > 3 * 64 * 1024, 'the rows span several blocks');
  const tsv = new TsvBuffer(16, [true, false, false]);
  for (const r of all) tsv.addRow(r);
  assert.equal(tsv.rows, all.length);
  assert.equal(tsv.byteLength, expected.length);
  assert.equal(tsv.bytes().toString('latin1'), expected);
  tsv.addRow(['1', null, 'z']);
  assert.equal(tsv.bytes().toString('latin1'), expected + '1\t\\N\tz\n');
});

test('LOAD DATA statement: binary charset, IGNORE, BIT through a number', () => {
  const bit: ColumnInfo = { ...c('flags', 'bit') };
  const t = table(true);
  const { sql } = loadDataTemplate({ ...t, columns: [...cols, bit] }, 'mariadb');
  assert.match(sql, /^LOAD DATA LOCAL INFILE 'cutover\.tsv' IGNORE INTO TABLE `d`\.`t` CHARACTER SET binary /);
  assert.match(sql, /\(`id`,`select`,@v2\) SET `flags` = CAST\(CONV\(HEX\(@v2\), 16, 10\) AS UNSIGNED\)$/);
});

test('duplicate warnings name their key on MariaDB and MySQL 8', () => {
  assert.equal(duplicateKeyName("Duplicate entry '5' for key 'PRIMARY'"), 'PRIMARY');
  assert.equal(duplicateKeyName("Duplicate entry 'a@x' for key 'users.email'"), 'email');
  assert.equal(duplicateKeyName('Data truncated for column'), null);
});
