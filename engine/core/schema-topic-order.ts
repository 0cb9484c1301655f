// The order of a schema-change topic's statements (Debezium's schema change topic, or the one Cutover's own
// Kafka sink writes, `sink.schemaTopic`) with the row messages of the data topics. Those are different topics,
// so no offset orders them; the source position both carry does (binlog file and position, Debezium
// `source.file` / `source.pos`). A statement S of table T is exact only when every row change of T before S
// is applied before S, and every one after S after it:
//   - a row message of T whose position is at or past S waits until S is applied;
//   - S is applied by the process that reaches the first row message of T past S in T's partition, when
//     that partition is the only one T's rows come from (a topic of one partition): every row of T before S
//     is then before that message in the same partition, applied already.
// In a topic of several partitions, rows of T before S may still wait in another partition: S cannot be
// proven in order from one of them, and the partition pauses at the message with the fix (never applied out
// of order). The schema topic is one partition, and its statements are applied in its offset order (the
// sink stores its next offset with each statement): a statement of another table that comes first in the
// schema topic must be applied first; the row message waits for it (`wait`), it is not refused.
// Pure (no I/O): unit-tested.
import type { Fault } from './bad-messages.js';
import { compareOffsets } from './partition-offsets.js';

/** A binlog position as the messages carry it: file name and byte position. */
export interface SourcePos {
  file: string;
  pos: bigint;
}

/** Reads `source.file` / `source.pos` (text or digits); null when the message carries no position. */
export function sourcePos(file: unknown, pos: unknown): SourcePos | null {
  if (typeof file !== 'string' || !file) return null;
  const text = typeof pos === 'number' || typeof pos === 'bigint' ? String(pos) : typeof pos === 'string' ? pos : null;
  if (text === null || !/^\d+$/.test(text)) return null;
  return { file, pos: BigInt(text) };
}

/** The binlog file's sequence number (`mysql-bin.000042` → 42); the files of one server share a base name. */
function fileNumber(file: string): bigint | null {
  const m = /\.(\d+)$/.exec(file);
  return m ? BigInt(m[1]!) : null;
}

/** Compares two binlog positions of one server: by file sequence number, then byte position. */
export function compareSourcePos(a: SourcePos, b: SourcePos): number {
  if (a.file !== b.file) {
    const [x, y] = [fileNumber(a.file), fileNumber(b.file)];
    if (x !== null && y !== null && x !== y) return x < y ? -1 : 1;
    if (x === null || y === null) return a.file < b.file ? -1 : 1;
  }
  return a.pos === b.pos ? 0 : a.pos < b.pos ? -1 : 1;
}

export const sourcePosText = (p: SourcePos): string => `${p.file}:${p.pos}`;

/** One statement of the schema topic, mapped to the job's tables (source names "db.table"; empty: none of the job's). */
export interface SchemaStatement {
  offset: string;
  position: SourcePos;
  tables: string[];
  db: string;
  sql: string;
}

/** What a row message of a table must wait for, if anything. */
export type SchemaOrderDecision =
  | { kind: 'go' }
  /** Apply this statement first (it is the next one of the schema topic), then decide again. */
  | { kind: 'statement'; statement: SchemaStatement }
  /** The schema topic's next statement is of other tables, whose rows before it may not be applied yet: hold the message and ask again. */
  | { kind: 'wait'; statement: SchemaStatement }
  /** The order cannot be proven: pause the partition at the message. */
  | { kind: 'refuse'; fault: Fault };

export class SchemaTopicOrder {
  /** Statements not applied yet, in schema-topic offset order. */
  private pending: SchemaStatement[] = [];
  /** The schema topic's next offset to read. */
  private readTo = '0';

  constructor(readonly topic: string) {}

  /** The offset after the last statement read (where reading the schema topic goes on). */
  get readOffset(): string {
    return this.readTo;
  }

  /** A statement read from the schema topic, in offset order; one below the applied offset is dropped. */
  add(s: SchemaStatement): void {
    const last = this.pending[this.pending.length - 1];
    if (last && compareOffsets(s.offset, last.offset) <= 0) return;
    if (compareOffsets(s.offset, this.readTo) >= 0) this.readTo = (BigInt(s.offset) + 1n).toString();
    this.pending.push(s);
  }

  /** The schema topic was read up to `next` (a message that is no statement of any kind moves it too). */
  readThrough(next: string): void {
    if (compareOffsets(next, this.readTo) > 0) this.readTo = next;
  }

  /** The sink's stored next offset of the schema topic: every statement below it is applied (by this process or another). */
  appliedThrough(next: string): void {
    this.pending = this.pending.filter((s) => compareOffsets(s.offset, next) >= 0);
    this.readThrough(next);
  }

  /** Statements not applied yet, in order. */
  unapplied(): readonly SchemaStatement[] {
    return this.pending;
  }

  /** A row message of `table` at `position`, read from a topic of `partitions` partitions: go, or what it waits for. */
  decide(table: string, position: SourcePos, partitions: number | null, where: string): SchemaOrderDecision {
    const mine = this.pending.find((s) => s.tables.includes(table) && compareSourcePos(s.position, position) <= 0);
    if (!mine) return { kind: 'go' };
    if (partitions !== 1)
      return {
        kind: 'refuse',
        fault: {
          reason: `a row of ${table} at ${sourcePosText(position)} comes after the schema change at ${this.topic}:0:${mine.offset} (${sourcePosText(mine.position)}), and its topic has ${partitions ?? 'an unknown number of'} partitions: rows of ${table} before the statement may still wait in another partition, so the statement cannot be applied in order from this one`,
          fix: `Apply the statement to the sink yourself once every partition has passed ${sourcePosText(mine.position)} (statement: ${mine.sql.replace(/\s+/g, ' ').slice(0, 300)}), then go past it by running the job again; or have the producer write ${table}'s rows into a topic of one partition (Cutover: "sink": {"partitions": 1}). Nothing at or after ${where} was applied.`,
        },
      };
    const first = this.pending[0]!;
    if (first.tables.includes(table) || !first.tables.length) return { kind: 'statement', statement: first };
    return { kind: 'wait', statement: first };
  }
}
