// The CLI side of the streaming tests: `cutover status --json`, a CLI run in the background with its
// output readable while it runs, and waits (on anything, or on the sink checkpoint) that fail as soon as
// that run exits.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { SourcePosition } from '../../engine/core/position.js';
import type { JobStatus } from '../../engine/pipeline/job-status.js';
import { describeRun, runCli, startCli, type CliResult } from './db.js';
import type { SchemaSizes } from './source-schema.js';
import { SourceWriter, prng, testSeed } from './source-writer.js';
import { fmt, peekJob, reached, sinkCheckpoint, sleep, sourcePosition, type FileAndPos, type JobPeek } from './stream.js';

// ---------------------------------------------------------------------------------------------------
// `cutover status --json`, and a plain poll

/** One job of `cutover status --json`: the engine's own status type. */
export type StatusJob = JobStatus;

/** `cutover status --json` of a state file holding exactly one job (both checked). */
export async function statusJson(stateFile: string): Promise<StatusJob> {
  const r: CliResult = await runCli(['status', '--state', stateFile, '--json']);
  assert.equal(r.code, 0, describeRun(r));
  const jobs = (JSON.parse(r.stdout) as { jobs: StatusJob[] }).jobs;
  assert.equal(jobs.length, 1, r.stdout);
  return jobs[0]!;
}

/** `cutover status --json` of a job stopped cleanly while streaming: state stopped, phase streaming, no job or table error. */
export async function assertStoppedWhileStreaming(stateFile: string): Promise<StatusJob> {
  const s = await statusJson(stateFile);
  assert.equal(s.error, null, `status reports an error: ${s.error}`);
  assert.equal(s.state, 'stopped', JSON.stringify(s));
  assert.equal(s.phase, 'streaming', JSON.stringify(s));
  for (const tb of s.tables) assert.equal(tb.error, null, `${tb.source}: ${tb.error}`);
  return s;
}

/** Polls `check` until it returns a truthy value; fails with `what` (and `detail()`) after `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, detail?: () => string | Promise<string>, everyMs = 50): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) assert.fail(`timed out after ${ms} ms waiting for ${what}${detail ? `\n${await detail()}` : ''}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------------
// A CLI run in the background, and waits that fail as soon as it exits

/** A CLI started in the background, with its combined stdout and stderr readable while it runs. */
export interface LiveCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** stdout and stderr so far, interleaved as they arrived. */
  out: () => string;
  exited: () => boolean;
}

export function startLive(args: string[], env: Record<string, string> = {}): LiveCli {
  const { child, done } = startCli(args, env);
  let out = '';
  let exited = false;
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  void done.then(() => (exited = true));
  return { child, done, out: () => out, exited: () => exited };
}

/** Starts `cutover run` of a job file in the background and waits (up to 2 min) until the job is streaming; kills it if it never gets there. */
export async function startStreaming(jobPath: string, stateFile: string, env: Record<string, string> = {}): Promise<LiveCli> {
  const live = startLive(['run', jobPath, '--state', stateFile], env);
  try {
    await waitUntil('the streaming phase', () => peekJob(stateFile)?.phase === 'streaming', { live, ms: 120_000 });
    return live;
  } catch (e) {
    await killLive(live);
    throw e;
  }
}

/** Fails with the CLI's exit status and output if it has exited; `what` says what it was expected to be doing. */
export async function assertStillRunning(live: LiveCli, what: string): Promise<void> {
  if (live.exited()) assert.fail(`${what}: the CLI exited\n${describeRun(await live.done)}`);
}

/** In a `finally`: SIGKILLs the CLI if it is still running and waits for it to go. */
export async function killLive(live: LiveCli | null): Promise<void> {
  if (live && !live.exited()) {
    live.child.kill('SIGKILL');
    await live.done;
  }
}

/** SIGTERM: the stream stops after the batch in flight, with exit code 130 (SIGKILL after a minute). */
export async function stopWithSigterm(live: LiveCli): Promise<CliResult> {
  assert.equal(live.exited(), false, `the CLI exited before SIGTERM:\n${live.out().slice(-6000)}`);
  live.child.kill('SIGTERM');
  const guard = setTimeout(() => live.child.kill('SIGKILL'), 60_000);
  try {
    const r = await live.done;
    assert.equal(r.code, 130, `SIGTERM should stop the stream with exit code 130\n${describeRun(r)}`);
    return r;
  } finally {
    clearTimeout(guard);
  }
}

/** A stack trace line in CLI output (the CLI must report errors without one). */
export const STACK_TRACE = /^\s+at /m;

/** What a wait needs besides its condition. */
export interface WaitOptions {
  /** Fail after this long (default 60 s). */
  ms?: number;
  /** A CLI that must keep running meanwhile: fail at once, with its output, if it exits. */
  live?: LiveCli | null;
  /** Called before every poll; throws to stop waiting (e.g. when a concurrent writer has failed). */
  guard?: () => Promise<void> | void;
  /** More for the failure message. */
  detail?: () => string | Promise<string>;
  /** Poll interval (default 200 ms). */
  everyMs?: number;
}

/** waitFor with WaitOptions: stops early when `o.guard` throws or `o.live` exits; a timeout shows the CLI's output so far. */
export async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, o: WaitOptions = {}): Promise<T> {
  const { live, guard, detail } = o;
  return waitFor(
    what,
    o.ms ?? 60_000,
    async () => {
      await guard?.();
      const v = await check();
      if (!v && live) await assertStillRunning(live, `while waiting for ${what}`);
      return v;
    },
    detail || live
      ? async () => [detail ? await detail() : '', live ? `--- CLI output so far ---\n${live.out().slice(-6000)}` : ''].filter(Boolean).join('\n')
      : undefined,
    o.everyMs ?? 200,
  );
}

