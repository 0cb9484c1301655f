import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapDdl, tokenize, type DdlAction } from '../../engine/mysql/ddl-mapper.js';

type Cfg = Parameters<typeof mapDdl>[2];

const cfg: Cfg = {
  tables: { include: ['shop.*', 'crm.orgs', 'weird.*'], exclude: ['shop.tmp_log'] },
  rename: { shop: 'shop_v2', 'shop.users': 'shop_v2.customers' },
  columns: { 'shop.users': { exclude: ['ssn', 'Secret Note'] }, 'shop.users_old': { exclude: ['ssn', 'Secret Note'] } },
};

function applied(sql: string, db = 'shop', c: Cfg = cfg): string {
  const r = mapDdl(sql, db, c);
  assert.equal(r.kind, 'apply', `expected apply, got ${JSON.stringify(r)}`);
  return (r as Extract<DdlAction, { kind: 'apply' }>).sql;
}
function kindOf(sql: string, db = 'shop', c: Cfg = cfg): string {
  return mapDdl(sql, db, c).kind;
}
function reason(sql: string, db = 'shop'): string {
  const r = mapDdl(sql, db, cfg);
  assert.notEqual(r.kind, 'apply', `expected no apply, got ${JSON.stringify(r)}`);
  return (r as { reason: string }).reason;
}

// ---- tokenizer ----

test('tokenizer: backticks with doubled backticks, strings with both escapes, comments skipped', () => {
  const toks = tokenize("a `b``c`.`d e` 'it''s \\' x' \"q\"\"\\\"\" -- c1\n# c2\n/* c3 */ f");
  assert.deepEqual(
    toks.map((t) => [t.t, t.v]),
    [['w', 'a'], ['q', 'b`c'], ['p', '.'], ['q', 'd e'], ['s', "'it''s \\' x'"], ['s', '"q""\\""'], ['w', 'f']],
  );
});

test('tokenizer: executable comments are code, "--" without a space is not a comment', () => {
  const toks = tokenize('/*!50100 PARTITION p */ /*M!100100 x */ /*!y*/ 1--2');
  assert.deepEqual(toks.map((t) => t.v), ['PARTITION', 'p', 'x', 'y', '1', '-', '-', '2']);
});

test('tokenizer: unterminated strings, identifiers and comments end at the end of the text', () => {
  assert.deepEqual(tokenize("a 'b").map((t) => t.v), ['a', "'b"]);
  assert.deepEqual(tokenize('a `b').map((t) => t.v), ['a', 'b']);
  assert.deepEqual(tokenize('a /* b').map((t) => t.v), ['a']);
});

// ---- CREATE TABLE ----

test('CREATE TABLE: the name is mapped and fully qualified, the rest is kept byte for byte', () => {
  const sql = 'CREATE TABLE orders (\n  id int NOT NULL,\n  note varchar(20) DEFAULT \'orders\'\n) ENGINE=InnoDB;';
  assert.equal(applied(sql), 'CREATE TABLE `shop_v2`.`orders` (\n  id int NOT NULL,\n  note varchar(20) DEFAULT \'orders\'\n) ENGINE=InnoDB;');
  assert.deepEqual(mapDdl(sql, 'shop', cfg), {
    kind: 'apply',
    sql: 'CREATE TABLE `shop_v2`.`orders` (\n  id int NOT NULL,\n  note varchar(20) DEFAULT \'orders\'\n) ENGINE=InnoDB;',
    targets: [{ source: { db: 'shop', table: 'orders' }, change: 'create' }],
  });
});

test('CREATE OR REPLACE TABLE IF NOT EXISTS, qualified names in every spelling', () => {
  assert.equal(applied('create or replace table if not exists shop.orders (id int)', 'x'), 'create or replace table if not exists `shop_v2`.`orders` (id int)');
  assert.equal(applied('CREATE TABLE `shop`.orders (id int)', 'x'), 'CREATE TABLE `shop_v2`.`orders` (id int)');
  assert.equal(applied('CREATE TABLE shop . `orders` (id int)', 'x'), 'CREATE TABLE `shop_v2`.`orders` (id int)');
  assert.equal(applied('CREATE TABLE orgs (id int)', 'crm'), 'CREATE TABLE `crm`.`orgs` (id int)');
});

