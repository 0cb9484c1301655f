// CutoverApi in web mode (`cutover ui`): calls are `POST /api/call/<method>` with {"args":[...]}, events
// come over a WebSocket at /api/events. The socket sends {"type":"watch","jobs":[...]} after every
// connect and whenever the union of watched jobs changes, and reconnects with backoff when it drops.
import { ApiError, WEB, type ApiArgs, type ApiEvent, type ApiMethod, type ApiResponse, type ApiResult, type ClientMessage } from '../../../shared/api';
import { ConnectionStore, type AppApi } from './connection';
import { fromBody } from './errors';
import { SubscriptionHub } from './subscriptions';

/** The parts of a WebSocket the client uses (so tests can hand in a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface HttpClientOptions {
  /** Origin + path prefix of the engine; default: this page's origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay (ms), doubled per failure up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Timers (injectable for tests). */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  now?: () => number;
}

const OPEN = 1;

export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

export function eventsUrl(baseUrl: string): string {
  const u = new URL(WEB.events, baseUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}

export function createHttpClient(options: HttpClientOptions = {}): AppApi {
  const baseUrl = options.baseUrl ?? window.location.origin;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => window.fetch(input, init));
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const initialDelay = options.initialDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const setTimer = options.setTimeout ?? ((fn: () => void, ms: number) => window.setTimeout(fn, ms));
  const clearTimer = options.clearTimeout ?? ((h: unknown) => window.clearTimeout(h as number));
  const now = options.now ?? (() => Date.now());

  const connection = new ConnectionStore();
  let socket: SocketLike | null = null;
  let attempts = 0;
  let timer: unknown = null;
  let closed = false;

  const send = (message: ClientMessage): void => {
    if (socket && socket.readyState === OPEN) socket.send(JSON.stringify(message));
  };
  const hub = new SubscriptionHub((jobs) => send({ type: 'watch', jobs }));

  const connect = (): void => {
    if (closed) return;
    timer = null;
    connection.set({ state: attempts === 0 ? 'connecting' : 'disconnected', retryAt: null, attempts });
    let ws: SocketLike;
    try {
      ws = createSocket(eventsUrl(baseUrl));
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempts = 0;
      connection.set({ state: 'connected', retryAt: null, attempts: 0 });
      send({ type: 'watch', jobs: hub.watched() });
    };
    ws.onmessage = (ev) => {
      if (socket !== ws || typeof ev.data !== 'string') return;
      let event: ApiEvent;
      try {
        event = JSON.parse(ev.data) as ApiEvent;
      } catch {
        console.warn('Cutover: ignoring an event that is not JSON');
        return;
      }
      if (event && typeof event === 'object' && typeof event.type === 'string') hub.dispatch(event);
    };
    ws.onerror = () => {
      /* onclose follows and reconnects */
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      scheduleReconnect();
    };
  };

  const scheduleReconnect = (): void => {
    if (closed || timer !== null) return;
    attempts += 1;
    const delay = backoffDelay(attempts, initialDelay, maxDelay);
    connection.set({ state: 'disconnected', retryAt: now() + delay, attempts });
    timer = setTimer(connect, delay);
  };

  connect();

  return {
    connection,
    async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      let res: Response;
      try {
        res = await doFetch(new URL(WEB.callPrefix + method, baseUrl).toString(), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // JSON has no undefined: an optional argument left out at the end is dropped, not sent as null.
          body: JSON.stringify({ args: withoutTrailingUndefined(args) }),
          credentials: 'same-origin',
        });
      } catch (e) {
        throw new ApiError(
          `Cannot reach the engine (${e instanceof Error ? e.message : String(e)}).`,
          'Check that `cutover ui` is still running, then try again.',
          'NETWORK',
        );
      }
      let body: ApiResponse<M> | null = null;
      try {
        body = (await res.json()) as ApiResponse<M>;
      } catch {
        body = null;
      }
      if (!body || typeof body !== 'object' || !('ok' in body)) {
        if (res.status === 401 || res.status === 403) {
          throw new ApiError(
            `The engine refused the request (HTTP ${res.status}).`,
            'Open the address `cutover ui` printed (the one with ?token=…) again.',
            'UNAUTHORIZED',
          );
        }
        throw new ApiError(`The engine answered HTTP ${res.status} without a result.`, null, 'HTTP');
      }
      if (body.ok) return body.result as ApiResult<M>;
      throw fromBody(body.error);
    },
    subscribe: (job, listener) => hub.subscribe(job, listener),
    close: () => {
      closed = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      const ws = socket;
      socket = null;
      ws?.close();
    },
  };
}

/** The arguments without the undefined ones at the end (optional arguments not given). */
export function withoutTrailingUndefined(args: readonly unknown[]): unknown[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return args.slice(0, n);
}
