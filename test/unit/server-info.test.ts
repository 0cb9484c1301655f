import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  binlogStatusSql,
  databasePatternMatches,
  hasPrivilege,
  parseGrants,
  parseServerVersion,
  replicaPrivilegeNames,
  versionAtLeast,
} from '../../engine/mysql/server-info.js';
import { formatPreflight, type PreflightReport } from '../../engine/pipeline/preflight.js';
import { accountLiteral } from '../../engine/mysql/preflight-side.js';

test('parseServerVersion: MariaDB, MySQL, Percona, proxies', () => {
  assert.deepEqual(parseServerVersion('10.11.6-MariaDB-0+deb12u1-log', 'Debian 12'), {
    flavor: 'mariadb',
    version: '10.11.6-MariaDB-0+deb12u1-log',
    major: 10,
    minor: 11,
    patch: 6,
  });
  assert.equal(parseServerVersion('10.6.12', 'mariadb.org binary distribution').flavor, 'mariadb');
  const my = parseServerVersion('8.4.0', 'MySQL Community Server - GPL');
  assert.deepEqual([my.flavor, my.major, my.minor, my.patch], ['mysql', 8, 4, 0]);
  const percona = parseServerVersion('8.0.36-28', 'Percona Server (GPL), Release 28');
  assert.deepEqual([percona.flavor, percona.major, percona.minor, percona.patch], ['mysql', 8, 0, 36]);
  const proxied = parseServerVersion('5.5.5-10.5.23-MariaDB', '');
  assert.deepEqual([proxied.flavor, proxied.major, proxied.minor, proxied.patch], ['mariadb', 10, 5, 23]);
  const old = parseServerVersion('5.7.44-log', 'MySQL Community Server (GPL)');
  assert.deepEqual([old.flavor, old.major, old.minor, old.patch], ['mysql', 5, 7, 44]);
});

test('versionAtLeast compares numerically', () => {
  const v = parseServerVersion('10.11.6-MariaDB');
  assert.equal(versionAtLeast(v, 10, 5, 2), true);
  assert.equal(versionAtLeast(v, 10, 11, 6), true);
  assert.equal(versionAtLeast(v, 10, 11, 7), false);
  assert.equal(versionAtLeast(v, 11), false);
  assert.equal(versionAtLeast(parseServerVersion('8.0.9'), 8, 0, 10), false);
});

test('binlogStatusSql: SHOW BINARY LOG STATUS on MySQL 8.2+, SHOW MASTER STATUS elsewhere', () => {
  const sql = (v: string, c = ''): string => binlogStatusSql(parseServerVersion(v, c));
  assert.equal(sql('8.4.0'), 'SHOW BINARY LOG STATUS');
  assert.equal(sql('9.1.0'), 'SHOW BINARY LOG STATUS');
  assert.equal(sql('8.2.0'), 'SHOW BINARY LOG STATUS');
  assert.equal(sql('8.0.36'), 'SHOW MASTER STATUS');
  assert.equal(sql('8.1.0'), 'SHOW MASTER STATUS');
  assert.equal(sql('5.7.44'), 'SHOW MASTER STATUS');
  assert.equal(sql('10.11.6-MariaDB'), 'SHOW MASTER STATUS');
  // MariaDB 11.x is not MySQL 11: the version number alone must not pick MySQL syntax.
  assert.equal(sql('11.4.2-MariaDB'), 'SHOW MASTER STATUS');
});

