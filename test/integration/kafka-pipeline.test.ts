// The seeds' whole pipeline in one test (issue 14, point 6): a MariaDB source under a concurrent writer →
// three Cutover producer jobs (MySQL → Kafka, exactly-once, one per format: debezium, canal, maxwell) →
// for each format one consumer group of two Cutover consumer processes of one job (Debezium and Maxwell
// into MySQL, Canal into PostgreSQL). The writer starts before the producers, so their copies (small
// chunks, throttled) are published among its changes: a topic holds, for some keys, changes before the
// key's copied row, which the consumers apply leniently until the table's copy is complete (README,
// "Snapshot order in a topic"). While the writer runs, producers and consumers are SIGKILLed one after another
// (at least 10 kills in all) and started again, and a third consumer process joins two of the groups
// midway. After the writer stops, every sink table must equal the source: the MySQL sinks by CHECKSUM TABLE,
// the PostgreSQL sinks value by value through psql (test/helpers/pg-compare.ts). The test prints the
// number of kills, of rebalances (assignments seen by the group's processes, one per rebalance) and of
// rows compared. A service that cannot start fails the test (nothing is skipped).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { admin, checksum, exec, q, query, rowDump, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { killLive, startLive, waitUntil, type LiveCli } from '../helpers/stream-cli.js';
import { createPgDatabase, type PgTestDatabase } from '../helpers/postgres.js';
import { compareTable } from '../helpers/pg-compare.js';
import { prng, testSeed } from '../helpers/source-writer.js';
import { sleep } from '../helpers/stream.js';

const FORMATS = ['debezium', 'canal', 'maxwell'] as const;
type Format = (typeof FORMATS)[number];
const TABLES = ['items', 'pairs', 'notes'];
const MYSQL_DDL: Record<string, string> = {
  items: 'CREATE TABLE items (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL, price DECIMAL(10,2) NULL, at DATETIME(6) NULL) ENGINE=InnoDB',
  pairs: 'CREATE TABLE pairs (a INT NOT NULL, b VARCHAR(10) NOT NULL, v BIGINT UNSIGNED NOT NULL, PRIMARY KEY (a, b)) ENGINE=InnoDB',
  notes: 'CREATE TABLE notes (k INT NOT NULL, note VARCHAR(30) NULL) ENGINE=InnoDB',
};
/** The same tables with the types the PostgreSQL sink maps them to (README: type rules). */
const PG_DDL: Record<string, string> = {
  items: 'CREATE TABLE items (id integer PRIMARY KEY, name varchar(40) NOT NULL, qty integer NOT NULL, price numeric(10,2), at timestamp(6))',
  pairs: 'CREATE TABLE pairs (a integer NOT NULL, b varchar(10) NOT NULL, v numeric(20) NOT NULL, PRIMARY KEY (a, b))',
  notes: 'CREATE TABLE notes (k integer NOT NULL, note varchar(30))',
};
const PARTITIONS = 3;
/** Kills while the writer runs, one every KILL_EVERY_MS or so. */
const KILLS = 12;
const KILL_EVERY_MS = 5_000;

let broker: KafkaBroker;
let inst: KafkaInstance;
let work: string;
let srcDb: string;
let pg: PgTestDatabase;
const sinkDbs: string[] = [];

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-pipeline', 33860));
  work = tempDir('cutover-kafka-pipeline-');
  srcDb = uniqueName('kp_src');
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}; CREATE DATABASE ${q(srcDb)}`);
  for (const t of TABLES) await exec(sourceUrl(), `USE ${q(srcDb)}; ${MYSQL_DDL[t]}`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.items (name, qty, price, at) VALUES ${Array.from({ length: 400 }, (_, i) => `('item ${i} ü€', ${i}, ${i % 9 === 0 ? 'NULL' : `${i}.25`}, '2026-01-0${(i % 9) + 1} 10:00:00.${String(i).padStart(6, '0')}')`).join(',')}`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.pairs VALUES ${Array.from({ length: 200 }, (_, i) => `(${i % 40}, 'b${Math.floor(i / 40)}', ${i === 7 ? '18446744073709551615' : i * 1000003})`).join(',')}`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.notes VALUES ${Array.from({ length: 150 }, (_, i) => `(${i % 25}, ${i % 6 === 0 ? 'NULL' : `'n${i % 13}'`})`).join(',')}`);
  pg = await createPgDatabase('kpipe');
});

