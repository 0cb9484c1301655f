// A test file's own Kafka broker (scripts/kafka-broker.mjs, started fresh before the file's tests and
// stopped after them) and its temporary work folder for job files and state files.
import { after, before } from 'node:test';
import { rmSync } from 'node:fs';
import { tempDir } from './db.js';
import { startTestBroker, type KafkaBroker, type KafkaInstance } from './kafka.js';

export interface KafkaSuite {
  /** The broker script's API (to stop and start the broker in a test). */
  readonly broker: KafkaBroker;
  /** The running broker (available once the file's `before` ran). */
  readonly inst: KafkaInstance;
  /** The file's temporary folder. */
  readonly work: string;
  /** Resolves once the broker is up and the folder made (a file's own root `before` awaits it before using them). */
  ready(): Promise<void>;
}

/** Registers the file's before/after hooks: the broker `prefix` at `portBase` (CUTOVER_TEST_PORT_BASE wins), a temp folder. */
export function kafkaSuite(prefix: string, portBase = 33600): KafkaSuite {
  let broker: KafkaBroker | undefined;
  let inst: KafkaInstance | undefined;
  let work: string | undefined;
  let started: () => void = () => undefined;
  let failed: (e: unknown) => void = () => undefined;
  const up = new Promise<void>((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  up.catch(() => undefined);
  before(async () => {
    try {
      ({ broker, inst } = await startTestBroker(prefix, portBase));
      work = tempDir(`cutover-${prefix}-`);
      started();
    } catch (e) {
      failed(e);
      throw e;
    }
  });
  after(async () => {
    if (broker && inst) await broker.stopKafka(inst, { wipe: !process.env.CUTOVER_KEEP_SERVICES });
    if (work) rmSync(work, { recursive: true, force: true });
  });
  return {
    ready: () => up,
    get broker(): KafkaBroker {
      if (!broker) throw new Error(`the broker ${prefix} is not started yet`);
      return broker;
    },
    get inst(): KafkaInstance {
      if (!inst) throw new Error(`the broker ${prefix} is not started yet`);
      return inst;
    },
    get work(): string {
      if (!work) throw new Error(`the work folder of ${prefix} is not made yet`);
      return work;
    },
  };
}
