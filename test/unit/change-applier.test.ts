import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointUpsert, effectiveMode, pendingTransactions, reconcileUntilUpdate } from '../../engine/sink/mysql/change-applier.js';
import { batchStatements, changeStatements as statements, netEffectStatements, planTable, uniqueKeyCount, type TablePlan } from '../../engine/sink/mysql/change-statements.js';
import type { ColumnInfo, TableInfo } from '../../engine/core/tables.js';
import type { BinlogTransaction, RowChange } from '../../engine/core/changes.js';
import type { ApplyMode } from '../../engine/core/checkpoint.js';

const c = (name: string, dataType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  dataType,
  columnType: dataType,
  charset: ['varchar', 'enum'].includes(dataType) ? 'utf8mb4' : null,
  collation: ['varchar', 'enum'].includes(dataType) ? 'utf8mb4_general_ci' : null,
  nullable: true,
  generated: false,
  ...extra,
});
const info = (columns: ColumnInfo[], chunkKey: string[]): TableInfo => ({
  db: 's',
  table: 't',
  columns,
  chunkKey,
  chunkKeyName: chunkKey.length ? 'PRIMARY' : null,
  engine: 'InnoDB',
  estimatedRows: 0,
  dataBytes: 0,
  createSql: chunkKey.length ? '  PRIMARY KEY (`id`)' : '',
  systemVersioned: false,
});
const cols = [c('id', 'int'), c('name', 'varchar'), c('at', 'datetime'), c('total', 'decimal', { generated: true }), c('f', 'float')];
const names = cols.map((x) => x.name);
const keyed = planTable({ sink: { db: 'd', table: 't' }, info: info(cols, ['id']) });
const keyless = planTable({ sink: { db: 'd', table: 'k' }, info: info(cols, []) });
const ch = (type: RowChange['type'], before: (string | null)[] | null, after: (string | null)[] | null, columns = names): RowChange => ({
  db: 's',
  table: 't',
  type,
  before,
  after,
  columns,
});
const row1 = ['1', 'a', '2024-01-02 03:04:05.000006', '9.50', '1.5'];

const changeStatements = (plan: TablePlan, change: RowChange, mode: ApplyMode = 'reconcile'): string[] => statements(plan, change, mode).map((s) => s.sql);

test('reconcile mode: insert REPLACEs every written column, generated columns skipped', () => {
  assert.deepEqual(changeStatements(keyed, ch('insert', null, row1)), [
    "REPLACE INTO `d`.`t` (`id`,`name`,`at`,`f`) VALUES (1,'a','2024-01-02 03:04:05.000006',1.5)",
  ]);
});

test('strict mode: plain INSERT; UPDATE and DELETE by key must affect exactly one row', () => {
  assert.deepEqual(statements(keyed, ch('insert', null, row1), 'strict').map((s) => [s.sql, s.expect]), [
    ["INSERT INTO `d`.`t` (`id`,`name`,`at`,`f`) VALUES (1,'a','2024-01-02 03:04:05.000006',1.5)", null],
  ]);
  const moved = statements(keyed, ch('update', row1, ['5', 'b', null, '1', '2']), 'strict');
  assert.deepEqual(moved.map((s) => [s.sql, s.expect]), [["UPDATE `d`.`t` SET `id` = 5, `name` = 'b', `at` = NULL, `f` = 2 WHERE `id` = 1 LIMIT 1", 1]]);
  assert.deepEqual(statements(keyed, ch('delete', row1, null), 'strict').map((s) => [s.sql, s.expect]), [['DELETE FROM `d`.`t` WHERE `id` = 1', 1]]);
});

test('row image columns are mapped by name, not by position', () => {
  const reordered = ['f', 'total', 'at', 'name', 'id'];
  const [sql] = changeStatements(keyed, ch('insert', null, ['1.5', '9.50', '2024-01-01 00:00:00', "it's", '7'], reordered));
  assert.match(sql!, /VALUES \(7,X'69742773','2024-01-01 00:00:00',1\.5\)/);
});

test('reconcile: an update keeping the key is one REPLACE; a key change deletes the old key first', () => {
  const row2 = ['1', 'b', null, '1', '2'];
  assert.deepEqual(changeStatements(keyed, ch('update', row1, row2)).length, 1);
  const moved = changeStatements(keyed, ch('update', row1, ['5', 'a', null, '1', '2']));
  assert.equal(moved.length, 2);
  assert.equal(moved[0], 'DELETE FROM `d`.`t` WHERE `id` = 1');
  assert.match(moved[1]!, /^REPLACE INTO `d`\.`t` .* VALUES \(5,'a',NULL,2\)$/);
});

test('delete by key uses key literals with charset and collation for strings', () => {
  const p = planTable({ sink: { db: 'd', table: 't' }, info: info(cols, ['name', 'id']) });
  assert.deepEqual(changeStatements(p, ch('delete', row1, null)), [
    "DELETE FROM `d`.`t` WHERE `name` = _utf8mb4 X'61' COLLATE utf8mb4_general_ci AND `id` = 1",
  ]);
});