/** Waits until the sink checkpoint of `job` is at or past `target` (`what` names it), and returns the checkpoint. */
export async function waitForCheckpoint(job: string, target: SourcePosition, what: string, o: WaitOptions = {}): Promise<SourcePosition> {
  let last: SourcePosition | null = null;
  return waitUntil(
    `the sink checkpoint of ${job} to reach ${what} ${fmt(target)}`,
    async () => {
      last = await sinkCheckpoint(job);
      return reached(last, target) ? last : null;
    },
    { ...o, detail: async () => `last checkpoint seen: ${fmt(last)}${o.detail ? `; ${await o.detail()}` : ''}` },
  );
}

/** Waits until the sink has applied all the source has written so far (the sink checkpoint of `job` reaches the source's binlog end as of this call); returns that end. */
export async function waitCaughtUp(job: string, o: WaitOptions = {}): Promise<SourcePosition> {
  const target = await sourcePosition();
  await waitForCheckpoint(job, target, "the source's binlog end", o);
  return target;
}

// ---------------------------------------------------------------------------------------------------
// The crash tests' loop: start the job, wait for the phase aimed at, SIGKILL it after a delay, repeat

/** Where one kill is aimed. */
export type KillAim = 'copy' | 'stream';

export interface KillLoopOptions {
  /** `cutover run …` arguments. */
  args: string[];
  stateFile: string;
  /** One aim per run, in order. */
  aims: KillAim[];
  /** The delay after the aimed phase is reached, before SIGKILL (ms). */
  delayMs: (i: number, aim: KillAim) => number;
  /** A concurrent writer that must not have failed (checked while waiting and before each kill). */
  writer?: { assertNotFailed(): void };
  /** When a run counts as in the copy (default: phase "copying"). */
  copyReady?: (p: JobPeek) => boolean;
  /** After each kill: more for the kill's record (e.g. the sink's checkpoint). */
  afterKill?: (p: JobPeek) => Promise<Record<string, string>> | Record<string, string>;
}

export interface KillRecord {
  aim: KillAim;
  /** The job's phase as the state file had it after the kill. */
  phase: string;
  delay: number;
  extra: Record<string, string>;
}

/** Runs the job once per aim and SIGKILLs it at the aimed moment; each kill must leave no job error. */
export async function killLoop(o: KillLoopOptions): Promise<KillRecord[]> {
  const kills: KillRecord[] = [];
  const copyReady = o.copyReady ?? ((p: JobPeek) => p.phase === 'copying');
  for (let i = 0; i < o.aims.length; i++) {
    const aim = o.aims[i]!;
    const delay = Math.round(o.delayMs(i, aim));
    const live = startLive(o.args);
    const guard = setTimeout(() => live.child.kill('SIGKILL'), 120_000);
    try {
      const alive = async (): Promise<void> => {
        o.writer?.assertNotFailed();
        await assertStillRunning(live, `iteration ${i + 1}: the job exited on its own`);
      };
      await waitUntil(
        `iteration ${i + 1}: phase ${aim === 'copy' ? 'copying' : 'catching-up/streaming'}`,
        () => {
          const p = peekJob(o.stateFile);
          if (p === null || p.pid !== live.child.pid) return false;
          return aim === 'copy' ? copyReady(p) : p.phase === 'catching-up' || p.phase === 'streaming';
        },
        { ms: 90_000, guard: alive, detail: () => `state ${JSON.stringify(peekJob(o.stateFile))}\n${live.out().slice(-3000)}`, everyMs: 20 },
      );
      await sleep(delay);
      await alive();
      live.child.kill('SIGKILL');
      const r: CliResult = await live.done;
      assert.equal(r.signal, 'SIGKILL', describeRun(r));
    } finally {
      clearTimeout(guard);
      await killLive(live);
    }
    const p = peekJob(o.stateFile)!;
    assert.equal(p.error, null, `iteration ${i + 1}: ${p.error}`);
    kills.push({ aim, phase: p.phase, delay, extra: o.afterKill ? await o.afterKill(p) : {} });
  }
  return kills;
}

/** How many kills landed during the copy and while streaming. */
export function killCounts(kills: KillRecord[]): { copy: number; stream: number } {
  return { copy: kills.filter((k) => k.phase === 'copying').length, stream: kills.filter((k) => k.phase === 'catching-up' || k.phase === 'streaming').length };
}

/** `n` aims at the copy, then `m` at the stream. */
export const killAims = (copy: number, stream: number): KillAim[] => [...Array<KillAim>(copy).fill('copy'), ...Array<KillAim>(stream).fill('stream')];

/** A seeded concurrent writer, started, with the seed in the test's diagnostics. */
export async function startSeededWriter(t: { diagnostic(s: string): void }, db: string, sizes: SchemaSizes, salt: number, threads = 3): Promise<{ writer: SourceWriter; rnd: () => number; seed: number }> {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (CUTOVER_TEST_SEED=${seed} repeats the writer's choices and the kill delays)`);
  const writer = new SourceWriter(db, sizes, seed, threads);
  await writer.start();
  return { writer, rnd: prng(seed ^ salt), seed };
}
