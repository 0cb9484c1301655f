import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteCreateTable, rewriteCreateView } from '../../engine/mysql/ddl-rewrite.js';
import { CutoverError } from '../../shared/errors.js';

const create = [
  'CREATE TABLE `users` (',
  '  `id` int(11) NOT NULL AUTO_INCREMENT,',
  '  `email` varchar(100) NOT NULL,',
  '  `password_hash` varbinary(64) DEFAULT NULL,',
  '  `full` varchar(200) GENERATED ALWAYS AS (concat(`email`,\'x\')) VIRTUAL,',
  '  `team_id` int(11) DEFAULT NULL,',
  '  PRIMARY KEY (`id`),',
  '  UNIQUE KEY `email` (`email`),',
  '  KEY `ph` (`password_hash`(10)),',
  '  KEY `team` (`team_id`),',
  '  CONSTRAINT `fk_team` FOREIGN KEY (`team_id`) REFERENCES `teams` (`id`) ON DELETE CASCADE,',
  '  CONSTRAINT `fk_other` FOREIGN KEY (`team_id`) REFERENCES `crm`.`orgs` (`id`),',
  '  CONSTRAINT `chk_ph` CHECK (`password_hash` <> \'\')',
  ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4',
].join('\n');

const rename = (r: { db: string; table: string }) =>
  r.table === 'teams' ? { db: 'shop_v2', table: 'squads' } : r.db === 'shop' ? { db: 'shop_v2', table: r.table } : r;

test('renames the table, drops excluded columns and the indexes and checks that use them', () => {
  const { sql, droppedIndexes } = rewriteCreateTable(create, {
    source: { db: 'shop', table: 'users' },
    sink: { db: 'shop_v2', table: 'customers' },
    excludeColumns: new Set(['password_hash']),
    mapTable: rename,
  });
  assert.match(sql, /^CREATE TABLE `shop_v2`\.`customers` \(\n/);
  assert.doesNotMatch(sql, /password_hash/);
  assert.equal(droppedIndexes.length, 2);
  assert.match(sql, /GENERATED ALWAYS AS/);
  assert.match(sql, /REFERENCES `shop_v2`\.`squads` \(`id`\) ON DELETE CASCADE/);
  assert.match(sql, /REFERENCES `crm`\.`orgs` \(`id`\)/);
  assert.match(sql, /CONSTRAINT `fk_other` FOREIGN KEY \(`team_id`\) REFERENCES `crm`\.`orgs` \(`id`\)\n\) ENGINE=InnoDB/);
});

test('refuses to exclude a primary key column or a generated column\'s source', () => {
  const base = { source: { db: 'shop', table: 'users' }, sink: { db: 'shop', table: 'users' }, mapTable: rename };
  assert.throws(() => rewriteCreateTable(create, { ...base, excludeColumns: new Set(['id']) }), CutoverError);
  assert.throws(() => rewriteCreateTable(create, { ...base, excludeColumns: new Set(['email']) }), /generated from excluded column email/);
});

test('identifiers with backticks, spaces and non-ASCII letters survive', () => {
  const sql = 'CREATE TABLE `or``der` (\n  `ключ` int NOT NULL,\n  `名 前` text,\n  PRIMARY KEY (`ключ`)\n) ENGINE=InnoDB';
  const r = rewriteCreateTable(sql, {
    source: { db: 'd', table: 'or`der' },
    sink: { db: 'd2', table: 'or`der' },
    excludeColumns: new Set(['名 前']),
    mapTable: (x) => x,
  });
  assert.equal(r.sql, 'CREATE TABLE `d2`.`or``der` (\n  `ключ` int NOT NULL,\n  PRIMARY KEY (`ключ`)\n) ENGINE=InnoDB');
});

test('views lose their DEFINER and point at the sink names', () => {
  const v =
    'CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v_orders` AS select `u`.`name` AS `name` from (`shop`.`users` `u` join `shop`.`orders` `o` on(`o`.`user_id` = `u`.`id`))';
  const out = rewriteCreateView(v, { db: 'shop', table: 'v_orders' }, { db: 'shop_v2', table: 'v_orders' }, (r) =>
    r.db === 'shop' && r.table === 'users' ? { db: 'shop_v2', table: 'customers' } : r.db === 'shop' ? { db: 'shop_v2', table: r.table } : r,
  (r) => r.db === 'shop' && ['users', 'orders'].includes(r.table));
  assert.doesNotMatch(out, /DEFINER=/);
  assert.match(out, /VIEW `shop_v2`\.`v_orders` AS select/);
  assert.match(out, /from \(`shop_v2`\.`customers` `u` join `shop_v2`\.`orders` `o`/);
  assert.match(out, /`u`\.`name` AS `name`/);
});

test('view rewriting leaves aliases that equal a database name and string literals alone', () => {
  const v = "CREATE VIEW `v` AS select `pv`.`id` AS `id`,'`pv`.`actor`' AS `s` from `pv`.`actor` `pv`";
  const out = rewriteCreateView(v, { db: 'pv', table: 'v' }, { db: 'pv2', table: 'v' }, (r) => ({ db: 'pv2', table: r.table }), (r) => r.db === 'pv' && r.table === 'actor');
  assert.equal(out, "CREATE VIEW `pv2`.`v` AS select `pv`.`id` AS `id`,'`pv`.`actor`' AS `s` from `pv2`.`actor` `pv`");
});

test('plain secondary indexes are deferred until after the load; unique, full-text and foreign-key tables are not', () => {
  const sql = 'CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `k` int NOT NULL,\n  `u` int,\n  `d` text,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`u`),\n  KEY `k_1` (`k`),\n  FULLTEXT KEY `ft` (`d`)\n) ENGINE=InnoDB';
  const r = rewriteCreateTable(sql, { source: { db: 'a', table: 't' }, sink: { db: 'a', table: 't' }, excludeColumns: new Set(), mapTable: (x) => x });
  assert.deepEqual(r.deferredIndexes, ['KEY `k_1` (`k`)']);
  assert.doesNotMatch(r.sql, /k_1/);
  assert.match(r.sql, /UNIQUE KEY `u` \(`u`\),\n  FULLTEXT KEY `ft` \(`d`\)\n\) ENGINE=InnoDB/);
  const withFk = rewriteCreateTable(create, {
    source: { db: 'shop', table: 'users' },
    sink: { db: 'shop', table: 'users' },
    excludeColumns: new Set(),
    mapTable: rename,
  });
  assert.deepEqual(withFk.deferredIndexes, []);
  assert.match(withFk.sql, /KEY `team` \(`team_id`\)/);
});
