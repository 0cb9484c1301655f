// Bad messages of a partitioned source (Kafka topics): a message that does not decode, names a column the
// sink lacks, or is refused by the sink pauses ITS partition only; the other partitions go on. The
// operator reads it (topic, partition, offset, key, the raw message, the reason and the fix) in
// `cutover status`, corrects the producer or the sink and runs again (the message is retried), or goes
// past it deliberately with `cutover run JOB --skip-message TOPIC:PARTITION:OFFSET` or, while the job
// runs, `cutover skip-message TOPIC:PARTITION:OFFSET --job JOB` (engine/pipeline/skip-message.ts): the
// request is written to the sink beside the offsets, and whichever member of the group holds the partition then
// passes the message over (to the dead-letter topic first, when the job names one) and records the skip
// in the same sink transaction that moves the partition's offset past it.
//
// consumeBatch is the per-batch logic, free of Kafka and of any server: tests run it against in-memory
// pieces (test/unit/kafka-bad-messages.test.ts).
import { CutoverError } from '../../shared/errors.js';
import type { RowChange } from './changes.js';
import { compareOffsets, type Lenient, type PartitionBatch, type PartitionMessage, type TopicPartition } from './partition-offsets.js';

/** How much of a bad message's value the state file and the sink's record keep (the dead-letter topic gets all of it). */
export const RAW_LIMIT = 4096;

/** "TOPIC:PARTITION:OFFSET": a message of a partition. */
export interface MessageRef extends TopicPartition {
  offset: string;
}

export const messageRefText = (m: MessageRef): string => `${m.topic}:${m.partition}:${m.offset}`;

/** Parses a `--skip-message` value. Kafka topic names have no ":", so the last two fields are the partition and offset. */
export function parseMessageRef(text: string): MessageRef {
  const m = /^([A-Za-z0-9._-]{1,249}):(\d{1,10}):(\d{1,19})$/.exec(text.trim());
  if (!m || BigInt(m[3]!) > 9223372036854775807n || Number(m[2]) > 2147483647)
    throw new CutoverError(
      `--skip-message ${JSON.stringify(text)} is not TOPIC:PARTITION:OFFSET.`,
      'Copy the value from `cutover status` (the paused partition\'s line names it), e.g. --skip-message cutover.shop.orders:2:1534.',
      'CONFIG',
    );
  return { topic: m[1]!, partition: Number(m[2]), offset: BigInt(m[3]!).toString() };
}

/** A message that paused its partition. */
export interface BadMessage extends MessageRef {
  /** The message key as text (bounded), null when the message has none. */
  key: string | null;
  /** The message value as UTF-8 text, cut at RAW_LIMIT characters; null for a tombstone. */
  raw: string | null;
  /** The value's full size in bytes. */
  bytes: number;
  /** What is wrong. */
  reason: string;
  /** What fixes it (the SQL or setting), and the skip as the last resort. */
  fix: string;
  /** When the partition paused (ms since the epoch). */
  at: number;
}

/** A skip the operator asked for (`--skip-message`), as the sink records it. */
export interface SkipRequest extends MessageRef {
  /** user@host (pid) of the `cutover run` that asked. */
  requestedBy: string;
  requestedAt: number;
  /** The reason recorded when the message paused its partition (null when no member recorded one). */
  reason: string | null;
}

/** A message passed over, recorded with the partition's new offset in the sink's transaction. */
export interface SkippedMessage {
  offset: string;
  reason: string;
  requestedBy: string;
  requestedAt: number;
  /** The member that passed it over (user@host pid N). */
  skippedBy: string;
  /** The dead-letter topic it was sent to, or null. */
  deadLetter: string | null;
}

/** A batch of one partition as the sink applies it: the skips it carries are recorded in its transaction. */
export interface GatedBatch extends PartitionBatch {
  skipped?: SkippedMessage[];
}

