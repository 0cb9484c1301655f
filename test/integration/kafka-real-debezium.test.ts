// Topics written by the real Debezium (Kafka Connect standalone + Debezium's MariaDB connector from Maven
// Central, scripts/kafka-connect.mjs), not by Cutover, consumed exactly by a Cutover Kafka-source job.
// Debezium snapshots a MariaDB test database (keyed table of many types, a keyless table), then captures
// inserts, updates, deletes and primary-key changes from the binlog. Four connectors on one worker cover
// decimal.handling.mode string and precise, each with and without the JsonConverter schema envelope
// (bigint.unsigned.handling.mode=precise everywhere). For each, a Cutover consumer job
// ("source": {"type": "kafka", "format": "debezium"}) applies the topics to a MySQL sink database and every
// table equals the source (CHECKSUM TABLE, and a typed row dump when it does not), the sink's stored
// offsets at the partitions' ends. A broker or Connect worker that cannot start fails the tests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, checksum, dumpDiff, exec, lanePortBase, q, query, rowDump, sinkUrl, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { kcat, parseExact, startTestBroker, type KafkaBroker, type KafkaInstance } from '../helpers/kafka.js';
import { killLive, startLive, stopWithSigterm, waitUntil } from '../helpers/stream-cli.js';
import { assertOffsetsAtEnds, mysqlSinkOffsets } from '../helpers/kafka-offsets.js';

type Props = Record<string, string | number | boolean>;
interface ConnectInstance {
  name: string;
  restPort: number;
  dir: string;
}
interface ConnectScript {
  connectInstance: (prefix: string, portBase: number) => ConnectInstance;
  connectPaths: (inst: ConnectInstance) => { out: string };
  debeziumMariadbConnector: (inst: ConnectInstance, o: { name: string; port: number; user?: string; password?: string; serverId: number; topicPrefix: string; databases: string[]; partitions?: number; extra?: Props }) => Props;
  startConnect: (inst: ConnectInstance, o: { bootstrap: string; connectors: Props[]; schemas?: boolean }) => Promise<{ pid: number }>;
  stopConnect: (inst: ConnectInstance, o?: { wipe?: boolean }) => Promise<unknown>;
  connectLogTail: (file: string, n?: number) => string;
}

const FALLBACK_PORT_BASE = 33800;
const TABLES = ['kinds', 'nokey', 'fence'];
const DDL: Record<string, string> = {
  kinds: `CREATE TABLE kinds (
    id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    d1 DECIMAL(12,3) NULL, d2 DECIMAL(65,30) NULL, d0 DECIMAL(20,0) NULL,
    dt DATETIME NULL, dt3 DATETIME(3) NULL, dt6 DATETIME(6) NULL, ts TIMESTAMP(6) NULL DEFAULT NULL,
    dte DATE NULL, tm TIME(6) NULL, y YEAR NULL,
    j JSON NULL, b BLOB NULL, vb VARBINARY(32) NULL,
    e ENUM('a','b','c d') NULL, s SET('x','y','z') NULL,
    u BIGINT UNSIGNED NULL, i INT NULL, si SMALLINT UNSIGNED NULL,
    t VARCHAR(100) CHARACTER SET utf8mb4 NULL, tx TEXT CHARACTER SET utf8mb4 NULL
  ) ENGINE=InnoDB`,
  nokey: 'CREATE TABLE nokey (a INT NOT NULL, b VARCHAR(40) NULL, n DECIMAL(10,2) NULL) ENGINE=InnoDB',
  fence: 'CREATE TABLE fence (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL) ENGINE=InnoDB',
};

