// Helpers for tests of web mode: start `cutover ui` on a free port and call its API with the token.
import type { ChildProcess } from 'node:child_process';
import type { ApiArgs, ApiMethod, ApiResponse, ApiResult } from '../../shared/api.js';
import { startCli } from './db.js';

export interface RunningUi {
  child: ChildProcess;
  port: number;
  token: string;
  /** http://127.0.0.1:PORT/ (for scripts: Node does not resolve *.localhost, browsers do) */
  url: string;
  /** The dashboard's own page, http://<random>.localhost:PORT/ (the only host that gets the cookie) */
  pageUrl: string;
  /** The URL with ?token=… that logs a browser in. */
  loginUrl: string;
  /** Calls the API with the token as a Bearer header; throws on { ok: false }. */
  call<M extends ApiMethod>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>>;
  /** The raw response of a call, for tests of refusals. */
  raw<M extends ApiMethod>(method: M, args: unknown[]): Promise<ApiResponse<M>>;
  stop(): Promise<void>;
  output(): string;
}

export async function startUi(statePath: string, extraArgs: string[] = []): Promise<RunningUi> {
  const { child, done } = startCli(['ui', '--port', '0', '--state', statePath, ...extraArgs]);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cutover ui did not print its URL within 20 s:\n${out}`)), 20_000);
    const onData = (): void => {
      const m = /Cutover dashboard: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void done.then((r) => reject(new Error(`cutover ui exited (${r.code}) before it printed its URL:\n${out}`)));
  });
  const u = new URL(loginUrl);
  const token = u.searchParams.get('token')!;
  const base = `http://127.0.0.1:${u.port}/`;
  const raw = async <M extends ApiMethod>(method: M, args: unknown[]): Promise<ApiResponse<M>> => {
    const res = await fetch(`${base}api/call/${method}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ args }),
    });
    return (await res.json()) as ApiResponse<M>;
  };
  return {
    child,
    port: Number(u.port),
    token,
    url: base,
    pageUrl: `${u.origin}/`,
    loginUrl,
    raw,
    async call(method, ...args) {
      const r = await raw(method, args);
      if (!r.ok) throw new Error(`${method} failed: ${r.error.message}${r.error.fix ? ` (fix: ${r.error.fix})` : ''}`);
      return r.result;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await done;
    },
    output: () => out,
  };
}
