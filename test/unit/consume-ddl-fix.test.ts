// A statement of the schema-change topic ("source.schemaTopic") that is not applied: the fix says what
// works — the sink made to fit and the job run again, or the job's DDL policy "skip" for the statement's
// tables — never --skip-message, which passes a data partition's message and cannot pass such a statement.
// The DDL policy's "skip" is shown to pass the statement over (only the schema topic's offset moves).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobConfig, type JobConfig } from '../../shared/job-config.js';
import { applyConsumedDdl } from '../../engine/pipeline/consume-ddl.js';
import { MessageRefused, type DdlMessage, type MessageRef } from '../../engine/core/bad-messages.js';
import { DdlHomes } from '../../engine/core/partition-ddl.js';
import type { Logger } from '../../engine/core/logger.js';
import type { OffsetDdl, OffsetTarget } from '../../engine/core/partition-offsets.js';

const quiet: Logger = { log() {}, info() {}, warn() {}, error() {}, debug() {} };

function job(ddl?: unknown): JobConfig {
  return parseJobConfig({
    name: 'consume',
    source: { type: 'kafka', brokers: ['127.0.0.1:9092'], topics: ['prod.shop.users'], format: 'debezium', schemaTopic: 'prod.schema-changes' },
    sink: { type: 'mysql', url: 'mysql://u@127.0.0.1:3306/' },
    tables: { include: ['shop.*'] },
    mode: 'stream',
    ...(ddl ? { ddl } : {}),
  }) as unknown as JobConfig;
}

/** A sink that refuses every statement it is asked to run, with the fix a MySQL sink gives a data partition's statement. */
function refusingSink(): { target: OffsetTarget; calls: OffsetDdl[] } {
  const calls: OffsetDdl[] = [];
  const target = {
    async applyDdl(d: OffsetDdl) {
      calls.push(d);
      if (!d.mapped) return 'applied';
      throw new MessageRefused(
        d.offset,
        "the sink refused the schema change: Duplicate column name 'email'",
        `Make the sink table fit the statement (or apply its equivalent by hand), then run the job again; or go past it: cutover run JOB --skip-message ${d.topic}:${d.partition}:${d.offset}.`,
      );
    },
  } as unknown as OffsetTarget;
  return { target, calls };
}

const at: MessageRef = { topic: 'prod.schema-changes', partition: 0, offset: '7' };
const ddl: DdlMessage = { db: 'shop', sql: 'ALTER TABLE users ADD COLUMN email VARCHAR(100)', format: 'debezium', at };

async function refusal(cfg: JobConfig): Promise<MessageRefused> {
  const { target } = refusingSink();
  const deps = { cfg, target, log: quiet, homes: new DdlHomes(), load: async () => undefined, forget: () => undefined };
  const e = await applyConsumedDdl(deps, at, 1, ddl).then(
    () => assert.fail('the statement was applied'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof MessageRefused, String(e));
  return e;
}

test('a schema-topic statement the sink refuses: the fix names the DDL policy "skip", not --skip-message; the sink\'s reason is kept', async () => {
  const e = await refusal(job());
  assert.equal(e.offset, '7');
  assert.match(e.message, /Duplicate column name 'email'/);
  assert.doesNotMatch(e.fix ?? '', /--skip-message \S+:\d+:\d+/, e.fix ?? '');
  assert.match(e.fix ?? '', /Make the sink table fit the statement .*ADD COLUMN .*email.*, then run the job again/);
  assert.match(e.fix ?? '', /"ddl": \{"tables": \{"shop\.users": "skip"\}\}/);
  assert.match(e.fix ?? '', /--skip-message cannot pass a statement of the schema-change topic/);
});

test('a schema-topic statement stopped by the DDL policy "pause-job": the fix says to set the policy to "apply" or "skip"', async () => {
  const e = await refusal(job({ tables: { 'shop.users': 'pause-job' } }));
  assert.match(e.message, /DDL policy is "pause-job"/);
  assert.match(e.fix ?? '', /set it to "apply" to run it/);
  assert.match(e.fix ?? '', /"shop\.users": "skip"/);
  assert.doesNotMatch(e.fix ?? '', /--skip-message \S+:\d+:\d+/);
});

test('what the fix says works: with the DDL policy "skip" for the table, the statement is passed over (only its offset moves)', async () => {
  const { target, calls } = refusingSink();
  const deps = { cfg: job({ tables: { 'shop.users': 'skip' } }), target, log: quiet, homes: new DdlHomes(), load: async () => undefined, forget: () => undefined };
  await applyConsumedDdl(deps, at, 1, ddl);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.mapped, null, 'nothing run on the sink');
  assert.deepEqual([calls[0]!.topic, calls[0]!.partition, calls[0]!.offset], ['prod.schema-changes', 0, '7']);
});

test('a statement of a data partition the sink refuses keeps the sink\'s fix (--skip-message passes it there)', async () => {
  const { target } = refusingSink();
  const inTopic: DdlMessage = { db: 'shop', sql: ddl.sql, format: 'canal' };
  const deps = { cfg: job(), target, log: quiet, homes: new DdlHomes(), load: async () => undefined, forget: () => undefined };
  const e = await applyConsumedDdl(deps, { topic: 'prod.shop.users', partition: 0, offset: '3' }, 1, inTopic).then(
    () => assert.fail('applied'),
    (err: unknown) => err as MessageRefused,
  );
  assert.match(e.fix ?? '', /--skip-message prod\.shop\.users:0:3/);
});
