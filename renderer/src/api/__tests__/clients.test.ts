import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiEvent, type ApiMethod, type ApiResponse, type CutoverBridge } from '../../../../shared/api';
import { createBridgeClient } from '../bridge-client';
import { backoffDelay, createHttpClient, eventsUrl, type SocketLike } from '../http-client';
import { createApi } from '../index';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({});
  }
  push(event: ApiEvent) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
}

function httpHarness(fetchImpl: typeof fetch = vi.fn()) {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const api = createHttpClient({
    baseUrl: 'http://127.0.0.1:8123',
    fetch: fetchImpl,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: () => undefined,
    now: () => 1000,
    initialDelayMs: 500,
    maxDelayMs: 4000,
  });
  return { api, sockets, timers, last: () => sockets[sockets.length - 1]! };
}

const jsonResponse = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('web client (HTTP + WebSocket)', () => {
  it('posts calls as {"args":[...]} and returns the result', async () => {
    const fetchImpl = vi.fn(async () => jsonResponse({ ok: true, result: { name: 'shop' } }));
    const { api } = httpHarness(fetchImpl as unknown as typeof fetch);
    await expect(api.call('openJob', { text: '{}', fileName: 'a.json' })).resolves.toEqual({ name: 'shop' });
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:8123/api/call/openJob');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ args: [{ text: '{}', fileName: 'a.json' }] });
    api.close();
  });

  it('leaves out optional arguments not given instead of sending null (the host refuses null)', async () => {
    const fetchImpl = vi.fn(async () => jsonResponse({ ok: true, result: null }));
    const { api } = httpHarness(fetchImpl as unknown as typeof fetch);
    await api.call('cutoverRun', 'shop', 'fence', undefined);
    await api.call('resume', 'shop', { skipDdl: true });
    const bodies = fetchImpl.mock.calls.map((c) => JSON.parse((c as unknown as [string, RequestInit])[1].body as string));
    expect(bodies).toEqual([{ args: ['shop', 'fence'] }, { args: ['shop', { skipDdl: true }] }]);
    api.close();
  });

  it('throws ApiError with the fix for {ok:false}, and for transport failures', async () => {
    const responses: (() => Promise<Response>)[] = [
      async () => jsonResponse({ ok: false, error: { message: 'Job is running.', fix: 'Stop it first.', code: 'RUNNING' } }, 409),
      async () => new Response('forbidden', { status: 403 }),
      async () => {
        throw new TypeError('Failed to fetch');
      },
    ];
    const { api } = httpHarness((() => responses.shift()!()) as unknown as typeof fetch);
    const e1 = await api.call('start', 'shop').catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ApiError);
    expect(e1).toMatchObject({ message: 'Job is running.', fix: 'Stop it first.', code: 'RUNNING' });
    await expect(api.call('start', 'shop')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(api.call('start', 'shop')).rejects.toMatchObject({ code: 'NETWORK' });
    api.close();
  });

  it('sends the watched union after connecting and whenever it changes', () => {
    const { api, last } = httpHarness();
    expect(last().url).toBe('ws://127.0.0.1:8123/api/events');
    expect(api.connection.get().state).toBe('connecting');
    const off1 = api.subscribe('b', () => undefined);
    last().open();
    expect(api.connection.get().state).toBe('connected');
    expect(last().sent).toEqual([{ type: 'watch', jobs: ['b'] }]);
    const off2 = api.subscribe('a', () => undefined);
    const off3 = api.subscribe('a', () => undefined);
    api.subscribe(null, () => undefined);
    expect(last().sent.at(-1)).toEqual({ type: 'watch', jobs: ['a', 'b'] });
    expect(last().sent).toHaveLength(2);
    off2();
    expect(last().sent).toHaveLength(2);
    off3();
    off1();
    expect(last().sent.slice(2)).toEqual([
      { type: 'watch', jobs: ['b'] },
      { type: 'watch', jobs: [] },
    ]);
    api.close();
  });

  it('dispatches events to listeners and ignores junk', () => {
    const { api, last } = httpHarness();
    const got: ApiEvent[] = [];
    api.subscribe(null, (e) => got.push(e));
    last().open();
    last().push({ type: 'errors', errors: [] });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    last().onmessage?.({ data: 'not json' });
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
    expect(got).toEqual([{ type: 'errors', errors: [] }]);
    api.close();
  });

  it('reconnects with backoff, reports the state, and re-sends the watch list', () => {
    const { api, sockets, timers, last } = httpHarness();
    api.subscribe('shop', () => undefined);
    last().open();
    last().drop();
    expect(api.connection.get()).toEqual({ state: 'disconnected', retryAt: 1500, attempts: 1 });
    expect(timers.map((t) => t.ms)).toEqual([500]);
    timers[0]!.fn();
    expect(sockets).toHaveLength(2);
    expect(api.connection.get().state).toBe('disconnected');
    last().drop(); // the engine is still down
    timers[1]!.fn();
    last().drop();
    timers[2]!.fn();
    last().drop();
    timers[3]!.fn();
    last().drop();
    expect(timers.map((t) => t.ms)).toEqual([500, 1000, 2000, 4000, 4000]);
    timers[4]!.fn();
    last().open();
    expect(api.connection.get()).toEqual({ state: 'connected', retryAt: null, attempts: 0 });
    expect(last().sent).toEqual([{ type: 'watch', jobs: ['shop'] }]);
    // Events from an old socket are ignored.
    const got: ApiEvent[] = [];
    api.subscribe(null, (e) => got.push(e));
    sockets[0]!.push({ type: 'logs', lines: [] });
    expect(got).toEqual([]);
    api.close();
    last().drop();
    expect(timers).toHaveLength(5); // closed: no more reconnects
  });

  it('builds ws:// and wss:// URLs', () => {
    expect(eventsUrl('http://localhost:8080')).toBe('ws://localhost:8080/api/events');
    expect(eventsUrl('https://example.test')).toBe('wss://example.test/api/events');
    expect([1, 2, 3, 10].map((n) => backoffDelay(n, 500, 10_000))).toEqual([500, 1000, 2000, 10_000]);
  });
});

