// `cutover check` against real MariaDB servers: the source has the binlog on (ROW, FULL, FULL metadata).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, sinkUrl, sourceUrl, uniqueName } from '../helpers/db.js';
import { formatPreflight, runPreflight, sinkPreflight, type CheckItem, type PreflightReport } from '../../engine/pipeline/preflight.js';

/** The preflight options of a MySQL sink at `url` (as a job's sink, or `cutover check --sink`). */
const mysqlSink = (url: string): ReturnType<typeof sinkPreflight> => sinkPreflight({ type: 'mysql', url });

function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, '');
}

function item(r: PreflightReport, id: string): CheckItem {
  const found = r.items.find((i) => i.id === id);
  assert.ok(found, `no item ${id} in:\n${formatPreflight(r)}`);
  return found;
}

describe('preflight (cutover check)', () => {
  const db = uniqueName('pf');
  const reader = uniqueName('pf_reader');
  const writer = uniqueName('pf_writer');
  const inDb = (ref: { db: string }): boolean => ref.db === db;

  before(async () => {
    // Fails (does not skip) when the servers are not there.
    await exec(
      sourceUrl(),
      `CREATE DATABASE \`${db}\`;
       CREATE TABLE \`${db}\`.orders (id BIGINT UNSIGNED PRIMARY KEY, total DECIMAL(12,2), doubled DECIMAL(13,2) AS (total * 2) VIRTUAL) ENGINE=InnoDB;
       CREATE TABLE \`${db}\`.by_code (code VARCHAR(20) NOT NULL, UNIQUE KEY (code)) ENGINE=InnoDB;
       CREATE USER '${reader}'@'%' IDENTIFIED BY 'reader-pw';
       GRANT SELECT ON \`${db}\`.* TO '${reader}'@'%';`,
    );
    await exec(
      sinkUrl(),
      `CREATE USER '${writer}'@'%' IDENTIFIED BY 'writer-pw';
       GRANT CREATE, UPDATE, DELETE, DROP, ALTER, INDEX, CREATE VIEW, REFERENCES, SELECT ON *.* TO '${writer}'@'%';`,
    );
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS \`${db}\`; DROP USER IF EXISTS '${reader}'@'%';`);
    await exec(sinkUrl(), `DROP USER IF EXISTS '${writer}'@'%';`);
  });

  test('a well-configured source and sink pass, even for streaming, and URLs are redacted', async () => {
    const r = await runPreflight({ sourceUrl: sourceUrl(), ...mysqlSink(sinkUrl()), streaming: true, selected: inDb });
    const text = formatPreflight(r);
    assert.equal(r.ok, true, text);
    assert.ok(!r.items.some((i) => i.status === 'fail'), text);
    assert.equal(r.source.flavor, 'mariadb');
    assert.match(r.source.version ?? '', /MariaDB/);
    assert.equal(r.sink?.flavor, 'mariadb');
    assert.ok(!r.source.url.includes(':cutover@') && r.source.url.includes('***'), r.source.url);
    assert.ok(!text.includes(':cutover@'), 'no password in the text');
    for (const id of [
      'source.connect',
      'source.server',
      'source.privilege.select',
      'source.privilege.replication-client',
      'source.privilege.replication-slave',
      'source.binlog.log_bin',
      'source.binlog.format',
      'source.binlog.row_image',
      'source.binlog.row_metadata',
      'source.server_id',
      'source.binlog.retention',
      'source.tables.keys',
      'source.tables.engine',
      'source.triggers',
      'source.routines',
      'source.events',
      'sink.connect',
      'sink.privileges',
      'sink.max_allowed_packet',
      'sink.read_only',
    ]) {
      assert.equal(item(r, id).status, 'pass', `${id}:\n${text}`);
    }
    assert.equal(item(r, 'source.binlog.format').detail, 'binlog_format = ROW.');
    assert.match(item(r, 'source.binlog.retention').detail, /never expire/);
    const generated = item(r, 'source.tables.generated');
    assert.deepEqual(generated.tables, [`${db}.orders (doubled)`]);
    assert.match(text, /^ {2}✓ Source connection/m);
    assert.match(text, /Ready/);
  });

  test('a user with only SELECT: replication privileges warn for a copy, fail for streaming', async () => {
    const url = withUser(sourceUrl(), reader, 'reader-pw');
    const copy = await runPreflight({ sourceUrl: url });
    assert.equal(item(copy, 'source.privilege.select').status, 'pass', formatPreflight(copy));
    const client = item(copy, 'source.privilege.replication-client');
    assert.equal(client.status, 'warn');
    assert.match(client.fix ?? '', new RegExp(`^GRANT BINLOG MONITOR ON \\*\\.\\* TO '${reader}'@'%';$`));
    const slave = item(copy, 'source.privilege.replication-slave');
    assert.equal(slave.status, 'warn');
    assert.match(slave.fix ?? '', /^GRANT REPLICATION SLAVE ON \*\.\* TO /);
    assert.equal(copy.ok, true, formatPreflight(copy));
    // Without a selection, the tables it can see are the tables it can read.
    assert.match(item(copy, 'source.tables').detail, new RegExp(db));

    const stream = await runPreflight({ sourceUrl: url, streaming: true });
    assert.equal(item(stream, 'source.privilege.replication-client').status, 'fail');
    assert.equal(item(stream, 'source.privilege.replication-slave').status, 'fail');
    assert.equal(stream.ok, false);
    assert.match(formatPreflight(stream), /✗ BINLOG MONITOR privilege: .*\n {6}fix: GRANT BINLOG MONITOR ON \*\.\* TO /);
  });

  test('a user without SELECT on the selected tables fails the SELECT check', async () => {
    const r = await runPreflight({ sourceUrl: withUser(sourceUrl(), reader, 'reader-pw'), selected: (t) => t.db === 'no_such_db_pf' });
    // Nothing visible and no global SELECT, but it has SELECT on one database: not a failure of its own.
    assert.notEqual(item(r, 'source.privilege.select').status, 'fail', formatPreflight(r));
    assert.equal(item(r, 'source.tables').status, 'warn');
  });

  test('wrong password: access denied, with the anonymous-user trap in the fix, and no further source checks', async () => {
    const r = await runPreflight({ sourceUrl: withUser(sourceUrl(), 'cutover', 'wrong-password'), ...mysqlSink(sinkUrl()) });
    const c = item(r, 'source.connect');
    assert.equal(c.status, 'fail');
    assert.match(c.detail, /access denied/i);
    assert.ok(c.fix?.includes("''@'localhost'"), c.fix);
    assert.deepEqual(
      r.items.filter((i) => i.side === 'source').map((i) => i.id),
      ['source.connect'],
    );
    assert.equal(r.ok, false);
    assert.ok(!r.source.url.includes('wrong-password') && !formatPreflight(r).includes('wrong-password'));
    // The sink is still checked.
    assert.equal(item(r, 'sink.connect').status, 'pass');
  });

  test('nothing listening: connection refused, never a throw', async () => {
    const r = await runPreflight({ sourceUrl: 'mysql://cutover:secret@127.0.0.1:1', ...mysqlSink('mysql://cutover:secret@127.0.0.1:1') });
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.items.map((i) => [i.id, i.status]),
      [
        ['source.connect', 'fail'],
        ['sink.connect', 'fail'],
      ],
    );
    assert.match(item(r, 'source.connect').detail, /connection refused/);
    assert.ok(item(r, 'source.connect').fix);
    assert.equal(r.source.url, 'mysql://cutover:***@127.0.0.1:1');
  });

  test('an invalid URL is a failed item, not an exception', async () => {
    const r = await runPreflight({ sourceUrl: 'postgres://x:y@h/db' });
    assert.equal(item(r, 'source.connect').status, 'fail');
    assert.match(item(r, 'source.connect').fix ?? '', /mysql:\/\//);
  });

  test('tables without a usable key, MyISAM tables and triggers are warned about and listed', async () => {
    await exec(
      sourceUrl(),
      `CREATE TABLE \`${db}\`.no_key (a INT, b INT) ENGINE=InnoDB;
       CREATE TABLE \`${db}\`.nullable_unique (a INT NULL, UNIQUE KEY (a)) ENGINE=InnoDB;
       CREATE TABLE \`${db}\`.legacy (id INT PRIMARY KEY) ENGINE=MyISAM;
       CREATE TRIGGER \`${db}\`.orders_bi BEFORE INSERT ON \`${db}\`.orders FOR EACH ROW SET NEW.total = IFNULL(NEW.total, 0);`,
    );
    try {
      const r = await runPreflight({ sourceUrl: sourceUrl(), selected: inDb });
      const keys = item(r, 'source.tables.keys');
      assert.equal(keys.status, 'warn');
      assert.deepEqual(keys.tables, [`${db}.no_key`, `${db}.nullable_unique`]);
      assert.match(keys.detail, /cannot resume mid-table/);
      assert.match(keys.fix ?? '', new RegExp(`ALTER TABLE \`${db}\`\\.\`no_key\` ADD PRIMARY KEY`));
      const engine = item(r, 'source.tables.engine');
      assert.equal(engine.status, 'warn');
      assert.deepEqual(engine.tables, [`${db}.legacy (MyISAM)`]);
      assert.match(engine.fix ?? '', /ENGINE = InnoDB/);
      const triggers = item(r, 'source.triggers');
      assert.equal(triggers.status, 'warn');
      assert.deepEqual(triggers.tables, [`${db}.orders_bi (on ${db}.orders)`]);
      assert.match(triggers.detail, /Cutover creates them at cutover/);
      assert.equal(r.ok, true, 'warnings do not block');

      // After the switch (the cutover assistant's trigger step has run), the same triggers were created.
      const after = item(await runPreflight({ sourceUrl: sourceUrl(), selected: inDb, deferredCreatedAt: Date.UTC(2026, 0, 2, 3, 4, 5) }), 'source.triggers');
      assert.equal(after.status, 'pass');
      assert.match(after.detail, /^1 trigger\(s\) found: created on the sink by the cutover assistant \(2026-01-02 03:04:05 UTC\)\.$/);
      assert.deepEqual(after.tables, [`${db}.orders_bi (on ${db}.orders)`]);

      // A selection that leaves out the keyless tables leaves out their warnings.
      const only = await runPreflight({ sourceUrl: sourceUrl(), selected: (t) => t.db === db && t.table === 'orders' });
      assert.equal(item(only, 'source.tables.keys').status, 'pass');
      assert.equal(item(only, 'source.tables.engine').status, 'pass');
    } finally {
      await exec(
        sourceUrl(),
        `DROP TRIGGER \`${db}\`.orders_bi; DROP TABLE \`${db}\`.no_key, \`${db}\`.nullable_unique, \`${db}\`.legacy;`,
      );
    }
  });

  test('a sink user without INSERT fails, with the GRANT that fixes it', async () => {
    const r = await runPreflight({ sourceUrl: sourceUrl(), ...mysqlSink(withUser(sinkUrl(), writer, 'writer-pw')), selected: inDb });
    const p = item(r, 'sink.privileges');
    assert.equal(p.status, 'fail', formatPreflight(r));
    assert.match(p.detail, /lacks INSERT\b/);
    assert.doesNotMatch(p.detail, /UPDATE/);
    assert.equal(p.fix, `GRANT INSERT ON \`${db}\`.* TO '${writer}'@'%';`);
    assert.equal(r.ok, false);
    assert.equal(item(r, 'sink.connect').status, 'pass');
  });
});
