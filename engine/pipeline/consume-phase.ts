// The run of a job whose source is read as partitions with offsets by a consumer group (capability
// `partitionOffsets`: Kafka topics). There is no copy and no binlog: the process joins the job's group,
// and each batch of a partition it is given goes to the sink in one transaction with the partition's next
// offset (engine/core/partition-offsets.ts), so a message is applied once whoever consumes it. Several
// processes of the job (on one machine with one state file, or on many) share the partitions: each records
// its own member row (engine/state/consumer-store.ts), and none claims the job for itself.
//
// The sink tables must exist (a Cutover copy made them, or the operator did): their columns are what the
// decoders read messages with; a missing one stops the job naming it and the ways to provide it.
import { CutoverError, formatError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { isSelected, qualified, sinkName } from '../../shared/table-selection.js';
import { applierTable, type ApplierTable } from '../core/checkpoint.js';
import type { Logger } from '../core/logger.js';
import type { OffsetTarget, PartitionBatch } from '../core/partition-offsets.js';
import { alive } from '../core/process-alive.js';
import type { TableInfo } from '../core/tables.js';
import { loadSink, sinkOf } from '../sink/registry.js';
import { loadSource, sourceOf } from '../source/registry.js';
import { ConsumerStore } from '../state/consumer-store.js';
import { hostname, userInfo } from 'node:os';
import { messageRefText } from '../core/bad-messages.js';
import type { JobRow, StateStore } from '../state/store.js';
import type { RunJobOptions, RunOutcome } from './phases/context.js';

/** The tables of a partitioned source's job, as the sink has them: loaded on first sight, by source name. */
class SinkTables {
  private readonly known = new Map<string, ApplierTable>();

  constructor(
    private readonly cfg: JobConfig,
    private readonly target: OffsetTarget,
    private readonly log: Logger,
  ) {}

  /** The sink's columns of a source table already loaded (source names, excluded columns left out); null when not loaded. */
  columns(db: string, table: string): TableInfo['columns'] | null {
    return this.known.get(`${db}.${table}`)?.info.columns ?? null;
  }

  /** Loads a table from the sink; a table the sink lacks stops the job naming it and the ways to provide it. */
  async load(db: string, table: string): Promise<ApplierTable> {
    const name = `${db}.${table}`;
    const have = this.known.get(name);
    if (have) return have;
    const to = sinkName(this.cfg, { db, table });
    const info = await this.target.readSinkTable(to);
    if (!info)
      throw new CutoverError(
        `The sink has no table ${qualified(to)} for the messages of ${name}.`,
        `Provide it in one of three ways: create it on the sink (for example with a Cutover copy of ${name}: "mode": "snapshot" from the MySQL source), produce the topic with Debezium's schema envelope (value.converter.schemas.enable=true) so the table can be created from it, or name the schema-change topic whose CREATE TABLE creates it. Then run the same job again: nothing of the message was applied.`,
        'CONFIG',
      );
    // The applier works in source names; the columns and key are the sink table's.
    const out = applierTable(this.cfg, { ...info, db, table });
    if (!out.info.chunkKey.length) this.log.info(`${name} has no unique key on the sink: its changes are applied by whole-row match, once each (the partition's offset is stored with them)`);
    this.target.setTable(name, out);
    this.known.set(name, out);
    return out;
  }

  /** Makes sure every table of a batch is loaded. */
  async prepare(batch: PartitionBatch): Promise<void> {
    for (const m of batch.messages) for (const c of m.changes) if (!this.known.has(`${c.db}.${c.table}`)) await this.load(c.db, c.table);
  }
}

/** Runs one member of the job's consumer group until stopped (or a failure). */
export async function runConsumer(o: RunJobOptions, job: JobRow, log: Logger): Promise<RunOutcome> {
  const { store, config: cfg } = o;
  const members = new ConsumerStore(store);
  refuseSettings(cfg);
  if (!sinkOf(cfg).capabilities.partitionOffsets)
    throw new CutoverError(
      `A ${sourceOf(cfg).title} source needs a sink that stores the offsets of each partition with the rows; ${sinkOf(cfg).title} does not (yet).`,
      'Use a MySQL/MariaDB sink ("sink": {"type": "mysql", …}) or a PostgreSQL sink ("sink": {"type": "postgres", …}).',
      'CONFIG',
    );
  const sink = o.drivers?.sink ?? (await loadSink(cfg));
  const source = o.drivers?.source ?? (await loadSource(cfg));
  if (!source.openConsumer) throw new Error(`the ${source.kind} source driver has no consumer`);
  store.setJob(job.id, { state: 'running', phase: 'streaming', pid: process.pid, error: null, started_at: job.started_at ?? Date.now() });
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const run = await sink.openRun({
      cfg,
      store,
      jobId: job.id,
      log,
      signal: o.signal,
      // No source server to ask: a database the sink creates gets the sink's defaults.
      databaseDefaults: async () => ({ charset: 'utf8mb4', collation: 'utf8mb4_general_ci' }),
      copyStart: () => null,
    });
    cleanup.push(async () => {
      await run.copy.close();
      await run.dispose();
    });
    if (!run.openOffsetTarget) throw new Error(`the ${sink.kind} sink has no offset target`);
    const target = await run.openOffsetTarget();
    cleanup.push(() => target.close());
    const tables = new SinkTables(cfg, target, log);
    const who = `${userName()}@${hostname()} pid ${process.pid}`;
    if (o.skipMessages?.length) {
      await target.requestSkips(o.skipMessages, who);
      log.warn(`--skip-message: ${o.skipMessages.map(messageRefText).join(', ')} will be passed over (not applied; sent to the dead-letter topic when the job names one) by whichever process holds the partition; recorded in the sink (_cutover.cutover_bad_messages) as asked by ${who}`);
    }
    let applied = 0;
    let skipped = 0;
    const consumer = await source.openConsumer(cfg.source, {
      job: cfg.name,
      log,
      signal: o.signal,
      include: (db, table) => isSelected(cfg, { db, table }),
      columns: (db, table) => tables.columns(db, table),
      loadTable: async (db, table) => void (await tables.load(db, table)),
      storedOffsets: (parts) => target.offsets(parts),
      who,
      skipRequests: (parts) => target.skipRequests(parts),
      paused: async (b) => {
        members.recordPaused(job.id, process.pid, b);
        await target.recordBadMessage(b);
        log.error(`partition ${b.topic}:${b.partition} paused at offset ${b.offset} (key ${b.key ?? 'none'}), the other partitions go on: ${b.reason}\n  fix: ${b.fix}\n  message (${b.bytes} bytes): ${b.raw ?? '(null)'}`);
      },
      apply: async (batch) => {
        await tables.prepare(batch);
        const r = await target.applyBatch(batch);
        members.passed(job.id, batch, batch.next);
        applied += r.applied;
        skipped += r.skipped;
        if (r.skipped) log.info(`${batch.topic} partition ${batch.partition}: ${r.skipped} message(s) below the sink's offset were applied before; not applied again`);
      },
      progress: (m) => members.record(job.id, process.pid, m.memberId, m.partitions),
    });
    cleanup.push(() => consumer.close());
    await consumer.run();
    log.info(`stopped: ${applied.toLocaleString('en-US')} message(s) applied by this process${skipped ? `, ${skipped} already applied skipped` : ''}; run the same job again to resume from the sink's offsets`);
    return 'stopped';
  } catch (e) {
    const msg = formatError(e);
    log.error(msg);
    store.setJob(job.id, { state: e instanceof CutoverError && e.code === 'SINK_ROW' ? 'paused' : 'failed', error: msg, pid: null });
    throw e;
  } finally {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
    members.remove(job.id, process.pid);
    // The job stops when its last member does.
    if (!members.members(job.id, alive).length && store.jobById(job.id)?.state === 'running') store.setJob(job.id, { state: 'stopped', pid: null });
  }
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** Settings a partitioned source cannot carry out yet, refused before anything connects. */
function refuseSettings(cfg: JobConfig): void {
  const where = Object.keys(cfg.where);
  if (where.length)
    throw new CutoverError(
      `"where" (${where.join(', ')}) is not applied to a Kafka source's messages: a row filter in SQL needs the source server.`,
      'Remove "where" from the job file, or filter the rows where the topic is produced (a Cutover job with "where" publishes only those rows).',
      'CONFIG',
    );
}
