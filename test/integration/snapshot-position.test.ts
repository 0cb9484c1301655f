// A consistent snapshot's binlog position must match what the snapshot sees (engine/source/mysql/
// snapshot-position.ts): the snapshot+stream copy into Kafka publishes each chunk at that position, and a
// position one transaction off lets a copied row overwrite a later change. MariaDB serves the position from
// one server-wide buffer, so sessions reading it at once can get each other's value. Here three sessions
// take snapshots through startConsistentSnapshot while two writers commit and a third session reads SHOW
// GLOBAL STATUS in a loop (a monitoring agent); every transaction increments one counter row, so the
// counter a snapshot reads must equal the number of those transactions the binlog holds before its
// position. A service that cannot start fails the test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { admin, exec, q, sourceUrl, uniqueName } from '../helpers/db.js';
import { connect, parseMysqlUrl } from '../../engine/mysql/connection.js';
import { startConsistentSnapshot } from '../../engine/source/mysql/snapshot-position.js';

const RUN_MS = 12_000;
let db: string;

before(async () => {
  db = uniqueName('snappos');
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}; CREATE DATABASE ${q(db)}; CREATE TABLE ${q(db)}.c (id INT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB; INSERT INTO ${q(db)}.c VALUES (1, 0); CREATE TABLE ${q(db)}.d (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB`);
});

after(async () => {
  if (db) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
});

interface Sample {
  file: string;
  pos: number;
  n: number;
}

/** The end positions of the counter's update events from `start` on, per binlog file in order. */
async function counterUpdates(start: { file: string; pos: number }): Promise<{ file: string; ends: number[] }[]> {
  const c = await admin(sourceUrl());
  try {
    const [logs] = await c.query('SHOW BINARY LOGS');
    const files = (logs as { Log_name: string }[]).map((l) => l.Log_name).filter((f) => f >= start.file);
    const out: { file: string; ends: number[] }[] = [];
    for (const file of files) {
      const [events] = await c.query(`SHOW BINLOG EVENTS IN '${file}'${file === start.file ? ` FROM ${start.pos}` : ''}`);
      let table = '';
      const ends: number[] = [];
      for (const e of events as { Event_type: string; Info: string; End_log_pos: number }[]) {
        if (e.Event_type === 'Table_map') table = e.Info;
        else if (e.Event_type.startsWith('Update_rows') && table.includes(`(${db}.c)`)) ends.push(Number(e.End_log_pos));
      }
      out.push({ file, ends });
    }
    return out;
  } finally {
    await c.end();
  }
}

describe('consistent snapshot positions', () => {
  it('three sessions taking snapshots under commits and SHOW STATUS readers: each position matches what its snapshot sees', async () => {
    const c0 = await admin(sourceUrl());
    const [[head]] = (await c0.query('SHOW MASTER STATUS')) as unknown as [{ File: string; Position: number }[]];
    await c0.end();
    const start = { file: head!.File, pos: Number(head!.Position) };
    const until = Date.now() + RUN_MS;
    const loop = async (body: (c: Awaited<ReturnType<typeof admin>>) => Promise<void>): Promise<void> => {
      const c = await admin(sourceUrl());
      try {
        while (Date.now() < until) await body(c);
      } finally {
        await c.end();
      }
    };
    const writers = [0, 1].map(() =>
      loop(async (c) => {
        await c.query(`START TRANSACTION; INSERT INTO ${q(db)}.d (v) VALUES (REPEAT('x', 100)); UPDATE ${q(db)}.c SET n = n + 1 WHERE id = 1; INSERT INTO ${q(db)}.d (v) VALUES ('y'); COMMIT`);
      }),
    );
    const monitor = loop(async (c) => void (await c.query('SHOW GLOBAL STATUS')));
    const samples: Sample[] = [];
    const readers = [0, 1, 2].map(async () => {
      const conn = await connect(parseMysqlUrl(sourceUrl()));
      try {
        while (Date.now() < until) {
          const at = await startConsistentSnapshot(conn);
          const [rows] = await conn.query(`SELECT n FROM ${q(db)}.c WHERE id = 1`);
          await conn.query('COMMIT');
          samples.push({ file: at.file.file, pos: at.file.pos, n: Number((rows as { n: number }[])[0]!.n) });
        }
      } finally {
        await conn.end();
      }
    });
    await Promise.all([...writers, monitor, ...readers]);

    const updates = await counterUpdates(start);
    const wrong: string[] = [];
    for (const s of samples) {
      let before = 0;
      for (const f of updates) {
        if (f.file < s.file) before += f.ends.length;
        else if (f.file === s.file) before += f.ends.filter((e) => e < s.pos).length;
      }
      if (before !== s.n) wrong.push(`${s.file}:${s.pos} has ${before} counter updates before it, its snapshot saw ${s.n}`);
    }
    const total = updates.reduce((n, f) => n + f.ends.length, 0);
    console.log(`snapshot-position: ${samples.length} snapshots under ${total} commits, ${wrong.length} positions off`);
    assert.ok(samples.length >= 100, `only ${samples.length} snapshots were taken`);
    assert.ok(total >= 100, `only ${total} transactions were committed`);
    assert.deepEqual(wrong.slice(0, 10), []);
  });
});
