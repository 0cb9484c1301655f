// Pushes what changed to each connected renderer about once a second: the jobs list, new log lines,
// the errors not yet dismissed, and for the jobs a renderer watches, their status and new chart
// points. Everything is read from the state file, so jobs run by the CLI show up the same way.
import type { ApiEvent, JobError, JobStatus, JobSummary, LogLine, MetricPoint } from '../../shared/api.js';

/** What the pump reads (the engine host implements it over the state file). */
export interface PumpSource {
  jobs(): JobSummary[];
  errors(): JobError[];
  logsAfter(id: number): LogLine[];
  lastLogId(): number;
  status(job: string): JobStatus | null;
  /** Chart points with after < ts <= until (unix seconds). */
  points(job: string, after: number, until: number): MetricPoint[];
}

interface Client {
  send: (e: ApiEvent) => void;
  watched: Set<string>;
}

/** Samples of second T may still be written during second T+1: points are pushed once they settle. */
const SETTLE_S = 2;

export class EventPump {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | null = null;
  private lastJobs = '';
  private lastErrors = '';
  private lastLogId: number;
  private readonly lastStatus = new Map<string, string>();
  private readonly lastPointTs = new Map<string, number>();

  constructor(
    private readonly src: PumpSource,
    private readonly intervalMs = 1000,
  ) {
    this.lastLogId = src.lastLogId();
  }

  connect(send: (e: ApiEvent) => void): { watch(jobs: string[]): void; close(): void } {
    const client: Client = { send, watched: new Set() };
    this.clients.add(client);
    this.safeSend(client, { type: 'jobs', jobs: this.src.jobs() });
    this.safeSend(client, { type: 'errors', errors: this.src.errors() });
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    return {
      watch: (jobs) => {
        const fresh = jobs.filter((j) => !client.watched.has(j));
        client.watched = new Set(jobs);
        for (const j of fresh) {
          const status = this.src.status(j);
          if (status) this.safeSend(client, { type: 'status', job: j, status });
          if (!this.lastPointTs.has(j)) this.lastPointTs.set(j, nowS() - SETTLE_S);
        }
      },
      close: () => {
        this.clients.delete(client);
        if (!this.clients.size && this.timer) {
          clearInterval(this.timer);
          this.timer = null;
        }
      },
    };
  }

  /** Push now (after an action) instead of waiting for the next tick. */
  poke(): void {
    if (this.clients.size) setImmediate(() => this.tick());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clients.clear();
  }

  private tick(): void {
    try {
      this.pushChanges();
    } catch (e) {
      // The state file can be briefly busy or gone (shutdown); the next tick tries again.
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') this.broadcastLog(e);
    }
  }

  private pushChanges(): void {
    const jobs = JSON.stringify(this.src.jobs());
    if (jobs !== this.lastJobs) {
      this.lastJobs = jobs;
      this.broadcast({ type: 'jobs', jobs: JSON.parse(jobs) as JobSummary[] });
    }
    const errors = JSON.stringify(this.src.errors());
    if (errors !== this.lastErrors) {
      this.lastErrors = errors;
      this.broadcast({ type: 'errors', errors: JSON.parse(errors) as JobError[] });
    }
    const lines = this.src.logsAfter(this.lastLogId);
    if (lines.length) {
      this.lastLogId = lines.at(-1)!.id;
      this.broadcast({ type: 'logs', lines });
    }
    const watched = new Set([...this.clients].flatMap((c) => [...c.watched]));
    const until = nowS() - SETTLE_S;
    for (const job of watched) {
      const status = this.src.status(job);
      const text = status ? JSON.stringify(status) : '';
      if (status && text !== this.lastStatus.get(job)) {
        this.lastStatus.set(job, text);
        this.toWatchers(job, { type: 'status', job, status });
      }
      const after = this.lastPointTs.get(job) ?? until;
      if (until > after) {
        const points = this.src.points(job, after, until);
        this.lastPointTs.set(job, until);
        if (points.length) this.toWatchers(job, { type: 'metrics', job, points });
      }
    }
    for (const job of this.lastStatus.keys()) if (!watched.has(job)) this.lastStatus.delete(job);
  }

  private toWatchers(job: string, e: ApiEvent): void {
    for (const c of this.clients) if (c.watched.has(job)) this.safeSend(c, e);
  }

  private broadcast(e: ApiEvent): void {
    for (const c of this.clients) this.safeSend(c, e);
  }

  private broadcastLog(e: unknown): void {
    const line: LogLine = { id: 0, ts: Date.now(), level: 'error', job: null, table: null, message: `dashboard update failed: ${(e as Error).message}` };
    this.broadcast({ type: 'logs', lines: [line] });
  }

  private safeSend(c: Client, e: ApiEvent): void {
    try {
      c.send(e);
    } catch {
      this.clients.delete(c); // a closed socket or window
    }
  }
}

const nowS = (): number => Math.floor(Date.now() / 1000);
