// The processes of a job whose source is read by a consumer group (Kafka topics): each `cutover run` of
// the job is a member, and several may share one state file. Each records its own row (keyed by job and
// process id, so two processes never write the same row): its group member id, and per partition the
// offset the sink has, the partition's end and the lag. `cutover status` shows them per process.
// The table is created on first use (IF NOT EXISTS), beside the migrations of schema.ts.
import { compareOffsets, type PartitionProgress, type TopicPartition } from '../core/partition-offsets.js';
import type { BadMessage, MessageRef } from '../core/bad-messages.js';
import type { StateStore } from './store.js';

export interface ConsumerMember {
  pid: number;
  memberId: string | null;
  partitions: PartitionProgress[];
  updatedAt: number;
}

const DDL = `CREATE TABLE IF NOT EXISTS consumer_members (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  pid INTEGER NOT NULL,
  member_id TEXT,
  partitions TEXT NOT NULL,   -- JSON PartitionProgress[]
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, pid)
)`;

// The messages partitions paused at (one row per partition, the latest), kept after the process stops so
// `cutover status` still names them; a batch that moves the partition past the message deletes its row.
const PAUSED_DDL = `CREATE TABLE IF NOT EXISTS consumer_paused (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  part INTEGER NOT NULL,
  message TEXT NOT NULL,      -- JSON BadMessage
  pid INTEGER NOT NULL,
  PRIMARY KEY (job_id, topic, part)
)`;

// Skips asked for while the job runs (`cutover skip-message`, the app's Skip): a running member of the
// job takes each request to the sink (where every member of the group, on any machine, finds it) within
// a second or two and deletes its row; a job not running takes it when it runs again.
const SKIP_DDL = `CREATE TABLE IF NOT EXISTS consumer_skip_requests (
  job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  topic TEXT NOT NULL,
  part INTEGER NOT NULL,
  msg_offset TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  PRIMARY KEY (job_id, topic, part, msg_offset)
)`;

/** A skip asked for in the state file, not yet taken to the sink. */
export interface PendingSkip extends MessageRef {
  requestedBy: string;
  requestedAt: number;
}

export class ConsumerStore {
  constructor(private readonly store: StateStore) {
    store.db.exec(DDL);
    store.db.exec(PAUSED_DDL);
    store.db.exec(SKIP_DDL);
  }

  /** Asks for a skip of a message (any member of the job takes it to the sink); true when it was new. */
  requestSkip(jobId: number, ref: MessageRef, requestedBy: string): boolean {
    const r = this.store.db
      .prepare('INSERT INTO consumer_skip_requests (job_id, topic, part, msg_offset, requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(jobId, ref.topic, ref.partition, ref.offset, requestedBy, Date.now());
    return r.changes > 0;
  }

  /** The skips asked for in the state file, oldest first. */
  pendingSkips(jobId: number): PendingSkip[] {
    const rows = this.store.db.prepare('SELECT topic, part, msg_offset, requested_by, requested_at FROM consumer_skip_requests WHERE job_id = ? ORDER BY requested_at').all(jobId) as { topic: string; part: number; msg_offset: string; requested_by: string; requested_at: number }[];
    return rows.map((r) => ({ topic: r.topic, partition: r.part, offset: r.msg_offset, requestedBy: r.requested_by, requestedAt: r.requested_at }));
  }

  /** A request taken to the sink (or refused there): gone from the state file. */
  dropSkip(jobId: number, ref: MessageRef): void {
    this.store.db.prepare('DELETE FROM consumer_skip_requests WHERE job_id = ? AND topic = ? AND part = ? AND msg_offset = ?').run(jobId, ref.topic, ref.partition, ref.offset);
  }

  /** The messages the job's partitions are paused at, without creating the table. */
  static paused(store: StateStore, jobId: number): (BadMessage & { pid: number })[] {
    const has = store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'consumer_paused'").get();
    if (!has) return [];
    const rows = store.db.prepare('SELECT message, pid FROM consumer_paused WHERE job_id = ? ORDER BY topic, part').all(jobId) as { message: string; pid: number }[];
    return rows.map((r) => ({ ...(JSON.parse(r.message) as BadMessage), pid: r.pid }));
  }

  /** A partition paused at this message. */
  recordPaused(jobId: number, pid: number, b: BadMessage): void {
    this.store.db
      .prepare('INSERT INTO consumer_paused (job_id, topic, part, message, pid) VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id, topic, part) DO UPDATE SET message = excluded.message, pid = excluded.pid')
      .run(jobId, b.topic, b.partition, JSON.stringify(b), pid);
  }

  /** The partition's offset is now `next`: a pause at a message before it is over. */
  passed(jobId: number, tp: TopicPartition, next: string): void {
    const row = this.store.db.prepare('SELECT message FROM consumer_paused WHERE job_id = ? AND topic = ? AND part = ?').get(jobId, tp.topic, tp.partition) as { message: string } | undefined;
    if (row && compareOffsets((JSON.parse(row.message) as BadMessage).offset, next) < 0) this.store.db.prepare('DELETE FROM consumer_paused WHERE job_id = ? AND topic = ? AND part = ?').run(jobId, tp.topic, tp.partition);
  }

  /** The members recorded for a job, without creating the table (a state file no consumer job used has none); dead processes left out. */
  static read(store: StateStore, jobId: number, alive: (pid: number) => boolean): ConsumerMember[] {
    const has = store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'consumer_members'").get();
    if (!has) return [];
    const rows = store.db.prepare('SELECT pid, member_id, partitions, updated_at FROM consumer_members WHERE job_id = ? ORDER BY pid').all(jobId) as { pid: number; member_id: string | null; partitions: string; updated_at: number }[];
    return rows.filter((r) => alive(r.pid)).map((r) => ({ pid: r.pid, memberId: r.member_id, partitions: JSON.parse(r.partitions) as PartitionProgress[], updatedAt: r.updated_at }));
  }

  /** Records this process's assignment and progress (replaces its previous row). */
  record(jobId: number, pid: number, memberId: string | null, partitions: PartitionProgress[]): void {
    this.store.db
      .prepare('INSERT INTO consumer_members (job_id, pid, member_id, partitions, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id, pid) DO UPDATE SET member_id = excluded.member_id, partitions = excluded.partitions, updated_at = excluded.updated_at')
      .run(jobId, pid, memberId, JSON.stringify(partitions), Date.now());
  }

  /** This process left the group. */
  remove(jobId: number, pid: number): void {
    this.store.db.prepare('DELETE FROM consumer_members WHERE job_id = ? AND pid = ?').run(jobId, pid);
  }

  /** Every member recorded for the job (a killed process's row stays until `alive` says it is gone). */
  members(jobId: number, alive?: (pid: number) => boolean): ConsumerMember[] {
    const rows = this.store.db.prepare('SELECT pid, member_id, partitions, updated_at FROM consumer_members WHERE job_id = ? ORDER BY pid').all(jobId) as { pid: number; member_id: string | null; partitions: string; updated_at: number }[];
    const out: ConsumerMember[] = [];
    for (const r of rows) {
      if (alive && !alive(r.pid)) {
        this.remove(jobId, r.pid);
        continue;
      }
      out.push({ pid: r.pid, memberId: r.member_id, partitions: JSON.parse(r.partitions) as PartitionProgress[], updatedAt: r.updated_at });
    }
    return out;
  }
}
