// PostgreSQL as a sink: the copy (PgSink), the stream's change sink (change-sink.ts: the checkpoint row in
// the batch's transaction), a Kafka source's offsets (offset-target.ts), the checkpoint row's ownership, verification (verifier.ts) and repair (repair.ts).
import type { JobConfig } from '../../../shared/job-config.js';
import { mysqlSourceUrl } from '../../../shared/job-config.js';
import { sinkName } from '../../../shared/table-selection.js';
import type { SinkDriver, SinkRun } from '../driver.js';
import { connectPg, pgId, postgresSinkOf } from './connection.js';
import { CHECKPOINT_SCHEMA, CHECKPOINT_TABLE } from './descriptor.js';
import { PgSink } from './pg-sink.js';
import { openPostgresVerifier } from './verifier.js';
import { PgChangeSink } from './change-sink.js';
import { claimPgCheckpoint } from './checkpoint.js';
import { previewPgMapping } from './mapping-preview.js';
import { repairPostgres } from './repair.js';
import { forgetPgOffsets, PgOffsetTarget } from './offset-target.js';

export const postgresDriver: SinkDriver = {
  kind: 'postgres',
  previewMapping: (input) => previewPgMapping(input),
  async openRun(ctx): Promise<SinkRun> {
    const { cfg } = ctx;
    const sink = postgresSinkOf(cfg, 'The copy');
    const copy = await PgSink.open({ url: sink.url, sourceUrl: () => mysqlSourceUrl(cfg, 'The PostgreSQL sink (for now)'), policy: sink.unholdable, types: sink.types, mapTable: (r) => sinkName(cfg, r), log: ctx.log, streamFollows: cfg.mode === 'snapshot+stream', jobName: cfg.name });
    const changeSinkOptions = { url: sink.url, sourceUrl: () => mysqlSourceUrl(cfg, 'The PostgreSQL sink (for now)'), jobName: cfg.name, owner: ctx.owner, types: { policy: sink.unholdable, types: sink.types }, log: ctx.log };
    return {
      copy,
      batchBytes: sink.batchBytes ?? 4 * 1024 * 1024,
      openChangeSink: () => PgChangeSink.open(changeSinkOptions),
      openOffsetTarget: () => PgOffsetTarget.open(changeSinkOptions, cfg, ctx.log),
      dispose: async () => undefined,
    };
  },
  openVerifier: (ctx) => openPostgresVerifier(ctx),
  repair: (o) => repairPostgres(o),
  async claimCheckpoint(cfg, owner, policy, log) {
    const c = await connectPg(postgresSinkOf(cfg, 'Streaming').url);
    try {
      await claimPgCheckpoint(c, cfg.name, owner, policy, log);
    } finally {
      await c.end().catch(() => undefined);
    }
  },
  async forgetCheckpoint(cfg: JobConfig, why: string): Promise<boolean> {
    const c = await connectPg(postgresSinkOf(cfg, why).url);
    try {
      const r = await c.query(`DELETE FROM ${pgId(CHECKPOINT_SCHEMA)}.${pgId(CHECKPOINT_TABLE)} WHERE job = $1`, [cfg.name]).catch((e: { code?: string }) => {
        if (e.code === '42P01' || e.code === '3F000') return { rowCount: 0 }; // never streamed here: no checkpoint table
        throw e;
      });
      const offsets = await forgetPgOffsets(c, cfg.name);
      return (r.rowCount ?? 0) > 0 || offsets > 0;
    } finally {
      await c.end().catch(() => undefined);
    }
  },
};