test('CREATE TABLE of a table outside the selection, a system table or without a default database is ignored', () => {
  assert.equal(kindOf('CREATE TABLE users (id int)', 'crm'), 'ignore');
  assert.equal(kindOf('CREATE TABLE shop.tmp_log (id int)'), 'ignore');
  assert.equal(kindOf('CREATE TABLE IF NOT EXISTS mysql.foo (id int)'), 'ignore');
  assert.equal(kindOf('CREATE TABLE orders (id int)', ''), 'ignore');
});

test('CREATE TABLE: REFERENCES to included tables are mapped, unqualified ones resolve to the child database', () => {
  const sql =
    'CREATE TABLE crm.orgs (id int, u int, o int, CONSTRAINT f1 FOREIGN KEY (u) REFERENCES shop.users (id), ' +
    'FOREIGN KEY (o) REFERENCES `orgs` (id), FOREIGN KEY (o) REFERENCES other.t (id), FOREIGN KEY (o) REFERENCES unknown (id))';
  assert.equal(
    applied(sql, 'shop'),
    'CREATE TABLE `crm`.`orgs` (id int, u int, o int, CONSTRAINT f1 FOREIGN KEY (u) REFERENCES `shop_v2`.`customers` (id), ' +
      'FOREIGN KEY (o) REFERENCES `crm`.`orgs` (id), FOREIGN KEY (o) REFERENCES other.t (id), FOREIGN KEY (o) REFERENCES unknown (id))',
  );
});

test('CREATE TABLE in a renamed database: an unqualified reference outside the selection keeps pointing at the source database', () => {
  const sql = 'CREATE TABLE orders (id int, FOREIGN KEY (id) REFERENCES tmp_log (id), FOREIGN KEY (id) REFERENCES users (id))';
  assert.equal(
    applied(sql),
    'CREATE TABLE `shop_v2`.`orders` (id int, FOREIGN KEY (id) REFERENCES `shop`.`tmp_log` (id), FOREIGN KEY (id) REFERENCES `shop_v2`.`customers` (id))',
  );
});

test('CREATE TABLE of a table with excluded columns is unmappable', () => {
  const r = mapDdl('CREATE TABLE users (id int, ssn char(9))', 'shop', cfg);
  assert.equal(r.kind, 'unmappable');
  assert.match((r as { reason: string }).reason, /columns excluded.*create the table by hand/);
  assert.deepEqual((r as { targets: unknown }).targets, [{ source: { db: 'shop', table: 'users' }, change: 'create' }]);
});

test('CREATE TABLE … LIKE: both included → mapped; source outside the selection or with exclusions → unmappable', () => {
  assert.equal(applied('CREATE TABLE orders_copy LIKE orders'), 'CREATE TABLE `shop_v2`.`orders_copy` LIKE `shop_v2`.`orders`');
  assert.equal(applied('CREATE TABLE IF NOT EXISTS orders_copy (LIKE `shop`.`users`)'.replace('users', 'items')), 'CREATE TABLE IF NOT EXISTS `shop_v2`.`orders_copy` (LIKE `shop_v2`.`items`)');
  assert.match(reason('CREATE TABLE orders_copy LIKE other.orders'), /copies `other`\.`orders`, which is not in the selection/);
  assert.match(reason('CREATE TABLE users_copy LIKE users'), /excluded columns/);
  assert.equal(kindOf('CREATE TABLE other.x LIKE shop.orders'), 'ignore');
});

test('CREATE TABLE … SELECT is unmappable', () => {
  assert.equal(kindOf('CREATE TABLE orders2 AS SELECT * FROM orders'), 'unmappable');
  assert.equal(kindOf('CREATE TABLE orders2 (id int) SELECT id FROM other.t'), 'unmappable');
});

