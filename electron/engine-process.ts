// The engine's process in the desktop app: an Electron utilityProcess (a Node process without any
// window or Electron UI API) that hosts engine/host EngineHost. The main process only relays: renderer
// calls and watch messages come in over process.parentPort, responses and events go back out.
// Jobs themselves run as `cutover run` child processes the host spawns (process.execPath with
// ELECTRON_RUN_AS_NODE=1), so a long copy never blocks the API or the window.
import { EngineHost, type HostConnection } from '../engine/host/engine-host.js';
import type { ApiErrorBody } from '../shared/api.js';
import { CutoverError } from '../shared/errors.js';
import { stateArg, type FromEngine, type ToEngine } from './engine-protocol.js';

const port = process.parentPort;
if (!port) {
  console.error('electron/engine-process.js runs only as an Electron utility process (utilityProcess.fork).');
  process.exit(2);
}

function send(message: FromEngine): void {
  port.postMessage(message);
}

function errorBody(e: unknown, code: string): ApiErrorBody {
  if (e instanceof CutoverError) return { message: e.message, fix: e.fix ?? null, code: e.code };
  return { message: e instanceof Error ? e.message : String(e), fix: null, code };
}

const statePath = stateArg(process.argv) ?? process.env.CUTOVER_STATE ?? null;

let host: EngineHost | null = null;
let openError: ApiErrorBody | null = null;
if (!statePath) {
  openError = { message: 'The engine was started without a state file path.', fix: 'Restart Cutover.', code: 'NO_STATE_PATH' };
} else {
  try {
    host = EngineHost.open({ statePath, shell: 'electron' });
  } catch (e) {
    const body = errorBody(e, 'STATE_OPEN');
    openError = {
      ...body,
      message: body.message.includes(statePath) ? body.message : `Cannot open the state file ${statePath}: ${body.message}`,
      // The desktop app has no --state flag: its way to another file is the environment.
      fix: 'Check that its folder is writable and that the disk is not full, or start Cutover with the environment variable CUTOVER_STATE set to another file.',
    };
  }
}

const connections = new Map<number, HostConnection>();
let shuttingDown = false;

function closeConnection(conn: number): void {
  const c = connections.get(conn);
  if (!c) return;
  connections.delete(conn);
  try {
    c.close();
  } catch (e) {
    console.error('Cutover engine: closing a connection failed:', e);
  }
}

async function shutdown(): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const conn of [...connections.keys()]) closeConnection(conn);
  let error: string | null = null;
  try {
    await host?.shutdown();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    console.error('Cutover engine: shutdown failed:', e);
  }
  send({ kind: 'shutdown-done', error });
  // Give the message a moment to leave before the process ends.
  setTimeout(() => process.exit(0), 50);
}

async function handle(message: ToEngine): Promise<void> {
  switch (message.kind) {
    case 'call': {
      if (shuttingDown) {
        send({ kind: 'response', id: message.id, response: { ok: false, error: { message: 'Cutover is closing.', fix: null, code: 'SHUTTING_DOWN' } } });
        return;
      }
      if (!host) {
        send({ kind: 'response', id: message.id, response: { ok: false, error: openError! } });
        return;
      }
      let response;
      try {
        response = await host.call(message.method, message.args);
      } catch (e) {
        // The host answers errors as values; this is a bug in it, still shown to the operator.
        response = { ok: false as const, error: errorBody(e, 'ENGINE') };
      }
      send({ kind: 'response', id: message.id, response });
      return;
    }
    case 'connect': {
      if (!host || shuttingDown || connections.has(message.conn)) return;
      const conn = message.conn;
      connections.set(conn, host.connect((event) => send({ kind: 'event', conn, event })));
      return;
    }
    case 'watch':
      connections.get(message.conn)?.watch(message.jobs);
      return;
    case 'disconnect':
      closeConnection(message.conn);
      return;
    case 'shutdown':
      await shutdown();
      return;
  }
}

port.on('message', (e) => {
  const message = e.data as ToEngine;
  if (!message || typeof message !== 'object' || typeof message.kind !== 'string') return;
  handle(message).catch((err: unknown) => console.error('Cutover engine: a message failed:', err));
});

// The main process ending without a shutdown message (a crash): still pause the jobs cleanly.
process.on('SIGTERM', () => void shutdown());
// An uncaught exception still ends this process (Node's default): the main process restarts the engine.

send({ kind: 'ready', error: openError });
