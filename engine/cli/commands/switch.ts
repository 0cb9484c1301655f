// `cutover switch JOB.json`: the cutover checklist in the terminal, with the same engine (the cutover
// assistant) and the same state file as the dashboard. Each step is printed with its result (its fix when it
// failed). A step the journal shows as interrupted (its process is gone) is resumed first, so a rerun after a
// crash goes on where it stopped. Confirmations are asked on the terminal unless --yes; --yes never confirms
// a kill: sessions that write through read-only are named and the command exits 2.
//
// Exit codes: 0 switched (every step done), 1 a step failed, 2 the operator is needed (a confirmation, a
// session to kill, a job that is not streaming).
import { createInterface } from 'node:readline/promises';
import { CUTOVER_STEPS, type CutoverState, type CutoverStep, type CutoverStepId } from '../../../shared/cutover.js';
import { CutoverError, formatError } from '../../../shared/errors.js';
import { CutoverAssistant } from '../../cutover/assistant.js';
import { operatorName } from '../../core/operator.js';
import { resolveStatePath } from '../../state/default-path.js';
import { StateStore } from '../../state/store.js';
import { readJobFile } from '../job-file.js';
import { headlessDeps } from '../switch-deps.js';
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { pidAlive } from '../../cutover/journal.js';
import { basename, dirname, join, resolve } from 'node:path';
import { effectiveState } from '../../pipeline/job-status.js';
import type { JobFile } from '../../../shared/job-config.js';
import type { StateStore as Store } from '../../state/store.js';

export interface SwitchOpts {
  state?: string;
  yes?: boolean;
  lagThreshold?: string;
  /** commander's --no-reverse: false when given. */
  reverse?: boolean;
  /** Where the reverse job's file is written (default: `<job>-reverse.json` beside the job file). */
  reverseJob?: string;
}

export const EXIT_SWITCHED = 0;
export const EXIT_FAILED = 1;
export const EXIT_OPERATOR = 2;

/** How long the lag step is retried while the stream catches up. */
const LAG_WAIT_MS = 120_000;
const POLL_MS = 250;

export async function switchCommand(jobPath: string, opts: SwitchOpts): Promise<void> {
  const out = (s: string): void => void process.stdout.write(s + '\n');
  const threshold = opts.lagThreshold === undefined ? undefined : Number(opts.lagThreshold);
  if (threshold !== undefined && !(Number.isFinite(threshold) && threshold >= 0))
    throw new CutoverError(`--lag-threshold must be a number of seconds (got "${opts.lagThreshold}").`, 'For example --lag-threshold 5.', 'CONFIG');
  const file = await readJobFile(jobPath);
  const store = new StateStore(resolveStatePath(opts.state));
  const deps = {
    ...headlessDeps(store, file, `run \`cutover switch ${jobPath} --state ${store.path}\` again`),
    reportDir: dirname(store.path),
    reverse: headlessReverse(store, file, opts.reverseJob ?? join(dirname(resolve(jobPath)), `${file.name}-reverse.json`)),
  };
  try {
    const row = store.job(file.name);
    if (!row)
      throw new CutoverError(`The state file ${store.path} has no job named "${file.name}".`, `Start its stream first: cutover run ${jobPath} --state ${store.path}`, 'NOT_FOUND');
    const a = new CutoverAssistant(deps);
    const job = file.name;
    out(`cutover switch: job "${job}", state file ${store.path}, operator ${operatorName()}`);
    if (opts.reverse === false && !['done', 'skipped'].includes(step(a.state(job), 'reverse-check').state)) {
      store.log('info', job, null, `cutover: switch with --no-reverse (by ${operatorName()}): no reverse job`);
      await a.run(job, 'reverse-check', { skip: true });
      out('--no-reverse: no reverse job; the way back is by hand.');
    }
    process.exitCode = await drive(a, job, { yes: !!opts.yes, threshold, out, jobPath, statePath: store.path });
  } catch (e) {
    process.stderr.write(`cutover: ${formatError(e)}\n`);
    process.exitCode = e instanceof CutoverError && (e.code === 'STATE' || e.code === 'CONFIRM') ? EXIT_OPERATOR : EXIT_FAILED;
  } finally {
    deps.abort();
    store.close();
  }
}

interface Drive {
  yes: boolean;
  threshold: number | undefined;
  out(s: string): void;
  jobPath: string;
  statePath: string;
}