/** One `kinds` row: a spread of edge values, NULLs in every column now and then. */
function kindsRow(n: number): string {
  const pick = <T,>(xs: T[]): T => xs[n % xs.length]!;
  const nul = (v: string, every = 11): string => (n % every === 7 ? 'NULL' : v);
  const cols = [
    String(n),
    // -2658.824 and -2658824: precise base64 "1234", all digits (see the decoder's looksLikeDecimalText)
    nul(pick(['0.000', '-1.500', '999999999.999', '-999999999.999', `${n}.125`, '0.001', '-2658.824'])),
    nul(pick(['0', '12345678901234567890123456789012345.123456789012345678901234567891', '-0.000000000000000000000000000001', `${n}.5`])),
    nul(pick(['0', '99999999999999999999', '-99999999999999999999', String(n * 1000), '-2658824'])),
    nul(pick(["'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'", "'2026-03-29 02:30:00'", `'2026-01-0${(n % 9) + 1} 10:11:12'`])),
    nul(pick(["'1970-01-01 00:00:00.000'", "'2038-01-19 03:14:07.999'", `'2026-06-01 12:00:00.${String(n % 1000).padStart(3, '0')}'`])),
    nul(pick(["'1000-01-01 00:00:00.000000'", "'9999-12-31 23:59:59.999999'", `'2026-12-06 00:00:00.${String(n).padStart(6, '0')}'`])),
    nul(pick(["'1970-01-01 00:00:01.000000'", "'2038-01-19 03:14:07.999999'", `'2026-10-25 01:30:00.${String(n).padStart(6, '0')}'`])),
    nul(pick(["'1000-01-01'", "'9999-12-31'", "'2024-02-29'", `'2026-05-${String((n % 28) + 1).padStart(2, '0')}'`])),
    nul(pick(["'00:00:00.000000'", "'23:59:59.999999'", `'12:34:56.${String(n).padStart(6, '0')}'`])),
    nul(pick(['1901', '2155', '2026', '1999'])),
    nul(pick([`'{"a": 1, "b": [1, 2.50, "x"], "big": 12345678901234567890}'`, `'[]'`, `'{"k": "ü€ \\\\"q\\\\"", "n": null}'`, `'${n}'`])),
    nul(pick(["X''", "X'00FF00FF'", `X'${Buffer.from(`blob ${n} \u0000\u00ff`, 'latin1').toString('hex')}'`, `REPEAT(X'DEADBEEF', ${(n % 50) + 1})`])),
    nul(pick(["X'00'", "X'FFFEFD'", `X'${n.toString(16).padStart(8, '0')}'`])),
    nul(pick(["'a'", "'b'", "'c d'"])),
    nul(pick(["''", "'x'", "'x,z'", "'x,y,z'"])),
    nul(pick(['0', '18446744073709551615', '9223372036854775808', '9223372036854775807', String(n)])),
    nul(pick(['-2147483648', '2147483647', '0', String(-n)])),
    nul(pick(['0', '65535', String(n)])),
    nul(pick(["'plain'", "'ü€ 漢字 😀'", "''", `'row ${n}'`])),
    nul(pick(["'a longer text'", "'\\\\back\\\\slash \\'quote\\''", "'tab\\tnewline\\n'"])),
  ];
  return `(${cols.join(', ')})`;
}

/** The four producing connectors: decimal handling × schema envelope. */
const VARIANTS = [
  { id: 'strplain', decimal: 'string', schemas: false },
  { id: 'strenv', decimal: 'string', schemas: true },
  { id: 'precplain', decimal: 'precise', schemas: false },
  { id: 'precenv', decimal: 'precise', schemas: true },
] as const;

let broker: KafkaBroker;
let inst: KafkaInstance;
let connect: ConnectScript;
let cinst: ConnectInstance;
let work: string;
let srcDb: string;
let prefix: string;

const topicPrefix = (v: (typeof VARIANTS)[number]): string => `${prefix}_${v.id}`;

