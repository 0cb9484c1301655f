// Who may talk to `cutover ui`: only this machine (it listens on 127.0.0.1), only pages it served
// (Host and Origin must name it, which defeats DNS rebinding and cross-site requests), and only with the
// random token printed at launch.
//
// Browsers send a cookie set by 127.0.0.1 (or localhost) to every port of that host, so a cookie there
// would reach any other local server. The dashboard therefore lives on a per-launch random host name,
// `<random>.localhost` (browsers resolve *.localhost to the loopback address without DNS): opening
// `http://<random>.localhost:PORT/?token=…` turns the token into an HttpOnly SameSite=Strict cookie
// that is host-only for that name, so no server on 127.0.0.1, localhost or another name ever receives
// it. Scripts call 127.0.0.1 (or the random name) with `Authorization: Bearer <token>`.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'cutover_token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A random DNS label (lower-case letters and digits, 20 characters): the dashboard's own host name is `<label>.localhost`. */
export function newHostLabel(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}

export class UiAuth {
  /** The dashboard's host name, e.g. `k3x…9q.localhost`. */
  readonly hostName: string;

  constructor(
    readonly token: string,
    readonly port: number,
    hostLabel: string,
  ) {
    this.hostName = `${hostLabel}.localhost`;
  }

  /** The dashboard's origin: the only one whose pages get the cookie and may call the API from a browser. */
  get origin(): string {
    return `http://${this.hostName}:${this.port}`;
  }

  /** The Host header must be this server's own address (a rebinding attack sends the attacker's name). */
  hostOk(req: IncomingMessage): boolean {
    const host = req.headers.host?.toLowerCase();
    return host === `${this.hostName}:${this.port}` || host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  /** Requests addressed to the dashboard's own name (the others are scripts on 127.0.0.1, or a login to forward). */
  onOwnHost(req: IncomingMessage): boolean {
    return req.headers.host?.toLowerCase() === `${this.hostName}:${this.port}`;
  }

  /** A browser sends Origin on POST and WebSocket requests: it must be the dashboard. Absent: not a browser page. */
  originOk(req: IncomingMessage, required: boolean): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return !required;
    return origin === this.origin;
  }

  /** The token, from an `Authorization: Bearer` header (scripts), or from the cookie on the dashboard's own host name. */
  tokenOk(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && this.same(auth.slice(7))) return true;
    return this.onOwnHost(req) && this.same(readCookie(req.headers.cookie, COOKIE_NAME));
  }

  /** `?token=…` on a page request: checked, then set as the cookie. */
  same(candidate: string | null | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** Host-only (no Domain attribute): sent back to `<random>.localhost:*` only, never to 127.0.0.1 or localhost. */
  cookie(): string {
    return `${COOKIE_NAME}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** The URL that logs a browser in. */
  loginUrl(): string {
    return `${this.origin}/?token=${this.token}`;
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}