test('temporary tables and statements that are not table DDL are ignored', () => {
  for (const sql of [
    'CREATE TEMPORARY TABLE orders (id int)',
    'DROP TEMPORARY TABLE IF EXISTS `orders` /* generated by server */',
    'CREATE DATABASE shop',
    'CREATE SCHEMA IF NOT EXISTS shop',
    'DROP DATABASE shop',
    'ALTER DATABASE shop CHARACTER SET utf8mb4',
    "GRANT SELECT ON shop.orders TO 'u'@'%'",
    "CREATE USER 'u'@'%' IDENTIFIED BY 'orders'",
    "RENAME USER 'a'@'%' TO 'b'@'%'",
    'FLUSH TABLES',
    'CREATE VIEW v AS SELECT * FROM orders',
    'CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select 1',
    'ALTER VIEW v AS SELECT 1',
    'DROP VIEW v',
    'CREATE DEFINER=`root`@`%` TRIGGER trg BEFORE INSERT ON orders FOR EACH ROW SET NEW.id = 1',
    'DROP TRIGGER trg',
    'CREATE PROCEDURE p() BEGIN SELECT 1; END',
    'CREATE FUNCTION f() RETURNS int RETURN 1',
    'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM orders',
    'ANALYZE TABLE orders',
    'OPTIMIZE TABLE orders',
    'SET GLOBAL x = 1',
    'BEGIN',
    '',
    '/* only a comment */',
  ])
    assert.equal(kindOf(sql), 'ignore', sql);
  assert.match(reason('GRANT ALL ON *.* TO x'), /GRANT is not table DDL/);
});

// ---- ALTER TABLE ----

test('ALTER TABLE: mapped; ONLINE, IGNORE and IF EXISTS accepted; keywords in any case', () => {
  assert.equal(applied('ALTER TABLE orders ADD COLUMN total decimal(10,2)'), 'ALTER TABLE `shop_v2`.`orders` ADD COLUMN total decimal(10,2)');
  assert.equal(applied('alter online ignore table shop.orders add unique (x)', 'crm'), 'alter online ignore table `shop_v2`.`orders` add unique (x)');
  assert.equal(applied('ALTER TABLE IF EXISTS `orders` ENGINE=InnoDB'), 'ALTER TABLE IF EXISTS `shop_v2`.`orders` ENGINE=InnoDB');
  assert.equal(applied('ALTER TABLE users ADD email varchar(100)'), 'ALTER TABLE `shop_v2`.`customers` ADD email varchar(100)');
  assert.deepEqual((mapDdl('ALTER TABLE orders FORCE', 'shop', cfg) as { targets: unknown }).targets, [{ source: { db: 'shop', table: 'orders' }, change: 'alter' }]);
  assert.equal(kindOf('ALTER TABLE other.orders ADD x int'), 'ignore');
});

test('ALTER TABLE … RENAME inside the selection is a rename, with both names mapped', () => {
  const r = mapDdl('ALTER TABLE orders RENAME TO orders_old', 'shop', cfg);
  assert.deepEqual(r, {
    kind: 'apply',
    sql: 'ALTER TABLE `shop_v2`.`orders` RENAME TO `shop_v2`.`orders_old`',
    targets: [{ source: { db: 'shop', table: 'orders' }, change: 'rename', renamedTo: { db: 'shop', table: 'orders_old' } }],
  });
  assert.equal(applied('ALTER TABLE orders ADD x int, RENAME orders_old'), 'ALTER TABLE `shop_v2`.`orders` ADD x int, RENAME `shop_v2`.`orders_old`');
  assert.equal(applied('ALTER TABLE orders RENAME AS shop.orders2'), 'ALTER TABLE `shop_v2`.`orders` RENAME AS `shop_v2`.`orders2`');
  assert.equal(applied('ALTER TABLE users RENAME TO users_old'), 'ALTER TABLE `shop_v2`.`customers` RENAME TO `shop_v2`.`users_old`');
});

test('ALTER TABLE … RENAME COLUMN / INDEX / KEY is not a table rename', () => {
  const r = mapDdl('ALTER TABLE orders RENAME COLUMN a TO b, RENAME INDEX i TO j, RENAME KEY k TO l', 'shop', cfg);
  assert.deepEqual(r, {
    kind: 'apply',
    sql: 'ALTER TABLE `shop_v2`.`orders` RENAME COLUMN a TO b, RENAME INDEX i TO j, RENAME KEY k TO l',
    targets: [{ source: { db: 'shop', table: 'orders' }, change: 'alter' }],
  });
});