async function drive(a: CutoverAssistant, job: string, o: Drive): Promise<number> {
  const resumed = await a.resume(job);
  for (const id of resumed) {
    o.out(`resuming “${title(a.state(job), id)}”: the journal shows it interrupted (its process is gone)`);
    const s = await settled(a, job, id);
    print(o, step(s, id));
    if (id === 'report') reportLine(o, step(s, id));
  }
  const busy = a.state(job).steps.find((s) => s.state === 'running');
  if (busy) throw new CutoverError(`“${busy.title}” is running in another process (the dashboard, or another \`cutover switch\`).`, 'Wait for it to finish, then run this command again.', 'STATE');
  await writes(a, job, o);

  for (const id of CUTOVER_STEPS) {
    let s = step(a.state(job), id);
    if (s.state === 'done' || s.state === 'skipped') {
      if (!resumed.includes(id)) o.out(`✓ ${s.title}: ${s.state}${s.detail ? ` — ${s.detail}` : ''}`);
      continue;
    }
    if (resumed.includes(id) && s.state === 'failed') return failed(a, job, o, s);
    if (s.needsConfirmation && !(o.yes || (await confirm(`${s.title}: ${s.description}\nGo ahead?`)))) {
      o.out(`✗ ${s.title}: not confirmed. Run again with --yes, or answer yes.`);
      return EXIT_OPERATOR;
    }
    s = await runStep(a, job, id, o);
    // The freeze failed and names the sessions that write through read-only: kill them only with a confirmation naming them.
    while (id === 'read-only' && s.state === 'failed') {
      const sessions = a.state(job).bypass?.sessions ?? [];
      if (!sessions.length) return failed(a, job, o, s);
      const named = sessions.map((x) => `#${x.id} ${x.user}@${x.host} (${x.command}, ${x.timeSeconds} s, ${x.privilege ?? 'bypasses read-only'})`).join('; ');
      print(o, s);
      if (o.yes || !process.stdin.isTTY) {
        o.out(`  sessions that write through read-only: ${named}`);
        o.out(`  --yes never kills sessions: end them (KILL ${sessions.map((x) => x.id).join('; KILL ')}) or stop the application, then run this command again (in a terminal it asks to kill them).`);
        await writes(a, job, o);
        return EXIT_OPERATOR;
      }
      if (!(await confirm(`Kill these sessions on the source: ${named}?`))) {
        await writes(a, job, o);
        return EXIT_OPERATOR;
      }
      await a.kill(job, sessions.map((x) => x.id));
      o.out(`  killed: ${sessions.map((x) => `#${x.id}`).join(', ')}; checking the freeze again`);
      s = await runStep(a, job, id, o);
    }
    if (s.state !== 'done' && s.state !== 'skipped') return failed(a, job, o, s);
    print(o, s);
    if (id === 'report') reportLine(o, s);
  }
  const end = a.state(job);
  await writes(a, job, o);
  const reverse = step(end, 'reverse');
  if (reverse.state === 'done') o.out(`the way back: ${reverse.detail ?? 'the reverse job streams'}; \`cutover rollback ${o.jobPath} --state ${o.statePath}\` rolls back.`);
  else o.out('the way back: no reverse job keeps the source in step; to switch back, point the application at the source and lift read-only there (undo “Source read-only”: SET GLOBAL read_only = OFF). Writes made to the sink since are not copied back.');
  return end.switched || !end.steps.some((x) => x.id === 'fence' && x.state === 'done') ? EXIT_SWITCHED : EXIT_FAILED;
}

/** Where the report step wrote the report (the step writes it, beside the state file). */
function reportLine(o: Drive, s: CutoverStep): void {
  if (s.state === 'done' && typeof s.facts.file === 'string') o.out(`  report: ${s.facts.file}`);
}

/** Runs a step and waits for its result; the lag step is retried while the stream catches up. */
async function runStep(a: CutoverAssistant, job: string, id: CutoverStepId, o: Drive): Promise<CutoverStep> {
  const until = Date.now() + LAG_WAIT_MS;
  for (let n = 0; ; n++) {
    let s: CutoverState;
    try {
      s = await a.run(job, id, { confirm: true, lagThresholdSeconds: o.threshold });
    } catch (e) {
      if (id === 'lag' && e instanceof CutoverError && e.code === 'STATE' && Date.now() < until) {
        if (n === 0) o.out(`… ${e.message}: waiting`);
        await sleep(1000);
        continue;
      }
      throw e;
    }
    const r = step(await settled(a, job, id, s), id);
    if (id !== 'lag' || r.state === 'done' || Date.now() > until) return r;
    if (n === 0) o.out(`… ${r.title}: ${r.detail ?? 'not yet'}; waiting`);
    await sleep(1000);
  }
}

async function settled(a: CutoverAssistant, job: string, id: CutoverStepId, first?: CutoverState): Promise<CutoverState> {
  let s = first ?? a.state(job);
  while (step(s, id).state === 'running') {
    await sleep(POLL_MS);
    s = a.state(job);
  }
  return s;
}

async function failed(a: CutoverAssistant, job: string, o: Drive, s: CutoverStep): Promise<number> {
  print(o, s);
  await writes(a, job, o);
  return EXIT_FAILED;
}

/** Which server takes writes now: the journal and a live read of the source's read-only setting. */
async function writes(a: CutoverAssistant, job: string, o: Drive): Promise<void> {
  await a.checkWritable(job);
  o.out(`writes: ${a.state(job).writable?.detail ?? 'unknown'}`);
}

function print(o: Drive, s: CutoverStep): void {
  const mark = s.state === 'done' || s.state === 'skipped' ? '✓' : '✗';
  o.out(`${mark} ${s.title}: ${s.state}${s.detail ? ` — ${s.detail}` : ''}`);
  if (s.state === 'failed' && s.fix) o.out(`  fix: ${s.fix}`);
}

function step(s: CutoverState, id: CutoverStepId): CutoverStep {
  return s.steps.find((x) => x.id === id)!;
}

function title(s: CutoverState, id: CutoverStepId): string {
  return step(s, id).title;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CutoverError(`${question.split('\n')[0]} needs a confirmation, and there is no terminal to ask on.`, 'Run in a terminal, or with --yes (which confirms every step except killing sessions).', 'CONFIRM');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What the reverse step needs headless: the reverse job's file is written (0600) where --reverse-job says
 * (default beside the job file), and started as a `cutover run` process of its own on the same state file,
 * detached from this command (its output in `<file>.log`); the command is printed so the operator can run
 * it under a supervisor instead.
 */
function headlessReverse(store: Store, forward: JobFile, path: string): NonNullable<ConstructorParameters<typeof CutoverAssistant>[0]['reverse']> {
  const out = (s: string): void => void process.stdout.write(s + '\n');
  return {
    jobFile: () => forward,
    addJob: (text) => {
      writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`, { mode: 0o600 });
      const name = (JSON.parse(text) as { name: string }).name;
      out(`  reverse job file: ${path}`);
      return { name };
    },
    startJob: async (name, spawned) => {
      const log = `${path}.log`;
      const fd = openSync(log, 'a', 0o600);
      let pid: number | undefined;
      try {
        const child = spawn(process.execPath, [process.argv[1]!, 'run', path, '--state', store.path], { detached: true, stdio: ['ignore', fd, fd] });
        child.unref();
        pid = child.pid;
        out(`  reverse job ${name} started (pid ${pid}, output in ${basename(log)}); to run it yourself instead: cutover run ${path} --state ${store.path}`);
      } finally {
        closeSync(fd);
      }
      // Recorded before the process records itself: a rerun after a crash here waits for it instead of starting a second one.
      if (pid) spawned?.(pid);
      if (!(await untilRecorded(store, name, pid ?? 0)) && !running(store, name))
        throw new CutoverError(`The reverse job ${name} did not start within ${RECORD_WAIT_MS / 1000} s.`, `Look at ${log}, then run \`cutover run ${path} --state ${store.path}\` yourself.`, 'STATE');
    },
    awaitSpawned: async (name, pid) => {
      if (!isRunOf(pid, path)) return false;
      out(`  reverse job ${name}: its process ${pid}, spawned by the interrupted run, has not recorded itself yet: waiting for it (no second process is started)`);
      return untilRecorded(store, name, pid);
    },
    isRunning: (name) => running(store, name),
  };
}

/** How long a spawned `cutover run` may take to record itself in the state file. */
const RECORD_WAIT_MS = 30_000;

function running(store: Store, name: string): boolean {
  const row = store.job(name);
  return !!row && effectiveState(row) === 'running';
}

/** Waits until the job's row says running (true), or the spawned process `pid` is gone or the wait is over (false). */
async function untilRecorded(store: Store, name: string, pid: number): Promise<boolean> {
  const until = Date.now() + RECORD_WAIT_MS;
  while (Date.now() < until) {
    if (running(store, name)) return true;
    if (pid && !pidAlive(pid)) return running(store, name);
    await sleep(200);
  }
  return false;
}

/** Whether `pid` is a live `cutover run` of the job file `path` (Linux: its command line; elsewhere: alive at all). */
function isRunOf(pid: number, path: string): boolean {
  if (!pidAlive(pid)) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes('run') && argv.includes(path);
  } catch {
    return process.platform !== 'linux';
  }
}
