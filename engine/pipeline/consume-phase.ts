// The run of a job whose source is read as partitions with offsets by a consumer group (capability
// `partitionOffsets`: Kafka topics). There is no copy and no binlog: the process joins the job's group,
// and each batch of a partition it is given goes to the sink in one transaction with the partition's next
// offset (engine/core/partition-offsets.ts), so a message is applied once whoever consumes it. Several
// processes of the job (on one machine with one state file, or on many) share the partitions: each records
// its own member row (engine/state/consumer-store.ts), and none claims the job for itself.
//
// The sink tables are what the decoders read messages with. A table the sink lacks is created from the
// definition its message carries (the Debezium schema envelope: engine/core/table-definition.ts); without
// one it stops the job naming the table and the three ways to provide it.
import { CutoverError, formatError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { isSelected, qualified, sinkName } from '../../shared/table-selection.js';
import { applierTable, type ApplierTable } from '../core/checkpoint.js';
import type { Logger } from '../core/logger.js';
import type { OffsetTarget, PartitionBatch } from '../core/partition-offsets.js';
import type { RowChange } from '../core/changes.js';
import { alive } from '../core/process-alive.js';
import type { CopyTable, TableInfo } from '../core/tables.js';
import { tableInfoOf, type TableDefinition } from '../core/table-definition.js';
import { PartitionSpread, spreadRefusal } from '../core/partition-spread.js';
import type { Sink } from '../sink/sink.js';
import { loadSink, sinkOf } from '../sink/registry.js';
import { loadSource, sourceOf } from '../source/registry.js';
import { ConsumerStore } from '../state/consumer-store.js';
import { operatorName } from '../core/operator-name.js';
import { messageRefText } from '../core/bad-messages.js';
import type { JobRow, StateStore } from '../state/store.js';
import type { RunJobOptions, RunOutcome } from './phases/context.js';
import { applyConsumedDdl } from './consume-ddl.js';
import { DdlHomes } from '../core/partition-ddl.js';
import { mapDdl } from '../mysql/ddl-mapper.js';

/** The tables of a partitioned source's job, as the sink has them: loaded on first sight, by source name. */
class SinkTables {
  private readonly known = new Map<string, ApplierTable>();
  /** The same tables by database, then table: asked for every message without building "db.table". */
  private readonly byDb = new Map<string, Map<string, ApplierTable>>();

  constructor(
    private readonly cfg: JobConfig,
    private readonly target: OffsetTarget,
    private readonly log: Logger,
    private readonly sink: Sink,
  ) {}

  /** The sink's columns of a source table already loaded (source names, excluded columns left out); null when not loaded. */
  columns(db: string, table: string): TableInfo['columns'] | null {
    return this.byDb.get(db)?.get(table)?.info.columns ?? null;
  }

  /**
   * Loads a table from the sink. A table the sink lacks is created from `def` (the message's own
   * definition) when there is one; else it stops the job naming it and the ways to provide it.
   */
  async load(db: string, table: string, def?: TableDefinition): Promise<ApplierTable> {
    const name = `${db}.${table}`;
    const have = this.known.get(name);
    if (have) return have;
    const to = sinkName(this.cfg, { db, table });
    let info = await this.target.readSinkTable(to);
    if (!info && def) info = await this.create(db, table, def);
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
    let tables = this.byDb.get(db);
    if (!tables) this.byDb.set(db, (tables = new Map()));
    tables.set(table, out);
    return out;
  }

  /**
   * Creates the sink table from a message's definition ("append": a table another process of the group
   * created meanwhile is taken as it is), then reads it back: the sink's own columns decode the messages.
   */
  private async create(db: string, table: string, def: TableDefinition): Promise<TableInfo | null> {
    const to = sinkName(this.cfg, { db, table });
    let source: TableInfo;
    try {
      source = tableInfoOf({ db, table }, def);
    } catch (e) {
      throw new CutoverError(`The sink has no table ${qualified(to)}, and the schema in the messages of ${db}.${table} cannot define it: ${(e as Error).message}.`, 'Create the table on the sink (for example with a Cutover copy), then run the job again.', 'CONFIG');
    }
    const excluded = new Set(this.cfg.columns[`${db}.${table}`]?.exclude ?? []);
    const columns = source.columns.filter((c) => !excluded.has(c.name));
    const t: CopyTable = { stateId: -1, source, sink: to, columns, keyColumns: columns.filter((c) => source.chunkKey.includes(c.name)) };
    try {
      const r = await this.sink.prepareTable(t, 'append', false);
      for (const w of r.warnings) this.log.warn(`${qualified(to)}: ${w}`);
      const done = r.deferredIndexes.length ? await this.sink.finishTable(t, r.deferredIndexes) : null;
      if (done) this.log.info(`${qualified(to)}: ${done}`);
    } catch (e) {
      // Another process of the group may have created it between the look and the CREATE.
      const now = await this.target.readSinkTable(to);
      if (now) return now;
      throw e;
    }
    const info = await this.target.readSinkTable(to);
    if (info) this.log.info(`created the sink table ${qualified(to)} from the schema in the messages of ${db}.${table}: ${source.columns.map((c) => `${c.name} ${c.columnType}`).join(', ')}${source.chunkKey.length ? `; primary key (${source.chunkKey.join(', ')})` : '; no key'}`);
    return info;
  }

  /** Forgets a table's definition (a schema change): read again from the sink when its next message comes. */
  forget(name: string): void {
    const t = this.known.get(name);
    this.known.delete(name);
    if (t) for (const tables of this.byDb.values()) for (const [k, v] of tables) if (v === t) tables.delete(k);
  }

  /** The key columns of a loaded table (source name "db.table"); empty when keyless or not loaded. */
  key(name: string): string[] {
    return this.known.get(name)?.info.chunkKey ?? [];
  }

  /** Makes sure every table of a batch is loaded. */
  async prepare(batch: PartitionBatch): Promise<void> {
    for (const [name, c] of batchTables(batch)) if (!this.known.has(name)) await this.load(c.db, c.table);
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
    const tables = new SinkTables(cfg, target, log, run.copy);
    const who = `${operatorName()} pid ${process.pid}`;
    if (o.skipMessages?.length) {
      await target.requestSkips(o.skipMessages, who);
      log.warn(`--skip-message: ${o.skipMessages.map(messageRefText).join(', ')} will be passed over (not applied; sent to the dead-letter topic when the job names one) by whichever process holds the partition; recorded in the sink (_cutover.cutover_bad_messages) as asked by ${who}`);
    }
    // One sink connection serves the batches and the skip requests: one at a time, never inside another's transaction.
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(f: () => Promise<T>): Promise<T> => {
      const p = chain.then(f, f);
      chain = p.catch(() => undefined);
      return p;
    };
    // Skips asked for in the state file (`cutover skip-message`, the app's Skip) go to the sink, where the member holding the partition finds them.
    const takePending = async (): Promise<void> => {
      for (const r of members.pendingSkips(job.id)) {
        try {
          await target.requestSkips([r], r.requestedBy);
          log.warn(`the skip of ${messageRefText(r)} asked by ${r.requestedBy} is recorded in the sink: the message is passed over (not applied; sent to the dead-letter topic when the job names one) by the process that holds the partition`);
        } catch (e) {
          if (!(e instanceof CutoverError) || e.code !== 'CONFIG') throw e;
          log.error(`the skip of ${messageRefText(r)} asked by ${r.requestedBy} is refused: ${e.message}`);
        }
        members.dropSkip(job.id, r);
      }
    };
    let applied = 0;
    let skipped = 0;
    const spread = new PartitionSpread();
    const homes = new DdlHomes();
    const consumer = await source.openConsumer(cfg.source, {
      job: cfg.name,
      log,
      signal: o.signal,
      include: selection(cfg),
      columns: (db, table) => tables.columns(db, table),
      loadTable: async (db, table, def) => void (await tables.load(db, table, def)),
      storedOffsets: (parts) => target.offsets(parts),
      who,
      skipRequests: (parts) =>
        serial(async () => {
          await takePending();
          return target.skipRequests(parts);
        }),
      paused: async (b) => {
        members.recordPaused(job.id, process.pid, b);
        await serial(() => target.recordBadMessage(b));
        log.error(`partition ${b.topic}:${b.partition} paused at offset ${b.offset} (key ${b.key ?? 'none'}), the other partitions go on: ${b.reason}\n  fix: ${b.fix}\n  message (${b.bytes} bytes): ${b.raw ?? '(null)'}`);
      },
      apply: async (batch) => {
        await tables.prepare(batch);
        // A table whose rows' changes are spread over partitions cannot keep their order: refused before applying.
        const found = spread.check(batch, (t) => tables.key(t));
        if (found) {
          const r = spreadRefusal(found);
          throw new CutoverError(r.message, r.fix, 'CONFIG');
        }
        // A table whose schema changes came from another partition than its rows: their order is not proven.
        for (const table of batchTables(batch).keys()) {
          const f = homes.sawRows(table, batch);
          if (f) throw new CutoverError(f.reason, f.fix, 'CONFIG');
        }
        const r = await serial(() => target.applyBatch(batch));
        members.passed(job.id, batch, batch.next);
        const during = batch.messages.filter((m) => m.lenient === 'change' && m.changes.length);
        if (during.length && r.applied)
          log.info(`${batch.topic} partition ${batch.partition}: ${during.length} change(s) published during their table's copy applied leniently (offsets ${during[0]!.offset}–${during[during.length - 1]!.offset}; README: Snapshot order in a topic)`);
        applied += r.applied;
        skipped += r.skipped;
        if (r.skipped) log.info(`${batch.topic} partition ${batch.partition}: ${r.skipped} message(s) below the sink's offset were applied before; not applied again`);
      },
      ddlTables: (sql, db) => {
        const a = mapDdl(sql, db, cfg);
        return a.kind === 'ignore' ? [] : a.targets.flatMap((t) => [t.source, ...(t.renamedTo ? [t.renamedTo] : [])]).map((r) => qualified(r));
      },
      applyDdl: (at, partitions, ddl) =>
        applyConsumedDdl({ cfg, target, log, homes, load: async (db, table) => void (await tables.load(db, table)), forget: (n) => tables.forget(n) }, at, partitions, ddl),
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

/**
 * The source tables ("db.table") a batch's changes touch, each with its first change, in that change's
 * order: what is done per table is done once per batch, not once per change (a batch is mostly one table's).
 */
function batchTables(batch: PartitionBatch): Map<string, RowChange> {
  const out = new Map<string, RowChange>();
  let last = '';
  for (const m of batch.messages)
    for (const c of m.changes) {
      const name = c.name ?? `${c.db}.${c.table}`;
      if (name !== last && !out.has(name)) out.set(name, c);
      last = name;
    }
  return out;
}

/** Whether a source table is one of the job's (isSelected), remembered per table: it is asked for every message. */
function selection(cfg: JobConfig): (db: string, table: string) => boolean {
  const seen = new Map<string, Map<string, boolean>>();
  return (db, table) => {
    let tables = seen.get(db);
    if (!tables) seen.set(db, (tables = new Map()));
    let v = tables.get(table);
    if (v === undefined) tables.set(table, (v = isSelected(cfg, { db, table })));
    return v;
  };
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
