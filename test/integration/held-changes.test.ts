// The held changes of a table paused at DDL, applied to a real MariaDB sink: each group in one sink
// transaction with its marker (a refused change leaves neither its group nor the marker), the same
// group applied again changes nothing, and a marker left by another pause is not taken for this one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeApplier } from '../../engine/sink/mysql/change-applier.js';
import { applyHeld, heldApplied } from '../../engine/sink/mysql/held-changes.js';
import { readTable } from '../../engine/source/mysql/schema-reader.js';
import type { SourcePosition } from '../../engine/core/position.js';
import { exec, query, rowDump, sinkUrl, uniqueName } from '../helpers/db.js';
import type { HeldChange } from '../../engine/core/changes.js';

const db = uniqueName('held');
const job = uniqueName('held-job');
const from: SourcePosition = { kind: 'mysql-binlog', file: 'mysql-bin.000001', pos: 1000 };

after(async () => {
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${db}`);
  await query(sinkUrl(), 'DELETE FROM _cutover.cutover_checkpoint WHERE job = ?', [job]).catch(() => undefined);
  await query(sinkUrl(), 'DELETE FROM _cutover.cutover_held WHERE job = ?', [job]).catch(() => undefined);
});

const insert = (id: number): HeldChange => ({
  id,
  end: { kind: 'mysql-binlog', file: 'mysql-bin.000001', pos: 2000 + id },
  reconcile: false,
  change: { db, table: 't', name: `${db}.t`, type: 'insert', before: null, after: [String(id), String(id * 10)], columns: ['id', 'v'] },
});

test('held changes apply in one sink transaction with their marker, once', async () => {
  await exec(sinkUrl(), `CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id INT PRIMARY KEY, v INT NOT NULL); INSERT INTO ${db}.t VALUES (3, 0);`);
  const applier = await ChangeApplier.open(sinkUrl(), { jobName: job, tables: new Map() });
  try {
    applier.setTable(`${db}.t`, { sink: { db, table: 't' }, info: await readTable(applier.connection, { db, table: 't' }) });
    await applier.setCheckpoint({ kind: 'mysql-binlog', file: 'mysql-bin.000001', pos: 9000 }, null);
    const group = [insert(1), insert(2), insert(3), insert(4)];

    // Row 3 is already on the sink: the change is named, and nothing of the group nor the marker is kept.
    await assert.rejects(applyHeld(applier, job, `${db}.t`, from, group, 'strict'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'SINK_ROW', e.message);
      assert.match(e.message, /insert on .*\.t/);
      return true;
    });
    assert.deepEqual(await rowDump(sinkUrl(), db, 't', ['id']), ['3'], 'the rows before the refused one were rolled back with it');
    assert.equal(await heldApplied(applier.connection, job, `${db}.t`, from), 0);

    await exec(sinkUrl(), `DELETE FROM ${db}.t WHERE id = 3`);
    assert.equal(await applyHeld(applier, job, `${db}.t`, from, group.slice(0, 2), 'strict'), 2);
    assert.equal(await applyHeld(applier, job, `${db}.t`, from, group, 'strict'), 4, 'a group applied again from the start skips what the marker covers');
    assert.equal(await applyHeld(applier, job, `${db}.t`, from, group, 'strict'), 4);
    assert.deepEqual(await rowDump(sinkUrl(), db, 't', ['id', 'v']), ['1|10', '2|20', '3|30', '4|40']);
    assert.equal(await heldApplied(applier.connection, job, `${db}.t`, { ...from, pos: 5 }), 0, 'the marker of another pause is not this one');
  } finally {
    await applier.close();
  }
});