/** Thrown by a sink (OffsetTarget.applyBatch) that refused one message of a batch: nothing of the batch is applied. */
export class MessageRefused extends CutoverError {
  constructor(
    readonly offset: string,
    message: string,
    fix: string,
  ) {
    super(message, fix, 'SINK_ROW');
    this.name = 'MessageRefused';
  }
}

/** A message as fetched: raw bytes and where it is. */
export interface RawMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The message's timestamp (ms since the epoch). */
  timestampMs: number;
}

/** A schema-change statement read from a partition (Canal `isDdl`, Maxwell `ddl`, Debezium truncate / schema change). */
export interface DdlMessage {
  /** The statement's default database. */
  db: string;
  sql: string;
  /** The producer's format, for logs. */
  format: string;
  /**
   * A statement of the schema-change topic, applied before the row message that carries it (that message is
   * decoded again after it): stored at this message of the schema topic, ordered with the rows by source position.
   */
  at?: MessageRef;
}

/**
 * A message's row changes (of the job's tables), or the DDL statement it carries (then `changes` is empty);
 * null: a message with none (tombstone, heartbeat). `wait`: the message may not be applied yet (a statement of
 * another table comes first in the schema-change topic): the batch stops before it, nothing paused.
 */
export type Decoded = { changes: RowChange[]; timestampMs: number | null; ddl?: DdlMessage; lenient?: Lenient; wait?: true } | null;

/** What a message did wrong, for the pause. */
export interface Fault {
  reason: string;
  fix: string;
}

export interface BatchGateDeps<M extends RawMessage = RawMessage> {
  /** Decodes one message (a promise only when it must wait for something); a bad message throws an error that `fault` recognises. */
  decode(m: M): Decoded | Promise<Decoded>;
  /** The fault of a message-specific error (a decode error); null for anything else (it stops the job). */
  fault(e: unknown): Fault | null;
  /** The skip asked for at this offset of the partition, if any. */
  skipRequest(offset: string): SkipRequest | undefined;
  /** Sends a skipped message to the dead-letter topic (resolves once the broker has it); returns the topic, or null when the job names none. */
  deadLetter(m: M, reason: string): Promise<string | null>;
  /** Applies a batch in one sink transaction with its offset; throws MessageRefused for a message the sink refuses. */
  apply(batch: GatedBatch): Promise<void>;
  /**
   * Applies a DDL message (every message before it in the partition is applied) and moves the partition's
   * stored offset past it; throws MessageRefused at its offset when it must not be applied (the partition
   * pauses there). Absent: DDL messages are passed over like messages without rows.
   */
  applyDdl?(m: M, ddl: DdlMessage): Promise<void>;
  /** Who passes a message over: user@host pid N. */
  who: string;
  now(): number;
}

export interface BatchResult {
  /** The offset the sink now has for the partition (the next message to read). */
  next: string;
  /** Messages handed to the sink (applied now or found applied before). */
  delivered: number;
  /** The message that paused the partition, or null: the whole batch went in. */
  paused: BadMessage | null;
  skipped: SkippedMessage[];
  /** The batch stopped before a message that must wait (Decoded `wait`): read the partition again from `next` later. */
  held?: boolean;
}

const keyText = (k: Buffer | null): string | null => (k === null ? null : k.length > 512 ? k.subarray(0, 512).toString('utf8') + ' …' : k.toString('utf8'));

/** The record of a message that pauses its partition (the value cut at RAW_LIMIT). Pure. */
export function badMessage(tp: TopicPartition, m: RawMessage, f: Fault, at: number): BadMessage {
  const text = m.value === null ? null : m.value.toString('utf8');
  return {
    topic: tp.topic,
    partition: tp.partition,
    offset: m.offset,
    key: keyText(m.key),
    raw: text === null ? null : text.length > RAW_LIMIT ? text.slice(0, RAW_LIMIT) + ' …' : text,
    bytes: m.value?.length ?? 0,
    reason: f.reason,
    fix: f.fix,
    at,
  };
}

/** One run of messages up to the first DDL message (not applied here): what segment() did, and the DDL it stopped at. */
interface Segment<M extends RawMessage> extends BatchResult {
  ddl: { m: M; ddl: DdlMessage; index: number } | null;
}

