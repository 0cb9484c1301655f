// Who this state file is, for the sink: a random installation id made once per state file, and a random
// id per job in it (made the first time the job runs, kept across --restart; a job removed and made
// again gets a new one). A MySQL sink's checkpoint row records both (engine/sink/mysql/checkpoint-owner.ts),
// so a job of the same name run from another state file cannot silently take it over.
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { StateStore } from './store.js';

export interface JobIdentity {
  installation: string;
  instance: string;
  /** For people reading the sink: user@host and the state file's path. */
  label: string;
}

/** The state file's installation id, made on first use (under the write lock: two processes agree on it). */
export function installationId(store: StateStore): string {
  return store.db
    .transaction((): string => {
      const row = store.db.prepare('SELECT id FROM installation LIMIT 1').get() as { id: string } | undefined;
      if (row) return row.id;
      const id = randomUUID();
      store.db.prepare('INSERT INTO installation (id) VALUES (?)').run(id);
      return id;
    })
    .immediate();
}

/** A job's instance id, made on first use. */
export function jobInstanceId(store: StateStore, jobId: number): string {
  return store.db
    .transaction((): string => {
      const row = store.db.prepare('SELECT instance_id FROM jobs WHERE id = ?').get(jobId) as { instance_id: string | null } | undefined;
      if (row?.instance_id) return row.instance_id;
      const id = randomUUID();
      store.db.prepare('UPDATE jobs SET instance_id = ? WHERE id = ?').run(id, jobId);
      return id;
    })
    .immediate();
}

export function jobIdentity(store: StateStore, jobId: number): JobIdentity {
  let who = 'unknown';
  try {
    who = `${userInfo().username}@${hostname()}`;
  } catch {
    /* no user name (a container without passwd entry) */
  }
  return { installation: installationId(store), instance: jobInstanceId(store, jobId), label: `${who}:${store.path}`.slice(0, 500) };
}
