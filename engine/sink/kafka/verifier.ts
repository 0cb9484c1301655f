// Verifies one table against a Kafka sink: rebuilds the table's state from its topic — per message key
// the row image of the latest message (deletes and tombstones remove the key); a table without a key as
// a multiset of row images, a delete or update removing one copy of its before image — and compares it
// with the source rows rendered by the very same format code as read events (TableRenderer, as the copy
// publishes them). Only the row image is compared (message-image.ts), never envelope fields.
//
// The topic is read from its beginning up to its end offsets taken after the source was read (a
// read_committed consumer for an exactly-once sink). While the job streams, the comparison is repeated
// in rounds like a MySQL chunk (verify/settle.ts): each round reads the source, waits until the
// job has published up to the source's position, reads the topic on to its new end; a key is reported
// only when it differs the same way twice in a row. Repair is not built for Kafka (descriptor.ts noRepair).
import { createHash } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import type { VerifyTableResult } from '../../../shared/verify.js';
import type { SourceSession } from '../../source/driver.js';
import { kafkaClient, unreachable } from '../../kafka/client.js';
import { copySourceInfo } from './kafka-sink.js';
import { legalTopicName, resolveTopicTemplate } from './partition.js';
import type { OutRecord } from './record-sender.js';
import { TableRenderer } from './table-renderer.js';
import { side, type VerifyTable } from '../../compare/chunk-checksum.js';
import { rawMembers } from './json-slice.js';
import { messageImage } from './message-image.js';
import { settle, StopRequested, type Listing } from '../../compare/settle.js';
import { diffKeyed, diffMultiset, multisetSize, toMismatch, type ListedRow, type RowDiff } from '../../compare/row-diff.js';
import type { SinkVerifier, SinkVerifierContext } from '../../compare/sink-verifier.js';
import { streamSync, type StreamSync } from '../../compare/stream-sync.js';
import type { SourcePosition } from '../../core/position.js';
import type { StateStore } from '../../state/store.js';
import { TopicReader, type TopicMessage } from './topic-reader.js';
import type { RawValue } from '../../core/rows.js';

const hashOf = (text: string): string => createHash('sha1').update(text).digest('hex');

/** A table's rows as its topic has them so far. */
class TopicState {
  readonly byKey = new Map<string, string>();
  readonly multiset = new Map<string, number>();

  constructor(
    private readonly cfg: KafkaSinkConfig,
    private readonly t: VerifyTable,
    /** Other tables may publish to the same topic: tombstones (key only) are then ambiguous and skipped. */
    private readonly shared: boolean,
  ) {}

  apply(m: TopicMessage): void {
    const keyed = this.t.keyColumns.length > 0;
    if (m.value === null) {
      if (keyed && m.key !== null && !this.shared) this.byKey.delete(m.key);
      return;
    }
    const img = messageImage(this.cfg.format, m.value);
    if (!img || img.db !== this.t.source.db || img.table !== this.t.source.table) return;
    if (keyed) {
      if (m.key === null) return;
      if (img.kind === 'delete' || img.after === null) this.byKey.delete(m.key);
      else this.byKey.set(m.key, hashOf(img.after));
      return;
    }
    if (img.before !== null) {
      const h = hashOf(img.before);
      const n = this.multiset.get(h) ?? 0;
      if (n > 1) this.multiset.set(h, n - 1);
      else this.multiset.delete(h);
    }
    if (img.kind === 'put' && img.after !== null) {
      const h = hashOf(img.after);
      this.multiset.set(h, (this.multiset.get(h) ?? 0) + 1);
    }
  }
}

interface SourceSide {
  /** Message key → the row image hashes of the source rows with that key (more than one when the format maps distinct keys alike). */
  byKey: Map<string, string[]>;
  rows: number;
  /** Message key → the key's raw values. */
  keys: Map<string, RawValue[]>;
  multiset: Map<string, number>;
}

