// Test helpers: a small fake CutoverApi (records calls, answers from handlers, pushes events) and fixtures.
import { act } from '@testing-library/react';
import { vi } from 'vitest';
import { ApiError, type ApiArgs, type ApiEvent, type ApiMethod, type ApiResult, type JobStatus, type JobSummary, type StreamStatus } from '../../../../shared/api';
import { ConnectionStore, type AppApi } from '../../api/connection';
import { SubscriptionHub } from '../../api/subscriptions';
import { SINK_KINDS } from './fixtures';

type Handlers = { [M in ApiMethod]?: (...args: ApiArgs<M>) => ApiResult<M> | Promise<ApiResult<M>> };

export interface FakeApi {
  api: AppApi;
  calls: { method: ApiMethod; args: unknown[] }[];
  watches: string[][];
  emit(event: ApiEvent): void;
  callsOf(method: ApiMethod): unknown[][];
}

/** Answers every fake has unless a test gives its own: the engine's sink kinds. */
const DEFAULTS: Handlers = { sinkKinds: () => SINK_KINDS };

export function fakeApi(handlers: Handlers = {}): FakeApi {
  const calls: { method: ApiMethod; args: unknown[] }[] = [];
  const watches: string[][] = [];
  const hub = new SubscriptionHub((jobs) => watches.push(jobs));
  const api: AppApi = {
    connection: new ConnectionStore({ state: 'connected', retryAt: null, attempts: 0 }),
    async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      calls.push({ method, args });
      const h = (handlers[method] ?? DEFAULTS[method]) as ((...a: unknown[]) => ApiResult<M> | Promise<ApiResult<M>>) | undefined;
      if (!h) throw new ApiError(`${method} is not faked`, null, 'TEST');
      return h(...args);
    },
    subscribe: (job, listener) => hub.subscribe(job, listener),
    close: vi.fn(),
  };
  return {
    api,
    calls,
    watches,
    emit: (event) => act(() => hub.dispatch(event)),
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.args),
  };
}

export function summary(over: Partial<JobSummary> = {}): JobSummary {
  return {
    name: 'shop',
    mode: 'snapshot+stream',
    state: 'running',
    phase: 'copying',
    error: null,
    rowsCopied: 500,
    estimatedRows: 1000,
    tables: 3,
    lagSeconds: null,
    lastActivity: Date.now() - 30_000,
    controllable: true,
    ...over,
  };
}

export function stream(over: Partial<StreamStatus> = {}): StreamStatus {
  return {
    applied: { file: 'mysql-bin.000003', pos: 1200, gtid: '0-1-55' },
    source: { file: 'mysql-bin.000003', pos: 1500, gtid: '0-1-57' },
    target: { file: 'mysql-bin.000003', pos: 900 },
    caughtUp: true,
    lagSeconds: 1.5,
    heartbeatLagMs: 320,
    behindBytes: 300,
    behindTxs: 2,
    retentionSecondsLeft: null,
    updatedAt: Date.now(),
    eventsPerSecond: { transactions: 12, inserts: 30, updates: 10, deletes: 2, ddl: 0 },
    pendingDdl: null,
    pausedTables: [],
    ...over,
  };
}

export function status(over: Partial<JobStatus> = {}): JobStatus {
  return {
    name: 'shop',
    mode: 'snapshot+stream',
    state: 'running',
    phase: 'copying',
    error: null,
    startedAt: Date.now() - 60_000,
    finishedAt: null,
    updatedAt: Date.now(),
    rowsCopied: 1234,
    estimatedRows: 5000,
    rowsPerSecond: 2500,
    bytesPerSecond: 1048576,
    etaSeconds: 90,
    sinkWaitingSeconds: null,
    copyStartPosition: { file: 'mysql-bin.000003', pos: 400, gtid: '0-1-40' },
    copyEndPosition: null,
    stream: null,
    tables: [
      {
        source: 'shop.orders',
        sink: 'shop.orders',
        state: 'copying',
        rowsCopied: 1234,
        estimatedRows: 5000,
        chunksDone: 1,
        chunksTotal: 3,
        chunksTotalExact: true,
        rowsPerSecond: 2500,
        etaSeconds: 90,
        inserts: 0,
        updates: 0,
        deletes: 0,
        error: null,
      },
    ],
    ...over,
  };
}
