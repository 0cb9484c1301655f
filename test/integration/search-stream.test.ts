// The search sink's stream ("stream" and "snapshot+stream") into real OpenSearch 2.19 and Elasticsearch
// 7.17 servers (scripts/search-server.mjs, one per flavour for the file). The exactness corpus
// (test/fixtures/types.sql) is streamed into both flavours as inserts, updates of every nullable column,
// deletes and a delete followed by a re-insert of the same key, and every document is checked by the
// independent reader (test/helpers/search-reader.py). Then "snapshot+stream" under the concurrent writer
// (updates, deletes, primary-key changes, delete + re-insert) is killed with SIGKILL once during the copy
// and ten times while streaming, each followed by a restart: in the end every document equals its row and
// no deleted row has a document (the versions from the source position make replays harmless).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, describeRun, exec, q, query, runCliWithTimeout, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { FLAVOURS, NOT_IN_CORPUS, readBack, searchCheckpoint, searchRequest, useSearchServers, type SearchInstance } from '../helpers/search.js';
import { createSourceSchema, type SchemaSizes } from '../helpers/source-schema.js';
import { fmt, peekJob, reached, sourcePosition, writerTestJob, writerTestNames } from '../helpers/stream.js';
import { killAims, killCounts, killLive, killLoop, startLive, startSeededWriter, waitUntil } from '../helpers/stream-cli.js';

const servers = useSearchServers();

function assertExact(inst: SearchInstance, db: string, tables: string[], indexDb = db): void {
  const r = readBack(inst, db, tables.map((t) => ({ table: t, index: `${indexDb}.${t}` })));
  assert.ok(r.ok, r.report);
}

interface Col {
  name: string;
  nullable: boolean;
}

