// The preload of Cutover's window: exposes exactly one object, `window.cutover` (shared/api.ts
// CutoverBridge), and nothing of Electron or Node. It is CommonJS (.cts → .cjs) because a sandboxed
// preload cannot be an ES module, and it may require only 'electron' (the sandbox has no file access),
// so the IPC channel names and method names are copied here and checked against shared/api.ts by the
// compiler: a change there that is not made here fails `npm run typecheck`.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent, ApiMethod, ApiResponse, CutoverBridge, IPC as SharedIpc } from '../shared/api.js';

const IPC = { call: 'cutover:call', event: 'cutover:event', watch: 'cutover:watch' } as const satisfies typeof SharedIpc;
// The other direction: no channel of shared/api.ts IPC may be missing or different here.
const sameChannels: typeof SharedIpc = IPC;
void sameChannels;

const METHODS = [
  'info',
  'sinkKinds',
  'listJobs',
  'jobStatus',
  'jobConfig',
  'openJob',
  'start',
  'pause',
  'resume',
  'stop',
  'removeJob',
  'resumeTable',
  'skipMessage',
  'retryTable',
  'recopyTable',
  'history',
  'logs',
  'errors',
  'dismissError',
  'startDemo',
  'listProfiles',
  'saveProfile',
  'deleteProfile',
  'testProfile',
  'kafkaTopics',
  'kafkaTopicSample',
  'getDraft',
  'saveDraft',
  'discardDraft',
  'wizardPreflight',
  'sourceCatalog',
  'checkFilter',
  'sampleMessage',
  'mappingPreview',
  'estimate',
  'exportJob',
  'createJob',
  'verify',
  'verification',
  'repair',
  'verificationHistory',
  'cutoverState',
  'cutoverRun',
  'cutoverUndo',
  'cutoverReport',
  'cutoverKill',
  'rollbackState',
  'rollbackRun',
  'rollbackReport',
] as const satisfies readonly ApiMethod[];
type MissingMethod = Exclude<ApiMethod, (typeof METHODS)[number]>;
const everyMethodListed: [MissingMethod] extends [never] ? true : MissingMethod = true;
void everyMethodListed;

const methodSet: ReadonlySet<string> = new Set(METHODS);

function refused(code: string, message: string): Promise<ApiResponse<ApiMethod>> {
  return Promise.resolve({ ok: false, error: { code, message, fix: null } });
}

const listeners = new Set<(event: ApiEvent) => void>();
let watchSent = false;

ipcRenderer.on(IPC.event, (_e: IpcRendererEvent, event: ApiEvent) => {
  // The IPC event object (with its sender) never reaches the page: only the ApiEvent does.
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (err) {
      console.error('Cutover: an event listener failed', err);
    }
  }
});

const bridge: CutoverBridge = {
  call(method: ApiMethod, args: unknown[]): Promise<ApiResponse<ApiMethod>> {
    if (typeof method !== 'string' || !methodSet.has(method)) {
      return refused('UNKNOWN_METHOD', `The engine has no method ${JSON.stringify(String(method)).slice(0, 80)}.`);
    }
    if (args !== undefined && !Array.isArray(args)) return refused('BAD_ARGUMENTS', `The arguments of ${method} must be a list.`);
    return ipcRenderer.invoke(IPC.call, method, args ?? []) as Promise<ApiResponse<ApiMethod>>;
  },
  watch(jobs: string[]): void {
    if (!Array.isArray(jobs) || !jobs.every((j) => typeof j === 'string')) {
      console.error('Cutover: watch() takes a list of job names');
      return;
    }
    watchSent = true;
    ipcRenderer.send(IPC.watch, [...jobs]);
  },
  onEvent(listener: (event: ApiEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent() takes a function');
    listeners.add(listener);
    // The first listener of this page opens its connection to the engine (watching no job yet), so
    // the jobs list, logs and errors are pushed even before the page watches a job.
    if (!watchSent) {
      watchSent = true;
      ipcRenderer.send(IPC.watch, []);
    }
    return () => {
      listeners.delete(listener);
    };
  },
};

contextBridge.exposeInMainWorld('cutover', bridge);
