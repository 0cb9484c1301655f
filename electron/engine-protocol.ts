// Messages between the main process and the engine utility process (electron/engine-process.ts) over
// process.parentPort / UtilityProcess.postMessage (structured clone). One renderer window is one
// connection (`conn`, its webContents id): the engine keeps one HostConnection per conn.
import type { ApiErrorBody, ApiEvent, ApiMethod, ApiResponse } from '../shared/api.js';

/** main → engine */
export type ToEngine =
  | { kind: 'call'; id: number; method: ApiMethod; args: unknown[] }
  | { kind: 'connect'; conn: number }
  | { kind: 'watch'; conn: number; jobs: string[] }
  | { kind: 'disconnect'; conn: number }
  /** Pause the jobs this host runs (each checkpoints), close the state file, then answer shutdown-done and exit. */
  | { kind: 'shutdown' };

/** engine → main */
export type FromEngine =
  /** The host is open (or could not be: `error`, and every call answers it). */
  | { kind: 'ready'; error: ApiErrorBody | null }
  | { kind: 'response'; id: number; response: ApiResponse<ApiMethod> }
  | { kind: 'event'; conn: number; event: ApiEvent }
  | { kind: 'shutdown-done'; error: string | null };

/** The argument that carries the state file's path to the engine process. */
export const STATE_ARG = '--state';

export function stateArg(argv: readonly string[]): string | null {
  const i = argv.indexOf(STATE_ARG);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1] ?? null;
  const eq = argv.find((a) => a.startsWith(STATE_ARG + '='));
  return eq ? eq.slice(STATE_ARG.length + 1) : null;
}