/**
 * The source rows as a listing by message key. Distinct source keys can share a message key when the
 * format cannot tell them apart (Debezium writes every zero date as the epoch); the topic then holds one
 * of them, and whichever it holds counts as equal.
 */
function sourceListing(src: SourceSide, sink: ReadonlyMap<string, string>): ListedRow[] {
  const out: ListedRow[] = [];
  for (const [key, hashes] of src.byKey) {
    const held = sink.get(key);
    out.push({ key: [key], hash: held !== undefined && hashes.includes(held) ? held : hashes[0]! });
  }
  return out;
}

/** The source table rendered as the copy publishes it: per row its message key and row image hash. */
async function readSource(reader: SourceSession, t: VerifyTable, r: TableRenderer, cfg: KafkaSinkConfig, job: string): Promise<SourceSide> {
  const out: SourceSide = { byKey: new Map(), rows: 0, keys: new Map(), multiset: new Map() };
  const source = { ...copySourceInfo(job, null), tsMs: 0 };
  const records: OutRecord[] = [];
  await reader.readChunk(side(t, 'source'), null, null, (row) => {
    records.length = 0;
    r.render({ op: 'r', table: r.kt, before: null, after: row, source, tsMs: 0 }, records);
    const rec = records[0]!;
    const img = messageImage(cfg.format, String(rec.value));
    if (!img?.after) throw new CutoverError(`${r.where}: a rendered read event has no row image`);
    const h = hashOf(img.after);
    const key = rec.key === null ? null : String(rec.key);
    out.rows++;
    if (t.keyColumns.length && key !== null) {
      const hashes = out.byKey.get(key);
      if (hashes) hashes.push(h);
      else out.byKey.set(key, [h]);
      out.keys.set(key, r.keyValues(row));
    } else out.multiset.set(h, (out.multiset.get(h) ?? 0) + 1);
  });
  return out;
}

/** A key found only in the topic, from its message key: {"id":1}, Maxwell's {"database":…,"pk.id":1}. */
function keyFromMessageKey(text: string): Record<string, string | null> {
  const key: Record<string, string | null> = {};
  try {
    for (const [name, raw] of rawMembers(text)) {
      if (name === 'database' || name === 'table' || name === '_uuid') continue;
      key[name.startsWith('pk.') ? name.slice(3) : name] = raw === 'null' ? null : raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    }
  } catch {
    return { key: text };
  }
  return key;
}

export async function openKafkaVerifier(ctx: SinkVerifierContext): Promise<SinkVerifier> {
  if (ctx.cfg.sink.type !== 'kafka') throw new Error('not a Kafka sink');
  const cfg = ctx.cfg.sink;
  const kafka = kafkaClient({ brokers: cfg.brokers, clientId: `${cfg.clientId ?? `cutover-${ctx.cfg.name}`}-verify`, log: ctx.log });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    throw unreachable(cfg.brokers, e);
  }
  const sync = ctx.streaming ? streamSync({ store: ctx.store, jobId: ctx.jobId, source: ctx.sourceSessions.meta, applied: kafkaApplied(ctx.store, ctx.jobId) }) : null;
  const closing: Promise<void>[] = [];
  const topicOf = (t: VerifyTable): string => legalTopicName(resolveTopicTemplate(cfg.topic, { db: t.sink.db, table: t.sink.table }));
  return {
    sinkName: topicOf,
    verifyTable: (t, r, progress) => verifyKafkaTable(ctx, cfg, kafka, admin, sync, topicOf(t), t, r, progress, closing),
    close: async () => {
      await Promise.all(closing);
      await admin.disconnect().catch(() => undefined);
    },
  };
}