before(async () => {
  ({ broker, inst } = await startTestBroker('kafka-real-debezium', FALLBACK_PORT_BASE));
  connect = (await import(pathToFileURL(join(ROOT, 'scripts/kafka-connect.mjs')).href)) as ConnectScript;
  cinst = connect.connectInstance('kafka-real-debezium', lanePortBase(FALLBACK_PORT_BASE));
  work = tempDir('cutover-real-debezium-');
  srcDb = uniqueName('rdbz');
  prefix = uniqueName('dbz');
  await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}; CREATE DATABASE ${q(srcDb)}`);
  for (const t of TABLES) await exec(sourceUrl(), `USE ${q(srcDb)}; ${DDL[t]}`);
  await exec(sourceUrl(), `SET time_zone = '+00:00'; INSERT INTO ${q(srcDb)}.kinds VALUES ${Array.from({ length: 240 }, (_, i) => kindsRow(i + 1)).join(',\n')}`);
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.nokey VALUES ${Array.from({ length: 60 }, (_, i) => `(${i % 20}, ${i % 7 === 0 ? 'NULL' : `'b${i % 9}'`}, ${i % 5 === 0 ? 'NULL' : `${i}.25`})`).join(',')}`);

  // Snapshot: Debezium reads the tables, then follows the binlog.
  const src = new URL(sourceUrl());
  const connectors = VARIANTS.map((v, i) =>
    connect.debeziumMariadbConnector(cinst, {
      name: `${prefix}_${v.id}`,
      port: Number(src.port),
      user: decodeURIComponent(src.username),
      password: decodeURIComponent(src.password),
      serverId: 180_000 + (process.pid % 10_000) * 4 + i,
      topicPrefix: topicPrefix(v),
      databases: [srcDb],
      partitions: 3,
      extra: {
        // A keyless table's messages carry no key, so the producer spreads them over partitions and their
        // order is lost: its topic gets one partition (Connect's topic creation group), as a user would do.
        'topic.creation.groups': 'keyless',
        'topic.creation.keyless.include': `${topicPrefix(v).replace(/[.]/g, '\\.')}\\.${srcDb}\\.nokey`,
        'topic.creation.keyless.partitions': 1,
        'topic.creation.keyless.replication.factor': 1,
        'decimal.handling.mode': v.decimal,
        'bigint.unsigned.handling.mode': 'precise',
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': v.schemas,
        'value.converter.schemas.enable': v.schemas,
      },
    }),
  );
  await connect.startConnect(cinst, { bootstrap: inst.bootstrap, connectors });
  await waitForFence(1);

  // The stream: every kind of change, a primary key changed, a keyless table changed.
  await exec(
    sourceUrl(),
    [
      `SET time_zone = '+00:00'`,
      `INSERT INTO ${q(srcDb)}.kinds VALUES ${Array.from({ length: 60 }, (_, i) => kindsRow(1000 + i)).join(',\n')}`,
      `UPDATE ${q(srcDb)}.kinds SET d1 = d1 + 1, d2 = -d2, t = CONCAT(IFNULL(t, ''), ' upd'), j = JSON_OBJECT('u', id), s = 'y', e = 'b', u = u DIV 2, ts = '2001-09-09 01:46:40.123456' WHERE id % 3 = 0`,
      `UPDATE ${q(srcDb)}.kinds SET b = REPEAT(X'00FF', 300), vb = NULL, dt6 = '2026-12-07 23:59:59.999999', tm = '00:00:00.000001' WHERE id % 7 = 2`,
      `DELETE FROM ${q(srcDb)}.kinds WHERE id % 10 = 1`,
      `UPDATE ${q(srcDb)}.kinds SET id = id + 100000 WHERE id BETWEEN 100 AND 110`,
      `UPDATE ${q(srcDb)}.kinds SET id = 18446744073709551615 WHERE id = 1005`,
      `UPDATE ${q(srcDb)}.nokey SET b = 'changed', n = n * 2 WHERE a = 7`,
      `DELETE FROM ${q(srcDb)}.nokey WHERE a = 9 LIMIT 2`,
      `INSERT INTO ${q(srcDb)}.nokey VALUES (7, 'b1', 1.00), (7, 'b1', 1.00), (99, NULL, NULL)`,
    ].join(';\n'),
  );
  await waitForFence(2);
});

