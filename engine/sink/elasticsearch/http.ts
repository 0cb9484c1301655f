// The search cluster's REST API over node:http(s): one keep-alive agent, basic authentication or an API
// key, a CA file for https, JSON in and out. Requests the cluster could not take now (429, 502–504, a
// connection refused or reset) are retried with exponential backoff for up to `retryForMs` (a cluster down
// for minutes is waited for); the run's stop signal ends the wait.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { CutoverError } from '../../../shared/errors.js';
import type { SearchSinkConfig } from '../../../shared/job-config.js';
import type { Logger } from '../../core/logger.js';
import { isObject, memberOf, parseExactJson, type ExactJson } from './exact-json.js';

export interface SearchResponse {
  status: number;
  /** The parsed body (null for an empty one). */
  body: unknown;
}

export interface RequestOptions {
  /** Statuses that are an answer, not an error (e.g. 404 for "does it exist"). */
  ok?: number[];
  /** Content type of a string body (application/x-ndjson for _bulk). */
  contentType?: string;
  /** A 2xx answer's body as its text, unparsed (readers that must keep every digit: exact-json.ts). */
  raw?: boolean;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);
const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'SOCKET_TIMEOUT']);
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** An answer the cluster gave with an error status (after any retries). */
export class SearchHttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${path}: HTTP ${status} ${reasonOf(body)}`);
  }
}

/** The error's type and reason from an Elasticsearch/OpenSearch error body. */
export function reasonOf(body: unknown): string {
  const e = (body as { error?: unknown } | null)?.error;
  if (typeof e === 'string') return e;
  const err = e as { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] } | undefined;
  if (err?.type) return `${err.type}: ${err.reason ?? ''}`.trim();
  return typeof body === 'string' ? body.slice(0, 300) : JSON.stringify(body ?? '').slice(0, 300);
}

export class SearchClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string> = {};

  constructor(
    readonly cfg: Pick<SearchSinkConfig, 'url' | 'auth' | 'caFile'>,
    private readonly log?: Logger,
    private readonly signal?: AbortSignal,
    /** How long requests the cluster cannot take now are retried. */
    readonly retryForMs = 10 * 60_000,
  ) {
    this.base = new URL(cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`);
    const tls = this.base.protocol === 'https:';
    let ca: Buffer | undefined;
    if (cfg.caFile) {
      try {
        ca = readFileSync(cfg.caFile);
      } catch (e) {
        throw new CutoverError(`The search sink's CA file ${cfg.caFile} cannot be read: ${(e as Error).message}`, 'Give the path of the PEM file of the certificate authority that signed the cluster\'s certificate ("caFile").', 'CONFIG');
      }
    }
    this.agent = tls ? new https.Agent({ keepAlive: true, maxSockets: 8, ca }) : new http.Agent({ keepAlive: true, maxSockets: 8 });
    const auth = cfg.auth;
    if (auth && 'apiKey' in auth) this.headers.authorization = `ApiKey ${/^[A-Za-z0-9+/=]+$/.test(auth.apiKey) && !auth.apiKey.includes(':') ? auth.apiKey : Buffer.from(auth.apiKey).toString('base64')}`;
    else if (auth) this.headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }

  /** "host:port" without credentials, for messages. */
  get where(): string {
    return this.base.host;
  }

  /** One request, retried while the cluster cannot take it now; resolves with any status listed in `o.ok` or 2xx. */
  async request(method: string, path: string, body?: unknown, o: RequestOptions = {}): Promise<SearchResponse> {
    const deadline = Date.now() + this.retryForMs;
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      let r: SearchResponse;
      try {
        r = await this.once(method, path, body, o);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!RETRY_CODES.has(code) || Date.now() > deadline || this.signal?.aborted)
          throw new CutoverError(
            `The search cluster at ${this.where} did not answer ${method} /${path}: ${(e as Error).message}`,
            `Check that it runs and that ${this.base.origin} is reachable from here (curl ${this.base.origin}/), then run the job again.`,
            'SINK_DOWN',
          );
        if (attempt === 1 || attempt % 10 === 0) this.log?.warn(`search cluster ${this.where}: ${code} on ${method} /${path}; retrying (waiting up to ${Math.round(this.retryForMs / 60_000)} min)`);
        await sleep(delay, this.signal);
        delay = Math.min(delay * 2, 10_000);
        continue;
      }
      if (r.status < 300 || o.ok?.includes(r.status)) return r;
      if (RETRY_STATUS.has(r.status) && Date.now() < deadline && !this.signal?.aborted) {
        if (attempt === 1 || attempt % 10 === 0) this.log?.warn(`search cluster ${this.where}: HTTP ${r.status} on ${method} /${path} (${reasonOf(r.body)}); retrying with backoff`);
        await sleep(delay, this.signal);
        delay = Math.min(delay * 2, 10_000);
        continue;
      }
      throw new SearchHttpError(method, `/${path}`, r.status, r.body);
    }
  }

  private once(method: string, path: string, body: unknown, o: RequestOptions): Promise<SearchResponse> {
    const url = new URL(path, this.base);
    const data = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const headers: Record<string, string | number> = { ...this.headers, accept: 'application/json' };
    if (data !== undefined) {
      headers['content-type'] = o.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(data);
    }
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, timeout: 300_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          if (text && o.raw && (res.statusCode ?? 0) < 300) parsed = text;
          else if (text) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 300 s'), { code: 'SOCKET_TIMEOUT' })));
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One document of an `_mget` answer, read exactly (exact-json.ts): its `_source` (null when the index has no document with that `_id`) and its `_version`. */
export interface FetchedDocument {
  source: ExactJson | null;
  version: ExactJson | undefined;
}

export interface FetchOptions {
  /** `_id`s per `_mget` request. */
  perRequest: number;
  /** The error for an index that does not exist (without it, the cluster's 404 is thrown as it is). */
  missingIndex?: () => Error;
}

/**
 * The documents of these `_id`s in one index, as the cluster holds them now (`_mget`, real-time: refreshed
 * or not), by `_id`. A document the cluster answers with an error (a shard not available) throws: it is
 * neither found nor missing.
 */
export async function fetchDocuments(client: SearchClient, index: string, ids: readonly string[], o: FetchOptions): Promise<Map<string, FetchedDocument>> {
  const out = new Map<string, FetchedDocument>();
  for (let i = 0; i < ids.length; i += o.perRequest) {
    const r = await client.request('POST', `${encodeURIComponent(index)}/_mget?realtime=true`, { ids: ids.slice(i, i + o.perRequest) }, { raw: true, ok: o.missingIndex ? [404] : [] });
    if (r.status === 404 && o.missingIndex) throw o.missingIndex();
    const body = parseExactJson(String(r.body));
    const docs = isObject(body) ? memberOf(body, 'docs') : undefined;
    if (!Array.isArray(docs)) throw new Error(`the _mget answer of ${index} has no "docs": ${String(r.body).slice(0, 200)}`);
    for (const d of docs) {
      if (!isObject(d)) continue;
      const id = memberOf(d, '_id');
      if (typeof id !== 'string') continue;
      const err = memberOf(d, 'error');
      if (err !== undefined) throw new Error(`_mget of _id ${JSON.stringify(id)} in ${index}: ${JSON.stringify(err)}`);
      out.set(id, { source: memberOf(d, 'found') === true ? (memberOf(d, '_source') ?? null) : null, version: memberOf(d, '_version') });
    }
  }
  return out;
}