after(async () => {
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  // CUTOVER_KEEP_SERVICES: the topics, the jobs' state files and the databases stay for a look after a failure.
  if (process.env.CUTOVER_KEEP_SERVICES) return;
  if (work) rmSync(work, { recursive: true, force: true });
  if (srcDb) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`).catch(() => undefined);
  for (const db of sinkDbs) await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
  await pg?.drop();
});

/**
 * Random small transactions on the source until stopped: inserts, updates, deletes, on keyed and keyless
 * tables. No primary-key changes: Canal and Maxwell carry one in a single message that the Kafka sink
 * partitions by one of the two keys, so it can overtake or trail the other key's changes (README, Kafka
 * source: per-key order); Debezium's delete + create has its own test (kafka-source.test.ts).
 */
class Writer {
  private stopped = false;
  private failure: Error | null = null;
  transactions = 0;
  private done: Promise<void> = Promise.resolve();

  constructor(private readonly rnd: () => number) {}

  start(): void {
    this.done = this.loop().catch((e: unknown) => void (this.failure = e instanceof Error ? e : new Error(String(e))));
  }

  assertOk(): void {
    if (this.failure) throw this.failure;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
    this.assertOk();
  }

  private async loop(): Promise<void> {
    const conn = await admin(sourceUrl());
    const T = (t: string): string => `${q(srcDb)}.${q(t)}`;
    const pick = (n: number): number => Math.floor(this.rnd() * n);
    try {
      while (!this.stopped) {
        const ops: string[] = [];
        for (let k = 1 + pick(3); k > 0; k--) {
          const r = pick(12);
          const id = 1 + pick(500);
          if (r < 3) ops.push(`INSERT INTO ${T('items')} (name, qty, price, at) VALUES ('w${this.transactions} ∑', ${pick(1000)}, ${pick(5) === 0 ? 'NULL' : `${pick(100000)}.${pick(100)}`}, NOW(6))`);
          else if (r < 5) ops.push(`UPDATE ${T('items')} SET qty = qty + 1, price = price + 0.01, name = CONCAT(LEFT(name, 30), '+') WHERE id = ${id}`);
          else if (r < 6) ops.push(`DELETE FROM ${T('items')} WHERE id = ${id}`);
          else if (r < 7) ops.push(`UPDATE ${T('items')} SET at = NULL, qty = qty - 1 WHERE id = ${id}`);
          else if (r < 8) ops.push(`INSERT IGNORE INTO ${T('pairs')} VALUES (${pick(60)}, 'b${pick(8)}', ${pick(2 ** 30)})`);
          else if (r < 9) ops.push(`UPDATE ${T('pairs')} SET v = v + 1 WHERE a = ${pick(60)} AND v < 18446744073709551615`);
          else if (r < 10) ops.push(`DELETE FROM ${T('pairs')} WHERE a = ${pick(60)} AND b = 'b${pick(8)}'`);
          else if (r < 11) ops.push(`INSERT INTO ${T('notes')} VALUES (${pick(30)}, ${pick(4) === 0 ? 'NULL' : `'w${pick(20)}'`})`);
          else ops.push(pick(2) ? `UPDATE ${T('notes')} SET note = 'u${pick(20)}' WHERE k = ${pick(30)} LIMIT 1` : `DELETE FROM ${T('notes')} WHERE k = ${pick(30)} LIMIT 1`);
        }
        await conn.query(`START TRANSACTION; ${ops.join('; ')}; COMMIT`);
        this.transactions++;
        await sleep(40);
      }
    } finally {
      await conn.end().catch(() => undefined);
    }
  }
}

interface Producer {
  format: Format;
  name: string;
  job: string;
  state: string;
  live: LiveCli | null;
}

interface Group {
  label: string;
  name: string;
  job: string;
  state: string;
  lives: LiveCli[];
  /** "assigned …" lines already counted, per process. */
  seen: Map<LiveCli, number>;
  rebalances: number;
  lastAssignment: number;
  /** Compares the sink with the source; what differs (empty: equal) and the rows compared. */
  differences(): Promise<{ diffs: string[]; rows: number }>;
  /** Rows of the sink's items table. */
  items(): Promise<number>;
}

function producerJob(format: Format): Producer {
  const name = uniqueName(`kp_${format.slice(0, 3)}`);
  const job = writeJob(
    work,
    {
      name,
      source: { url: sourceUrl() },
      sink: { type: 'kafka', brokers: [inst.bootstrap], topic: `${name}.{db}.{table}`, format, partitions: PARTITIONS, exactlyOnce: true },
      tables: { include: [`${srcDb}.*`] },
      mode: 'snapshot+stream',
      stream: { batch: { maxDelayMs: 100, maxRows: 300 } },
      // Several chunks per keyed table, read slowly enough that the writer's changes fall between them.
      snapshot: { chunkRows: 100, throttle: { maxRowsPerSecond: 150 } },
    },
    `${name}.json`,
  );
  return { format, name, job, state: join(work, `${name}.sqlite`), live: null };
}

async function sourceRows(): Promise<number> {
  let n = 0;
  for (const t of TABLES) n += Number((await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(srcDb)}.${q(t)}`))[0]?.n);
  return n;
}

