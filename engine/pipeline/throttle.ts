// Keeps the copy from hurting production (gh-ost's --max-load, plus a rate cap): before each batch,
// wait while the source is busier than allowed (Threads_running above the limit) and while the copy
// is ahead of its rows-per-second budget. Waiting pauses the reader too (backpressure).
import type { Logger } from '../core/logger.js';

export interface ThrottleOptions {
  /** Pause while the source's Threads_running is above this; 0 turns the check off. */
  maxThreadsRunning: number;
  /** At most this many rows per second across all workers; 0 means no cap. */
  maxRowsPerSecond: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Throttle {
  private threadsRunning = 0;
  private timer: NodeJS.Timeout | null = null;
  private throttledSince: number | null = null;
  private readonly startedAt = Date.now();
  private rowsAdmitted = 0;

  constructor(
    private readonly o: ThrottleOptions,
    private readonly probe: () => Promise<number>,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  start(intervalMs = 1000): void {
    if (!this.o.maxThreadsRunning) return;
    const tick = async (): Promise<void> => {
      try {
        this.threadsRunning = await this.probe();
      } catch {
        this.threadsRunning = 0; // a failed probe never blocks the copy; the copy itself will report a dead source
      }
    };
    void tick();
    this.timer = setInterval(() => void tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Resolves when `rows` more rows may be written. */
  async admit(rows: number): Promise<void> {
    while (!this.signal.aborted && this.o.maxThreadsRunning && this.threadsRunning > this.o.maxThreadsRunning) {
      if (this.throttledSince === null) {
        this.throttledSince = Date.now();
        this.log.warn(
          `source is busy (Threads_running = ${this.threadsRunning} > ${this.o.maxThreadsRunning}): copy paused until it calms down (snapshot.throttle.maxThreadsRunning)`,
        );
      }
      await sleep(250);
    }
    if (this.throttledSince !== null) {
      this.log.info(`source load back to normal: copy resumed after ${((Date.now() - this.throttledSince) / 1000).toFixed(1)} s`);
      this.throttledSince = null;
    }
    if (this.o.maxRowsPerSecond) {
      this.rowsAdmitted += rows;
      const due = this.startedAt + (this.rowsAdmitted / this.o.maxRowsPerSecond) * 1000;
      while (!this.signal.aborted && Date.now() < due) await sleep(Math.min(250, due - Date.now()));
    }
  }
}
