// Runs a job through its phases: preflight → schema → copy → views → done, recording each in the state file.
import { CutoverError, formatError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job-config.js';
import { sinkName, qualified } from '../../shared/table-selection.js';
import { connect, parseMysqlUrl, queryRows, type Connection } from '../mysql/connection.js';
import { databaseDefaults } from '../source/mysql/schema-reader.js';
import { openDataConnection, validateFilter } from '../source/mysql/snapshot-reader.js';
import type { Sink } from '../sink/sink.js';
import { loadSink, sinkOf } from '../sink/registry.js';
import { refuseUnsupportedSettings } from '../sink/capability-checks.js';
import type { SinkRun } from '../sink/driver.js';
import type { LogLevel, StateStore } from '../state/store.js';
import { CopyRunner, StopRequested } from './copy-runner.js';
import { createLogger, type Logger } from '../core/logger.js';
import { CopyMetrics } from './metrics.js';
import { readBinlogStatus, readConsistentPosition } from '../source/mysql/binlog-status.js';
import { readServerInfo } from '../mysql/server-info.js';
import { formatPosition } from '../core/position.js';
import { formatGtidPosition } from '../../shared/positions.js';
import { Throttle } from './throttle.js';
import { planTables, planViews } from './table-plan.js';
import { prepareStreamPhase, runStreamPhase, type StreamPhaseOptions } from './stream-phase.js';
import type { OrderedCopy } from '../sink/stream-target.js';
import type { StreamOutcome } from './stream-runner.js';
import { StreamStore } from '../state/stream-store.js';
import { jobIdentity } from '../state/identity.js';
import { StateDiskFull, isDiskFull } from '../state/disk-space.js';
import { sinkLabel } from './sink-watch.js';
import { alive } from '../core/process-alive.js';

export interface RunJobOptions {
  store: StateStore;
  /** The resolved job (URLs with their passwords): what the engine connects with; never stored. */
  config: JobConfig;
  /** What the state file keeps as the job's config: the job file as written (default: `config`, for callers whose config holds no secret it did not already). */
  storedConfig?: unknown;
  signal: AbortSignal;
  /** Echo logs at or above this level to the terminal. */
  echo?: { level: LogLevel; write: (line: string) => void };
  /** Preflight hook: throws a CutoverError when a check fails. */
  preflight?: (cfg: JobConfig, log: Logger) => Promise<void>;
  progressEveryMs?: number;
  /** Streaming modes: return once the sink has caught up with the target position. */
  exitWhenCaughtUp?: boolean;
  /** Skip the DDL statement the stream paused at. */
  skipDdl?: boolean;
  /** --adopt-checkpoint: continue from a sink checkpoint row another state file (or job instance) wrote. */
  adoptCheckpoint?: boolean;
}

export type RunOutcome = 'done' | 'stopped' | 'caught-up';

export async function runJob(o: RunJobOptions): Promise<RunOutcome> {
  const { store, config: cfg } = o;
  const job = store.upsertJob(cfg.name, o.storedConfig ?? cfg);
  // Before this run writes any: has this state file streamed the job before (an applied position)?
  const streamedBefore = !!(job.stream_state && (JSON.parse(job.stream_state) as { applied?: unknown }).applied);
  const log = createLogger(store, cfg.name, o.echo);
  if (job.state === 'done' && cfg.mode === 'snapshot') {
    log.info('this job already finished; nothing to do (use --restart to copy again from scratch)');
    return 'done';
  }
  try {
    store.claimJob(job.id, process.pid, alive);
  } catch (e) {
    log.error(formatError(e));
    throw e;
  }
  store.setJob(job.id, { phase: 'preflight', started_at: job.started_at ?? Date.now() });
  const metrics = new CopyMetrics(store, job.id);
  let progress: NodeJS.Timeout | null = null;
  let src: Connection | null = null;
  let sink: Sink | null = null;
  let batchBytes = 0;
  let throttle: Throttle | null = null;
  let probe: Connection | null = null;
  let run: SinkRun | null = null;
  try {
    // Before connecting to anything: settings the sink kind cannot carry out (a DDL policy it lacks).
    refuseUnsupportedSettings(cfg);
    if (o.preflight) await o.preflight(cfg, log);
    const driver = await loadSink(cfg);
    const caps = sinkOf(cfg).capabilities;
    // A checkpoint the sink keeps (in its own tables) must be this job's (checkpoint-owner.ts), before
    // anything is copied or streamed into the sink.
    const owner = caps.checkpointInSink && cfg.mode !== 'snapshot' ? jobIdentity(store, job.id) : undefined;
    if (owner) await driver.claimCheckpoint?.(cfg, owner, { adopt: o.adoptCheckpoint ?? false, streamedBefore }, log);
    const sourceAddr = parseMysqlUrl(cfg.source.url);
    src = await connect(sourceAddr);
    const meta = src;
    run = await driver.openRun({
      cfg,
      store,
      jobId: job.id,
      log,
      signal: o.signal,
      databaseDefaults: (db) => databaseDefaults(meta, db),
      copyStart: () => {
        const p = store.jobById(job.id)?.copy_start_position;
        return p ? JSON.parse(p) : null;
      },
      owner,
    });
    sink = run.copy;
    batchBytes = run.batchBytes;
    const sinkRun = run;
    const openTarget = () => sinkRun.openChangeSink(o.signal);

    /**
     * "snapshot+stream" into a sink with the `orderedCopy` capability: the stream publishes from the copy's
     * start position while the copy runs, and each copied chunk is published at its snapshot's binlog
     * position (chunk-gate.ts). Once every chunk is published, the stream catches up with the source as it is then.
     */
    const copyWithStream = async (tables: Awaited<ReturnType<typeof planTables>>, copy: (signal: AbortSignal, gate: OrderedCopy['gate']) => Promise<void>): Promise<RunOutcome> => {
      const inner = new AbortController();
      const stopBoth = (): void => inner.abort();
      o.signal.addEventListener('abort', stopBoth, { once: true });
      try {
        if ((await readServerInfo(streamSource)).flavor !== 'mariadb')
          throw new CutoverError(
            `Copying into ${sinkOf(cfg).title} while streaming ("mode": "snapshot+stream") publishes each chunk at the exact binlog position of its consistent snapshot, which only MariaDB reports (binlog_snapshot_position); on MySQL a chunk could be published after a change it does not contain.`,
            'Stop the writes to the selected tables while a "mode": "snapshot" copy runs, then stream from the position it logged ("mode": "stream", "stream": {"start": {"file": …, "pos": …}}); or copy into a MySQL sink.',
            'CONFIG',
          );
        const target = await sinkRun.openChangeSink(inner.signal);
        const ordered = target.orderedCopy;
        if (!ordered) throw new Error(`the ${sinkOf(cfg).title} sink declares orderedCopy but its change sink has no copy gate`);
        for (const t of tables) {
          const row = store.table(t.stateId);
          const copied = row.state === 'done' || (row.planned_all === 1 && store.pendingChunks(t.stateId).length === 0);
          if (!t.keyColumns.length && !copied) ordered.held.add(qualified(t.source));
        }
        const runner = await prepareStreamPhase({ ...streamPhase(tables, inner.signal), openTarget: async () => target, copyAlongside: true });
        store.setJob(job.id, { phase: 'copying' });
        let streamError: unknown = null;
        const streaming = runner.run().then(
          (outcome) => {
            ordered.gate.fail(new StopRequested());
            return outcome;
          },
          (e) => {
            streamError = e;
            ordered.gate.fail(e);
            inner.abort();
            throw e;
          },
        );
        streaming.catch(() => undefined);
        try {
          await copy(inner.signal, ordered.gate);
        } catch (e) {
          inner.abort();
          await streaming.catch(() => undefined);
          throw streamError ?? e;
        }
        if (progress) clearInterval(progress);
        throttle?.stop();
        const views = await planViews(streamSource, cfg);
        for (const w of await sink!.createViews(views)) log.warn(w);
        for (const w of (await sink!.finishCopy?.(tables)) ?? []) log.warn(w);
        const end = await readBinlogStatus(streamSource);
        store.setJob(job.id, { copy_end_position: JSON.stringify(end) });
        const copied = store.tables(job.id).reduce((n, t) => n + t.rows_copied, 0);
        log.info(`copy published: ${tables.length} table(s), ${copied.toLocaleString('en-US')} rows; catching up with the source at ${formatPosition(end.file)}`);
        runner.setTarget(end.file);
        return streamEnded(await streaming);
      } finally {
        o.signal.removeEventListener('abort', stopBoth);
      }
    };

    const streamSource = src;
    /** The stream phase's options common to a stream after the copy and one alongside it. */
    const streamPhase = (tables: Awaited<ReturnType<typeof planTables>> | null, signal: AbortSignal): Omit<StreamPhaseOptions, 'openTarget'> => ({
      store,
      jobId: job.id,
      cfg,
      tables,
      source: streamSource,
      log,
      signal,
      exitWhenCaughtUp: o.exitWhenCaughtUp ?? false,
      skipDdl: o.skipDdl ?? false,
      previousPhase: job.phase,
    });
    const stream = async (tables: Awaited<ReturnType<typeof planTables>> | null): Promise<RunOutcome> => {
      if (progress) clearInterval(progress);
      throttle?.stop();
      const outcome = await runStreamPhase({ ...streamPhase(tables, o.signal), openTarget });
      return streamEnded(outcome);
    };
    const streamEnded = (outcome: StreamOutcome): RunOutcome => {
      if (outcome === 'stopped') throw new StopRequested();
      store.setJob(job.id, { state: 'stopped', pid: null, error: null });
      log.info('caught up with the source; stopping as asked (--exit-when-caught-up); run the job again to keep streaming');
      return 'caught-up';
    };

    // Once streaming has begun, the stream owns the table set (its schema history follows DDL): the
    // source is not planned or copied again.
    // (An ordered copy runs alongside its stream: until it has finished, a new run copies the rest.)
    const copyAlongside = caps.orderedCopy && cfg.mode === 'snapshot+stream';
    const copyFinished = store.jobById(job.id)?.copy_end_position != null;
    if (cfg.mode !== 'snapshot' && new StreamStore(store).hasSchemaHistory(job.id) && (!copyAlongside || copyFinished)) return await stream(null);

    // Before the schema is read: DDL after this point is in the binlog the stream replays from here.
    await recordCopyStart(store, job.id, src, log, cfg.mode);
    store.setJob(job.id, { phase: 'schema' });
    const tables = await planTables(src, cfg, store, job.id);
    const data = await openDataConnection(sourceAddr);
    try {
      for (const t of tables) {
        const bad = await validateFilter(data, t);
        if (bad)
          throw new CutoverError(`The row filter "where" → "${qualified(t.source)}" is not valid on the source: ${bad}`, 'Correct the SQL condition in the job file.', 'CONFIG');
      }
    } finally {
      await data.end();
    }
    for (const t of cfg.mode === 'stream' ? [] : tables) {
      const row = store.table(t.stateId);
      if (row.state === 'done') continue;
      const prepared = await sink.prepareTable(t, cfg.snapshot.onExisting, row.schema_created === 1);
      if (prepared.created && row.schema_created !== 1)
        store.setTable(t.stateId, { schema_created: 1, deferred_indexes: JSON.stringify(prepared.deferredIndexes) });
      for (const w of prepared.warnings) log.warn(w, qualified(t.source));
      if (t.source.systemVersioned)
        log.warn('is system-versioned: its current rows are copied; its history rows are not (the sink table keeps history from now on)', qualified(t.source));
    }

    if (cfg.mode === 'stream') {
      for (const t of tables) {
        const row = store.table(t.stateId);
        if (row.state !== 'streaming') {
          const prepared = await sink.prepareTable(t, 'append', row.schema_created === 1);
          if (prepared.created) await sink.finishTable(t, prepared.deferredIndexes);
          store.setTable(t.stateId, { schema_created: prepared.created ? 1 : row.schema_created, state: 'streaming' });
        }
      }
      for (const w of (await sink.finishCopy?.(tables)) ?? []) log.warn(w);
      return await stream(tables);
    }

    store.setJob(job.id, { phase: 'copying' });
    const total = tables.reduce((n, t) => n + t.source.estimatedRows, 0);
    log.info(`copying ${tables.length} table(s), about ${total.toLocaleString('en-US')} rows, with ${cfg.snapshot.parallelism} worker(s)`);
    metrics.start();
    if (o.echo) {
      progress = setInterval(() => {
        const copied = store.tables(job.id).reduce((n, t) => n + t.rows_copied, 0);
        log.info(`${copied.toLocaleString('en-US')} rows copied, ${Math.round(metrics.rowsPerSecond).toLocaleString('en-US')} rows/s`);
      }, o.progressEveryMs ?? 5000);
      progress.unref();
    }
    const probeConn = await connect(sourceAddr);
    throttle = new Throttle(
      cfg.snapshot.throttle,
      async () => {
        const [row] = await queryRows<{ Value: string }>(probeConn, "SHOW GLOBAL STATUS LIKE 'Threads_running'");
        return Number(row?.Value ?? 0);
      },
      log,
      o.signal,
    );
    probe = probeConn;
    throttle.start();
    const copy = (signal: AbortSignal, gate?: OrderedCopy['gate']): Promise<void> =>
      new CopyRunner({
        store,
        source: sourceAddr,
        sink: sink!,
        tables,
        snapshot: cfg.snapshot,
        batchBytes,
        log,
        metrics,
        throttle: throttle!,
        signal,
        recordSnapshotPositions: cfg.mode === 'snapshot+stream',
        gate,
        sinkLabel: sinkLabel(cfg),
        onSinkWait: (since) => store.setJob(job.id, { sink_waiting_since: since }),
      }).run();
    if (copyAlongside) return await copyWithStream(tables, copy);
    await copy(o.signal);

    store.setJob(job.id, { phase: 'views' });
    const views = await planViews(src, cfg);
    const viewProblems = await sink.createViews(views);
    for (const w of viewProblems) log.warn(w);
    if (views.length) log.info(`${views.length - viewProblems.length} of ${views.length} view(s) created on the sink`);
    for (const w of (await sink.finishCopy?.(tables)) ?? []) log.warn(w);

    const copied = store.tables(job.id).reduce((n, t) => n + t.rows_copied, 0);
    if (cfg.mode === 'snapshot+stream') {
      if (!store.jobById(job.id)?.copy_end_position) {
        const end = await readBinlogStatus(src);
        store.setJob(job.id, { copy_end_position: JSON.stringify(end) });
        log.info(`copy finished: ${tables.length} table(s), ${copied.toLocaleString('en-US')} rows; source binlog at ${formatPosition(end.file)}`);
      }
      return await stream(tables);
    }
    store.setJob(job.id, { phase: 'done', state: 'done', finished_at: Date.now(), pid: null });
    log.info(`done: ${tables.length} table(s), ${copied.toLocaleString('en-US')} rows copied`);
    return 'done';
  } catch (caught) {
    const e = isDiskFull(caught) && !(caught instanceof StateDiskFull) ? new StateDiskFull(store.path) : caught;
    if (e instanceof StateDiskFull) {
      // Said on the terminal first: the state file may not take the log line or the job's state.
      const msg = formatError(e);
      log.error(msg);
      try {
        store.setJob(job.id, { state: 'failed', error: msg, pid: null });
      } catch {
        /* no room: the job shows as interrupted, and resumes when run again */
      }
      throw e;
    }
    if (e instanceof CutoverError && (e.code === 'SINK_ROW' || e.code === 'DDL_PAUSED')) {
      const msg = formatError(e);
      store.setJob(job.id, { state: 'paused', error: msg, pid: null });
      log.error(msg);
      throw e;
    }
    if (e instanceof StopRequested || (o.signal.aborted && !(e instanceof CutoverError))) {
      store.setJob(job.id, { state: 'stopped', pid: null });
      // The operator asked for it (Ctrl-C, SIGTERM, Pause in the dashboard): news, not a warning.
      log.info('paused as requested (Ctrl-C, SIGTERM or Pause): what was in flight is committed; run the same job again to resume');
      return 'stopped';
    }
    const msg = formatError(e);
    store.setJob(job.id, { state: 'failed', error: msg, pid: null });
    log.error(msg);
    throw e;
  } finally {
    if (progress) clearInterval(progress);
    throttle?.stop();
    await probe?.end().catch(() => undefined);
    metrics.stop();
    await src?.end().catch(() => undefined);
    await (run as SinkRun | null)?.dispose().catch(() => undefined);
    await sink?.close();
  }
}

/**
 * Records where the source's binlog stood when the copy first started (kept across resumes): the
 * position streaming will start from. A source without a binlog copies fine; it is only noted.
 */
async function recordCopyStart(store: StateStore, jobId: number, src: Connection, log: Logger, mode: JobConfig['mode']): Promise<void> {
  if (store.jobById(jobId)?.copy_start_position) return;
  try {
    const status = await readConsistentPosition(src);
    store.setJob(jobId, { copy_start_position: JSON.stringify(status) });
    log.info(`${mode === 'stream' ? 'source binlog position when the stream was set up' : 'copy started at source binlog position'} ${formatPosition(status.file)}${status.gtid ? ` (GTID ${formatGtidPosition(status.gtid)})` : ''}`);
  } catch (e) {
    log.info(`source binlog position not recorded: ${(e as Error).message}`);
  }
}