test('ALTER TABLE … RENAME across the selection boundary is unmappable, outside it is ignored', () => {
  assert.match(reason('ALTER TABLE orders RENAME TO other.orders'), /renamed to `other`\.`orders`, which is not in the selection/);
  assert.match(reason('ALTER TABLE orders RENAME TO tmp_log'), /not in the selection/);
  assert.match(reason('ALTER TABLE other.x RENAME TO shop.x'), /rows were never copied/);
  assert.equal(kindOf('ALTER TABLE other.x RENAME TO other.y'), 'ignore');
  assert.match(reason('ALTER TABLE users RENAME TO users_new'), /different column exclusions/);
  assert.match(reason('ALTER TABLE orders RENAME TO users_old'), /different column exclusions/);
  assert.equal(kindOf('ALTER TABLE users RENAME TO users_old'), 'apply');
});

test('ALTER TABLE: foreign keys are mapped (unqualified → the child database), EXCHANGE PARTITION needs both tables', () => {
  assert.equal(
    applied('ALTER TABLE crm.orgs ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES shop.users (id)', 'x'),
    'ALTER TABLE `crm`.`orgs` ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES `shop_v2`.`customers` (id)',
  );
  assert.equal(
    applied('ALTER TABLE shop.orders ADD FOREIGN KEY (u) REFERENCES users (id)', 'crm'),
    'ALTER TABLE `shop_v2`.`orders` ADD FOREIGN KEY (u) REFERENCES `shop_v2`.`customers` (id)',
  );
  assert.equal(
    applied('ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_archive'),
    'ALTER TABLE `shop_v2`.`orders` EXCHANGE PARTITION p0 WITH TABLE `shop_v2`.`orders_archive`',
  );
  assert.match(reason('ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE other.arch'), /exchanges data with `other`\.`arch`/);
  assert.equal(kindOf('ALTER TABLE other.arch EXCHANGE PARTITION p0 WITH TABLE shop.orders'), 'unmappable');
});

test('ALTER TABLE naming an excluded column is unmappable (column names compare case-insensitively)', () => {
  assert.match(reason('ALTER TABLE users MODIFY ssn char(11)'), /excluded column\(s\) ssn of `shop`\.`users`/);
  assert.equal(kindOf('ALTER TABLE users ADD INDEX (SSN)'), 'unmappable');
  assert.equal(kindOf('ALTER TABLE users CHANGE `secret note` note text'), 'unmappable');
  assert.equal(kindOf('ALTER TABLE users DROP COLUMN ssn, DROP COLUMN email'), 'unmappable');
  assert.equal(kindOf('ALTER TABLE users ADD COLUMN x int AFTER ssn'), 'unmappable');
  // the same column name on another table is fine
  assert.equal(kindOf('ALTER TABLE orders MODIFY ssn char(11)'), 'apply');
  // strings and comments do not count
  assert.equal(applied("ALTER TABLE users ADD note2 text COMMENT 'ssn' /* ssn */"), "ALTER TABLE `shop_v2`.`customers` ADD note2 text COMMENT 'ssn' /* ssn */");
});

test('ALTER TABLE that only drops excluded columns is ignored', () => {
  for (const sql of [
    'ALTER TABLE users DROP COLUMN ssn',
    'ALTER TABLE users DROP ssn',
    'ALTER TABLE `shop`.`users` DROP COLUMN IF EXISTS `SSN`, DROP `Secret Note`;',
    'ALTER TABLE users DROP COLUMN ssn, ALGORITHM=INPLACE, LOCK=NONE',
  ])
    assert.equal(kindOf(sql), 'ignore', sql);
  assert.match(reason('ALTER TABLE users DROP COLUMN ssn'), /never had/);
});

// ---- DROP TABLE ----

test('DROP TABLE keeps only the included tables, mapped, with IF EXISTS and the server comment', () => {
  assert.deepEqual(mapDdl('DROP TABLE IF EXISTS `orders`,`other`.`x`,users /* generated by server */', 'shop', cfg), {
    kind: 'apply',
    sql: 'DROP TABLE IF EXISTS `shop_v2`.`orders`, `shop_v2`.`customers` /* generated by server */',
    targets: [
      { source: { db: 'shop', table: 'orders' }, change: 'drop' },
      { source: { db: 'shop', table: 'users' }, change: 'drop' },
    ],
  });
  assert.equal(applied('DROP TABLE `orders`,`items` /* generated by server */'), 'DROP TABLE `shop_v2`.`orders`,`shop_v2`.`items` /* generated by server */');
  assert.equal(applied('drop tables other.x, shop.orders RESTRICT', 'x'), 'drop tables `shop_v2`.`orders` RESTRICT');
  assert.equal(kindOf('DROP TABLE `tmp_log`, other.x /* generated by server */'), 'ignore');
});

