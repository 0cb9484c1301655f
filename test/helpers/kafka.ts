// Helpers for tests against the throwaway Kafka broker (scripts/kafka-broker.mjs): its API, typed, and
// kcat as the independent consumer that reads topics back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './db.js';

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
  const r = spawnSync(
    'kcat',
    ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-o', 'beginning', '-X', `isolation.level=${isolation}`, '-X', 'fetch.message.max.bytes=67108864', '-X', 'receive.message.max.bytes=134217728', '-f', '%p\t%k\t%s\n'],
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
