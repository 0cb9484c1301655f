// When a DDL message read from a partition may be applied in that partition's order. A statement changes
// a table; it is exact only if every change of that table before the statement is applied before it, and
// every change after it after it. Inside one partition the offsets give that order. Across partitions
// nothing does: Canal puts DDL in partition 0 (or by database) while the rows go by table or key hash, and
// a Maxwell producer partitioned by primary key spreads a table's rows. So a statement is applied in its
// partition's order only when its topic has one partition; in any other topic the partition pauses at the
// statement with the fix (never applied silently out of order). Pure: unit-tested.
import type { Fault } from './bad-messages.js';

/** The pause for a DDL message whose order with its tables' rows cannot be proven; null: apply it. */
export function ddlOrderFault(topic: string, partitions: number | null, tables: string[], mappedSql: string | null): Fault | null {
  if (partitions === 1) return null;
  const names = tables.length ? tables.join(', ') : 'its tables';
  return {
    reason:
      partitions === null
        ? `a schema change for ${names} in topic ${topic}, whose partition count is not known: its order with the rows of ${names} cannot be proven`
        : `a schema change for ${names} in topic ${topic}, which has ${partitions} partitions: rows of ${names} in the other partitions may belong before or after it, and that order cannot be proven from this partition`,
    fix:
      `Let the other partitions of ${topic} pass the statement's time, apply it to the sink yourself${mappedSql ? ` (mapped to the sink: ${mappedSql.replace(/\s+/g, ' ').slice(0, 300)})` : ''}, then go past it with cutover run JOB --skip-message ${topic}:PARTITION:OFFSET; ` +
      'or have the producer write the schema changes and the rows of a table into a topic of one partition (Canal: canal.mq.partitionsNum=1 for it; Maxwell: one partition, or producer_partition_by=database with a topic per database).',
  };
}