/**
 * One fetched batch of a partition (offset order): messages are decoded until the first bad one; those
 * before it go to the sink in one transaction whose offset stops AT the bad message, and the partition
 * pauses there. A message with a skip request is passed over instead (dead-letter topic first) and the
 * skip goes into the same transaction. When the sink refuses a message of the batch, the messages before
 * it are applied alone and the partition pauses at it. Nothing after a bad message is applied: per-key
 * order holds. A DDL message is applied on its own (applyDdl) once every message before it is in the sink,
 * and before any message after it: the partition's order is the statement's order with its rows.
 */
export async function consumeBatch<M extends RawMessage>(tp: TopicPartition, messages: M[], d: BatchGateDeps<M>): Promise<BatchResult> {
  const after = (o: string): string => (BigInt(o) + 1n).toString();
  let from = 0;
  let delivered = 0;
  const skipped: SkippedMessage[] = [];
  for (;;) {
    const seg = await segment(tp, messages.slice(from), d);
    delivered += seg.delivered;
    skipped.push(...seg.skipped);
    if (seg.paused || !seg.ddl) return { next: seg.next, delivered, paused: seg.paused, skipped, ...(seg.held ? { held: true } : {}) };
    // Every message before the statement is in the sink (offset = the statement's): now the statement itself.
    const { m, ddl, index } = seg.ddl;
    try {
      await d.applyDdl!(m, ddl);
    } catch (e) {
      // A statement of the schema-change topic is refused at its own offset there: this partition waits at the row that needs it.
      if (!(e instanceof MessageRefused) || (!ddl.at && e.offset !== m.offset)) throw e;
      return { next: m.offset, delivered, paused: badMessage(tp, m, { reason: e.message, fix: e.fix ?? 'Apply the statement on the sink by hand, then go past it with --skip-message.' }, d.now()), skipped };
    }
    if (ddl.at) {
      // The statement came before this row message (schema-change topic): the message itself is decoded again.
      from += index;
      continue;
    }
    delivered++;
    from += index + 1;
    if (from >= messages.length) return { next: after(m.offset), delivered, paused: null, skipped };
  }
}

async function segment<M extends RawMessage>(tp: TopicPartition, messages: M[], d: BatchGateDeps<M>): Promise<Segment<M>> {
  // The messages to apply, and beside each (same index) the message as fetched, to name a refused one.
  const ready: PartitionMessage[] = [];
  const raws: RawMessage[] = [];
  const skipped: SkippedMessage[] = [];
  let paused: BadMessage | null = null;
  let ddl: Segment<M>['ddl'] = null;
  let heldAt: string | null = null;
  for (let index = 0; index < messages.length; index++) {
    const m = messages[index]!;
    const req = d.skipRequest(m.offset);
    if (req) {
      // The reason recorded at the pause, else what the decoder says now, else the sink's refusal (not recorded here).
      let reason = req.reason;
      if (reason === null) {
        try {
          await d.decode(m);
          reason = 'skipped by the operator (--skip-message); the sink refused it';
        } catch (e) {
          reason = d.fault(e)?.reason ?? (e instanceof Error ? e.message : String(e));
        }
      }
      const deadLetter = await d.deadLetter(m, reason);
      skipped.push({ offset: m.offset, reason, requestedBy: req.requestedBy, requestedAt: req.requestedAt, skippedBy: d.who, deadLetter });
      ready.push({ offset: m.offset, changes: [], timestampMs: m.timestampMs });
      raws.push(m);
      continue;
    }
    let decoded: Decoded;
    try {
      const r = d.decode(m);
      decoded = r instanceof Promise ? await r : r;
    } catch (e) {
      const f = d.fault(e);
      if (!f) throw e;
      paused = badMessage(tp, m, f, d.now());
      break;
    }
    if (decoded?.wait) {
      heldAt = m.offset;
      break;
    }
    if (decoded?.ddl && d.applyDdl) {
      // A statement is applied on its own, after the messages before it and before those after it.
      ddl = { m, ddl: decoded.ddl, index };
      break;
    }
    const pm: PartitionMessage = { offset: m.offset, changes: decoded?.changes ?? [], timestampMs: decoded?.timestampMs ?? m.timestampMs };
    if (decoded?.lenient) pm.lenient = decoded.lenient;
    ready.push(pm);
    raws.push(m);
  }
  const after = (o: string): string => (BigInt(o) + 1n).toString();
  let part = ready;
  let next = paused ? paused.offset : ddl ? ddl.m.offset : heldAt !== null ? heldAt : ready.length ? after(ready[ready.length - 1]!.offset) : null;
  for (;;) {
    if (next === null || !part.length) break;
    const batch: GatedBatch = { topic: tp.topic, partition: tp.partition, messages: part, next };
    const skips = skipped.filter((s) => compareOffsets(s.offset, next!) < 0);
    if (skips.length) batch.skipped = skips;
    try {
      await d.apply(batch);
      break;
    } catch (e) {
      if (!(e instanceof MessageRefused)) throw e;
      const i = part.findIndex((m) => m.offset === e.offset);
      if (i < 0) throw e;
      // The sink's refusal outranks a later decode failure: the partition pauses at the first bad message.
      paused = badMessage(tp, raws[i]!, { reason: e.message, fix: e.fix ?? 'Correct the sink, then run the job again.' }, d.now());
      part = part.slice(0, i);
      next = e.offset;
    }
  }
  const delivered = part.length;
  const done = skipped.filter((s) => next === null || compareOffsets(s.offset, next) < 0);
  if (next === null) next = messages.length ? messages[0]!.offset : '0';
  return { next, delivered, paused, skipped: done, ddl: paused ? null : ddl, ...(heldAt !== null && !paused ? { held: true } : {}) };
}

