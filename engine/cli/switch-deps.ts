// What the cutover assistant needs from its host, headless (`cutover switch`): the job's stream is a
// separate `cutover run` process (its pid is in the state file's job row), stopped with SIGTERM and waited
// for, as the host's stopForSwitch does for its child; the final verification runs in this process with the
// same engine function `cutover verify` runs, recording its report in the state file.
import { CutoverError } from '../../shared/errors.js';
import type { JobFile } from '../../shared/job-config.js';
import type { AssistantDeps } from '../cutover/assistant.js';
import { crashHookFromEnv, freezeWatchFromEnv } from '../cutover/crash-point.js';
import { pidAlive } from '../cutover/journal.js';
import { effectiveState } from '../pipeline/job-status.js';
import type { StateStore } from '../state/store.js';
import { VerifyStore } from '../state/verify-store.js';
import { VerifyRunner } from '../verify/verify-runner.js';
import { loadJob } from './job-file.js';

/** How long the stream's process may take to stop after SIGTERM (it writes the batches in flight first). */
const STOP_WAIT_MS = 120_000;
const VERIFY_CHUNK_ROWS = 10_000;
const VERIFY_MAX_ROWS = 1000;

export interface HeadlessDeps extends AssistantDeps {
  /** Ends the verification running in this process (on exit). */
  abort(): void;
}

export function headlessDeps(store: StateStore, file: JobFile, completeWith: string): HeadlessDeps {
  const verifications = new VerifyStore(store);
  const controller = new AbortController();
  return {
    store,
    resolve: () => loadJob(file, store),
    startVerification: async () => {
      const resolved = await loadJob(file, store);
      return new Promise<{ id: number }>((resolve, reject) => {
        let started = false;
        const runner = new VerifyRunner(store, resolved.config, {
          chunkRows: VERIFY_CHUNK_ROWS,
          maxRows: VERIFY_MAX_ROWS,
          signal: controller.signal,
          onStart: (r) => {
            started = true;
            resolve({ id: r.id });
          },
        });
        runner
          .verify()
          .catch((e: unknown) => {
            if (!started) reject(e instanceof Error ? e : new Error(String(e)));
          })
          .finally(() => void resolved.close().catch(() => undefined));
      });
    },
    verification: (id) => verifications.get(id),
    latestVerification: (jobId) => verifications.latest(jobId),
    stopJob: (job) => stopRunProcess(store, job),
    crash: crashHookFromEnv(),
    freezeWatchMs: freezeWatchFromEnv(),
    completeWith,
    abort: () => controller.abort(),
  };
}

/** SIGTERM to the job's `cutover run` process, then wait until it has exited. */
export async function stopRunProcess(store: StateStore, job: string): Promise<void> {
  const row = store.job(job);
  if (!row || effectiveState(row) !== 'running' || !row.pid) return;
  const pid = row.pid;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return;
    throw new CutoverError(`Cannot stop the job's process ${pid}: ${(e as Error).message}`, `Stop it yourself (kill -TERM ${pid}), then run \`cutover switch\` again.`, 'STATE');
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) throw new CutoverError(`The job's process ${pid} did not exit within ${STOP_WAIT_MS / 1000} s of SIGTERM.`, `Look at its log (cutover logs --job ${job}); stop it (kill -TERM ${pid}), then run \`cutover switch\` again.`, 'STATE');
    await new Promise((r) => setTimeout(r, 100));
  }
}
