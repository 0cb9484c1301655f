// Helpers for tests against the throwaway search clusters (scripts/search-server.mjs): OpenSearch 2.19 and
// Elasticsearch 7.17 on the lane's port base + 60 / + 62, and the independent reader
// (test/helpers/search-reader.py: python3 and the mariadb client, no Cutover code) that checks an index's
// documents against its source table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, lanePortBase, sourceUrl } from './db.js';

export type Flavour = 'opensearch' | 'elasticsearch';
export const FLAVOURS: Flavour[] = ['opensearch', 'elasticsearch'];

export interface SearchInstance {
  flavour: Flavour;
  name: string;
  port: number;
  dir: string;
  url: string;
}

interface SearchServerModule {
  searchInstance(flavour: Flavour, prefix: string, portBase: number): SearchInstance;
  startSearch(inst: SearchInstance): Promise<{ url: string; already: boolean; version: string }>;
  stopSearch(inst: SearchInstance, o?: { wipe?: boolean }): Promise<void>;
}

export async function searchServers(): Promise<SearchServerModule> {
  return (await import(pathToFileURL(join(ROOT, 'scripts/search-server.mjs')).href)) as SearchServerModule;
}

/** The lane's instance of a flavour (prefix "search"). */
export async function searchInstanceOf(flavour: Flavour): Promise<SearchInstance> {
  return (await searchServers()).searchInstance(flavour, 'search', lanePortBase(33060));
}

/** Starts the lane's server of a flavour; a server that cannot start throws (the test fails, never skips). */
export async function startSearchServer(flavour: Flavour): Promise<SearchInstance> {
  const m = await searchServers();
  const inst = m.searchInstance(flavour, 'search', lanePortBase(33060));
  await m.startSearch(inst);
  return inst;
}

export async function stopSearchServer(inst: SearchInstance): Promise<void> {
  await (await searchServers()).stopSearch(inst);
}

/** "host port user password" of the test source, for the reader's mariadb client. */
function mysqlArgs(): string {
  const u = new URL(sourceUrl());
  return `${u.hostname} ${u.port || '3306'} ${decodeURIComponent(u.username)} ${decodeURIComponent(u.password)}`;
}

/** Runs the independent reader on one table; returns its report (the last line counts rows, documents, differences). */
export function readBack(inst: SearchInstance, db: string, table: string, index: string): { ok: boolean; report: string } {
  const r = spawnSync('python3', [join(ROOT, 'test/helpers/search-reader.py'), '--mysql', mysqlArgs(), '--db', db, '--table', table, '--url', inst.url, '--index', index], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.error, undefined, `search-reader.py: ${String(r.error)}`);
  return { ok: r.status === 0, report: `${r.stdout}${r.stderr}`.trim() };
}

/** A request to the cluster; the parsed answer. */
export async function searchRequest(inst: SearchInstance, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${inst.url}/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** Tables of test/fixtures/types.sql the search corpus leaves out: keyless ones (refused: their own test), and a name that is no valid index name (a space). */
export const NOT_IN_CORPUS = ['t_no_key', 't_nullable_unique', 't_pk_prefix', 'we`ird tab'];

/** A copy job ("mode": "snapshot") of these tables into the instance. */
export function searchJob(name: string, inst: SearchInstance, include: string[], exclude: string[] = [], snapshot: Record<string, unknown> = {}): unknown {
  return {
    name,
    source: { url: sourceUrl() },
    sink: { type: 'elasticsearch', url: inst.url, settings: { number_of_replicas: 0 } },
    tables: { include, exclude },
    mode: 'snapshot',
    snapshot: { chunkRows: 100, parallelism: 3, ...snapshot },
  };
}
