// Schema changes read from a partitioned source (Canal `isDdl`, Maxwell `ddl`, Debezium truncate messages
// in the data topics), applied by the binlog stream's rules (stream-ddl.ts): the statement is mapped to the
// job's names (engine/mysql/ddl-mapper.ts), the job's DDL policy decides (shared/ddl-policy.ts), the sink
// translates and runs it with the partition's offset (OffsetTarget.applyDdl: one transaction on
// PostgreSQL, journaled on MySQL). What must not be applied pauses the partition AT the statement, with the
// statement and the fix (apply it by hand, then --skip-message; for a statement of the schema-change topic,
// which --skip-message cannot pass, the job's DDL policy): a statement that cannot be mapped, a
// policy of "pause-job" / "pause-table", a sink that refuses it, or a topic of several partitions, where
// the statement's order with its tables' rows cannot be proven (engine/core/partition-ddl.ts).
import { ddlActionForStatement } from '../../shared/ddl-policy.js';
import type { JobConfig } from '../../shared/job-config.js';
import { qualified } from '../../shared/table-selection.js';
import { MessageRefused, type DdlMessage, type MessageRef } from '../core/bad-messages.js';
import { oneLine } from '../core/ddl-pause.js';
import type { Logger } from '../core/logger.js';
import { ddlOrderFault, type DdlHomes } from '../core/partition-ddl.js';
import type { OffsetTarget } from '../core/partition-offsets.js';
import { mapDdl } from '../mysql/ddl-mapper.js';

export interface ConsumeDdlDeps {
  cfg: JobConfig;
  target: OffsetTarget;
  log: Logger;
  /** Loads a table's sink definition (an ALTER translates from it). */
  load(db: string, table: string): Promise<void>;
  /** Forgets a table's definition: read again from the sink at its next message. */
  forget(name: string): void;
  /** Where the tables' rows and statements come from (a statement from elsewhere pauses). */
  homes: DdlHomes;
}

/** The test hook's point between a statement and its offset (CUTOVER_CRASH_AT=consume-ddl:applied; README). */
export const CONSUME_DDL_CRASH_POINT = 'consume-ddl:applied';

/** SIGKILLs this process when the test hook CUTOVER_CRASH_AT names this point (never set in production). */
function crashPoint(): void {
  if (process.env.CUTOVER_CRASH_AT?.trim() !== CONSUME_DDL_CRASH_POINT) return;
  process.stderr.write(`CUTOVER_CRASH_AT=${CONSUME_DDL_CRASH_POINT}: killing this process (SIGKILL) here\n`);
  process.kill(process.pid, 'SIGKILL');
}

/**
 * What works for a statement of the schema-change topic that was not applied: --skip-message cannot pass it
 * (the statement is read apart from the data partitions and retried before the rows that follow it), so
 * either the sink is made to fit and the statement runs, or the job's DDL policy passes it over.
 */
export function schemaTopicFix(names: string[], stop: 'policy' | 'unmappable' | 'sink', mappedText = ''): string {
  const tables = names.length ? names : ['DB.TABLE'];
  const entry = `"ddl": {"tables": {${tables.map((n) => `"${n}": "skip"`).join(', ')}}}`;
  const skip = `set the job's DDL policy to "skip" for ${tables.join(', ')} (job file: ${entry}) and run the job again: the statement is passed over (apply its equivalent on the sink by hand, if the rows after it need it); remove that entry afterwards, or later statements on ${tables.length === 1 ? 'that table' : 'those tables'} are passed over too`;
  const head =
    stop === 'policy'
      ? `The job's DDL policy for ${tables.join(', ')} stops at this statement: set it to "apply" to run it${mappedText}, or ${skip}.`
      : stop === 'unmappable'
        ? `To go on, ${skip}.`
        : `Make the sink table fit the statement so that it runs as written${mappedText}, then run the job again (the statement is retried before the rows after it); or ${skip}.`;
  return `${head} --skip-message cannot pass a statement of the schema-change topic. Nothing after it was applied.`;
}

/** Applies one DDL message at `at` of a topic with `partitions` partitions; MessageRefused at its offset pauses the partition there. */
export async function applyConsumedDdl(deps: ConsumeDdlDeps, at: MessageRef, partitions: number | null, ddl: DdlMessage): Promise<void> {
  const { cfg, target, log } = deps;
  const where = `${at.topic}:${at.partition}:${at.offset}`;
  const action = mapDdl(ddl.sql, ddl.db, cfg);
  const move = async (): Promise<void> => void (await target.applyDdl({ ...at, sql: ddl.sql, db: ddl.db, mapped: null }));
  if (action.kind === 'ignore') return move();
  const names = action.targets.flatMap((t) => [t.source, ...(t.renamedTo ? [t.renamedTo] : [])]).map((r) => qualified(r));
  const policy = ddlActionForStatement(cfg.ddl, names);
  const mappedText = action.kind === 'apply' ? ` (mapped to the sink: ${oneLine(action.sql)})` : '';
  const refuse = (reason: string, stop: 'policy' | 'unmappable', fix?: string): MessageRefused =>
    new MessageRefused(
      at.offset,
      `schema change (${ddl.format}) not applied: ${reason}\n  statement: ${oneLine(ddl.sql)}`,
      fix ??
        (ddl.at
          ? schemaTopicFix(names, stop, mappedText)
          : `Apply the equivalent change to the sink by hand${mappedText}, then go past the statement: cutover run JOB --skip-message ${where}. Nothing after it in this partition was applied.`),
    );
  if (policy === 'skip') {
    log.warn(`skipped (DDL policy "skip" for ${names.join(', ')}) the schema change at ${where}: ${oneLine(ddl.sql)}`);
    return move();
  }
  if (policy === 'pause-job' || policy === 'pause-table') throw refuse(`the job's DDL policy is "${policy}" for ${names.join(', ')} (a Kafka source pauses the statement's partition)`, 'policy');
  if (action.kind === 'unmappable') throw refuse(action.reason, 'unmappable');
  // A statement of the schema-change topic (ddl.at) is ordered with the rows by source position, not by partition.
  const order = ddl.at ? null : (ddlOrderFault(at.topic, partitions, names, action.sql, where) ?? deps.homes.ddlFault(names, at));
  if (order) throw refuse(order.reason, 'unmappable', order.fix);
  // An ALTER translates from the table's definition on the sink.
  for (const t of action.targets) if (t.change === 'alter') await deps.load(t.source.db, t.source.table).catch(() => undefined);
  let r: 'applied' | 'already';
  try {
    r = await target.applyDdl({ ...at, sql: ddl.sql, db: ddl.db, mapped: { sql: action.sql, targets: action.targets } }, crashPoint);
  } catch (e) {
    // The sink's fix names --skip-message, which passes a message of a data partition, never a statement of
    // the schema-change topic: keep its reason, say what does work.
    if (ddl.at && e instanceof MessageRefused) throw new MessageRefused(e.offset, e.message, schemaTopicFix(names, 'sink', mappedText));
    throw e;
  }
  if (!ddl.at) deps.homes.applied(names, at);
  for (const t of action.targets) {
    deps.forget(qualified(t.source));
    if (t.renamedTo) deps.forget(qualified(t.renamedTo));
  }
  log.info(`${r === 'already' ? 'schema change already on the sink' : 'applied schema change'} at ${where}: ${oneLine(action.sql)}`);
}
