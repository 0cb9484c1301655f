// Where the stream into Kafka stands. At-least-once: the position after the last acknowledged batch, in the
// state file. Exactly-once: the position committed with each Kafka transaction, as the offset metadata of
// consumer group "cutover-<job>" on the schema-change topic's partition 0 (TxnOffsetCommit, atomic with the
// records), with the copy chunks the transaction published; read back (after the producer fenced the
// earlier one) and written through to the state file.
import { CutoverError } from '../../../shared/errors.js';
import type { KafkaSinkConfig } from '../../../shared/job-config.js';
import type { SourcePosition } from '../../core/position.js';
import type { ChunkSubmission } from '../../core/chunk-gate.js';
import type { Checkpoint } from '../../core/checkpoint.js';
import type { StateStore } from '../../state/store.js';
import type { ChunkPayload } from '../sink.js';
import type { KafkaSink } from './kafka-sink.js';
import { retryTransient } from './topic-ready.js';

/** What an exactly-once transaction commits beside its records (offset metadata, at most 4,096 bytes). */
interface CheckpointMeta {
  v: 1;
  /** The job's started_at: a reset job (--resnapshot) does not take an earlier run's position. */
  gen: number;
  file: string;
  pos: number;
  gtid: string | null;
  /** Copy chunks committed in this transaction: [chunk id, table id, rows, bytes]. */
  chunks: [number, number, number, number][];
}

export interface StreamCheckpointOptions {
  sink: KafkaSink;
  cfg: KafkaSinkConfig;
  store: StateStore;
  jobId: number;
  /** The consumer group whose offset metadata holds an exactly-once job's position. */
  group: string;
  signal: AbortSignal;
}

/** The job's generation (see CheckpointMeta.gen). */
function generation(o: StreamCheckpointOptions): number {
  return o.store.jobById(o.jobId)?.started_at ?? 0;
}

/** The offset metadata an exactly-once transaction commits: the position after it and the chunks it published. */
export function checkpointMetadata(o: StreamCheckpointOptions, end: SourcePosition, gtid: string | null, chunks: ChunkSubmission<ChunkPayload>[]): string {
  const meta: CheckpointMeta = {
    v: 1,
    gen: generation(o),
    file: end.file,
    pos: end.pos,
    gtid,
    chunks: chunks.map((s) => [s.payload.chunkId, s.payload.tableId, s.payload.rows, s.payload.bytes]),
  };
  return JSON.stringify(meta);
}

/** The position the brokers have everything up to (null: none yet); `schemaTopic` holds an exactly-once job's. */
export async function readStreamCheckpoint(o: StreamCheckpointOptions, schemaTopic: string): Promise<Checkpoint | null> {
  if (!o.cfg.exactlyOnce) {
    const json = o.store.jobById(o.jobId)?.sink_checkpoint;
    if (!json) return null;
    const p = JSON.parse(json) as { file: string; pos: number; gtid: string | null };
    return { position: { kind: 'mysql-binlog', file: p.file, pos: p.pos }, gtid: p.gtid, pendingDdl: null };
  }
  const offsets = await retryTransient(() => o.sink.adminClient.fetchOffsets({ groupId: o.group, topics: [schemaTopic] }), {
    what: `reading the position of job group "${o.group}"`,
    signal: o.signal,
  });
  const meta = offsets[0]?.partitions.find((p) => p.partition === 0)?.metadata;
  if (!meta) return null;
  let m: CheckpointMeta;
  try {
    m = JSON.parse(meta) as CheckpointMeta;
  } catch {
    throw new CutoverError(
      `The consumer group "${o.group}" holds offset metadata that is not Cutover's position: ${meta.slice(0, 200)}`,
      `Cutover keeps an exactly-once job's position in that group; delete it (kafka-consumer-groups.sh --bootstrap-server ${o.cfg.brokers[0]} --delete --group ${o.group}) or rename the job.`,
    );
  }
  if (m.gen !== generation(o)) return null;
  // The chunks of the last transaction may have been committed to Kafka after the state file last heard.
  // A table without a key is one chunk whose rows were counted as they were read (copy-runner.ts): what
  // its counts hold already is not added again.
  for (const [id, tableId, rows, bytes] of m.chunks) {
    const t = o.store.table(tableId);
    const counted = t?.key_columns === '[]' ? { rows: t.rows_copied, bytes: t.bytes_copied } : undefined;
    o.store.finishChunk({ id, table_id: tableId } as never, rows, bytes, counted);
  }
  o.store.setJob(o.jobId, { sink_checkpoint: JSON.stringify({ file: m.file, pos: m.pos, gtid: m.gtid }) });
  return { position: { kind: 'mysql-binlog', file: m.file, pos: m.pos }, gtid: m.gtid, pendingDdl: null };
}
