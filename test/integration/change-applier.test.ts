// Binlog transactions applied to the sink after a copy: the sink ends equal to the source, the
// checkpoint moves with the data, and applying the same transactions again changes nothing.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { readBinlogStatus } from '../../engine/source/mysql/binlog-status.js';
import { BinlogReader } from '../../engine/source/mysql/binlog-reader.js';
import { readTable } from '../../engine/source/mysql/schema-reader.js';
import { ChangeApplier } from '../../engine/sink/mysql/change-applier.js';
import { comparePositions } from '../../engine/core/position.js';
import { checksum, describeRun, dumpDiff, exec, query, rowDump, runCli, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import type { BinlogTransaction } from '../../engine/core/changes.js';
import type { ApplierTable } from '../../engine/core/checkpoint.js';

const db = uniqueName('applier');
const job = uniqueName('applier-job');

after(async () => {
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${db}`);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${db}`);
  await exec(sinkUrl(), `DELETE FROM _cutover.cutover_checkpoint WHERE job = '${job}'`).catch(() => undefined);
});

async function assertSame(label: string): Promise<void> {
  for (const t of ['t', 'k']) {
    const diff = dumpDiff(await rowDump(sourceUrl(), db, t), await rowDump(sinkUrl(), db, t));
    assert.equal(diff, null, `${label}: ${db}.${t} differs: ${diff}`);
    assert.equal(await checksum(sinkUrl(), db, t), await checksum(sourceUrl(), db, t), `${label}: checksum of ${t}`);
  }
}

async function checkpointRow(): Promise<{ file: string; pos: string; gtid: string | null; applied_at: string } | undefined> {
  const rows = await query<{ file: string; pos: string; gtid: string | null; applied_at: string }>(
    sinkUrl(),
    'SELECT file, CAST(pos AS CHAR) AS pos, gtid, CAST(applied_at AS CHAR) AS applied_at FROM _cutover.cutover_checkpoint WHERE job = ?',
    [job],
  );
  return rows[0];
}

async function applyInBatches(applier: ChangeApplier, txs: BinlogTransaction[]): Promise<void> {
  for (let i = 0; i < txs.length; i += 3) await applier.apply(txs.slice(i, i + 3), 'strict');
}

test('binlog transactions apply exactly once, checkpointed with the data', async () => {
  await exec(
    sourceUrl(),
    `CREATE DATABASE ${db};
     CREATE TABLE ${db}.t (id INT PRIMARY KEY, name VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, at DATETIME(6), amount DECIMAL(12,2), KEY (name));
     CREATE TABLE ${db}.k (a INT, b VARCHAR(20), c DECIMAL(5,1));
     INSERT INTO ${db}.t VALUES (1,'one','2024-01-01 00:00:00.000001',1.00),(2,'two',NULL,2.50),(3,'THREE','0000-00-00 00:00:00',3),(4,'four','2024-02-29 23:59:59.999999',-4.25),(5,'five',NULL,NULL);
     INSERT INTO ${db}.k VALUES (1,'x',1.0),(2,'dup',NULL),(2,'dup',NULL),(3,NULL,3.5);`,
  );
  const dir = tempDir();
  const r = await runCli([
    'run',
    writeJob(dir, { name: 'applier', source: { url: sourceUrl() }, sink: { type: 'mysql', url: sinkUrl() }, tables: { include: [`${db}.*`] }, mode: 'snapshot' }),
    '--state',
    join(dir, 'state.db'),
  ]);
  assert.equal(r.code, 0, describeRun(r));
  await assertSame('after the copy');

  const conn = await connect(parseMysqlUrl(sourceUrl()));
  const txs: BinlogTransaction[] = [];
  const tables = new Map<string, ApplierTable>();
  try {
    for (const table of ['t', 'k']) tables.set(`${db}.${table}`, { sink: { db, table }, info: await readTable(conn, { db, table }) });
    const start = (await readBinlogStatus(conn)).file;
    const w = `
      INSERT INTO ${db}.t VALUES (10,'ten','2024-03-01 10:00:00.123456',10.10),(11,'eleven',NULL,11),(12,'twelve','1999-12-31 23:59:59',12);
      UPDATE ${db}.t SET amount = amount + 1 WHERE id = 10;
      UPDATE ${db}.t SET amount = amount + 1, name = 'ten again' WHERE id = 10;
      UPDATE ${db}.t SET amount = amount * 2 WHERE id IN (10, 11);
      UPDATE ${db}.t SET name = 'élan ☃' WHERE id = 11;
      UPDATE ${db}.t SET id = 100 WHERE id = 12;
      UPDATE ${db}.t SET id = id + 1 WHERE id IN (4, 5) ORDER BY id DESC;
      BEGIN; DELETE FROM ${db}.t WHERE id = 1; INSERT INTO ${db}.t VALUES (1,'one reborn','2025-05-05 05:05:05.5',0.01); COMMIT;
      BEGIN; INSERT INTO ${db}.t VALUES (20,'multi',NULL,20); UPDATE ${db}.k SET b = 'z' WHERE a = 1; DELETE FROM ${db}.t WHERE id = 2; COMMIT;
      UPDATE ${db}.k SET c = 9.9 WHERE a = 2 LIMIT 1;
      DELETE FROM ${db}.k WHERE a = 3;
      INSERT INTO ${db}.k VALUES (4, NULL, NULL), (4, NULL, NULL);
      DELETE FROM ${db}.k WHERE a = 4 LIMIT 1;
      UPDATE ${db}.k SET a = 7 WHERE b = 'dup' AND c IS NULL;
      UPDATE ${db}.t SET name = 'three' WHERE id = 3;`;
    await exec(sourceUrl(), w);
    const end = (await readBinlogStatus(conn)).file;

    const reader = await BinlogReader.open(sourceUrl(), start, { serverId: 4242, include: (d) => d === db });
    try {
      for (;;) {
        const timeout = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out reading the binlog')), 20_000).unref());
        const item = await Promise.race([reader.next(), timeout]);
        if (!item) break;
        if (item.kind === 'transaction') txs.push(item);
        if (item.kind !== 'piece' && comparePositions(item.end, end) >= 0) break;
      }
    } finally {
      await reader.close();
    }
  } finally {
    await conn.end();
  }
  assert.ok(txs.filter((t) => t.changes.length > 0).length >= 15, `only ${txs.length} transactions read`);
  const last = txs[txs.length - 1]!;

  const applier = await ChangeApplier.open(sinkUrl(), { jobName: job, tables });
  try {
    assert.equal(await applier.lastApplied(), null);
    await applyInBatches(applier, txs);
    await assertSame('after applying');
    const cp = await checkpointRow();
    assert.deepEqual({ file: cp?.file, pos: Number(cp?.pos) }, { file: last.end.file, pos: last.end.pos });
    assert.equal(cp?.gtid, last.gtid);

    // Again: every transaction is at or before the checkpoint, so nothing is written (keyless inserts
    // and the keyless delete would change the sink if replayed).
    await applyInBatches(applier, txs);
    await applier.apply(txs, 'strict');
    await assertSame('after applying again');
    assert.deepEqual(await checkpointRow(), cp, 'the checkpoint row was not rewritten');
  } finally {
    await applier.close();
  }

  const fresh = await ChangeApplier.open(sinkUrl(), { jobName: job, tables });
  try {
    assert.deepEqual(await fresh.lastApplied(), last.end);
    await fresh.apply(txs.slice(-3), 'strict');
    await assertSame('after a fresh applier replayed the tail');
  } finally {
    await fresh.close();
  }
});
