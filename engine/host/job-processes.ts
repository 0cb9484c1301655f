// Runs each job as its own `cutover run` process: a CPU-heavy copy never stalls the API, a crash of
// one job never takes the host down, and a job started from the CLI is controlled the same way (by
// its pid in the state file). Stopping is always graceful first: SIGTERM makes the job commit its
// batch in flight and store its position, exactly as Ctrl-C does in a terminal.
//
// The job file goes to the process on its standard input (`cutover run -`), never through a file: a file
// in a folder another local user can write could be swapped between writing and running it (their sink,
// run with this user's saved connections), and it would hold the passwords the host decrypted.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STDIN_JOB } from '../cli/job-file.js';
import { alive } from '../core/process-alive.js';

const CLI = fileURLToPath(new URL('../../../bin/cutover.js', import.meta.url));
const STDERR_TAIL = 4000;

export interface JobExit {
  job: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of what the process wrote to stderr (for a crash before it could log). */
  stderr: string;
}

export class JobProcesses {
  private readonly children = new Map<string, ChildProcess>();

  /** `command`: `run` (the job itself) or `verify` (a verification of it, beside a running job). */
  constructor(
    private readonly statePath: string,
    private readonly onExit: (exit: JobExit) => void,
    private readonly command: 'run' | 'verify' = 'run',
  ) {}

  running(job: string): boolean {
    return this.children.has(job);
  }

  names(): string[] {
    return [...this.children.keys()];
  }

  /** Runs the job file `config` (its text) in a new process, handed over on the process's standard input. */
  start(job: string, config: string, flags: string[] = []): void {
    if (this.children.has(job)) return;
    // In Electron, process.execPath is the app itself: ELECTRON_RUN_AS_NODE makes it plain Node.
    const env = { ...process.env, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
    const child = spawn(process.execPath, [CLI, this.command, STDIN_JOB, '--state', this.statePath, ...(this.command === 'run' ? ['--quiet'] : []), ...flags], {
      env,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    // A process that dies before reading it closes the pipe (EPIPE): its exit is reported below.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(config);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL);
    });
    this.children.set(job, child);
    child.on('exit', (code, signal) => {
      this.children.delete(job);
      this.onExit({ job, code, signal, stderr });
    });
  }

  /**
   * Asks a job's process to stop after its batch in flight (SIGTERM) and waits for it to exit; after
   * `graceMs` it is killed (the job resumes from its last stored position either way).
   */
  async stop(job: string, pid: number | null, graceMs = 30_000): Promise<void> {
    const child = this.children.get(job);
    const target = child?.pid ?? pid;
    if (!target || !alive(target)) return;
    const exited = child ? new Promise<void>((r) => child.once('exit', () => r())) : waitForExit(target);
    process.kill(target, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([exited, timer])) === 'timeout' && alive(target)) {
      process.kill(target, 'SIGKILL');
      await exited;
    }
  }

  /** Waits until the job's process (if any) has exited, at most `ms`; returns whether it has. */
  async waitExit(job: string, ms = 30_000): Promise<boolean> {
    const child = this.children.get(job);
    if (!child) return true;
    const timer = new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref());
    return Promise.race([new Promise<boolean>((r) => child.once('exit', () => r(true))), timer]);
  }

  async stopAll(graceMs?: number): Promise<void> {
    await Promise.all(this.names().map((j) => this.stop(j, null, graceMs)));
  }
}

async function waitForExit(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 100));
}
