import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInserts, insertTemplate } from '../../engine/sink/mysql/insert-builder.js';
import type { CopyTable } from '../../engine/sink/sink.js';
import type { ColumnInfo } from '../../engine/source/mysql/schema-reader.js';

const c = (name: string, dataType: string): ColumnInfo => ({ name, dataType, columnType: dataType, charset: 'utf8mb4', collation: 'utf8mb4_general_ci', nullable: true, generated: false });
const cols = [c('id', 'int'), c('select', 'varchar')];
const table = (keyed: boolean): CopyTable => ({
  stateId: 1,
  source: { db: 's', table: 't', columns: cols, chunkKey: keyed ? ['id'] : [], chunkKeyName: keyed ? 'PRIMARY' : null, engine: 'InnoDB', estimatedRows: 0, dataBytes: 0, createSql: '' },
  sink: { db: 'd', table: 't' },
  columns: cols,
  keyColumns: keyed ? [cols[0]!] : [],
});
const rows = Array.from({ length: 100 }, (_, i) => [String(i), i % 10 ? 'row ' + i : null]);

test('keyed tables get idempotent upserts, never REPLACE', () => {
  const [sql] = buildInserts(insertTemplate(table(true), 'mariadb'), rows.slice(0, 2), 1 << 20);
  assert.equal(sql, "INSERT INTO `d`.`t` (`id`,`select`) VALUES (0,NULL),(1,'row 1') ON DUPLICATE KEY UPDATE `id`=VALUES(`id`),`select`=VALUES(`select`)");
});

test('tables without a key get plain inserts', () => {
  const [sql] = buildInserts(insertTemplate(table(false), 'mariadb'), rows.slice(0, 1), 1 << 20);
  assert.equal(sql, 'INSERT INTO `d`.`t` (`id`,`select`) VALUES (0,NULL)');
});

test('statements stay under the byte budget and keep every row in order', () => {
  const stmts = buildInserts(insertTemplate(table(true), 'mariadb'), rows, 300);
  assert.ok(stmts.length > 5);
  for (const s of stmts) assert.ok(Buffer.byteLength(s) <= 300 || !s.includes('),('), `too long: ${s.length}`);
  const ids = stmts.flatMap((s) => [...s.matchAll(/\((\d+),/g)].map((m) => Number(m[1])));
  assert.deepEqual(ids, rows.map((_, i) => i));
});
