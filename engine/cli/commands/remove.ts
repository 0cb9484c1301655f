// `cutover remove JOB`: removes a job that is not running from the state file (a saved connection it used
// can then be deleted); --clean-sink also deletes a MySQL sink's checkpoint row of the job.
import { existsSync } from 'node:fs';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore } from '../../state/store.js';
import { removeJob } from '../../host/remove-job.js';
import { readJobFile } from '../job-file.js';

export async function removeCommand(job: string, opts: { state?: string; cleanSink?: boolean }): Promise<void> {
  // A job file names its job: `cutover remove shop.json` removes the job "name" in it.
  const name = job.endsWith('.json') && existsSync(job) ? (await readJobFile(job)).name : job;
  const store = new StateStore(resolveStatePath(opts.state));
  try {
    const removed = await removeJob(store, name, { cleanSink: !!opts.cleanSink });
    process.stdout.write(`Removed the job "${removed.name}" from ${store.path}.\n${removed.sink}\n`);
  } finally {
    store.close();
  }
}