test('replicaPrivilegeNames: BINLOG MONITOR on MariaDB 10.5.2+, REPLICATION CLIENT elsewhere', () => {
  const names = (v: string): ReturnType<typeof replicaPrivilegeNames> => replicaPrivilegeNames(parseServerVersion(v));
  assert.equal(names('10.11.6-MariaDB').client.grant, 'BINLOG MONITOR');
  assert.ok(names('10.11.6-MariaDB').client.accepts.includes('REPLICATION CLIENT'));
  assert.equal(names('10.5.1-MariaDB').client.grant, 'REPLICATION CLIENT');
  assert.equal(names('10.4.30-MariaDB').client.grant, 'REPLICATION CLIENT');
  assert.equal(names('8.4.0').client.grant, 'REPLICATION CLIENT');
  assert.ok(names('8.0.36').client.accepts.includes('SUPER'));
  assert.ok(!names('10.11.6-MariaDB').client.accepts.includes('SUPER'));
  for (const v of ['10.11.6-MariaDB', '8.4.0', '5.7.44']) {
    assert.equal(names(v).replica.grant, 'REPLICATION SLAVE');
    assert.ok(names(v).replica.accepts.includes('REPLICATION REPLICA'));
  }
});

test('parseGrants: MariaDB ALL PRIVILEGES with password and grant option', () => {
  const g = parseGrants([
    "GRANT ALL PRIVILEGES ON *.* TO `cutover`@`%` IDENTIFIED BY PASSWORD '*DDBB0C148B51F6D09D0C0D471C23E5F1FD3B26B4' WITH GRANT OPTION",
  ]);
  assert.deepEqual([...g.global], ['ALL']);
  assert.equal(hasPrivilege(g, 'SELECT'), true);
  assert.equal(hasPrivilege(g, ['BINLOG MONITOR']), true);
});

test('parseGrants: global, database, table and column scopes', () => {
  const g = parseGrants([
    "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u1`@`%` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
    'GRANT SELECT ON `d-1`.* TO `u1`@`%`',
    'GRANT SELECT, INSERT ON `shop`.`orders` TO `u1`@`%`',
    'GRANT SELECT (`a`, `b`), UPDATE (`c`) ON `shop`.`items` TO `u1`@`%`',
    "GRANT EXECUTE ON PROCEDURE `shop`.`p` TO 'u1'@'%'",
    "GRANT PROXY ON ''@'%' TO 'u1'@'%' WITH GRANT OPTION",
  ]);
  assert.deepEqual([...g.global].sort(), ['BINLOG MONITOR', 'REPLICATION SLAVE']);
  assert.equal(g.databases.length, 1);
  assert.equal(g.databases[0]!.pattern, 'd-1');
  assert.equal(hasPrivilege(g, 'SELECT'), false);
  assert.equal(hasPrivilege(g, 'SELECT', 'd-1', 'anything'), true);
  assert.equal(hasPrivilege(g, 'SELECT', 'shop', 'orders'), true);
  assert.equal(hasPrivilege(g, 'INSERT', 'shop', 'orders'), true);
  assert.equal(hasPrivilege(g, 'SELECT', 'shop', 'items'), false, 'column-level SELECT does not cover whole rows');
  assert.equal(hasPrivilege(g, 'SELECT', 'shop'), false);
  assert.equal(hasPrivilege(g, ['REPLICATION CLIENT', 'BINLOG MONITOR']), true);
});

test('parseGrants: MySQL 8 lists global privileges one by one, plus dynamic privileges and roles', () => {
  const g = parseGrants([
    'GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `debezium`@`%`',
    'GRANT BACKUP_ADMIN,REPLICATION_SLAVE_ADMIN ON *.* TO `debezium`@`%`',
    'GRANT `reader`@`%`,`writer`@`%` TO `debezium`@`%`',
  ]);
  assert.equal(hasPrivilege(g, 'SELECT'), true);
  assert.equal(hasPrivilege(g, 'REPLICATION CLIENT'), true);
  assert.equal(hasPrivilege(g, 'REPLICATION_SLAVE_ADMIN'), true);
  assert.equal(hasPrivilege(g, 'INSERT'), false);
  assert.deepEqual(g.roles, ['`reader`@`%`', '`writer`@`%`']);
});

test('parseGrants: MariaDB role grants and MySQL 5.7 quoting', () => {
  const g = parseGrants(['GRANT `r1` TO `u1`@`%`', "GRANT USAGE ON *.* TO 'old'@'localhost'", 'SET DEFAULT ROLE `r1` FOR `u1`@`%`']);
  assert.deepEqual(g.roles, ['`r1`']);
  assert.equal(g.global.size, 1); // USAGE only
  assert.equal(hasPrivilege(g, 'SELECT'), false);
});