test('keyless tables: plain insert, update/delete match the whole before-image NULL-safely with LIMIT 1', () => {
  assert.deepEqual(changeStatements(keyless, ch('insert', null, row1)), [
    "INSERT INTO `d`.`k` (`id`,`name`,`at`,`f`) VALUES (1,'a','2024-01-02 03:04:05.000006',1.5)",
  ]);
  const before = ['1', null, '2024-01-02 03:04:05.000006', '9.50', '1.5'];
  assert.deepEqual(changeStatements(keyless, ch('delete', before, null)), [
    "DELETE FROM `d`.`k` WHERE `id` = 1 AND `name` IS NULL AND `at` = '2024-01-02 03:04:05.000006' AND (`f` + 0E0) = 1.5 LIMIT 1",
  ]);
  assert.deepEqual(changeStatements(keyless, ch('update', row1, ['2', 'x', null, '0', '0'])), [
    "UPDATE `d`.`k` SET `id` = 2, `name` = 'x', `at` = NULL, `f` = 0 WHERE `id` = 1 AND CAST(`name` AS BINARY) = X'61' AND `at` = '2024-01-02 03:04:05.000006' AND (`f` + 0E0) = 1.5 LIMIT 1",
  ]);
});

test('net effect: only tables whose sole unique key is an exactly comparable chunk key', () => {
  assert.equal(keyed.netEffect, true);
  assert.equal(keyless.netEffect, false);
  const twoUnique = planTable({ sink: { db: 'd', table: 't' }, info: { ...info(cols, ['id']), createSql: '  PRIMARY KEY (`id`),\n  UNIQUE KEY `n` (`name`)' } });
  assert.equal(twoUnique.netEffect, false);
  const stringKey = planTable({ sink: { db: 'd', table: 't' }, info: info(cols, ['name']) });
  assert.equal(stringKey.netEffect, false, 'a case-insensitive string key may equal another spelling');
  assert.equal(uniqueKeyCount('  PRIMARY KEY (`id`),\n  UNIQUE KEY `a` (`x`),\n  KEY `b` (`y`)'), 2);
});

test('net effect: repeated changes of one key keep its last image; keys that existed are deleted first', () => {
  const r = (id: string, name: string): (string | null)[] => [id, name, null, '0', '0'];
  const changes = [
    ch('update', r('1', 'a'), r('1', 'b')),
    ch('update', r('1', 'b'), r('1', 'c')),
    ch('insert', null, r('2', 'x')),
    ch('delete', r('2', 'x'), null),
    ch('delete', r('3', 'y'), null),
    ch('update', r('4', 'p'), r('5', 'p')),
    ch('update', r('5', 'p'), r('4', 'q')),
  ];
  const out = netEffectStatements(keyed, changes, 'strict');
  assert.deepEqual(out.map((s) => [s.sql, s.expect]), [
    ['DELETE FROM `d`.`t` WHERE `id` IN (1,3,4)', 3],
    ["INSERT INTO `d`.`t` (`id`,`name`,`at`,`f`) VALUES (1,'c',NULL,0),(4,'q',NULL,0)", null],
  ]);
  const rec = netEffectStatements(keyed, changes, 'reconcile');
  // Reconcile also deletes keys that appear in the batch and end removed: the copy may hold them.
  assert.deepEqual([rec[0]!.sql, rec[0]!.expect], ['DELETE FROM `d`.`t` WHERE `id` IN (1,2,3,4,5)', null]);
  assert.match(rec[1]!.sql, /^REPLACE INTO/);
});

test('net effect: a batch past the statement size is split into several INSERTs holding every final image once, in order', () => {
  const r = (id: number): (string | null)[] => [String(id), 'n'.repeat(200) + id, '2024-01-02 03:04:05.000006', '0', '1.5'];
  const changes = Array.from({ length: 12_000 }, (_, i) => ch('insert', null, r(i + 1)));
  const out = netEffectStatements(keyed, changes, 'strict');
  assert.ok(out.length >= 3, `${out.length} statements`);
  const head = 'INSERT INTO `d`.`t` (`id`,`name`,`at`,`f`) VALUES ';
  const tuples: string[] = [];
  for (const s of out) {
    assert.ok(s.sql.startsWith(head));
    assert.ok(s.sql.length <= (1 << 20) + 300, `${s.sql.length} characters`);
    tuples.push(...s.sql.slice(head.length + 1, -1).split('),('));
  }
  assert.equal(tuples.length, 12_000);
  tuples.forEach((t, i) => assert.equal(t, `${i + 1},'${'n'.repeat(200)}${i + 1}','2024-01-02 03:04:05.000006',1.5`));
  // The same batch one row per statement gives the same rows.
  assert.equal(out.map((s) => s.sql.slice(head.length)).join(','), changes.map((c) => statements(keyed, c, 'strict')[0]!.sql.slice(head.length)).join(','));
});

