// Live counters per table, sampled once a second into the state file as rows/s and bytes/s.
import type { MetricSample, StateStore } from '../state/store.js';

interface Counter {
  rows: number;
  bytes: number;
  lastRows: number;
  lastBytes: number;
}

export class CopyMetrics {
  private readonly perTable = new Map<number, Counter>();
  private readonly total: Counter = { rows: 0, bytes: 0, lastRows: 0, lastBytes: 0 };
  private timer: NodeJS.Timeout | null = null;
  private lastTs = Date.now();
  /** The most recent job-wide rates, for progress lines. */
  rowsPerSecond = 0;
  bytesPerSecond = 0;

  constructor(
    private readonly store: StateStore,
    private readonly jobId: number,
  ) {}

  add(tableId: number, rows: number, bytes: number): void {
    let c = this.perTable.get(tableId);
    if (!c) this.perTable.set(tableId, (c = { rows: 0, bytes: 0, lastRows: 0, lastBytes: 0 }));
    c.rows += rows;
    c.bytes += bytes;
    this.total.rows += rows;
    this.total.bytes += bytes;
  }

  start(intervalMs = 1000): void {
    this.lastTs = Date.now();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Writes one sample per active table and one for the job. */
  sample(): void {
    const nowMs = Date.now();
    const secs = Math.max(0.001, (nowMs - this.lastTs) / 1000);
    this.lastTs = nowMs;
    const ts = Math.floor(nowMs / 1000);
    const out: MetricSample[] = [];
    const rate = (c: Counter, tableId: number | null): void => {
      const r = (c.rows - c.lastRows) / secs;
      const b = (c.bytes - c.lastBytes) / secs;
      c.lastRows = c.rows;
      c.lastBytes = c.bytes;
      out.push({ job_id: this.jobId, table_id: tableId, ts, rows_per_s: r, bytes_per_s: b });
      if (tableId === null) {
        this.rowsPerSecond = r;
        this.bytesPerSecond = b;
      }
    };
    for (const [id, c] of this.perTable) if (c.rows !== c.lastRows) rate(c, id);
    rate(this.total, null);
    try {
      this.store.addSamples(out);
    } catch {
      /* metrics are best effort; progress and positions are not */
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
  }

  get rowsCopied(): number {
    return this.total.rows;
  }
}
