// The job file a command runs on: read, checked (shared/job-config.ts), and resolved (saved profiles
// from the state file, secrets from environment variables, SSH tunnels opened) into the config the
// engine uses. `cutover run` and `cutover verify` load jobs through here; close() closes the tunnels.
import { readFileSync } from 'node:fs';
import { CutoverError } from '../../shared/errors.js';
import { parseJobText, type JobFile } from '../../shared/job-config.js';
import { resolveJob, type ResolvedJob } from '../connections/resolve.js';
import type { StateStore } from '../state/store.js';

/** `-` as a job path: the job file comes on standard input (how the dashboard hands a job to its process: no file on disk to swap). */
export const STDIN_JOB = '-';

/** A job file, from a path or (`-`) standard input. Relative paths inside it (TLS files) are read relative to the working directory either way. */
export async function readJobFile(path: string): Promise<JobFile> {
  if (path === STDIN_JOB) return parseJobText(await readStdin(), 'job file (standard input)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CutoverError(`Cannot read the job file ${path}: ${(e as Error).message}`, 'Check the path.', 'CONFIG');
  }
  return parseJobText(text, `job file ${path}`);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CutoverError('The job file "-" is read from standard input, and that is a terminal.', 'Pipe the job file in (cutover run - < job.json), or give its path.', 'CONFIG');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The job file, resolved; its tunnels are logged to the job's log. */
export async function loadJob(file: JobFile, store: StateStore): Promise<ResolvedJob> {
  const resolved = await resolveJob(file, { store, log: (level, line) => store.log(level, file.name, null, line) });
  for (const t of resolved.tunnels) store.log('info', file.name, null, `${t.endpoint}: SSH tunnel through ${t.via} (host key ${t.hostKey}) on 127.0.0.1:${t.localPort}`);
  return resolved;
}
