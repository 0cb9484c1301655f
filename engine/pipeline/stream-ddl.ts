// DDL met in the binlog while streaming: mapped to the sink (renames, exclusions) and applied, with the
// table's new definition recorded in the schema history at the statement's position. A statement that
// cannot be mapped, or that the sink refuses, pauses the job with the statement and the choices.
// The job's DDL policy (shared/ddl-policy.ts) may instead skip the statement, pause the job at it, or
// pause only its tables (held-tables.ts) while the others stream on.
import { ddlActionForStatement } from '../../shared/ddl-policy.js';
import { formatPosition } from '../core/position.js';
import { qualified, sinkName, type TableRef } from '../../shared/table-selection.js';
import { mapDdl } from '../mysql/ddl-mapper.js';
import type { HeldTables } from './held-tables.js';
import type { DdlStatementSink, StreamDdlContext } from '../sink/stream-target.js';

/** What handling a DDL statement needs, whatever the sink (the source's tables: StreamDdlContext.readSourceTable). */
export interface DdlContextBase extends StreamDdlContext {
  /** Tables paused at a DDL statement (policy "pause-table"); absent where the sink cannot hold them. */
  held?: HeldTables;
}

/** A sink that runs the mapped statements itself (MySQL/MariaDB). */
export interface DdlContext extends DdlContextBase {
  applier: DdlStatementSink;
}

import type { PendingDdl } from '../../shared/job-status.js';
import type { TableInfo } from '../core/tables.js';
import type { DdlEvent } from '../core/changes.js';
import { oneLine, pause } from '../core/ddl-pause.js';
import { applierTable } from '../core/checkpoint.js';

export type { PendingDdl };

/** Applies (or skips) one DDL event; throws a CutoverError with code DDL_PAUSED when it must not go on. */
export async function handleDdl(ctx: DdlContext, ev: DdlEvent, reconciling: boolean): Promise<void> {
  const at = formatPosition(ev.end);
  const action = mapDdl(ev.sql, ev.db, ctx.cfg);
  if (action.kind === 'ignore') {
    await ctx.applier.applyDdl(null, ev.end, ev.gtid);
    return;
  }
  const refs = action.targets.flatMap((t) => [t.source, ...(t.renamedTo ? [t.renamedTo] : [])]);
  const names = refs.map((r) => qualified(r));
  const policy = ctx.skipAt === at ? 'skip' : names.some((n) => ctx.held?.isPaused(n)) ? 'pause-table' : ddlActionForStatement(ctx.cfg.ddl, names);
  if (policy === 'skip') {
    if (ctx.skipAt === at) ctx.log.warn(`skipped on request (--skip-ddl) the statement at ${at}: ${oneLine(ev.sql)}`);
    else ctx.log.warn(`skipped (DDL policy "skip" for ${names.join(', ')}) the statement at ${at}: ${oneLine(ev.sql)}`);
    await ctx.applier.applyDdl(null, ev.end, ev.gtid);
    await refreshTables(ctx, ev, refs, null);
    ctx.store.setJob(ctx.jobId, { pending_ddl: null });
    return;
  }
  if (policy === 'pause-job') throw pause(ctx, ev, `the job's DDL policy is "pause-job" for ${names.join(', ')}`);
  if (policy === 'pause-table') {
    if (!names.length) throw pause(ctx, ev, `the DDL policy is "pause-table", but the statement's tables cannot be told: ${action.kind === 'unmappable' ? action.reason : 'no table named'}`);
    if (!ctx.held) throw pause(ctx, ev, 'the DDL policy "pause-table" needs a MySQL or MariaDB sink');
    const reason = action.kind === 'unmappable' ? action.reason : `the job's DDL policy is "pause-table" for ${names.join(', ')}`;
    // Recorded before the checkpoint moves past the statement: a crash in between meets it again.
    ctx.held.pause(names, ev.end, oneLine(ev.sql), reason);
    await ctx.applier.applyDdl(null, ev.end, ev.gtid);
    for (const n of names)
      ctx.log.warn(
        `paused at the DDL statement ending at ${at} (${reason}); its changes are held while the other tables stream on. ` +
          `Apply the statement to the sink by hand, then run \`cutover resume-table ${n} --job ${ctx.cfg.name}\` (or add --skip to leave the sink as it is): ${oneLine(ev.sql)}`,
        n,
      );
    return;
  }
  if (action.kind === 'unmappable') throw pause(ctx, ev, action.reason);
  try {
    const r = await ctx.applier.applyDdl(action.sql, ev.end, ev.gtid, reconciling);
    ctx.log.info(`${r === 'already' ? 'DDL already on the sink' : 'applied DDL'} at ${at}: ${oneLine(action.sql)}`);
  } catch (e) {
    const err = e as { errno?: number; message?: string };
    if (typeof err.errno !== 'number') throw e;
    throw pause(ctx, ev, `the sink refused it: ${err.message}\n  mapped statement: ${oneLine(action.sql)}`);
  }
  const dropped: TableRef[] = [];
  const changed: TableRef[] = [];
  for (const t of action.targets) {
    if (t.change === 'drop') dropped.push(t.source);
    else if (t.change === 'rename') {
      dropped.push(t.source);
      if (t.renamedTo) changed.push(t.renamedTo);
    } else if (t.change !== 'truncate') changed.push(t.source);
  }
  await refreshTables(ctx, ev, changed, dropped);
  ctx.store.setJob(ctx.jobId, { pending_ddl: null });
}

/** Re-reads the changed tables from the sink and records them (and the dropped ones) in the schema history. */
export async function refreshTables(ctx: DdlContext, ev: Pick<DdlEvent, 'end' | 'sql'>, changed: TableRef[], dropped: TableRef[] | null): Promise<void> {
  for (const ref of dropped ?? []) {
    ctx.applier.dropTable(qualified(ref));
    const id = ctx.tableIds.get(qualified(ref));
    if (id !== undefined) ctx.store.setTable(id, { state: 'dropped' });
    ctx.tableIds.delete(qualified(ref));
    ctx.streams.recordSchema(ctx.jobId, { source: ref, from: ev.end, ddl: ev.sql, info: null });
  }
  for (const ref of changed) {
    // The sink has just run the same statement, so its definition of the table is the one in force at
    // this position (the source's may already be further on); excluded columns are absent from both views.
    const sinkRef = sinkName(ctx.cfg, ref);
    const onSink = await ctx.applier.readSinkTable(sinkRef);
    if (!onSink) continue;
    const info: TableInfo = { ...onSink, db: ref.db, table: ref.table };
    ctx.applier.setTable(qualified(ref), applierTable(ctx.cfg, info));
    const row = ctx.store.ensureTable(ctx.jobId, ref, sinkRef);
    if (!ctx.tableIds.has(qualified(ref))) ctx.store.setTable(row.id, { state: row.state === 'done' ? 'done' : 'streaming', key_columns: JSON.stringify(info.chunkKey) });
    ctx.tableIds.set(qualified(ref), row.id);
    ctx.streams.recordSchema(ctx.jobId, { source: ref, from: ev.end, ddl: ev.sql, info });
  }
}

