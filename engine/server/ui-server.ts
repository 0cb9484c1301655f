// Web mode: serves the built renderer and the engine host's API on 127.0.0.1 only. Every request,
// static files included, must carry the per-launch token (auth.ts); the WebSocket too. The browser's
// cookie lives on a per-launch `<random>.localhost` name, so no other local server receives it. No CORS
// headers are ever sent: other origins cannot read anything.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { WEB, type ClientMessage } from '../../shared/api.js';
import { CutoverError } from '../../shared/errors.js';
import type { EngineHost } from '../host/engine-host.js';
import { UiAuth, newHostLabel, newToken } from './auth.js';
import { serveStatic } from './static-files.js';

const MAX_BODY = 8 * 1024 * 1024;
/** A client this far behind is disconnected; it reconnects and reads the history again. */
const MAX_BUFFERED = 16 * 1024 * 1024;

export interface UiServer {
  /** The dashboard's page: http://<random>.localhost:PORT/ */
  url: string;
  /** The URL that logs a browser in (the token as a query parameter). */
  loginUrl: string;
  /** For scripts (with `Authorization: Bearer <token>`): http://127.0.0.1:PORT/ */
  apiUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export function contentSecurityPolicy(hostName: string, port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${hostName}:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export async function startUiServer(o: { host: EngineHost; port: number; rendererDir: string; token?: string }): Promise<UiServer> {
  const token = o.token ?? newToken();
  const hostLabel = newHostLabel();
  let auth = new UiAuth(token, o.port, hostLabel);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, { ok: false, error: { message: (e as Error).message, fix: null, code: 'INTERNAL' } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    secureHeaders(res, auth);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!auth.hostOk(req)) return refuse(res, 403, `This server only answers requests addressed to ${auth.hostName}, 127.0.0.1 or localhost on its own port.`);
    if (!auth.originOk(req, false)) return refuse(res, 403, 'Requests from other web pages are refused.');
    if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
      if (!auth.same(url.searchParams.get('token'))) return refuse(res, 401, 'Wrong token: open the URL `cutover ui` printed at launch.');
      // The cookie is only ever set on the dashboard's own name: a login on 127.0.0.1 or localhost goes there.
      if (!auth.onOwnHost(req)) res.writeHead(303, { Location: auth.loginUrl() }).end();
      else res.writeHead(303, { 'Set-Cookie': auth.cookie(), Location: '/' }).end();
      return;
    }
    if (!auth.tokenOk(req)) return refuse(res, 401, 'Missing or wrong token: open the URL `cutover ui` printed at launch (it ends with ?token=…).');
    if (url.pathname.startsWith(WEB.callPrefix)) {
      if (req.method !== 'POST') return refuse(res, 405, 'API calls are POST requests.');
      const body = await readBody(req);
      let args: unknown;
      try {
        args = (JSON.parse(body || '{}') as { args?: unknown }).args ?? [];
      } catch {
        return send(res, 400, { ok: false, error: { message: 'The request body is not JSON.', fix: 'Send {"args": [...]}.', code: 'BAD_REQUEST' } });
      }
      const response = await o.host.call(decodeURIComponent(url.pathname.slice(WEB.callPrefix.length)), args);
      return send(res, 200, response);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET for pages.');
    if (!(await serveStatic(o.rendererDir, url.pathname, res))) refuse(res, 404, `Not found: ${url.pathname}`);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ok = url.pathname === WEB.events && auth.hostOk(req) && auth.originOk(req, false) && auth.tokenOk(req);
    if (!ok) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const conn = o.host.connect((event) => {
      if (ws.readyState !== ws.OPEN) throw new Error('closed');
      if (ws.bufferedAmount > MAX_BUFFERED) {
        ws.terminate();
        throw new Error('client too slow');
      }
      ws.send(JSON.stringify(event));
    });
    ws.on('message', (data) => {
      try {
        const msg = JSON.parse(String(data)) as ClientMessage;
        if (msg.type === 'watch' && Array.isArray(msg.jobs) && msg.jobs.length <= 50 && msg.jobs.every((j) => typeof j === 'string')) conn.watch(msg.jobs);
      } catch {
        ws.close(1003, 'bad message');
      }
    });
    ws.on('close', () => conn.close());
    ws.on('error', () => conn.close());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new CutoverError(`Port ${o.port} on 127.0.0.1 is already in use.`, 'Choose another with --port N (or --port 0 for any free port).', 'PORT_IN_USE')
          : e,
      ),
    );
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  auth = new UiAuth(token, port, hostLabel);
  return {
    port,
    token,
    url: `${auth.origin}/`,
    loginUrl: auth.loginUrl(),
    apiUrl: `http://127.0.0.1:${port}/`,
    close: () => closeServer(server, wss),
  };
}

function secureHeaders(res: ServerResponse, auth: UiAuth): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(auth.hostName, auth.port));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(text);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  send(res, status, { ok: false, error: { message, fix: null, code: status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : 'BAD_REQUEST' } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new CutoverError('The request is too large.', undefined, 'TOO_LARGE'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function closeServer(server: Server, wss: WebSocketServer): Promise<void> {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}
