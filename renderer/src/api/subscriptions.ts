// The subscription bookkeeping both clients share: listeners, and a refcount of the jobs they watch.
// Whenever the union of watched jobs changes, `onWatchChange` gets the new union (sorted) so the
// client can tell the host (bridge.watch or the WebSocket's {"type":"watch"} message).
import type { ApiEvent } from '../../../shared/api';

type Listener = (event: ApiEvent) => void;

export class SubscriptionHub {
  private readonly listeners = new Set<{ listener: Listener }>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly onWatchChange: (jobs: string[]) => void) {}

  /** Adds a listener (and a reference to `job` when not null); the returned function undoes both, once. */
  subscribe(job: string | null, listener: Listener): () => void {
    const entry = { listener };
    this.listeners.add(entry);
    if (job !== null) {
      const n = this.counts.get(job) ?? 0;
      this.counts.set(job, n + 1);
      if (n === 0) this.onWatchChange(this.watched());
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      this.listeners.delete(entry);
      if (job !== null) {
        const n = this.counts.get(job) ?? 0;
        if (n <= 1) {
          this.counts.delete(job);
          this.onWatchChange(this.watched());
        } else {
          this.counts.set(job, n - 1);
        }
      }
    };
  }

  /** The jobs at least one live subscription watches, sorted. */
  watched(): string[] {
    return [...this.counts.keys()].sort();
  }

  /** Hands an event to every listener; one listener throwing does not keep it from the others. */
  dispatch(event: ApiEvent): void {
    for (const { listener } of [...this.listeners]) {
      try {
        listener(event);
      } catch (e) {
        console.error('Cutover: an event listener failed', e);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
