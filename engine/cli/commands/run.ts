import { CutoverError } from '../../../shared/errors.js';
import type { JobConfig } from '../../../shared/job-config.js';
import { mysqlSourceUrl } from '../../../shared/job-config.js';
import { isSelected, sinkName } from '../../../shared/table-selection.js';
import { runJob } from '../../pipeline/job-runner.js';
import type { Logger } from '../../core/logger.js';
import { formatPreflight, runPreflight, sinkPreflight } from '../../pipeline/preflight.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore, type LogLevel } from '../../state/store.js';
import { CutoverStore } from '../../state/cutover-store.js';
import { sinkOf } from '../../sink/registry.js';
import { sourceOf } from '../../source/registry.js';
import { loadJob, readJobFile } from '../job-file.js';
import { parseMessageRef } from '../../core/bad-messages.js';
import { JobSecrets, splitUrlPasswords } from '../../connections/job-secrets.js';

interface RunOpts {
  state?: string;
  restart?: boolean;
  skipPreflight?: boolean;
  logLevel: LogLevel;
  quiet?: boolean;
  exitWhenCaughtUp?: boolean;
  skipDdl?: boolean;
  skipMessage?: string[];
  resnapshot?: boolean;
  adoptCheckpoint?: boolean;
  force?: boolean;
}

/** When the cutover assistant created this job's triggers, routines and events on the sink (its step done), or null. */
function deferredCreatedAt(store: StateStore, job: string): number | null {
  const row = store.job(job);
  const step = row ? new CutoverStore(store).steps(row.id).get('deferred') : undefined;
  return step?.state === 'done' ? (step.finished_at ?? step.started_at) : null;
}

async function preflight(cfg: JobConfig, log: Logger, createdAt: number | null): Promise<void> {
  const report = await runPreflight({
    deferredCreatedAt: createdAt,
    sourceUrl: mysqlSourceUrl(cfg, 'The preflight'),
    sourceType: sourceOf(cfg).kind,
    ...sinkPreflight(cfg.sink, (ref) => sinkName(cfg, ref)),
    streaming: cfg.mode !== 'snapshot',
    selected: (r) => isSelected(cfg, r),
  });
  for (const item of report.items) {
    if (item.status === 'warn') log.warn(`preflight: ${item.title}: ${item.detail}${item.fix ? ` (fix: ${item.fix})` : ''}`);
  }
  if (!report.ok) {
    throw new CutoverError(`Preflight failed:\n${formatPreflight({ ...report, items: report.items.filter((i) => i.status === 'fail') })}`, 'Fix the failed checks above (or run with --skip-preflight at your own risk).', 'PREFLIGHT');
  }
}

export async function runCommand(jobPath: string, opts: RunOpts): Promise<void> {
  const file = await readJobFile(jobPath);
  const store = new StateStore(resolveStatePath(opts.state));
  // Profiles, environment variables and SSH tunnels: the engine runs with the resolved config; the state
  // file keeps the job file as written (no password that came from a profile or the environment).
  let resolved;
  try {
    resolved = await loadJob(file, store);
  } catch (e) {
    store.close();
    throw e;
  }
  const cfg = resolved.config;
  // The job file is stored as written, except for passwords in its URLs: those are encrypted apart.
  let stored;
  try {
    stored = splitUrlPasswords(file).file;
    new JobSecrets(store).save(file);
  } catch (e) {
    await resolved.close();
    store.close();
    throw e;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals === 1) {
      process.stderr.write(`\n${sig}: stopping after the batches in flight are written (press Ctrl-C again to force)\n`);
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const skipMessages = (opts.skipMessage ?? []).map(parseMessageRef);
    if (skipMessages.length && !sourceOf(cfg).capabilities.partitionOffsets)
      throw new CutoverError(`--skip-message passes over a message of a partitioned source (Kafka topics); this job's source is ${sourceOf(cfg).title}.`, 'A binlog stream paused at DDL goes on with --skip-ddl; a paused table with `cutover resume-table TABLE --skip`.', 'CONFIG');
    if (opts.resnapshot && cfg.mode !== 'snapshot+stream') {
      throw new CutoverError('--resnapshot copies the tables again before streaming; it needs "mode": "snapshot+stream".', 'Change "mode" in the job file, or, in "stream" mode, set "stream": {"start": "current"} and run with --restart.', 'CONFIG');
    }
    if (opts.restart || opts.resnapshot) {
      const job = store.job(cfg.name);
      if (job) store.resetJob(job.id);
      // Starting over includes the stream's position in a sink that keeps it (whichever state file wrote it).
      const sink = sinkOf(cfg);
      if (sink.capabilities.checkpointInSink && (opts.resnapshot || cfg.mode !== 'snapshot')) await (await sink.load()).forgetCheckpoint?.(cfg, opts.resnapshot ? '--resnapshot' : '--restart');
    }
    if (opts.resnapshot) cfg.snapshot = { ...cfg.snapshot, onExisting: 'truncate' };
    const outcome = await runJob({
      store,
      config: cfg,
      storedConfig: stored,
      signal: controller.signal,
      echo: { level: opts.quiet ? 'warn' : opts.logLevel, write: (l) => process.stderr.write(l + '\n') },
      preflight: opts.skipPreflight ? undefined : (c, l) => preflight(c, l, deferredCreatedAt(store, c.name)),
      exitWhenCaughtUp: opts.exitWhenCaughtUp,
      skipDdl: opts.skipDdl,
      skipMessages,
      adoptCheckpoint: opts.adoptCheckpoint,
      force: opts.force,
    }).catch((e) => {
      (e as { logged?: boolean }).logged = true;
      throw e;
    });
    const mem = Math.round(process.resourceUsage().maxRSS / 1024);
    if (!opts.quiet) process.stderr.write(`peak memory: ${mem} MB; state file: ${store.path}\n`);
    if (outcome === 'stopped') process.exitCode = 130;
  } finally {
    await resolved.close();
    store.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
