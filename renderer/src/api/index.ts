// Chooses the API implementation: Electron's preload bridge when present, else HTTP + WebSocket.
import type { CutoverBridge } from '../../../shared/api';
import { createBridgeClient } from './bridge-client';
import type { AppApi } from './connection';
import { createHttpClient } from './http-client';

declare global {
  interface Window {
    /** Exposed by Electron's preload (contextBridge); absent in web mode. */
    cutover?: CutoverBridge;
  }
}

export function createApi(win: Window = window): AppApi {
  return win.cutover ? createBridgeClient(win.cutover) : createHttpClient();
}

export type { AppApi, ConnectionInfo, ConnectionState } from './connection';
export { ConnectionStore } from './connection';
export { toApiError } from './errors';
