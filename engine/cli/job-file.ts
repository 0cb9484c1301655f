// The job file a command runs on: read, checked (shared/job-config.ts), and resolved (saved profiles
// from the state file, secrets from environment variables, SSH tunnels opened) into the config the
// engine uses. `cutover run` and `cutover verify` load jobs through here; close() closes the tunnels.
import { readFileSync } from 'node:fs';
import { CutoverError } from '../../shared/errors.js';
import { parseJobText, type JobFile } from '../../shared/job-config.js';
import { resolveJob, type ResolvedJob } from '../connections/resolve.js';
import type { StateStore } from '../state/store.js';

export function readJobFile(path: string): JobFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CutoverError(`Cannot read the job file ${path}: ${(e as Error).message}`, 'Check the path.', 'CONFIG');
  }
  return parseJobText(text, `job file ${path}`);
}

/** The job file, resolved; its tunnels are logged to the job's log. */
export async function loadJob(file: JobFile, store: StateStore): Promise<ResolvedJob> {
  const resolved = await resolveJob(file, { store, log: (level, line) => store.log(level, file.name, null, line) });
  for (const t of resolved.tunnels) store.log('info', file.name, null, `${t.endpoint}: SSH tunnel through ${t.via} (host key ${t.hostKey}) on 127.0.0.1:${t.localPort}`);
  return resolved;
}