test('a batch keeps one statement per change for tables that cannot use the net effect', () => {
  const out = batchStatements([ch('insert', null, row1), ch('delete', row1, null)], () => keyless, 'strict');
  assert.equal(out.length, 2);
  assert.match(out[1]!.sql, /^DELETE FROM `d`\.`k` .* LIMIT 1$/);
});

test('a row image missing a column fails instead of writing a wrong row', () => {
  assert.throws(() => changeStatements(keyed, ch('insert', null, ['1'], ['id'])), /has no column name/);
});

test('transactions at or before the checkpoint are skipped', () => {
  const tx = (file: string, pos: number): BinlogTransaction => ({ kind: 'transaction', changes: [], gtid: null, end: { kind: 'mysql-binlog', file, pos }, timestamp: 0 });
  const txs = [tx('mysql-bin.000009', 500), tx('mysql-bin.000010', 100), tx('mysql-bin.000010', 200)];
  assert.equal(pendingTransactions(txs, null).length, 3);
  assert.deepEqual(pendingTransactions(txs, { kind: 'mysql-binlog', file: 'mysql-bin.000010', pos: 100 }), [txs[2]]);
  assert.equal(pendingTransactions(txs, { kind: 'mysql-binlog', file: 'mysql-bin.000010', pos: 200 }).length, 0);
  assert.equal(pendingTransactions(txs, { kind: 'mysql-binlog', file: 'mysql-bin.000008', pos: 9999 }).length, 3);
  const cp = checkpointUpsert('job', txs[2]!.end, '0-1-5');
  assert.deepEqual(cp.params, ['job', 'mysql-bin.000010', 200, '0-1-5', null, null, null]);
  const owned = checkpointUpsert('job', txs[2]!.end, null, { installation: 'i-1', instance: 'j-1', label: 'dba@h:/s.db' });
  assert.deepEqual(owned.params.slice(4), ['i-1', 'j-1', 'dba@h:/s.db']);
  assert.doesNotMatch(owned.sql.split('ON DUPLICATE KEY UPDATE')[1]!, /owner/, 'an existing row keeps its owner');
  assert.match(cp.sql, /^INSERT INTO `_cutover`\.`cutover_checkpoint` .* ON DUPLICATE KEY UPDATE/);
});

test('BIT keys are compared as the number their bytes hold (a hex literal never finds a BIT key on MariaDB)', () => {
  const bitCols = [c('b', 'bit', { columnType: 'bit(64)' }), c('n', 'int')];
  const plan = planTable({ sink: { db: 'd', table: 'b' }, info: info(bitCols, ['b']) });
  const before = ['\x00\x00\x00\x00\x00\x00\x00\x27', '1'];
  const after = ['\x00\x00\x00\x00\x00\x00\x00\x27', '5'];
  const upd = statements(plan, { db: 's', table: 't', type: 'update', before, after, columns: ['b', 'n'] }, 'strict');
  assert.deepEqual(upd.map((s) => s.sql), ["UPDATE `d`.`b` SET `b` = X'0000000000000027', `n` = 5 WHERE `b` = 39 LIMIT 1"]);
  const max = ['\xff\xff\xff\xff\xff\xff\xff\xff', '1'];
  const del = statements(plan, { db: 's', table: 't', type: 'delete', before: max, after: null, columns: ['b', 'n'] }, 'strict');
  assert.deepEqual(del.map((s) => s.sql), ['DELETE FROM `d`.`b` WHERE `b` = 18446744073709551615']);
});

test('reconcile_until: a batch whose first transaction ends at or before it is reconciled, whatever mode it was given', () => {
  const at = (file: string, pos: number) => ({ kind: 'mysql-binlog' as const, file, pos });
  const until = at('mysql-bin.000010', 500);
  assert.equal(effectiveMode('strict', at('mysql-bin.000010', 400), until), 'reconcile');
  assert.equal(effectiveMode('strict', at('mysql-bin.000010', 500), until), 'reconcile');
  assert.equal(effectiveMode('strict', at('mysql-bin.000010', 501), until), 'strict');
  assert.equal(effectiveMode('strict', at('mysql-bin.000009', 9999), until), 'reconcile');
  assert.equal(effectiveMode('strict', at('mysql-bin.000011', 4), until), 'strict');
  assert.equal(effectiveMode('reconcile', at('mysql-bin.000011', 4), until), 'reconcile');
  assert.equal(effectiveMode('strict', at('mysql-bin.000010', 400), null), 'strict');
  assert.equal(effectiveMode('strict', at('mysql-bin.000010', 400), undefined), 'strict');
  const u = reconcileUntilUpdate('job', until);
  assert.deepEqual(u.params, ['mysql-bin.000010', 500, 'job']);
  assert.match(u.sql, /^UPDATE `_cutover`\.`cutover_checkpoint` SET reconcile_file = \?, reconcile_pos = \? WHERE job = \?$/);
});
