// `cutover ui`: the dashboard in a browser. Serves the built renderer and the engine host's API on
// 127.0.0.1, guarded by a token printed once; Ctrl-C pauses the jobs it runs and exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CutoverError, formatError } from '../../../shared/errors.js';
import { EngineHost } from '../../host/engine-host.js';
import { startUiServer } from '../../server/ui-server.js';
import { uiStatePath } from '../../state/default-path.js';

interface UiOpts {
  port: string;
  open?: boolean;
  state?: string;
  demo?: boolean;
}

const RENDERER = fileURLToPath(new URL('../../../renderer/', import.meta.url));

export async function uiCommand(opts: UiOpts): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CutoverError(`--port ${opts.port} is not a port number.`, 'Give 1–65535, or 0 for any free port.', 'CONFIG');
  if (!existsSync(`${RENDERER}index.html`)) throw new CutoverError(`The dashboard is not built (${RENDERER}index.html is missing).`, 'Run `npm run build` first.', 'CONFIG');
  // The demo gets a state file of its own (not the operator's real one) unless --state names one.
  const host = EngineHost.open({ statePath: uiStatePath(opts.state, opts.demo ?? false), shell: 'web' });
  let server;
  try {
    server = await startUiServer({ host, port, rendererDir: RENDERER });
  } catch (e) {
    await host.shutdown();
    throw e;
  }
  process.stdout.write(
    `Cutover dashboard: ${server.loginUrl}\n` +
      `(state file: ${host.statePath}; only this machine can connect, and only with the token in that URL; ` +
      `scripts: ${server.apiUrl} with "Authorization: Bearer <token>"; Ctrl-C to quit)\n`,
  );
  if (opts.open) openBrowser(server.loginUrl);

  let quitting = false;
  const quit = async (sig: string): Promise<void> => {
    if (quitting) process.exit(130);
    quitting = true;
    process.stderr.write(`\n${sig}: pausing running jobs after their batch in flight, then quitting (again to force)\n`);
    await server.close();
    await host.shutdown();
    process.exit(0);
  };
  process.on('SIGINT', () => void quit('SIGINT'));
  process.on('SIGTERM', () => void quit('SIGTERM'));

  if (opts.demo) {
    process.stdout.write('starting the demo: throwaway MariaDB servers, the sample shop and its write load (about half a minute)…\n');
    const r = await host.call('startDemo', []);
    if (r.ok) process.stdout.write(`demo job "${(r.result as { name: string }).name}" is running: watch it in the dashboard\n`);
    else process.stderr.write(`cutover: the demo did not start: ${formatError(new CutoverError(r.error.message, r.error.fix ?? undefined))}\n`);
  }
  await new Promise(() => undefined); // serve until a signal
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not open a browser (${cmd} is missing): open the URL above yourself\n`));
  child.unref();
}