// ---- RENAME TABLE ----

test('RENAME TABLE: pairs inside the selection are mapped, pairs outside are dropped from the list', () => {
  assert.deepEqual(mapDdl('RENAME TABLE orders TO orders_old, `orders_new` TO `orders`', 'shop', cfg), {
    kind: 'apply',
    sql: 'RENAME TABLE `shop_v2`.`orders` TO `shop_v2`.`orders_old`, `shop_v2`.`orders_new` TO `shop_v2`.`orders`',
    targets: [
      { source: { db: 'shop', table: 'orders' }, change: 'rename', renamedTo: { db: 'shop', table: 'orders_old' } },
      { source: { db: 'shop', table: 'orders_new' }, change: 'rename', renamedTo: { db: 'shop', table: 'orders' } },
    ],
  });
  assert.equal(applied('RENAME TABLE other.a TO other.b, users TO users_old;'), 'RENAME TABLE `shop_v2`.`customers` TO `shop_v2`.`users_old`;');
  assert.equal(kindOf('RENAME TABLE other.a TO other.b'), 'ignore');
  assert.equal(kindOf('RENAME TABLES IF EXISTS other.a TO other.b'), 'ignore');
});

test('RENAME TABLE across the selection boundary is unmappable and says which pair', () => {
  const r = mapDdl('RENAME TABLE orders TO orders_old, other.a TO shop.a, shop.b TO shop.tmp_log', 'shop', cfg);
  assert.equal(r.kind, 'unmappable');
  const why = (r as { reason: string }).reason;
  assert.match(why, /`other`\.`a` is not in the selection but `shop`\.`a` is/);
  assert.match(why, /`shop`\.`b` is in the selection but `shop`\.`tmp_log` is not/);
  assert.doesNotMatch(why, /orders_old/);
  assert.equal((r as { targets: unknown[] }).targets.length, 2);
  assert.match(reason('RENAME TABLE users TO people'), /different column exclusions/);
});

// ---- TRUNCATE ----

test('TRUNCATE [TABLE] is mapped', () => {
  assert.deepEqual(mapDdl('TRUNCATE TABLE orders', 'shop', cfg), {
    kind: 'apply',
    sql: 'TRUNCATE TABLE `shop_v2`.`orders`',
    targets: [{ source: { db: 'shop', table: 'orders' }, change: 'truncate' }],
  });
  assert.equal(applied('truncate shop.users', 'x'), 'truncate `shop_v2`.`customers`');
  assert.equal(kindOf('TRUNCATE other.t'), 'ignore');
});

// ---- indexes ----

test('CREATE / DROP INDEX are mapped; naming an excluded column is unmappable', () => {
  assert.deepEqual(mapDdl('CREATE UNIQUE INDEX ix USING BTREE ON orders (a, b)', 'shop', cfg), {
    kind: 'apply',
    sql: 'CREATE UNIQUE INDEX ix USING BTREE ON `shop_v2`.`orders` (a, b)',
    targets: [{ source: { db: 'shop', table: 'orders' }, change: 'index' }],
  });
  assert.equal(applied('CREATE FULLTEXT INDEX ft ON users (bio)'), 'CREATE FULLTEXT INDEX ft ON `shop_v2`.`customers` (bio)');
  assert.equal(applied('create spatial index sp on shop.orders (g)', 'x'), 'create spatial index sp on `shop_v2`.`orders` (g)');
  assert.equal(applied('CREATE OR REPLACE INDEX IF NOT EXISTS i ON orders (a)'), 'CREATE OR REPLACE INDEX IF NOT EXISTS i ON `shop_v2`.`orders` (a)');
  assert.equal(applied('DROP INDEX `PRIMARY` ON `orders`'), 'DROP INDEX `PRIMARY` ON `shop_v2`.`orders`');
  assert.equal(applied('DROP INDEX IF EXISTS i ON orders ALGORITHM=INPLACE'), 'DROP INDEX IF EXISTS i ON `shop_v2`.`orders` ALGORITHM=INPLACE');
  assert.match(reason('CREATE INDEX i ON users (email, SSN)'), /excluded column\(s\) SSN/);
  assert.equal(kindOf('CREATE INDEX i ON other.t (a)'), 'ignore');
  assert.equal(kindOf('DROP INDEX i ON other.t'), 'ignore');
});