after(async () => {
  if (connect && cinst) await connect.stopConnect(cinst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
  if (work) rmSync(work, { recursive: true, force: true });
  if (srcDb) await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(srcDb)}`);
});

/** Writes fence row `n` and waits until every connector's fence topic has it (everything before it is then in the topics). */
async function waitForFence(n: number): Promise<void> {
  await exec(sourceUrl(), `INSERT INTO ${q(srcDb)}.fence VALUES (${n}, 'fence ${n}')`);
  for (const v of VARIANTS) {
    const topic = `${topicPrefix(v)}.${srcDb}.fence`;
    await waitUntil(
      `fence ${n} in ${topic}`,
      async () => (await topicReady(topic)) && kcat(inst.bootstrap, topic).some((r) => r.value.includes(`"fence ${n}"`)),
      { ms: 300_000, everyMs: 1000, detail: () => `Kafka Connect log:\n${connect.connectLogTail(connect.connectPaths(cinst).out, 60)}` },
    );
  }
}

async function topicReady(topic: string): Promise<boolean> {
  const kafkajs = (await import('kafkajs')).default;
  const admin = new kafkajs.Kafka({ brokers: [inst.bootstrap], clientId: 'real-debezium-test', logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The connector wrote what the variant says (so each test covers its encoding): row 3's after image, with
 * or without the envelope, d1 = -999999999.999 as text (string) or as base64 unscaled bytes (precise),
 * u = 9223372036854775807 as base64 bytes (bigint.unsigned.handling.mode=precise).
 */
function assertEncoding(v: (typeof VARIANTS)[number]): void {
  const topic = `${topicPrefix(v)}.${srcDb}.kinds`;
  const values = kcat(inst.bootstrap, topic).filter((r) => r.value !== '').map((r) => parseExact(r.value) as Record<string, unknown>);
  assert.ok(values.length > 240, `${topic}: ${values.length} messages`);
  for (const m of values) assert.equal('schema' in m && 'payload' in m, v.schemas, `schema envelope ${v.schemas ? 'expected' : 'not expected'}: ${JSON.stringify(m).slice(0, 300)}`);
  const payloads = values.map((m) => (v.schemas ? m['payload'] : m) as { op: string; after: Record<string, unknown> | null });
  const row3 = payloads.find((p) => p.op === 'r' && p.after?.['i'] === -3);
  assert.ok(row3?.after, `${topic}: the snapshot message of row 3`);
  if (v.decimal === 'string') assert.equal(row3.after['d1'], '-999999999.999');
  else {
    assert.equal(typeof row3.after['d1'], 'string');
    assert.equal(BigInt.asIntN(48, BigInt('0x' + Buffer.from(row3.after['d1'] as string, 'base64').toString('hex'))), -999999999999n, `d1 as unscaled bytes: ${String(row3.after['d1'])}`);
  }
  assert.equal(Buffer.from(String(row3.after['u']), 'base64').toString('hex'), '7fffffffffffffff', `u as Decimal bytes: ${String(row3.after['u'])}`);
  assert.ok(payloads.some((p) => p.op === 'u') && payloads.some((p) => p.op === 'd') && payloads.some((p) => p.op === 'c'), `${topic}: creates, updates and deletes`);
}

async function differences(sinkDb: string, full = false): Promise<string[]> {
  const out: string[] = [];
  for (const t of TABLES) {
    const [a, b] = [await checksum(sourceUrl(), srcDb, t), await checksum(sinkUrl(), sinkDb, t)];
    if (a !== b) out.push(`${t}: source ${a}, sink ${b}${full ? `\n${dumpDiff(await rowDump(sourceUrl(), srcDb, t), await rowDump(sinkUrl(), sinkDb, t))}` : ''}`);
  }
  return out;
}

describe('real Debezium topics (Kafka Connect + the MariaDB connector) consumed by a Cutover Kafka-source job', { timeout: 20 * 60_000 }, () => {
  for (const v of VARIANTS) {
    it(`decimal.handling.mode=${v.decimal}, ${v.schemas ? 'with' : 'without'} the schema envelope: the sink tables equal the source`, async () => {
      assertEncoding(v);
      const name = uniqueName(`rdbz_${v.id}`);
      const sinkDb = uniqueName(`rdbz_sink_${v.id}`);
      await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}; CREATE DATABASE ${q(sinkDb)}`);
      for (const t of TABLES) await exec(sinkUrl(), `USE ${q(sinkDb)}; ${DDL[t]}`);
      const job = writeJob(
        work,
        {
          name,
          source: {
            type: 'kafka',
            brokers: [inst.bootstrap],
            topics: [`/${topicPrefix(v)}\\.${srcDb}\\..*/`],
            format: 'debezium',
            group: name,
            start: 'earliest',
            // Without the envelope a precise DECIMAL(20,0) whose base64 is all digits reads as text: the job names the mode
            // (the string variant without the envelope is left to the decoder's guess).
            ...(v.id === 'precplain' ? { debezium: { decimalHandling: 'precise', bigintUnsignedHandling: 'precise' } } : {}),
          },
          sink: { type: 'mysql', url: sinkUrl() },
          tables: { include: [`${srcDb}.*`] },
          rename: { [srcDb]: sinkDb },
          mode: 'stream',
        },
        `${name}.json`,
      );
      const live = startLive(['run', job, '--state', join(work, `${v.id}.sqlite`)]);
      try {
        await waitUntil('the sink tables equal the source', async () => (await differences(sinkDb)).length === 0, {
          live,
          ms: 240_000,
          everyMs: 500,
          detail: async () => (await differences(sinkDb, true)).join('\n'),
        });
        await assertOffsetsAtEnds(inst.bootstrap, TABLES.map((t) => `${topicPrefix(v)}.${srcDb}.${t}`), await mysqlSinkOffsets(name));
        assert.deepEqual(await differences(sinkDb), [], 'still equal with every message applied');
        const rows = Number((await query<{ n: number }>(sinkUrl(), `SELECT COUNT(*) AS n FROM ${q(sinkDb)}.kinds`))[0]?.n);
        assert.ok(rows > 250, `the sink holds the captured rows (${rows})`);
        const r = await stopWithSigterm(live);
        assert.doesNotMatch(r.stderr, /^\s+at /m);
        console.log(`real Debezium (${v.id}): ${rows} kinds rows, ${TABLES.length} tables equal (CHECKSUM TABLE)`);
      } finally {
        await killLive(live);
        await exec(sinkUrl(), `DROP DATABASE IF EXISTS ${q(sinkDb)}`);
      }
    });
  }
});