describe('search stream: the exactness corpus streamed into OpenSearch and Elasticsearch', { timeout: 20 * 60_000 }, () => {
  const corpusDb = uniqueName('essc');
  const dir = tempDir('cutover-search-stream-');
  let tables: string[] = [];
  const cols = new Map<string, Col[]>();
  const keys = new Map<string, string[]>();

  before(async () => {
    const sql = readFileSync(join(ROOT, 'test/fixtures/types.sql'), 'utf8');
    await exec(sourceUrl(), `CREATE DATABASE ${q(corpusDb)} CHARACTER SET utf8mb4; USE ${q(corpusDb)};\n${sql}`);
    tables = (await query<{ t: string }>(sourceUrl(), "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1", [corpusDb]))
      .map((r) => String(r.t))
      .filter((t) => !NOT_IN_CORPUS.includes(t));
    const info = await query<{ t: string; c: string; n: string; g: string; k: string }>(
      sourceUrl(),
      "SELECT TABLE_NAME AS t, COLUMN_NAME AS c, IS_NULLABLE AS n, EXTRA AS g, COLUMN_KEY AS k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION",
      [corpusDb],
    );
    for (const r of info) {
      if (/GENERATED|VIRTUAL|STORED/i.test(String(r.g))) continue;
      const list = cols.get(String(r.t)) ?? [];
      list.push({ name: String(r.c), nullable: r.n === 'YES' });
      cols.set(String(r.t), list);
    }
    const kc = await query<{ t: string; c: string }>(
      sourceUrl(),
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX`,
      [corpusDb],
    );
    for (const r of kc) keys.set(String(r.t), [...(keys.get(String(r.t)) ?? []), String(r.c)]);
    // Tables keyed by a NOT NULL unique key only: their first unique index.
    for (const t of tables) {
      if (keys.has(t)) continue;
      const u = await query<{ c: string }>(
        sourceUrl(),
        `SELECT COLUMN_NAME AS c FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX`,
        [corpusDb, t],
      );
      keys.set(t, u.map((r) => String(r.c)));
    }
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(corpusDb)}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Inserts, updates of every nullable column (to NULL and back), deletes, a delete + re-insert of one key, per table. */
  function changes(db: string): string[] {
    const out: string[] = [];
    for (const t of tables) {
      const c = cols.get(t)!;
      const k = keys.get(t)!;
      const list = c.map((x) => q(x.name)).join(', ');
      const order = k.map(q).join(', ');
      const nullable = c.filter((x) => x.nullable && !k.includes(x.name));
      out.push(`INSERT INTO ${q(db)}.${q(t)} (${list}) SELECT ${list} FROM ${q(corpusDb)}.${q(t)}`);
      if (nullable.length) {
        out.push(`UPDATE ${q(db)}.${q(t)} SET ${nullable.map((x) => `${q(x.name)} = NULL`).join(', ')}`);
        out.push(
          `UPDATE ${q(db)}.${q(t)} d JOIN ${q(corpusDb)}.${q(t)} s ON ${k.map((x) => `d.${q(x)} <=> s.${q(x)}`).join(' AND ')} SET ${nullable.map((x) => `d.${q(x.name)} = s.${q(x.name)}`).join(', ')}`,
        );
      }
      out.push(`DELETE FROM ${q(db)}.${q(t)} ORDER BY ${order} LIMIT 2`);
      out.push(`INSERT INTO ${q(db)}.${q(t)} (${list}) SELECT ${list} FROM ${q(corpusDb)}.${q(t)} ORDER BY ${order} LIMIT 1`);
    }
    return out;
  }

  for (const flavour of FLAVOURS) {
    it(`${flavour}: "stream" of inserts, updates and deletes of every type; every document equals its row, no deleted row has one`, async () => {
      const inst = servers.get(flavour)!;
      const db = `${corpusDb}_${flavour.slice(0, 2)}`;
      await exec(sourceUrl(), [`CREATE DATABASE ${q(db)} CHARACTER SET utf8mb4`, ...tables.map((t) => `CREATE TABLE ${q(db)}.${q(t)} LIKE ${q(corpusDb)}.${q(t)}`)].join(';\n'));
      const state = join(dir, `${flavour}.db`);
      const job = writeJob(dir, { name: `search-stream-${flavour}`, source: { url: sourceUrl() }, sink: { type: 'elasticsearch', url: inst.url }, tables: { include: [`${db}.*`] }, mode: 'stream' }, `${flavour}.json`);
      const live = startLive(['run', job, '--state', state]);
      try {
        // Every index is created first (a few seconds each on a loaded machine).
        await waitUntil('the streaming phase', () => peekJob(state)?.phase === 'streaming', { live, ms: 480_000 });
        // The indexes were created by the stream's setup, with the long delete tombstones.
        const s = await searchRequest(inst, 'GET', `${db}.t_int/_settings`);
        assert.equal(s.body[`${db}.t_int`].settings.index.gc_deletes, '1h', JSON.stringify(s.body));
        for (const sql of changes(db)) await exec(sourceUrl(), sql);
        const final = await sourcePosition();
        await waitUntil(`the checkpoint at ${fmt(final)}`, () => reached(searchCheckpoint(state), final), { live, ms: 120_000, detail: () => `checkpoint ${fmt(searchCheckpoint(state))}` });
      } finally {
        await killLive(live);
      }
      await searchRequest(inst, 'POST', `${db}.*/_refresh`);
      assertExact(inst, db, tables);
      await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
      await searchRequest(inst, 'DELETE', `${db}.*`).catch(() => undefined);
    });
  }
});

const SIZES: SchemaSizes = { uk: 3_000, comp: 3_000, nokey: 200, types: 2_000, log: 2_000 };
const CRASH_TABLES = ['t_uk', 't_comp', 't_types', 't_log'];
const STREAM_KILLS = 10;

describe('search stream: "snapshot+stream" under a concurrent writer, killed with SIGKILL', { timeout: 15 * 60_000 }, () => {
  const names = writerTestNames('essk');
  const { srcDb, sinkDb, jobName } = names;
  const dir = tempDir('cutover-search-crash-');

  before(async () => {
    await createSourceSchema(srcDb, SIZES);
  });

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
    await searchRequest(servers.get('opensearch')!, 'DELETE', `${sinkDb}.*`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('one kill during the copy and ten while streaming; every document equals its row at the end', async (t) => {
    const inst = servers.get('opensearch')!;
    const state = join(dir, 'state.db');
    const spec = writerTestJob(names, { parallelism: 2, chunkRows: 300, throttle: { maxRowsPerSecond: 2_500 } });
    const job = writeJob(dir, {
      ...spec,
      name: jobName,
      sink: { type: 'elasticsearch', url: inst.url, index: '{db}.{table}' },
      tables: { include: [`${srcDb}.*`], exclude: [`${srcDb}.t_nokey`] },
      stream: { batch: { maxDelayMs: 100, maxRows: 400 } },
    });
    const args = ['run', job, '--state', state];
    const { writer, rnd } = await startSeededWriter(t, srcDb, SIZES, 0x5e4);
    try {
      const kills = await killLoop({
        args,
        stateFile: state,
        aims: killAims(1, STREAM_KILLS),
        delayMs: (i) => (i === 0 ? 100 + rnd() * 300 : 300 + rnd() * 1_500),
        writer,
        afterKill: () => ({ checkpoint: fmt(searchCheckpoint(state)) }),
      });
      const stats = await writer.stop();
      const final = await sourcePosition();
      // The first run after the copy's catch-up ends at the copy's end; a run once streaming catches up with the source as it is now.
      for (let n = 0; n < 3 && !reached(searchCheckpoint(state), final); n++) {
        const r = await runCliWithTimeout([...args, '--exit-when-caught-up'], 180_000);
        assert.equal(r.code, 0, describeRun(r));
      }
      assert.deepEqual(searchCheckpoint(state) && { file: searchCheckpoint(state)!.file, pos: searchCheckpoint(state)!.pos }, { file: final.file, pos: final.pos }, "the checkpoint is the source's final position");
      await searchRequest(inst, 'POST', `${sinkDb}.*/_refresh`);
      assertExact(inst, srcDb, CRASH_TABLES, sinkDb);
      const { copy: copyKills, stream: streamKills } = killCounts(kills);
      t.diagnostic(`${kills.length} kills: ${copyKills} during the copy, ${streamKills} while streaming`);
      console.log(`search-stream crash test: ${kills.length} SIGKILLs (${copyKills} during the copy, ${streamKills} while streaming); writer ${stats.transactions} transactions, ${stats.rowChanges} row changes`);
      kills.forEach((k, i) => t.diagnostic(`  kill ${i + 1}: aimed at ${k.aim}, phase ${k.phase}, checkpoint ${k.extra.checkpoint}`));
      assert.ok(copyKills >= 1, `only ${copyKills} kills landed during the copy`);
      assert.ok(streamKills >= 10, `only ${streamKills} kills landed while streaming`);
    } finally {
      await writer.stop().catch(() => undefined);
    }
  });
});

describe('search stream: the source heartbeat kept as a document, its age the heartbeat lag', { timeout: 8 * 60_000 }, () => {
  const db = uniqueName('eshb');
  const dir = tempDir('cutover-search-heartbeat-');

  after(async () => {
    await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
    await searchRequest(servers.get('opensearch')!, 'DELETE', `${db}.*`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('opensearch: the heartbeat document is written with the stream, and status shows its age read back from the cluster', async () => {
    const inst = servers.get('opensearch')!;
    await exec(sourceUrl(), `CREATE DATABASE ${q(db)}; CREATE TABLE ${q(db)}.t (id INT PRIMARY KEY, v INT); INSERT INTO ${q(db)}.t VALUES (1, 1)`);
    const name = `search-heartbeat-${db}`;
    const state = join(dir, 'heartbeat.db');
    const job = writeJob(dir, { name, source: { url: sourceUrl() }, sink: { type: 'elasticsearch', url: inst.url }, tables: { include: [`${db}.*`] }, mode: 'stream', stream: { heartbeat: { enabled: true, intervalMs: 200 } } }, 'heartbeat.json');
    const live = startLive(['run', job, '--state', state]);
    const doc = `cutover-heartbeat/_doc/${encodeURIComponent(name)}`;
    try {
      await waitUntil('the heartbeat lag read from the cluster', () => peekJob(state)?.stream?.heartbeatOnSink != null && peekJob(state)?.stream?.heartbeatLagMs != null, { live, ms: 240_000 });
      assert.equal(peekJob(state)?.stream?.heartbeatOnSink, `cutover-heartbeat/_doc/${name} on the sink`);
      const d = await searchRequest(inst, 'GET', doc);
      assert.equal(d.status, 200, JSON.stringify(d.body));
      assert.equal(d.body._source.job, name);
      const age = Date.now() - d.body._source.written_ms;
      assert.ok(age >= 0 && age < 120_000, `the heartbeat document is ${age} ms old`);
      // The lag is the document's age on the cluster, not a number the stream keeps: a document an hour old
      // (with a version the stream's beats cannot pass) shows as an hour of lag.
      const old = Date.now() - 3_600_000;
      const put = await searchRequest(inst, 'PUT', `${doc}?version=9000000000000000000&version_type=external`, { job: name, written_ms: old, written: new Date(old).toISOString(), position: null });
      assert.ok(put.status < 300, JSON.stringify(put.body));
      await waitUntil('the hour-old heartbeat as the lag', () => (peekJob(state)?.stream?.heartbeatLagMs ?? 0) >= 3_600_000, { live, ms: 60_000, detail: () => `heartbeat lag ${peekJob(state)?.stream?.heartbeatLagMs} ms` });
    } finally {
      await killLive(live);
      await searchRequest(inst, 'DELETE', doc).catch(() => undefined);
    }
  });
});