/** The text `cutover status` shows for a paused partition. Pure. */
export function pausedLines(b: BadMessage, indent = '    '): string[] {
  const out = [
    `${indent}PAUSED at ${messageRefText(b)} (key ${b.key ?? 'none'}): ${b.reason.replace(/\s+/g, ' ')}`,
    `${indent}  fix: ${b.fix.replace(/\s+/g, ' ')}`,
    `${indent}  or go past it: cutover skip-message ${messageRefText(b)} --job JOB (a running job goes on within seconds; or cutover run JOB --skip-message ${messageRefText(b)})`,
    `${indent}  message (${b.bytes.toLocaleString('en-US')} bytes): ${b.raw === null ? '(null: a tombstone)' : b.raw.replace(/\n/g, '\\n')}`,
  ];
  return out;
}

/**
 * The skip requests a sink may record: each must name a message that paused its partition (`recorded`: the
 * sink's row of it, and whether it was skipped already) and that the partition is not already past. Throws
 * naming every refused one, and records nothing then.
 */
export async function acceptedSkips(
  refs: MessageRef[],
  recorded: (r: MessageRef) => Promise<{ skipped: boolean } | null>,
  storedOffset: (tp: TopicPartition) => Promise<string | null>,
): Promise<MessageRef[]> {
  const problems: string[] = [];
  const todo: MessageRef[] = [];
  for (const r of refs) {
    const row = await recorded(r);
    const stored = await storedOffset(r);
    if (row?.skipped || (stored !== null && compareOffsets(stored, r.offset) > 0)) problems.push(`${messageRefText(r)} is already behind the partition (the sink's next offset is ${stored ?? 'unknown'}${row?.skipped ? '; it was skipped before' : ''})`);
    else if (!row) problems.push(`${messageRefText(r)} did not pause its partition (the sink has no record of it)`);
    else todo.push(r);
  }
  if (problems.length)
    throw new CutoverError(
      `--skip-message refused: ${problems.join('; ')}.`,
      'Only a message that paused its partition can be skipped: `cutover status` names it (TOPIC:PARTITION:OFFSET) while the partition is paused. Nothing was recorded; run again with the values it shows.',
      'CONFIG',
    );
  return todo;
}