async function verifyKafkaTable(
  ctx: SinkVerifierContext,
  cfg: KafkaSinkConfig,
  kafka: Kafka,
  admin: Admin,
  sync: StreamSync | null,
  topic: string,
  t: VerifyTable,
  r: VerifyTableResult,
  progress: () => void,
  closing: Promise<void>[],
): Promise<void> {
  if (!(await admin.listTopics()).includes(topic))
    throw new CutoverError(`The topic "${topic}" does not exist.`, 'Check "sink.topic" in the job file, or run the job (it creates its topics).', 'NOT_FOUND');
  const renderer = new TableRenderer(t.source.db, t.source.table, t.columns, t.keyColumns, { name: topic, partitions: 1, maxMessageBytes: 2 ** 31 }, { format: cfg.format, keyMode: cfg.key, tombstones: cfg.tombstones });
  const state = new TopicState(cfg, t, !(cfg.topic.includes('{db}') && cfg.topic.includes('{table}')));
  const reader = await TopicReader.open(kafka, admin, topic, cfg.exactlyOnce, (m) => state.apply(m));
  const keyed = t.keyColumns.length > 0;
  let keys = new Map<string, RawValue[]>();
  let warned = false;
  try {
    r.chunks = 1;
    const round = async (waitMs: number): Promise<Listing> => {
      const src = await readSource(ctx.sourceSessions.data, t, renderer, cfg, ctx.cfg.name);
      keys = src.keys;
      if (sync) {
        const at = await sync.sourcePosition();
        if (!(await sync.waitApplied(at, waitMs, ctx.signal))) ctx.log.debug(`verify: the job had not published up to ${ctx.positions.format(at)} after ${waitMs / 1000} s; comparing anyway`, r.table);
      }
      await reader.readTo(await reader.endOffsets(), ctx.signal);
      if (ctx.signal.aborted) throw new StopRequested();
      if (!keyed) return { diffs: diffMultiset(src.multiset, state.multiset), rowsSource: multisetSize(src.multiset), rowsSink: multisetSize(state.multiset) };
      const shared = src.rows - src.byKey.size;
      if (shared && !warned) {
        warned = true;
        ctx.log.warn(`verify: ${shared} source row(s) share their message key with another row (the ${cfg.format} format writes their key values alike, e.g. zero dates as the epoch): the topic can hold only one row per such key`, r.table);
      }
      const sinkRows: ListedRow[] = [...state.byKey].map(([k, h]) => ({ key: [k], hash: h }));
      return { diffs: diffKeyed(sourceListing(src, state.byKey), sinkRows), rowsSource: src.rows, rowsSink: sinkRows.length };
    };
    const first = await round(0);
    let found: Listing & { moving: number } = { ...first, moving: 0 };
    if (first.diffs.length && sync) {
      r.rechecked++;
      found = await settle(round, true, ctx.signal);
    }
    r.rowsSource = found.rowsSource;
    r.rowsSink = found.rowsSink;
    if (found.moving) ctx.log.info(`verify: ${found.moving} key(s) kept changing while the stream published them; not reported`, r.table);
    if (found.diffs.length) r.mismatchedChunks = 1;
    for (const d of found.diffs) {
      if (r.mismatches.length >= ctx.maxRows) {
        r.truncated = true;
        break;
      }
      r.mismatches.push(kafkaMismatch(d, t.keyColumns, keys));
    }
    r.chunksDone = 1;
    progress();
  } finally {
    closing.push(reader.close()); // leaving the group takes a while: done meanwhile, awaited by close()
  }
}

function kafkaMismatch(d: RowDiff, keyColumns: VerifyTable['keyColumns'], keys: Map<string, RawValue[]>): ReturnType<typeof toMismatch> {
  if (!keyColumns.length) return toMismatch(d, keyColumns);
  const text = String(d.key[0]);
  const raw = keys.get(text);
  if (raw) return toMismatch({ ...d, key: raw }, keyColumns);
  return { key: keyFromMessageKey(text), hex: [], kind: d.kind };
}

/** A Kafka sink's applied position, as the job stores it in the state file. */
function kafkaApplied(store: StateStore, jobId: number): () => Promise<SourcePosition | null> {
  return async () => {
    const json = store.jobById(jobId)?.sink_checkpoint;
    if (!json) return null;
    const p = JSON.parse(json) as { file: string; pos: number };
    return { kind: 'mysql-binlog', file: p.file, pos: p.pos };
  };
}