test('parseGrants: names with backticks, dots, spaces and " ON " inside them', () => {
  const g = parseGrants(['GRANT SELECT ON `we``ird db`.* TO `u`@`%`', 'GRANT INSERT ON `a.b`.`c ON d` TO `u`@`%`']);
  assert.equal(hasPrivilege(g, 'SELECT', 'we`ird db'), true);
  assert.equal(hasPrivilege(g, 'INSERT', 'a.b', 'c ON d'), true);
  assert.equal(hasPrivilege(g, 'INSERT', 'a', 'b'), false);
});

test('database grant patterns: wildcards and escapes', () => {
  assert.equal(databasePatternMatches('shop\\_1', 'shop_1'), true);
  assert.equal(databasePatternMatches('shop\\_1', 'shopx1'), false);
  assert.equal(databasePatternMatches('shop_1', 'shopx1'), true);
  assert.equal(databasePatternMatches('app%', 'app_prod'), true);
  assert.equal(databasePatternMatches('app%', 'xapp'), false);
  assert.equal(databasePatternMatches('a.b', 'axb'), false);
  const g = parseGrants(['GRANT ALL PRIVILEGES ON `app\\_%`.* TO `u`@`%`']);
  assert.equal(hasPrivilege(g, 'INSERT', 'app_prod'), true);
  assert.equal(hasPrivilege(g, 'INSERT', 'appxprod'), false);
  assert.equal(hasPrivilege(g, 'INSERT'), false);
});

test('parseGrants: MySQL 8 partial revokes subtract from global grants', () => {
  const g = parseGrants(['GRANT SELECT, INSERT ON *.* TO `u`@`%`', 'REVOKE INSERT ON `mysql`.* FROM `u`@`%`']);
  assert.equal(hasPrivilege(g, 'INSERT', 'shop'), true);
  assert.equal(hasPrivilege(g, 'INSERT', 'mysql'), false);
  assert.equal(hasPrivilege(g, 'SELECT', 'mysql'), true);
});

test('accountLiteral quotes CURRENT_USER() for GRANT statements', () => {
  assert.equal(accountLiteral('cutover@%'), "'cutover'@'%'");
  assert.equal(accountLiteral('o@k@10.0.0.%'), "'o@k'@'10.0.0.%'");
  assert.equal(accountLiteral("it's@localhost"), "'it''s'@'localhost'");
});

test('formatPreflight: one line per item with a mark, the fix indented below, and a verdict', () => {
  const r: PreflightReport = {
    ok: false,
    source: { url: 'mysql://u:***@db:3306', flavor: 'mariadb', version: '10.11.6-MariaDB' },
    sink: { url: 'mysql://w:***@sink:3306' },
    items: [
      { id: 'source.connect', side: 'source', title: 'Source connection', status: 'pass', detail: 'Connected.' },
      { id: 'source.tables.keys', side: 'source', title: 'Primary keys', status: 'warn', detail: '1 table.', fix: 'ALTER TABLE …', tables: ['a.b'] },
      { id: 'sink.connect', side: 'sink', title: 'Sink connection', status: 'fail', detail: 'Refused.', fix: 'Start it.' },
    ],
  };
  const text = formatPreflight(r);
  assert.match(text, /^Source: mysql:\/\/u:\*\*\*@db:3306 \(MariaDB 10\.11\.6-MariaDB\)$/m);
  assert.match(text, /^ {2}✓ Source connection: Connected\.$/m);
  assert.match(text, /^ {2}! Primary keys: 1 table\.\n {6}a\.b\n {6}fix: ALTER TABLE …$/m);
  assert.match(text, /^ {2}✗ Sink connection: Refused\.\n {6}fix: Start it\.$/m);
  assert.match(text, /Not ready: 1 failure, 1 warning\.$/);
});