async function mysqlGroup(p: Producer): Promise<Group> {
  const sinkDb = uniqueName(`kp_${p.format.slice(0, 3)}_my`);
  sinkDbs.push(sinkDb);
  await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
  for (const t of TABLES) await exec(sinkUrl(), `USE ${q(sinkDb)}; ${MYSQL_DDL[t]}`);
  const items = async (): Promise<number> => Number((await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.items`))[0]?.n);
  return group(p, 'MySQL', { type: 'mysql', url: sinkUrl() }, sinkDb, items, async () => {
    const diffs: string[] = [];
    for (const t of TABLES) {
      const [a, b] = [await checksum(sourceUrl(), srcDb, t), await checksum(sinkUrl(), sinkDb, t)];
      if (a !== b) diffs.push(`${t}: source checksum ${a}, sink ${b}${await rowDifferences(srcDb, sinkDb, t)}`);
    }
    return { diffs, rows: await sourceRows() };
  });
}

/** The rows only one side has (hex of each value, as rowDump gives them), at most 10 of each side. */
async function rowDifferences(db: string, sinkDb: string, table: string): Promise<string> {
  const [a, b] = [await rowDump(sourceUrl(), db, table), await rowDump(sinkUrl(), sinkDb, table)];
  const onlyIn = (x: string[], y: string[]): string[] => {
    const other = new Set(y);
    return x.filter((r) => !other.has(r));
  };
  const [src, sink] = [onlyIn(a, b), onlyIn(b, a)];
  return `; only in the source (${src.length}): ${src.slice(0, 10).join(' ; ')}; only in the sink (${sink.length}): ${sink.slice(0, 10).join(' ; ')}`;
}

async function pgGroup(p: Producer): Promise<Group> {
  const schema = `s_${p.format}`;
  await pg.rows(`CREATE SCHEMA ${schema}; SET search_path = ${schema}; ${Object.values(PG_DDL).join('; ')}`);
  const items = async (): Promise<number> => Number(await pg.value(`SELECT count(*) FROM ${schema}.items`));
  return group(p, 'PostgreSQL', { type: 'postgres', url: pg.url }, schema, items, async () => {
    const diffs: string[] = [];
    for (const t of TABLES) {
      const d = await compareTable(sourceUrl(), srcDb, t, pg.url, schema, 'stop');
      if (d) diffs.push(`${t}: ${d}`);
    }
    return { diffs, rows: await sourceRows() };
  });
}

function group(p: Producer, sinkLabel: string, sink: unknown, target: string, items: Group['items'], differences: Group['differences']): Group {
  const name = uniqueName(`kpc_${p.format.slice(0, 3)}_${sinkLabel.slice(0, 2).toLowerCase()}`);
  const job = writeJob(
    work,
    {
      name,
      source: { type: 'kafka', brokers: [inst.bootstrap], topics: [`/${p.name}\\.${srcDb}\\..*/`], format: p.format, group: name, start: 'earliest' },
      sink,
      tables: { include: [`${srcDb}.*`] },
      rename: { [srcDb]: target },
      mode: 'stream',
    },
    `${name}.json`,
  );
  return { label: `${p.format} → ${sinkLabel}`, name, job, state: join(work, `${name}.sqlite`), lives: [], seen: new Map(), rebalances: 0, lastAssignment: 0, differences, items };
}

function startConsumer(g: Group): LiveCli {
  const l = startLive(['run', g.job, '--state', g.state]);
  g.lives.push(l);
  g.seen.set(l, 0);
  return l;
}

/** Counts the group's rebalances: new "assigned" lines of its processes, those within 3 s of each other being one rebalance. */
function watchAssignments(g: Group): void {
  let fresh = false;
  for (const l of g.lives) {
    const n = (l.out().match(/\bassigned /g) ?? []).length;
    if (n > g.seen.get(l)!) fresh = true;
    g.seen.set(l, n);
  }
  if (fresh && Date.now() - g.lastAssignment > 3_000) g.rebalances++;
  if (fresh) g.lastAssignment = Date.now();
}

/** The topics every producer publishes to exist (consumers resolve their patterns when they start). */
async function topicsExist(producers: Producer[]): Promise<boolean> {
  const kafkajs = (await import('kafkajs')).default;
  const a = new kafkajs.Kafka({ brokers: [inst.bootstrap], clientId: 'kafka-pipeline-test', logLevel: kafkajs.logLevel.NOTHING }).admin();
  await a.connect();
  try {
    const topics = new Set(await a.listTopics());
    return producers.every((p) => TABLES.every((t) => topics.has(`${p.name}.${srcDb}.${t}`)));
  } finally {
    await a.disconnect();
  }
}

function alive(l: LiveCli | null): l is LiveCli {
  return !!l && !l.exited();
}

describe('the whole pipeline: MySQL → Cutover → Kafka (3 formats) → Cutover consumer groups → MySQL and PostgreSQL', { timeout: 20 * 60_000 }, () => {
  it(`≥ ${KILLS - 2} SIGKILLs of producers and consumers and a third consumer joining, under writes: every sink table equals the source`, async (t) => {
    const seed = testSeed();
    const rnd = prng(seed ^ 0x6b70);
    t.diagnostic(`seed ${seed} (CUTOVER_TEST_SEED=${seed} repeats the writer's choices and the kill order)`);
    const producers = FORMATS.map(producerJob);
    const groups: Group[] = [];
    // One group per format (the fewest processes point 6 allows): Debezium and Maxwell into MySQL, Canal
    // into PostgreSQL, so both sink kinds consume under the same kills.
    for (const p of producers) groups.push(p.format === 'canal' ? await pgGroup(p) : await mysqlGroup(p));
    const writer = new Writer(prng(seed));
    const killed = new Set<LiveCli>();
    /** Every consumer process the test started and did not kill: none may exit on its own. */
    const consumers = (): LiveCli[] => groups.flatMap((g) => g.lives).filter((l) => !killed.has(l));
    const watch = setInterval(() => groups.forEach(watchAssignments), 250);
    // A producer may stop on its own on a loaded broker (a fresh topic's leader not known yet: "This server
    // does not host this topic-partition"); it is started again, as an operator would, and reported.
    const producerExits: string[] = [];
    const keepProducersUp = (): void => {
      for (const p of producers) {
        if (!p.live || !p.live.exited() || killed.has(p.live)) continue;
        const last = p.live.out().trim().split('\n').filter((l) => /error|fail/i.test(l)).slice(-1)[0] ?? p.live.out().trim().split('\n').slice(-1)[0];
        producerExits.push(`${p.format}: ${last?.slice(0, 200)}`);
        p.live = startLive(['run', p.job, '--state', p.state]);
      }
    };
    const guard = async (): Promise<void> => {
      writer.assertOk();
      keepProducersUp();
    };
    const kills: string[] = [];
    try {
      // The writer runs before and during the copies: the consumers start from empty tables and meet
      // changes before their keys' copied rows (a delete of a row the copy had not read yet, an update of a
      // row whose read comes later), applied leniently while the table's copy is still being published.
      writer.start();
      while (writer.transactions < 20) {
        writer.assertOk();
        await sleep(100);
      }
      for (const p of producers) p.live = startLive(['run', p.job, '--state', p.state]);
      await waitUntil('every producer created its topics', () => topicsExist(producers), {
        ms: 240_000,
        everyMs: 500,
        guard,
        detail: async () => `producers restarted: ${producerExits.join(' | ') || 'none'}\n` + producers.map((p) => `${p.format}: ${p.live?.out().trim().split('\n').slice(-3).join(' / ')}`).join('\n'),
      });
      for (const g of groups) {
        startConsumer(g);
        startConsumer(g);
      }
      const atStart = writer.transactions;
      await waitUntil('every producer published its copy', async () => producers.every((p) => !!p.live && /copy published/.test(p.live.out())), {
        ms: 300_000,
        everyMs: 500,
        guard,
        detail: async () => producers.map((p) => `${p.format}: ${p.live?.out().trim().split('\n').slice(-3).join(' / ')}`).join('\n'),
      });
      const duringCopies = writer.transactions - atStart;
      await waitUntil('every group applied its first rows', async () => {
        for (const g of groups) if (!((await g.items()) > 0)) return false;
        return true;
      }, {
        ms: 300_000,
        everyMs: 500,
        guard,
        detail: async () => {
          const out: string[] = [`producers restarted: ${producerExits.join(' | ') || 'none'}`];
          for (const g of groups) out.push(`${g.label}: ${await g.items().catch((e: Error) => e.message)} items rows; last lines: ${g.lives.map((l) => l.out().trim().split('\n').slice(-3).join(' / ')).join(' || ')}`);
          return out.join('\n');
        },
      });

      // The chaos: a kill every few seconds, alternating producers and consumers; the victim restarts a
      // moment later; midway a third process joins two of the groups.
      for (let i = 0; i < KILLS; i++) {
        await sleep(KILL_EVERY_MS * (0.6 + rnd() * 0.8));
        await guard();
        if (i === Math.floor(KILLS / 2)) {
          for (const g of [groups[0]!, groups[1]!]) startConsumer(g);
          kills.push(`(a third consumer joined ${groups[0]!.label} and ${groups[1]!.label})`);
        }
        if (i % 3 === 0) {
          const p = producers[Math.floor(rnd() * producers.length)]!;
          if (alive(p.live)) {
            killed.add(p.live);
            p.live.child.kill('SIGKILL');
            await p.live.done;
            kills.push(`producer ${p.format}`);
          }
          await sleep(500 + rnd() * 1_500);
          p.live = startLive(['run', p.job, '--state', p.state]);
        } else {
          const g = groups[Math.floor(rnd() * groups.length)]!;
          const running = g.lives.filter(alive);
          const victim = running[Math.floor(rnd() * running.length)];
          if (victim) {
            killed.add(victim);
            victim.child.kill('SIGKILL');
            await victim.done;
            kills.push(`consumer of ${g.label}`);
          }
          await sleep(500 + rnd() * 1_500);
          if (g.lives.filter(alive).length < 2) startConsumer(g);
        }
      }
      await writer.stop();
      const killCount = kills.filter((k) => !k.startsWith('(')).length;
      assert.ok(killCount >= 10, `at least 10 kills: ${kills.join(', ')}`);
      keepProducersUp();
      // No consumer may have died on its own: each exited one was killed by the test.
      for (const l of consumers()) assert.equal(l.exited(), false, `a consumer stopped on its own:\n${l.out().slice(-4000)}`);

      let compared = 0;
      for (const g of groups) {
        const r = await waitUntil(
          `${g.label}: every table equals the source`,
          async () => {
            const d = await g.differences();
            return d.diffs.length === 0 ? d : null;
          },
          { ms: 300_000, everyMs: 1_000, detail: async () => (await g.differences()).diffs.join('\n') + '\n' + g.lives.filter(alive).map((l) => l.out().slice(-1500)).join('\n---\n'), guard: async () => {
            keepProducersUp();
            for (const l of consumers()) if (l.exited()) assert.fail(`a consumer stopped on its own:\n${l.out().slice(-4000)}`);
          } },
        );
        compared += r.rows;
      }
      groups.forEach(watchAssignments);
      // The consumers met changes published during the copies (marked by the producers) and applied them
      // leniently: each group logged some (a process logs each batch that had any).
      const duringCopy = groups.map((g) => g.lives.reduce((n, l) => n + (l.out().match(/change\(s\) published during their table's copy applied leniently/g) ?? []).length, 0));
      groups.forEach((g, i) => assert.ok(duringCopy[i]! > 0, `${g.label}: no batch applied changes published during a copy leniently`));
      const rebalances = groups.reduce((n, g) => n + g.rebalances, 0);
      assert.ok(rebalances >= groups.length, `every group rebalanced at least once: ${groups.map((g) => `${g.label} ${g.rebalances}`).join(', ')}`);
      console.log(
        `kafka-pipeline: ${killCount} SIGKILLs (${kills.join(', ')}); ${rebalances} rebalances (${groups.map((g) => `${g.label}: ${g.rebalances}`).join(', ')}); ` +
          `${writer.transactions} writer transactions (${duringCopies} while the copies were being published; ${groups.map((g, i) => `${g.label}: ${duringCopy[i]}`).join(', ')} batches with changes from during a copy, applied leniently); ${producerExits.length ? `producers restarted after stopping on their own: ${producerExits.join(' | ')}; ` : ''}`+
          ` ${compared} rows compared in ${groups.length} sinks (3 tables each: MySQL by CHECKSUM TABLE, PostgreSQL value by value) — all equal`,
      );
    } finally {
      clearInterval(watch);
      await writer.stop().catch(() => undefined);
      for (const l of [...producers.map((p) => p.live), ...groups.flatMap((g) => g.lives)]) await killLive(l);
    }
  });
});
