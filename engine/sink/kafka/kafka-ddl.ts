// DDL met by a stream into Kafka: the statement as the source ran it goes to the schema-change topic
// (Debezium / Canal / Maxwell form), and the changed tables' new definitions are read from the source
// and recorded in the schema history at the statement's position, before the position moves past it
// (a crash in between re-reads them). Consumers of Kafka need no rewritten statement, so only a
// statement whose tables cannot be told pauses the job.
import type { StreamDdlContext } from '../stream-target.js';
import { ddlActionForStatement } from '../../../shared/ddl-policy.js';
import { formatPosition } from '../../core/position.js';
import { qualified, type TableRef } from '../../../shared/table-selection.js';
import { mapDdl } from '../../mysql/ddl-mapper.js';
import { sinkName } from '../../../shared/table-selection.js';
import type { KafkaStreamTarget } from './kafka-stream-target.js';
import type { DdlEvent } from '../../core/changes.js';
import { oneLine, pause } from '../../core/ddl-pause.js';
import { applierTable } from '../../core/checkpoint.js';
import { renderSchemaChange, type KafkaFormat } from './formats/index.js';
import type { TopicInfo } from './kafka-sink.js';
import { partitionFor } from './partition.js';
import type { OutRecord } from './record-sender.js';

/** What handling a statement needs from the stream (the pipeline's DdlContextBase provides it). */
export type KafkaDdlContext = StreamDdlContext;

/** `publish(tables, statement)`: the schema-change record (when `statement`) and the position past `ev`. */
export async function handleKafkaDdl(ctx: KafkaDdlContext, ev: DdlEvent, target: KafkaStreamTarget, publish: (tables: TableRef[], statement: boolean) => Promise<void>): Promise<void> {
  const at = formatPosition(ev.end);
  const action = mapDdl(ev.sql, ev.db, ctx.cfg);
  if (action.kind === 'ignore') {
    await publish([], false);
    return;
  }
  const targets = action.targets;
  const names = targets.flatMap((t) => [t.source, ...(t.renamedTo ? [t.renamedTo] : [])]).map((r) => qualified(r));
  // The job's DDL policy: "pause-table" is refused for Kafka sinks by the job file's validation.
  const policy = ctx.skipAt === at ? 'skip' : ddlActionForStatement(ctx.cfg.ddl, names);
  if (policy === 'pause-job' || policy === 'pause-table') throw pause(ctx, ev, `the job's DDL policy is "pause-job" for ${names.join(', ') || 'this statement'}`);
  const skip = policy === 'skip';
  if (!skip && action.kind === 'unmappable' && !targets.length) throw pause(ctx, ev, action.reason);
  const dropped: TableRef[] = [];
  const changed: TableRef[] = [];
  for (const t of targets) {
    if (t.change === 'drop') dropped.push(t.source);
    else if (t.change === 'rename') {
      dropped.push(t.source);
      if (t.renamedTo) changed.push(t.renamedTo);
    } else if (t.change !== 'truncate') changed.push(t.source);
  }
  // The source's definition now: the one in force after this statement, unless later DDL of the same
  // table has run since (the stream is behind); the row images are checked against it as they come.
  for (const ref of changed) {
    const info = await ctx.readSourceTable(ref);
    if (!info) continue;
    target.setTable(qualified(ref), applierTable(ctx.cfg, info));
    const row = ctx.store.ensureTable(ctx.jobId, ref, sinkName(ctx.cfg, ref));
    if (!ctx.tableIds.has(qualified(ref))) ctx.store.setTable(row.id, { state: row.state === 'done' ? 'done' : 'streaming', key_columns: JSON.stringify(info.chunkKey) });
    ctx.tableIds.set(qualified(ref), row.id);
    ctx.streams.recordSchema(ctx.jobId, { source: ref, from: ev.end, ddl: ev.sql, info });
  }
  for (const ref of dropped) {
    target.dropTable(qualified(ref));
    const id = ctx.tableIds.get(qualified(ref));
    if (id !== undefined) ctx.store.setTable(id, { state: 'dropped' });
    ctx.tableIds.delete(qualified(ref));
    ctx.streams.recordSchema(ctx.jobId, { source: ref, from: ev.end, ddl: ev.sql, info: null });
  }
  if (skip) ctx.log.warn(`skipped ${ctx.skipAt === at ? 'on request (--skip-ddl)' : `(DDL policy "skip" for ${names.join(', ')})`} the statement at ${at}: ${oneLine(ev.sql)}`);
  await publish(targets.map((t) => t.source), !skip);
  if (!skip) ctx.log.info(`published DDL at ${at} to "${target.schemaTopicName}": ${oneLine(ev.sql)}`);
  ctx.store.setJob(ctx.jobId, { pending_ddl: null });
}

/** The statement's record for the schema-change topic in the job's format (null: the format writes none). */
export function schemaChangeRecord(format: KafkaFormat, schema: TopicInfo, ev: DdlEvent, tables: TableRef[], serverName: string, version: string): OutRecord | null {
  const m = renderSchemaChange(format, {
    db: ev.db || tables[0]?.db || '',
    ddl: ev.sql,
    position: { file: ev.end.file, pos: ev.end.pos, gtid: ev.gtid },
    tsMs: ev.timestamp * 1000,
    table: tables.length === 1 ? tables[0]!.table : null,
    producedMs: Date.now(),
    serverName,
    version,
  });
  if (!m) return null;
  const key = m.key === null ? null : Buffer.from(m.key, 'utf8');
  const value = m.value === null ? null : Buffer.from(m.value, 'utf8');
  return { topic: schema, key, value, partition: partitionFor(m.partitionKey, schema.partitions), size: (key?.length ?? 0) + (value?.length ?? 0) + 24, origin: () => `the DDL statement at ${formatPosition(ev.end)}` };
}
