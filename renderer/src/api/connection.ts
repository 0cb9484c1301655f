// The connection to the engine as the UI shows it ("Disconnected from the engine — reconnecting").
import type { CutoverApi } from '../../../shared/api';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionInfo {
  state: ConnectionState;
  /** When the next reconnect attempt is due (unix ms), while disconnected. */
  retryAt: number | null;
  /** Failed attempts since the connection was last open. */
  attempts: number;
}

/** A tiny observable for useSyncExternalStore. */
export class ConnectionStore {
  private info: ConnectionInfo;
  private readonly listeners = new Set<() => void>();

  constructor(initial: ConnectionInfo = { state: 'connecting', retryAt: null, attempts: 0 }) {
    this.info = initial;
  }

  get = (): ConnectionInfo => this.info;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(info: ConnectionInfo): void {
    if (info.state === this.info.state && info.retryAt === this.info.retryAt && info.attempts === this.info.attempts) return;
    this.info = info;
    for (const l of [...this.listeners]) l();
  }
}

/** What the app uses: the API plus the connection state. */
export interface AppApi extends CutoverApi {
  readonly connection: ConnectionStore;
  /** Closes the connection for good (tests, page unload). */
  close(): void;
}
