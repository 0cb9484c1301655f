// "mode": "stream" from MariaDB into PostgreSQL through the CLI: inserts, updates and deletes across the
// type corpus (DOUBLE(M,D) and FLOAT(M,D) edge values included) checked value by value (psql reads the sink), a primary-key change, a delete and re-insert
// of the same key in one transaction, a keyless table with duplicate rows, one transaction over many
// tables, a unique-value swap; a replayed run applies nothing twice; DDL that maps is applied, DDL that does
// not pauses the job naming the statement, and --skip-ddl goes on after it was applied by hand.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { createPgDatabase, type PgTestDatabase, writePgJob } from '../helpers/postgres.js';
import { assertPgEqualsSource, pgCheckpoint, type ColumnKinds } from '../helpers/pg-stream-compare.js';
import { sourcePosition } from '../helpers/stream.js';

const TYPES: ColumnKinds = {
  id: 'num', i: 'num', ti: 'num', dec: 'num', d: 'double', f: 'float', dt: 'dt', ts: 'ts', dte: 'num', tm: 'num', y: 'num',
  txt: 'text', l1: 'text', g: 'text', ch: 'text', bl: 'bin', vb: 'bin', j: 'json', e: 'num', st: 'num', b: 'bit', big: 'num',
  dd: 'double', ff: 'float',
};
const COMP: ColumnKinds = { a: 'num', b: 'text', v: 'text' };
const NOKEY: ColumnKinds = { x: 'num', y: 'text' };
const UK: ColumnKinds = { id: 'num', u: 'num', w: 'text' };

function schema(d: string): string {
  return `CREATE DATABASE ${d} CHARACTER SET utf8mb4;
CREATE TABLE ${d}.t_types (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, i INT, ti TINYINT UNSIGNED, \`dec\` DECIMAL(65,30), d DOUBLE, f FLOAT,
  dt DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL, dte DATE, tm TIME, y YEAR, txt TEXT CHARACTER SET utf8mb4,
  l1 VARCHAR(20) CHARACTER SET latin1, g VARCHAR(20) CHARACTER SET gbk, ch CHAR(5), bl BLOB, vb VARBINARY(16), j JSON,
  e ENUM('a','b','c d'), st SET('x','y','z'), b BIT(10), big BIGINT UNSIGNED, dd DOUBLE(15,5), ff FLOAT(7,2)) ENGINE=InnoDB;
CREATE TABLE ${d}.t_comp (a INT NOT NULL, b VARCHAR(10) NOT NULL, v VARCHAR(30), PRIMARY KEY (a, b)) ENGINE=InnoDB;
CREATE TABLE ${d}.t_nokey (x INT, y VARCHAR(10)) ENGINE=InnoDB;
CREATE TABLE ${d}.t_uk (id INT NOT NULL PRIMARY KEY, u INT NOT NULL, w VARCHAR(10), UNIQUE KEY uk_u (u)) ENGINE=InnoDB;
CREATE TABLE ${d}.t_drop (id INT PRIMARY KEY) ENGINE=InnoDB;`;
}

function typeRow(id: number | string, k: number): string {
  return `(${id}, ${-2147483648 + k}, ${255 - k}, '${k % 2 ? '-' : ''}${'9'.repeat(35)}.${String(k).padStart(30, '0')}', ${k === 1 ? '1.7976931348623157e308' : `${k}.1e-300`}, ${k}.5e10,
  '${k === 1 ? '1000-01-01 00:00:00.000000' : '9999-12-31 23:59:59.999999'}', '${k === 1 ? '1970-01-01 00:00:01.000001' : '2038-01-19 03:14:07.999999'}',
  '${k === 1 ? '1000-01-01' : '9999-12-31'}', '${k === 1 ? '-838:59:59' : '838:59:59'}', ${k === 1 ? 1901 : 2155},
  'utf8mb4 😀 ${k} \\\\ '' "', X'80${(0x9f - k).toString(16)}E9', X'C4E3BAC3', 'ab', X'00FF${k.toString(16).padStart(2, '0')}0A0D', X'DEADBEEF',
  '{"big": 12345678901234567890, "f": 0.1, "k": ${k}, "s": "é\\\\nx", "a": [1, {"z": null}]}', '${k === 1 ? 'c d' : 'a'}', 'x,z', b'1010101010', 18446744073709551615,
  ${k === 1 ? '9999999999.99999' : k === 2 ? '-0.00001' : '1234567890.12345'}, ${k === 1 ? '99999.99' : k === 2 ? '-0.01' : '12345.67'})`;
}

