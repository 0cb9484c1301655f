import { mysqlSourceUrl } from '../../../shared/job-config.js';
// The first phase of a run: refuse settings the sink cannot carry out, run the preflight hook, load the
// drivers (injected ones win), make sure the sink's checkpoint is this job's, connect to the source and
// open the sink for the run.
import { loadSink, sinkOf } from '../../sink/registry.js';
import { loadSource } from '../../source/registry.js';
import { refuseUnsupportedSettings } from '../../sink/capability-checks.js';
import { jobIdentity } from '../../state/identity.js';
import type { JobContext } from './context.js';

export async function openPhase(ctx: JobContext): Promise<void> {
  const { cfg, store, o, log, jobId } = ctx;
  // Before connecting to anything: settings the sink kind cannot carry out (a DDL policy it lacks).
  refuseUnsupportedSettings(cfg);
  if (o.preflight) await o.preflight(cfg, log);
  ctx.sink = o.drivers?.sink ?? (await loadSink(cfg));
  ctx.source = o.drivers?.source ?? (await loadSource(cfg));
  // A checkpoint the sink keeps (in its own tables) must be this job's (checkpoint-owner.ts), before
  // anything is copied or streamed into the sink.
  const owner = sinkOf(cfg).capabilities.checkpointInSink && cfg.mode !== 'snapshot' ? jobIdentity(store, jobId) : undefined;
  if (owner) await ctx.sink.claimCheckpoint?.(cfg, owner, { adopt: o.adoptCheckpoint ?? false, streamedBefore: ctx.streamedBefore }, log);
  ctx.sourceAddress = ctx.source.address(mysqlSourceUrl(cfg, 'A copy or binlog stream'));
  const meta = await ctx.source.openSession(ctx.sourceAddress);
  ctx.cleanup.push(() => meta.close());
  ctx.meta = meta;
  const run = await ctx.sink.openRun({
    cfg,
    store,
    jobId,
    log,
    signal: ctx.signal,
    databaseDefaults: (db) => meta.databaseDefaults(db),
    copyStart: () => {
      const p = store.jobById(jobId)?.copy_start_position;
      return p ? JSON.parse(p) : null;
    },
    owner,
  });
  ctx.cleanup.push(() => run.copy.close());
  ctx.cleanup.push(() => run.dispose());
  ctx.sinkRun = run;
  ctx.copySink = run.copy;
}
