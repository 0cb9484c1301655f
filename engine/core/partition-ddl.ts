// When a DDL message read from a partition may be applied in that partition's order. A statement changes
// a table; it is exact only if every change of that table before the statement is applied before it, and
// every change after it after it. Inside one partition the offsets give that order. Across partitions
// nothing does: Canal puts DDL in partition 0 (or by database) while the rows go by table or key hash, and
// a Maxwell producer partitioned by primary key spreads a table's rows. So a statement is applied in its
// partition's order only when its topic has one partition; in any other topic the partition pauses at the
// statement with the fix (never applied silently out of order). And a statement must come from the
// partition its table's rows come from (DdlHomes). Pure: unit-tested.
import type { Fault } from './bad-messages.js';
import type { TopicPartition } from './partition-offsets.js';

/** The pause for a DDL message whose order with its tables' rows cannot be proven; null: apply it. */
export function ddlOrderFault(topic: string, partitions: number | null, tables: string[], mappedSql: string | null, where = `${topic}:PARTITION:OFFSET`): Fault | null {
  if (partitions === 1) return null;
  const names = tables.length ? tables.join(', ') : 'its tables';
  return {
    reason:
      partitions === null
        ? `a schema change for ${names} in topic ${topic}, whose partition count is not known: its order with the rows of ${names} cannot be proven`
        : `a schema change for ${names} in topic ${topic}, which has ${partitions} partitions: rows of ${names} in the other partitions may belong before or after it, and that order cannot be proven from this partition`,
    fix:
      `Let the other partitions of ${topic} pass the statement's time, apply it to the sink yourself${mappedSql ? ` (mapped to the sink: ${mappedSql.replace(/\s+/g, ' ').slice(0, 300)})` : ''}, then go past it with cutover run JOB --skip-message ${where}; ` +
      'or have the producer write the schema changes and the rows of a table into a topic of one partition (Canal: canal.mq.partitionsNum=1 for it; Maxwell: one partition, or producer_partition_by=database with a topic per database).',
  };
}

const tpText = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/**
 * Where each table's rows and schema changes come from, as this process sees them (it sees only what it
 * consumes, since it started). A statement read from one topic-partition while the table's rows come
 * from another (a schema-change topic subscribed with the data topics, Canal's DDL in partition 0 of
 * another topic) has no proven order with them: the statement pauses when the rows were seen elsewhere
 * first, and rows seen elsewhere after a statement was applied stop the job. Pure (no I/O).
 */
export class DdlHomes {
  private readonly rows = new Map<string, string>();
  private readonly ddl = new Map<string, string>();

  /** The rows of `table` came from `tp`; a refusal when a statement of it was applied from another partition. */
  sawRows(table: string, tp: TopicPartition): Fault | null {
    const at = tpText(tp);
    if (!this.rows.has(table)) this.rows.set(table, at);
    const ddl = this.ddl.get(table);
    if (ddl === undefined || ddl === at) return null;
    return {
      reason: `rows of ${table} come from ${at}, but a schema change of ${table} was applied from ${ddl}: the order of the two cannot be proven`,
      fix: `Consume the table's rows and its schema changes from one topic-partition (do not subscribe the job to a schema-change topic with "topics"), check the sink table against the source, then run the job again.`,
    };
  }

  /** A statement of these tables read at `tp`: the pause when their rows were seen in another partition. */
  ddlFault(tables: string[], tp: TopicPartition): Fault | null {
    const at = tpText(tp);
    const other = tables.find((t) => this.rows.has(t) && this.rows.get(t) !== at);
    if (!other) return null;
    return {
      reason: `a schema change of ${other} at ${at}, whose rows come from ${this.rows.get(other)}: the statement's order with those rows cannot be proven`,
      fix: `Apply the statement to the sink by hand once ${this.rows.get(other)} has passed it, then go past it: cutover run JOB --skip-message ${at}:OFFSET; or have the producer put the table's schema changes in the partition of its rows.`,
    };
  }

  /** A statement of these tables was applied from `tp`. */
  applied(tables: string[], tp: TopicPartition): void {
    for (const t of tables) this.ddl.set(t, tpText(tp));
  }
}
