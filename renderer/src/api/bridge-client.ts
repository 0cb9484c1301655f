// CutoverApi over Electron's preload bridge (window.cutover).
import type { ApiArgs, ApiMethod, ApiResult, CutoverBridge } from '../../../shared/api';
import { ConnectionStore, type AppApi } from './connection';
import { fromBody, toApiError } from './errors';
import { SubscriptionHub } from './subscriptions';

export function createBridgeClient(bridge: CutoverBridge): AppApi {
  const hub = new SubscriptionHub((jobs) => bridge.watch(jobs));
  // The bridge is in-process: it is connected for as long as the window lives.
  const connection = new ConnectionStore({ state: 'connected', retryAt: null, attempts: 0 });
  const off = bridge.onEvent((event) => hub.dispatch(event));

  return {
    connection,
    async call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      let response;
      try {
        response = await bridge.call(method, args);
      } catch (e) {
        throw toApiError(e);
      }
      if (!response || typeof response !== 'object') throw fromBody(null);
      if (response.ok) return response.result as ApiResult<M>;
      throw fromBody(response.error);
    },
    subscribe: (job, listener) => hub.subscribe(job, listener),
    close: () => off(),
  };
}
