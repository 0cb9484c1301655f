// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import type { ApiEvent } from '../../../../shared/api';
import { SubscriptionHub } from '../subscriptions';

describe('SubscriptionHub', () => {
  it('refcounts watched jobs and reports the union only when it changes', () => {
    const changes: string[][] = [];
    const hub = new SubscriptionHub((jobs) => changes.push(jobs));
    const offA1 = hub.subscribe('a', () => undefined);
    const offA2 = hub.subscribe('a', () => undefined);
    const offNull = hub.subscribe(null, () => undefined);
    const offB = hub.subscribe('b', () => undefined);
    expect(changes).toEqual([['a'], ['a', 'b']]);
    offA1();
    expect(changes).toHaveLength(2); // 'a' is still watched by the second subscription
    offA1(); // unsubscribing twice changes nothing
    expect(hub.watched()).toEqual(['a', 'b']);
    offA2();
    expect(changes.at(-1)).toEqual(['b']);
    offNull();
    expect(changes).toHaveLength(3);
    offB();
    expect(changes.at(-1)).toEqual([]);
    expect(hub.size).toBe(0);
  });

  it('gives every event to every listener, even when one throws', () => {
    const hub = new SubscriptionHub(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const got: ApiEvent[] = [];
    hub.subscribe('a', () => {
      throw new Error('boom');
    });
    const off = hub.subscribe(null, (e) => got.push(e));
    const event: ApiEvent = { type: 'logs', lines: [] };
    hub.dispatch(event);
    expect(got).toEqual([event]);
    expect(error).toHaveBeenCalledOnce();
    off();
    hub.dispatch(event);
    expect(got).toHaveLength(1);
    error.mockRestore();
  });
});