describe('stream into PostgreSQL', { timeout: 300_000 }, () => {
  const job = uniqueName('pgs');
  const src = `${job}_src`;
  const dir = tempDir('cutover-pgstream-');
  const state = join(dir, 'state.db');
  let pg: PgTestDatabase;
  let jobFile = '';
  const run = (...extra: string[]) => runCliWithTimeout(['run', jobFile, '--state', state, '--exit-when-caught-up', ...extra], 180_000);
  const x = (sql: string) => exec(sourceUrl(), sql);
  const tables = (): Record<string, ColumnKinds> => ({ t_types: TYPES, t_comp: COMP, t_nokey: NOKEY, t_uk: UK });

  before(async () => {
    pg = await createPgDatabase('pgstream');
    await x(schema(q(src)));
    jobFile = writePgJob(dir, pg.url, src, {
      name: job,
      mode: 'stream',
      stream: { batch: { maxDelayMs: 50 } },
    });
  });

  after(async () => {
    await x(`DROP DATABASE IF EXISTS ${q(src)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets the sink up and streams every kind of change exactly, once', async () => {
    const first = await run();
    assert.equal(first.code, 0, describeRun(first));
    const d = q(src);
    await x(`INSERT INTO ${d}.t_types VALUES ${typeRow(1, 1)}, ${typeRow(2, 2)}, ${typeRow(3, 3)};
      INSERT INTO ${d}.t_types (id) VALUES (4);
      UPDATE ${d}.t_types SET txt = 'changed ✓', j = '[]', bl = NULL, b = b'0000000001', st = '', l1 = X'9C', ts = '2001-02-03 04:05:06.7', dd = 0.1, ff = -99999.99 WHERE id = 3;
      UPDATE ${d}.t_types SET id = 1000 WHERE id = 2;
      DELETE FROM ${d}.t_types WHERE id = 4;
      INSERT INTO ${d}.t_comp VALUES (1, 'x', 'one'), (1, 'y', 'two'), (2, 'x', 'three');
      START TRANSACTION; DELETE FROM ${d}.t_comp WHERE a = 1 AND b = 'x'; INSERT INTO ${d}.t_comp VALUES (1, 'x', 'again'); COMMIT;
      UPDATE ${d}.t_comp SET a = 5, b = 'moved' WHERE a = 2;
      INSERT INTO ${d}.t_nokey VALUES (1, 'dup'), (1, 'dup'), (1, 'dup'), (2, NULL), (2, NULL);
      DELETE FROM ${d}.t_nokey WHERE x = 1 LIMIT 1;
      UPDATE ${d}.t_nokey SET y = 'one' WHERE x = 2 LIMIT 1;
      INSERT INTO ${d}.t_uk VALUES (1, 10, 'a'), (2, 20, 'b');
      START TRANSACTION; UPDATE ${d}.t_uk SET u = -1 WHERE id = 1; UPDATE ${d}.t_uk SET u = 10 WHERE id = 2; UPDATE ${d}.t_uk SET u = 20 WHERE id = 1; COMMIT;
      START TRANSACTION; INSERT INTO ${d}.t_types (id, txt) VALUES (7, 'multi'); UPDATE ${d}.t_comp SET v = 'multi' WHERE a = 1;
        DELETE FROM ${d}.t_nokey WHERE x = 2 AND y IS NULL; UPDATE ${d}.t_uk SET w = 'multi'; COMMIT;`);
    const end = await sourcePosition();
    const second = await run();
    assert.equal(second.code, 0, describeRun(second));
    await assertPgEqualsSource(pg.url, src, 'app', tables(), 'after the stream');
    assert.deepEqual(await pgCheckpoint(pg.url, job), { file: end.file, pos: end.pos }, 'the checkpoint is where the source stands');
    assert.equal(await pg.value(`SELECT count(*) FROM app.t_nokey WHERE x = 1`), '2', 'one of three duplicate rows deleted');
    assert.equal(await pg.value(`SELECT count(*) FROM app.t_types`), '4');

    // The same run again: the checkpoint says everything is applied; nothing changes, nothing is applied twice.
    const third = await run();
    assert.equal(third.code, 0, describeRun(third));
    await assertPgEqualsSource(pg.url, src, 'app', tables(), 'after a run with nothing new');
  });

  it('applies DDL that maps, and pauses at DDL that does not, naming it', async () => {
    const d = q(src);
    await x(`ALTER TABLE ${d}.t_comp ADD COLUMN extra INT NOT NULL DEFAULT 7, ADD COLUMN note VARCHAR(20) NULL;
      INSERT INTO ${d}.t_comp VALUES (9, 'z', 'with extra', 8, 'n');
      ALTER TABLE ${d}.t_comp RENAME COLUMN v TO v2;
      UPDATE ${d}.t_comp SET v2 = 'renamed' WHERE a = 9;
      ALTER TABLE ${d}.t_comp DROP COLUMN note;
      CREATE TABLE ${d}.t_new (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'n', at DATETIME(3)) ENGINE=InnoDB;
      INSERT INTO ${d}.t_new (name, at) VALUES ('first', '2020-01-01 00:00:00.123'), ('second', NULL);
      DROP TABLE ${d}.t_drop;`);
    const r = await run();
    assert.equal(r.code, 0, describeRun(r));
    const comp: ColumnKinds = { a: 'num', b: 'text', v2: 'text', extra: 'num' };
    await assertPgEqualsSource(pg.url, src, 'app', { t_comp: comp, t_new: { id: 'num', name: 'text', at: 'dt' } }, 'after mapped DDL');
    assert.equal(await pg.value(`SELECT count(*) FROM app.t_comp WHERE extra = 7`), String(Number(await pg.value('SELECT count(*) FROM app.t_comp')) - 1), 'existing rows got the DEFAULT');
    assert.equal(await pg.value(`SELECT to_regclass('app.t_drop') IS NULL`), 't', 't_drop is dropped');
    assert.equal(await pg.value(`SELECT count(*) FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 't_comp' AND column_name = 'note'`), '0');

    await x(`ALTER TABLE ${d}.t_comp MODIFY v2 VARCHAR(50); INSERT INTO ${d}.t_comp (a, b, v2, extra) VALUES (10, 'w', '${'l'.repeat(45)}', 1);`);
    const paused = await run();
    assert.notEqual(paused.code, 0, describeRun(paused));
    const out = paused.stdout + paused.stderr;
    assert.match(out, /Streaming paused at the DDL statement/, describeRun(paused));
    assert.match(out, /MODIFY v2 VARCHAR\(50\)/, 'the statement is named');
    assert.match(out, /--skip-ddl/, 'the fix is named');
    assert.equal(await pg.value(`SELECT count(*) FROM app.t_comp WHERE a = 10`), '0', 'nothing after the statement was applied');

    // The operator applies the equivalent change by hand and skips the statement: the stream goes on.
    await pg.rows('ALTER TABLE app.t_comp ALTER COLUMN v2 TYPE varchar(50)');
    const resumed = await run('--skip-ddl');
    assert.equal(resumed.code, 0, describeRun(resumed));
    await assertPgEqualsSource(pg.url, src, 'app', { t_comp: comp }, 'after --skip-ddl');
  });
});
