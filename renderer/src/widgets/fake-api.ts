// A small in-memory CutoverApi for component tests: canned method results and hand-pushed events.
import type { ApiArgs, ApiEvent, ApiMethod, ApiResult, CutoverApi } from '../../../shared/api.js';

export interface FakeCall {
  method: ApiMethod;
  args: unknown[];
}

export class FakeApi implements CutoverApi {
  readonly calls: FakeCall[] = [];
  readonly listeners = new Set<{ job: string | null; fn: (e: ApiEvent) => void }>();
  private handlers: Partial<{ [M in ApiMethod]: (...args: ApiArgs<M>) => ApiResult<M> | Promise<ApiResult<M>> }> = {};

  on<M extends ApiMethod>(method: M, handler: (...args: ApiArgs<M>) => ApiResult<M> | Promise<ApiResult<M>>): this {
    (this.handlers as Record<string, unknown>)[method] = handler;
    return this;
  }

  async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
    this.calls.push({ method, args });
    const h = this.handlers[method] as ((...a: ApiArgs<M>) => ApiResult<M> | Promise<ApiResult<M>>) | undefined;
    if (!h) throw new Error(`FakeApi: no handler for ${method}`);
    return h(...args);
  }

  subscribe(job: string | null, listener: (event: ApiEvent) => void): () => void {
    const entry = { job, fn: listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  emit(event: ApiEvent): void {
    for (const l of [...this.listeners]) l.fn(event);
  }

  callsOf(method: ApiMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }
}