// ---- lexical details ----

test('table names inside strings and comments are never rewritten', () => {
  const sql = "ALTER TABLE orders /* orders shop.orders */ COMMENT 'orders `shop`.`orders`' -- orders\n, ADD c char(5) DEFAULT \"orders\" # orders\n";
  assert.equal(
    applied(sql),
    "ALTER TABLE `shop_v2`.`orders` /* orders shop.orders */ COMMENT 'orders `shop`.`orders`' -- orders\n, ADD c char(5) DEFAULT \"orders\" # orders\n",
  );
  assert.equal(applied("ALTER TABLE orders COMMENT 'it''s \\' orders'"), "ALTER TABLE `shop_v2`.`orders` COMMENT 'it''s \\' orders'");
});

test('executable comments are treated as code and keep their markers', () => {
  assert.equal(applied('/*!40000 ALTER TABLE `orders` DISABLE KEYS */;'), '/*!40000 ALTER TABLE `shop_v2`.`orders` DISABLE KEYS */;');
  assert.equal(applied('DROP TABLE /*!50032 IF EXISTS */ orders'), 'DROP TABLE /*!50032 IF EXISTS */ `shop_v2`.`orders`');
  assert.equal(
    applied('CREATE TABLE orders (id int) /*!50100 PARTITION BY HASH (id) */ /*M!100100 WITH SYSTEM VERSIONING */'),
    'CREATE TABLE `shop_v2`.`orders` (id int) /*!50100 PARTITION BY HASH (id) */ /*M!100100 WITH SYSTEM VERSIONING */',
  );
  assert.equal(kindOf('ALTER TABLE users /*!50100 MODIFY ssn int */'), 'unmappable');
  assert.equal(kindOf('ALTER TABLE users /* MODIFY ssn int */ ENGINE=InnoDB'), 'apply');
});

test('reserved words, non-ASCII, spaces, dots and backticks inside identifiers', () => {
  assert.equal(applied('CREATE TABLE `select` (`from` int)'), 'CREATE TABLE `shop_v2`.`select` (`from` int)');
  assert.equal(applied('ALTER TABLE `weird`.`ключ 名` ADD `é` int', 'x'), 'ALTER TABLE `weird`.`ключ 名` ADD `é` int');
  assert.equal(applied('TRUNCATE таблица', 'weird'), 'TRUNCATE `weird`.`таблица`');
  assert.deepEqual((mapDdl('DROP TABLE `weird`.`a.b`', 'x', cfg) as { targets: unknown }).targets, [{ source: { db: 'weird', table: 'a.b' }, change: 'drop' }]);
  assert.equal(applied('DROP TABLE `or``der`'), 'DROP TABLE `shop_v2`.`or``der`');
  const renamed = { ...cfg, rename: { 'weird.a b': 'w2.x`y' } };
  assert.equal(applied('RENAME TABLE `a b` TO `c.d`', 'weird', renamed), 'RENAME TABLE `w2`.`x``y` TO `weird`.`c.d`');
});

test('table and database names are case-sensitive, keywords are not', () => {
  assert.equal(kindOf('ALTER TABLE SHOP.orders ADD x int'), 'ignore');
  const only = { tables: { include: ['shop.orders'], exclude: [] }, rename: {}, columns: {} };
  assert.equal(kindOf('ALTER TABLE Orders ADD x int', 'shop', only), 'ignore');
  assert.equal(applied('aLtEr TaBlE orders aDd x int', 'shop', only), 'aLtEr TaBlE `shop`.`orders` aDd x int');
  assert.equal(kindOf('ALTER TABLE `Users` MODIFY ssn int'), 'apply', 'exclusions are keyed by the exact table name');
});

test('a name that cannot be parsed in table DDL is unmappable', () => {
  assert.match(reason('DROP TABLE IF EXISTS'), /cannot parse/);
  assert.match(reason('RENAME TABLE a b'), /cannot parse/);
  assert.match(reason("TRUNCATE 'x'"), /cannot parse/);
});
