// Who may talk to `cutover ui`: only this machine (it listens on 127.0.0.1), only pages it served
// (Host and Origin must name it, which defeats DNS rebinding and cross-site requests), and only with the
// random token printed at launch. Opening `/?token=…` turns the token into an HttpOnly SameSite=Strict
// cookie, so the page's own requests carry it and nothing else can read it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export class UiAuth {
  readonly cookieName: string;

  constructor(
    readonly token: string,
    readonly port: number,
  ) {
    // Cookies are shared between the ports of one host: the port in the name keeps launches apart.
    this.cookieName = `cutover_${port}`;
  }

  private get origins(): string[] {
    return [`http://127.0.0.1:${this.port}`, `http://localhost:${this.port}`];
  }

  /** The Host header must be this server's own address (a rebinding attack sends the attacker's name). */
  hostOk(req: IncomingMessage): boolean {
    return req.headers.host === `127.0.0.1:${this.port}` || req.headers.host === `localhost:${this.port}`;
  }

  /** A browser sends Origin on POST and WebSocket requests: it must be this server. Absent: not a browser page. */
  originOk(req: IncomingMessage, required: boolean): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return !required;
    return this.origins.includes(origin);
  }

  /** The token, from the cookie or an `Authorization: Bearer` header (for scripts). */
  tokenOk(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && this.same(auth.slice(7))) return true;
    return this.same(readCookie(req.headers.cookie, this.cookieName));
  }

  /** `?token=…` on a page request: checked, then set as the cookie. */
  same(candidate: string | null | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  cookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}
