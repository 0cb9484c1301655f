// `cutover rollback JOB.json [--state FILE] [--yes]`: the rollback checklist (engine/cutover/rollback.ts)
// in the terminal, with the same engine and state file as the dashboard. JOB.json is the forward job's
// file; its switch started `<job>-reverse`, which must be streaming (the dashboard, or
// `cutover run <job>-reverse.json`). Each step is printed with its result; a step done earlier is not run
// again, an interrupted one continues from what it recorded. Steps that change a server ask for --yes.
// Exit 0: rolled back; 1: a step failed; 2: the operator is needed (a confirmation, a reverse job that
// does not run, no reverse job at all).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CutoverError, formatError } from '../../../shared/errors.js';
import { parseJobText } from '../../../shared/job-config.js';
import { ROLLBACK_STEPS, type RollbackStep } from '../../../shared/rollback.js';
import { JobSecrets } from '../../connections/job-secrets.js';
import { resolveJob } from '../../connections/resolve.js';
import { crashHookFromEnv, freezeWatchFromEnv } from '../../cutover/crash-point.js';
import { Rollback } from '../../cutover/rollback.js';
import { verdictOf } from '../../cutover/verdict.js';
import { effectiveState } from '../../pipeline/job-status.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore, type JobRow } from '../../state/store.js';
import { VerifyRunner } from '../../verify/verify-runner.js';
import { loadJob, readJobFile } from '../job-file.js';

export interface RollbackOpts {
  state?: string;
  yes?: boolean;
}

const STOP_WAIT_MS = 120_000;

export async function rollbackCommand(jobPath: string, opts: RollbackOpts): Promise<void> {
  let store: StateStore | null = null;
  const print = (s: string): void => void process.stdout.write(`${s}\n`);
  try {
    store = new StateStore(resolveStatePath(opts.state));
    const s = store;
    const forward = await readJobFile(jobPath);
    const secrets = new JobSecrets(s);
    const reverseFile = join(dirname(jobPath), `${forward.name}-reverse.json`);
    // The forward job from its file; the reverse job from its file beside it, else as the state file holds it.
    const resolveRow = async (row: JobRow) =>
      row.name === forward.name ? loadJob(forward, s) : existsSync(reverseFile) ? loadJob(await readJobFile(reverseFile), s) : resolveJob(parseJobText(secrets.runnableText(row), `job "${row.name}"`), { store: s });
    const rollback = new Rollback({
      store: s,
      resolve: resolveRow,
      verify: async (job) => {
        const { config, close } = await resolveRow(s.job(job)!);
        try {
          const report = await new VerifyRunner(s, config, { chunkRows: 10_000, maxRows: 1000, signal: new AbortController().signal }).verify();
          return { id: report.id, ...verdictOf(report) };
        } finally {
          await close();
        }
      },
      stopJob: (job) => stopProcess(s, job),
      crash: crashHookFromEnv(),
      freezeWatchMs: freezeWatchFromEnv(),
      completeWith: `run \`cutover rollback ${jobPath} --state ${s.path} --yes\` again`,
    });
    // Which server takes writes, read live: before the checklist (after a crash, where it stopped) and at every end.
    const writes = async (): Promise<void> => print(`writes: ${(await rollback.checkWritable(forward.name)).live?.detail ?? 'unknown'}`);

    let state = rollback.state(forward.name);
    print(`Rollback of ${forward.name}${state.reverseJob ? ` through ${state.reverseJob}` : ''}`);
    if (state.reverseJob) await writes();
    for (const id of ROLLBACK_STEPS) {
      // Read afresh: what blocks a step depends on the steps this loop ran before it.
      const step = state.steps.find((x) => x.id === id)!;
      if (step.state === 'done') {
        print(line(step, '(done earlier)'));
        continue;
      }
      if (step.blockedBy) {
        print(`  ✗ ${step.title}: ${step.blockedBy}`);
        if (state.reverseJob) await writes();
        process.exitCode = 2;
        return;
      }
      if (step.needsConfirmation && !opts.yes) {
        print(`  ? ${step.title}: ${step.description}\n    It changes a server: run again with --yes to do it.`);
        await writes();
        process.exitCode = 2;
        return;
      }
      state = await rollback.run(forward.name, step.id, { confirm: true });
      const after = state.steps.find((x) => x.id === step.id)!;
      print(line(after));
      if (after.state !== 'done') {
        await writes();
        process.exitCode = 1;
        return;
      }
    }
    if (state.report) print(`\n${state.report}`);
    await writes();
    process.exitCode = state.rolledBack ? 0 : 1;
  } catch (e) {
    process.stderr.write(`cutover: ${formatError(e)}\n`);
    process.exitCode = e instanceof CutoverError && (e.code === 'STATE' || e.code === 'CONFIRM' || e.code === 'NOT_FOUND') ? 2 : 1;
  } finally {
    store?.close();
  }
}

function line(s: RollbackStep, note = ''): string {
  const mark = s.state === 'done' ? '✓' : '✗';
  return `  ${mark} ${s.title}${note ? ` ${note}` : ''}: ${s.detail ?? s.state}${s.state !== 'done' && s.fix ? `\n    fix: ${s.fix}` : ''}`;
}

/** Stops the process that runs a job (SIGTERM: it commits its batch in flight) and waits until the state file says it stopped. */
async function stopProcess(store: StateStore, job: string): Promise<void> {
  const row = store.job(job);
  if (!row || effectiveState(row) !== 'running' || !row.pid) return;
  try {
    process.kill(row.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const deadline = Date.now() + STOP_WAIT_MS;
  while (Date.now() < deadline) {
    const now = store.job(job)!;
    if (effectiveState(now) !== 'running') return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new CutoverError(`The process of ${job} (pid ${row.pid}) did not stop within ${STOP_WAIT_MS / 1000} s.`, `Stop it (kill -TERM ${row.pid}), then run the rollback again.`, 'STATE');
}
