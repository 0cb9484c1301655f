// Helpers for tests against the throwaway Kafka broker (scripts/kafka-broker.mjs): its API, typed, and
// kcat as the independent consumer that reads topics back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, sourceUrl } from './db.js';
import { parseMysqlUrl } from '../../engine/mysql/connection.js';
import { readTable } from '../../engine/source/mysql/schema-reader.js';
import { openDataConnection, streamChunk } from '../../engine/source/mysql/snapshot-reader.js';
import { renderMessages, type ChangeEventInput } from '../../engine/sink/kafka/formats/index.js';
import { copySourceInfo } from '../../engine/sink/kafka/kafka-sink.js';
import type { RawRow } from '../../engine/core/rows.js';
import type { CopyTable } from '../../engine/core/tables.js';

export interface KafkaInstance {
  name: string;
  port: number;
  controllerPort: number;
  dir: string;
  bootstrap: string;
}

export interface KafkaBroker {
  kafkaInstance: (prefix: string, portBase: number) => KafkaInstance;
  fetchKafkaJars: () => Promise<string>;
  startKafka: (inst: KafkaInstance, o?: { fresh?: boolean }) => Promise<{ bootstrap: string; already: boolean }>;
  stopKafka: (inst: KafkaInstance, o?: { wipe?: boolean }) => Promise<{ wasRunning: boolean; killed: boolean }>;
  kafkaStatus: (inst: KafkaInstance) => Promise<{ running: boolean; ready: boolean; formatted: boolean; pid: number | null }>;
}

/** The broker script's API (a plain ES module beside the test-services script). */
export async function loadBroker(): Promise<KafkaBroker> {
  return (await import(pathToFileURL(join(ROOT, 'scripts/kafka-broker.mjs')).href)) as KafkaBroker;
}

export interface KcatRecord {
  partition: number;
  key: string;
  value: string;
}

