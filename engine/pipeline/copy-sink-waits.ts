// The copy's sink wait for the job status: each worker's writer has a watch (sink-watch.ts); the job's
// wait is the oldest write still waiting past the threshold, reported when it changes.
import type { SinkWriter } from '../sink/sink.js';
import type { Logger } from '../core/logger.js';
import { SinkWatch } from './sink-watch.js';

export class CopySinkWaits {
  /** Per worker's writer: says so when a batch write waits long (a hung sink). */
  private readonly watches = new Map<SinkWriter, SinkWatch>();
  /** Writes waiting past the threshold, by watch: when each began. */
  private readonly waiting = new Map<SinkWatch, number>();
  private reported: number | null = null;

  constructor(
    private readonly log: Logger,
    private readonly sinkLabel: string,
    private readonly onSinkWait?: (since: number | null) => void,
  ) {}

  /** Clears a wait an earlier run left behind (killed while it waited). */
  reset(): void {
    this.report(null, true);
  }

  watch(writer: SinkWriter): SinkWatch {
    const watch = new SinkWatch(this.log, this.sinkLabel);
    watch.onWaiting = (since) => this.waitChanged(watch, since);
    this.watches.set(writer, watch);
    return watch;
  }

  of(writer: SinkWriter): SinkWatch | undefined {
    return this.watches.get(writer);
  }

  /** The writer is closing: its watch stops, and no longer counts as waiting. */
  release(writer: SinkWriter): void {
    const watch = this.watches.get(writer);
    if (!watch) return;
    watch.stop();
    this.waitChanged(watch, null);
    this.watches.delete(writer);
  }

  /** One worker's write started or stopped waiting past the threshold: the job's wait is the oldest one. */
  private waitChanged(watch: SinkWatch, since: number | null): void {
    if (since === null) this.waiting.delete(watch);
    else this.waiting.set(watch, since);
    this.report(this.waiting.size ? Math.min(...this.waiting.values()) : null);
  }

  private report(since: number | null, always = false): void {
    if (since === this.reported && !always) return;
    this.reported = since;
    try {
      this.onSinkWait?.(since);
    } catch {
      /* status only, best effort (a full state disk is said where the copy writes its progress) */
    }
  }
}
