// The main process's side of the engine utility process: starts it, relays calls (answered by id),
// one connection per renderer window, events back to that window; restarts it if it dies, and shuts
// it down gracefully on quit. The engine never runs in the main process or in a renderer.
import { utilityProcess, type UtilityProcess } from 'electron';
import type { ApiErrorBody, ApiEvent, ApiMethod, ApiResponse } from '../shared/api.js';
import { STATE_ARG, type FromEngine, type ToEngine } from './engine-protocol.js';

export interface EngineClientOptions {
  /** dist/electron/engine-process.js */
  entry: string;
  statePath: string;
  /** Where an event for connection `conn` (a webContents id) goes. */
  onEvent(conn: number, event: ApiEvent): void;
  /** The engine died and will be (or could not be) restarted; for the log. */
  onCrash?(code: number, restarting: boolean): void;
  /** Extra environment for the engine process (the installation's secret key), asked at each start. */
  env?(): Record<string, string>;
}

type Pending = { resolve: (r: ApiResponse<ApiMethod>) => void };

const RESTARTS_PER_MINUTE = 5;

function failure(code: string, message: string, fix: string | null = null): ApiResponse<ApiMethod> {
  return { ok: false, error: { code, message, fix } };
}

export class EngineClient {
  private child: UtilityProcess | null = null;
  private ready = false;
  private queue: ToEngine[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Open connections and the jobs each watches (replayed to a restarted engine). */
  private readonly connections = new Map<number, string[]>();
  private stopping: Promise<void> | null = null;
  private readonly crashes: number[] = [];
  private openError: ApiErrorBody | null = null;
  /** It crashed too often: calls fail at once instead of waiting for a restart. */
  private gaveUp = false;

  constructor(private readonly o: EngineClientOptions) {}

  start(): void {
    if (this.child || this.stopping) return;
    const child = utilityProcess.fork(this.o.entry, [STATE_ARG, this.o.statePath], {
      serviceName: 'Cutover engine',
      stdio: 'inherit',
      env: { ...process.env, ...this.o.env?.() },
    });
    this.child = child;
    this.ready = false;
    child.on('message', (m: FromEngine) => this.onMessage(child, m));
    child.on('exit', (code) => this.onExit(child, code));
  }

  call(method: ApiMethod, args: unknown[]): Promise<ApiResponse<ApiMethod>> {
    if (this.stopping) return Promise.resolve(failure('SHUTTING_DOWN', 'Cutover is closing.'));
    if (this.gaveUp) return Promise.resolve(failure('ENGINE_DOWN', 'The engine is not running: it kept crashing.', 'Quit Cutover and start it again.'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.post({ kind: 'call', id, method, args });
    });
  }

  connect(conn: number): void {
    if (this.connections.has(conn)) return;
    this.connections.set(conn, []);
    this.post({ kind: 'connect', conn });
  }

  watch(conn: number, jobs: string[]): void {
    if (!this.connections.has(conn)) this.connect(conn);
    this.connections.set(conn, jobs);
    this.post({ kind: 'watch', conn, jobs });
  }

  disconnect(conn: number): void {
    if (!this.connections.delete(conn)) return;
    this.post({ kind: 'disconnect', conn });
  }

  isConnected(conn: number): boolean {
    return this.connections.has(conn);
  }

  /** The state file could not be opened (every call answers this error); null when it is open. */
  get stateError(): ApiErrorBody | null {
    return this.openError;
  }

  /**
   * Asks the engine to pause its jobs (each checkpoints the batch in flight) and close the state file;
   * kills it after `timeoutMs` if it has not finished by then.
   */
  shutdown(timeoutMs: number): Promise<void> {
    if (this.stopping) return this.stopping;
    const child = this.child;
    this.stopping = new Promise<void>((resolve) => {
      if (!child) return resolve();
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        console.error(`Cutover: the engine did not stop within ${timeoutMs / 1000} s; ending it.`);
        child.kill();
        finish();
      }, timeoutMs);
      child.once('exit', finish);
      // Delivered even before 'ready': the engine handles messages in order once its host is open.
      child.postMessage({ kind: 'shutdown' } satisfies ToEngine);
    });
    return this.stopping;
  }

  /** Sends now, or once the engine is ready (while it starts or restarts). */
  private post(message: ToEngine): void {
    if (this.child && this.ready) this.child.postMessage(message);
    else if (!this.gaveUp) this.queue.push(message);
  }

  private onMessage(child: UtilityProcess, m: FromEngine): void {
    if (child !== this.child || !m || typeof m !== 'object') return;
    switch (m.kind) {
      case 'ready': {
        this.ready = true;
        this.openError = m.error;
        if (m.error) console.error(`Cutover: ${m.error.message}${m.error.fix ? `\n  Fix: ${m.error.fix}` : ''}`);
        const queued = this.queue;
        this.queue = [];
        for (const q of queued) child.postMessage(q);
        return;
      }
      case 'response': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.resolve(m.response);
        return;
      }
      case 'event':
        if (this.connections.has(m.conn)) this.o.onEvent(m.conn, m.event);
        return;
      case 'shutdown-done':
        if (m.error) console.error(`Cutover: the engine's shutdown reported: ${m.error}`);
        return;
    }
  }

  private onExit(child: UtilityProcess, code: number): void {
    if (child !== this.child) return;
    this.child = null;
    this.ready = false;
    this.queue = [];
    const message = this.stopping
      ? 'Cutover is closing.'
      : `The engine process ended unexpectedly (exit code ${code}). Running jobs keep their last checkpoint.`;
    for (const p of this.pending.values()) p.resolve(failure(this.stopping ? 'SHUTTING_DOWN' : 'ENGINE_EXITED', message, this.stopping ? null : 'Try again: the engine restarts by itself.'));
    this.pending.clear();
    if (this.stopping) return;

    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length && now - this.crashes[0]! > 60_000) this.crashes.shift();
    const restarting = this.crashes.length <= RESTARTS_PER_MINUTE;
    this.gaveUp = !restarting;
    this.o.onCrash?.(code, restarting);
    if (!restarting) return;
    // Every window gets its connection back, watching what it watched; calls made meanwhile wait.
    for (const [conn, jobs] of this.connections) {
      this.queue.push({ kind: 'connect', conn });
      if (jobs.length) this.queue.push({ kind: 'watch', conn, jobs });
    }
    setTimeout(() => {
      if (!this.stopping && !this.child) this.start();
    }, 1000);
  }
}