describe('Electron bridge client', () => {
  function fakeBridge(answer: (method: ApiMethod, args: unknown[]) => ApiResponse<ApiMethod>) {
    let listener: ((e: ApiEvent) => void) | null = null;
    const bridge: CutoverBridge & { watched: string[][] } = {
      watched: [],
      call: vi.fn(async (method: ApiMethod, args: unknown[]) => answer(method, args)),
      watch(jobs) {
        this.watched.push(jobs);
      },
      onEvent(l) {
        listener = l;
        return () => (listener = null);
      },
    };
    return { bridge, push: (e: ApiEvent) => listener?.(e) };
  }

  it('unwraps results and turns {ok:false} into ApiError', async () => {
    const { bridge } = fakeBridge((method, args) =>
      method === 'listJobs' ? { ok: true, result: [] } : { ok: false, error: { message: `no ${String(args[0])}`, fix: 'Open it.', code: 'NO_JOB' } },
    );
    const api = createBridgeClient(bridge);
    await expect(api.call('listJobs')).resolves.toEqual([]);
    const e = await api.call('jobStatus', 'x').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ message: 'no x', fix: 'Open it.', code: 'NO_JOB' });
    expect(bridge.call).toHaveBeenCalledWith('jobStatus', ['x']);
    expect(api.connection.get().state).toBe('connected');
  });

  it('watches the union of subscribed jobs and forwards events', () => {
    const { bridge, push } = fakeBridge(() => ({ ok: true, result: null as never }));
    const api = createBridgeClient(bridge);
    const got: ApiEvent[] = [];
    const off1 = api.subscribe('a', (e) => got.push(e));
    const off2 = api.subscribe('a', () => undefined);
    const off3 = api.subscribe('b', () => undefined);
    push({ type: 'logs', lines: [] });
    expect(got).toHaveLength(1);
    off1();
    off2();
    off3();
    expect(bridge.watched).toEqual([['a'], ['a', 'b'], ['b'], []]);
  });

  it('is chosen when window.cutover exists', async () => {
    const { bridge } = fakeBridge(() => ({ ok: true, result: [] }));
    const api = createApi({ cutover: bridge } as unknown as Window);
    await api.call('listJobs');
    expect(bridge.call).toHaveBeenCalledOnce();
  });
});
