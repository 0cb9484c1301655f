// The processes of a job whose source is read by a consumer group (Kafka topics): each `cutover run` of
// the job is a member, and several may share one state file. Each records its own row (keyed by job and
// process id, so two processes never write the same row): its group member id, and per partition the
// offset the sink has, the partition's end and the lag. `cutover status` shows them per process.
// The table is created on first use (IF NOT EXISTS), beside the migrations of schema.ts.
import { compareOffsets, type PartitionProgress, type TopicPartition } from '../core/partition-offsets.js';
import type { BadMessage } from '../core/bad-messages.js';
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

export class ConsumerStore {
  constructor(private readonly store: StateStore) {
    store.db.exec(DDL);
    store.db.exec(PAUSED_DDL);
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
