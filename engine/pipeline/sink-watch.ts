// A sink that stops answering (a stopped or frozen server, a lock held for minutes, a network that drops
// packets without resetting) leaves a write waiting with nothing to report: no error, no timeout. The
// watch times every call the stream makes to the sink (and each batch a copy worker writes); once one has
// waited `warnAfterMs`, it says so in the log (and again every `warnAfterMs`), and exposes the wait for
// the job status the dashboard shows (the stream in its stream state, the copy in jobs.sink_waiting_since).
// When the sink answers, the log says after how long. It never cancels the call: a sink that comes back
// continues where it was, exactly once (the checkpoint is written in the sink's own transaction).
import type { JobConfig } from '../../shared/job-config.js';
import { sinkOf } from '../sink/registry.js';
import type { Logger } from '../core/logger.js';

/** Default: warn after 30 s without an answer. CUTOVER_SINK_WAIT_WARN_SECONDS overrides it. */
export const DEFAULT_SINK_WAIT_WARN_MS = 30_000;

export function sinkWaitWarnMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.CUTOVER_SINK_WAIT_WARN_SECONDS);
  return Number.isFinite(v) && v > 0 ? v * 1000 : DEFAULT_SINK_WAIT_WARN_MS;
}

/** Where the sink is, for messages (host:port, brokers; no credentials): the sink driver says. */
export function sinkLabel(cfg: JobConfig): string {
  return sinkOf(cfg).label(cfg.sink);
}

export class SinkWatch {
  private since: number | null = null;
  private what = '';
  private warnings = 0;
  private timer: NodeJS.Timeout | null = null;
  /**
   * Told when a call first waits past the threshold (with when it began) and when it ends after that (null):
   * the copy writes it to the state file for the job status (the stream samples `waitingSeconds` instead).
   */
  onWaiting: ((since: number | null) => void) | null = null;

  constructor(
    private readonly log: Logger,
    /** Where the sink is, for the message ("127.0.0.1:3306", "Kafka brokers …"). */
    private readonly sink: string,
    private readonly warnAfterMs = sinkWaitWarnMs(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds the pending sink call has waited, once past the warning threshold; null otherwise. */
  get waitingSeconds(): number | null {
    if (this.since === null) return null;
    const ms = this.now() - this.since;
    return ms >= this.warnAfterMs ? Math.floor(ms / 1000) : null;
  }

  /** Runs one sink call (`what`: "applying 3 transactions"), watched. */
  async around<T>(what: string, call: () => Promise<T>): Promise<T> {
    this.since = this.now();
    this.what = what;
    this.warnings = 0;
    this.timer ??= setInterval(() => this.check(), Math.min(1000, this.warnAfterMs));
    this.timer.unref();
    try {
      return await call();
    } finally {
      const waited = Math.round((this.now() - this.since) / 1000);
      const warned = this.warnings > 0;
      if (warned) this.log.info(`the sink (${this.sink}) answered again after ${waited} s; the job goes on`);
      this.since = null;
      this.warnings = 0;
      if (warned) this.onWaiting?.(null);
    }
  }

  /** Logs a warning each time the pending call crosses another multiple of the threshold. */
  check(): void {
    if (this.since === null) return;
    const ms = this.now() - this.since;
    if (ms < this.warnAfterMs * (this.warnings + 1)) return;
    const first = this.warnings === 0;
    this.warnings = Math.floor(ms / this.warnAfterMs);
    this.log.warn(
      `the sink (${this.sink}) has not answered for ${Math.floor(ms / 1000)} s (${this.what}); the job is waiting for it and goes on when it answers. ` +
        'Check that the sink server is running and not stopped, overloaded or waiting on a lock (SHOW PROCESSLIST; on the sink).',
    );
    if (first) this.onWaiting?.(this.since);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