/** Every message of a topic as kcat reads it (read_committed unless asked otherwise). */
export function kcat(bootstrap: string, topic: string, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): KcatRecord[] {
  // fetch.wait.max.ms: at the end of a partition the broker answers at once instead of holding the fetch
  // for librdkafka's default 500 ms, which added up to a second to every read (the same messages arrive).
  const r = spawnSync(
    'kcat',
    ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-X', `isolation.level=${isolation}`, '-X', 'fetch.wait.max.ms=5', '-X', 'fetch.message.max.bytes=67108864', '-X', 'receive.message.max.bytes=134217728', '-f', '%p\t%k\t%s\n'],
    { encoding: 'utf8', timeout: 120_000, maxBuffer: 1024 * 1024 * 1024 },
  );
  assert.equal(r.error, undefined, `kcat: ${String(r.error)}`);
  assert.equal(r.status, 0, `kcat exited with ${r.status}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [p, k, v] = line.split('\t');
      return { partition: Number(p), key: k ?? '', value: v ?? '' };
    });
}

/** A source table read exactly as the copy reads it (raw bytes, the same columns and select expressions). */
export async function readSourceTable(db: string, table: string): Promise<{ t: CopyTable; rows: RawRow[] }> {
  const conn = await openDataConnection(parseMysqlUrl(sourceUrl()));
  try {
    const info = await readTable(conn, { db, table });
    const columns = info.columns.filter((c) => !c.generated);
    const t: CopyTable = { stateId: 0, source: info, sink: { db, table }, columns, keyColumns: info.chunkKey.map((k) => columns.find((c) => c.name === k)!) };
    const rows: RawRow[] = [];
    await streamChunk(conn, t, null, null, (row) => void rows.push(row));
    return { t, rows };
  } finally {
    await conn.end();
  }
}

/** JSON.parse that keeps long numbers (DECIMAL(65,30), BIGINT UNSIGNED) exact, as strings. */
export function parseExact(text: string): unknown {
  return JSON.parse(text.replace(/([:[,])(-?\d{16,}(?:\.\d+)?(?:[eE][-+]?\d+)?)(?=[,}\]])/g, '$1"$2"'));
}

interface DebeziumValue {
  op: 'r' | 'c' | 'u' | 'd';
  before: unknown;
  after: unknown;
  source: { file: string; pos: number; row: number; snapshot: string };
}

/** What a consumer of a Debezium topic rebuilds: per key the last row (deletes remove it); keyless rows as a multiset. */
export interface RebuiltTable {
  byKey: Map<string, string>;
  keyless: string[];
  /** Per key, the (file, pos) of its messages in topic order. */
  positions: Map<string, { file: string; pos: number; op: string; row: number }[]>;
  messages: number;
  /** Deletes of keyless rows the rebuilt table did not hold (replays, when tolerated). */
  strayDeletes: number;
}

/** `tolerant`: a keyless delete of a row not held is counted (at-least-once replays) instead of failing. */
export function rebuildDebezium(records: KcatRecord[], tolerant = false): RebuiltTable {
  let strayDeletes = 0;
  const byKey = new Map<string, string>();
  const keyless = new Map<string, number>();
  const positions = new Map<string, { file: string; pos: number; op: string; row: number }[]>();
  for (const r of records) {
    if (r.value === '') continue; // a tombstone
    const v = parseExact(r.value) as DebeziumValue;
    const after = v.after === null ? null : JSON.stringify(v.after);
    const before = v.before === null ? null : JSON.stringify(v.before);
    if (r.key === '') {
      if (before !== null && v.op !== 'r' && v.op !== 'c') {
        const n = keyless.get(before) ?? 0;
        if (n === 0 && tolerant) strayDeletes++;
        else {
          assert.ok(n > 0, `a keyless ${v.op} of a row the topic does not hold: ${before}`);
          keyless.set(before, n - 1);
        }
      }
      if (after !== null) keyless.set(after, (keyless.get(after) ?? 0) + 1);
      continue;
    }
    let l = positions.get(r.key);
    if (!l) positions.set(r.key, (l = []));
    l.push({ file: v.source.file, pos: v.source.pos, op: v.op, row: v.source.row });
    if (v.op === 'd') byKey.delete(r.key);
    else byKey.set(r.key, after!);
  }
  return { byKey, keyless: [...keyless].flatMap(([row, n]) => Array<string>(n).fill(row)).sort(), positions, messages: records.length, strayDeletes };
}

/** The source table as a Debezium consumer should have rebuilt it: key → after image, or the keyless multiset. */
export async function expectedDebezium(db: string, table: string, job: string): Promise<{ byKey: Map<string, string>; keyless: string[] }> {
  const { t, rows } = await readSourceTable(db, table);
  const kt = { db, table, columns: t.columns, keyColumns: t.keyColumns.map((c) => c.name) };
  const source = { ...copySourceInfo(job, null), tsMs: 0 };
  const byKey = new Map<string, string>();
  const keyless: string[] = [];
  for (const after of rows) {
    const e: ChangeEventInput = { op: 'r', table: kt, before: null, after, source, tsMs: 0 };
    const [m] = renderMessages('debezium', e, { keyMode: 'pk' });
    const img = JSON.stringify((parseExact(m!.value!) as DebeziumValue).after);
    if (m!.key === null) keyless.push(img);
    else byKey.set(m!.key, img);
  }
  return { byKey, keyless: keyless.sort() };
}

/**
 * The broker a Kafka test file uses: checks kcat, Java and Maven, fetches the jars, starts a fresh
 * single-node broker of its own (prefix, ports from portBase) and checks its address.
 */
export async function startTestBroker(prefix: string, portBase: number): Promise<{ broker: KafkaBroker; inst: KafkaInstance }> {
  for (const tool of ['kcat', 'java', 'mvn']) {
    const r = spawnSync('sh', ['-c', `command -v ${tool}`]);
    if (r.status !== 0) throw new Error(`${tool} not found: sudo apt-get install -y kcat default-jdk-headless maven`);
  }
  const broker = await loadBroker();
  // A suite on its own port base (CUTOVER_TEST_PORT_BASE, beside another suite on the same machine) runs
  // its Kafka files one after another on that base's broker ports, so two suites never share a broker.
  const base = process.env.CUTOVER_TEST_PORT_BASE ? Number(process.env.CUTOVER_TEST_PORT_BASE) : portBase;
  const inst = broker.kafkaInstance(prefix, base);
  await broker.fetchKafkaJars();
  const r = await broker.startKafka(inst, { fresh: true });
  assert.equal(r.bootstrap, `127.0.0.1:${base + 32}`);
  return { broker, inst };
}
