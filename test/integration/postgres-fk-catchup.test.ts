// A foreign key that rows of a snapshot+stream copy violate (chunks read at different moments; here an
// orphan child row written on the source with foreign_key_checks = 0) is not dropped silently: the copy
// names it and remembers it in the sink; once the stream has caught up it is tried again — still refused
// (the orphan is still there): named again with the statement; the parent row then written on the source
// and streamed: the next catch-up adds it (DEFERRABLE, as every key of the sink) and forgets it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, runCliWithTimeout, sourceUrl, tempDir, uniqueName } from '../helpers/db.js';
import { createPgDatabase, type PgTestDatabase, writePgJob } from '../helpers/postgres.js';

describe('PostgreSQL sink: foreign keys added once the stream has caught up', { timeout: 300_000 }, () => {
  const job = uniqueName('pgfk');
  const src = `${job}_src`;
  const dir = tempDir('cutover-pgfk-');
  let pg: PgTestDatabase;
  let jobFile = '';
  const run = () => runCliWithTimeout(['run', jobFile, '--state', join(dir, 'state.db'), '--exit-when-caught-up'], 180_000);
  const keys = () => pg.rows(`SELECT conname, condeferrable::text FROM pg_constraint WHERE contype = 'f' AND conrelid = '"app".child'::regclass`);

  before(async () => {
    pg = await createPgDatabase('pgfk');
    const d = q(src);
    await exec(
      sourceUrl(),
      `CREATE DATABASE ${d}; CREATE TABLE ${d}.parent (id INT PRIMARY KEY) ENGINE=InnoDB;
       CREATE TABLE ${d}.child (id INT PRIMARY KEY, p INT, CONSTRAINT fk_child_parent FOREIGN KEY (p) REFERENCES ${d}.parent (id)) ENGINE=InnoDB;
       INSERT INTO ${d}.parent VALUES (1); INSERT INTO ${d}.child VALUES (1, 1);
       SET foreign_key_checks = 0; INSERT INTO ${d}.child VALUES (2, 99); SET foreign_key_checks = 1;`,
    );
    jobFile = writePgJob(dir, pg.url, src, {
      name: job,
      mode: 'snapshot+stream',
      stream: { batch: { maxDelayMs: 50 } },
    });
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(src)}`).catch(() => undefined);
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the refused key after the copy and again after the catch-up; adds it once the stream brings the parent', async () => {
    const first = await run();
    assert.equal(first.code, 0, describeRun(first));
    const out1 = first.stdout + first.stderr;
    assert.match(out1, new RegExp(`foreign key ${src}\\.child\\.fk_child_parent not created yet on the PostgreSQL sink: rows of the sink table violate it.*added once the stream has caught up`));
    assert.match(out1, new RegExp(`foreign key ${src}\\.child\\.fk_child_parent still not created on the PostgreSQL sink after the stream caught up: rows of the sink table violate it.*run by hand: ALTER TABLE "app"\\."child" ADD CONSTRAINT "fk_child_parent"`));
    assert.deepEqual(await keys(), [], 'not created while rows violate it');

    await exec(sourceUrl(), `INSERT INTO ${q(src)}.parent VALUES (99)`);
    const second = await run();
    assert.equal(second.code, 0, describeRun(second));
    assert.match(second.stdout + second.stderr, new RegExp(`foreign key ${src}\\.child\\.fk_child_parent added on the PostgreSQL sink now that the stream has caught up`));
    assert.deepEqual(await keys(), [['fk_child_parent', 'true']]);
    assert.deepEqual(await pg.rows(`SELECT count(*) FROM "_cutover".cutover_pending_foreign_key WHERE job = '${job}'`), [['0']], 'forgotten once added');

    // The key holds from now on: a third run neither adds it again nor names it.
    const third = await run();
    assert.equal(third.code, 0, describeRun(third));
    assert.doesNotMatch(third.stdout + third.stderr, /fk_child_parent/);
  });
});
