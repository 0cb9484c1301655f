// Helpers for tests against the throwaway search clusters (scripts/search-server.mjs): OpenSearch 2.19 and
// Elasticsearch 7.17 on the lane's port base + 80 / + 82, and the independent reader
// (test/helpers/search-reader.py: python3 and the mariadb client, no Cutover code) that checks an index's
// documents against its source table.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ROOT, lanePortBase, sourceUrl } from './db.js';
import type { FileAndPos } from './stream.js';

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
  startSearch(inst: SearchInstance, o?: { quick?: boolean }): Promise<{ url: string; already: boolean; version: string }>;
  stopSearch(inst: SearchInstance, o?: { wipe?: boolean }): Promise<void>;
}

export async function searchServers(): Promise<SearchServerModule> {
  return (await import(pathToFileURL(join(ROOT, 'scripts/search-server.mjs')).href)) as SearchServerModule;
}

/** The lane's servers' prefix: its own folders under $CUTOVER_SERVICES_DIR, so two lanes never share one. */
export function searchPrefix(): string {
  return `search${lanePortBase(33060)}`;
}

/** The lane's instance of a flavour. */
export async function searchInstanceOf(flavour: Flavour): Promise<SearchInstance> {
  return (await searchServers()).searchInstance(flavour, searchPrefix(), lanePortBase(33060));
}

/**
 * Starts the lane's server of a flavour, quick to start (C1 compiler, serial collector: the tests' data is
 * small); a server that cannot start throws (the test fails, never skips).
 */
export async function startSearchServer(flavour: Flavour): Promise<SearchInstance> {
  const m = await searchServers();
  const inst = m.searchInstance(flavour, searchPrefix(), lanePortBase(33060));
  await m.startSearch(inst, { quick: true });
  return inst;
}

/** Both flavours' servers of the lane, started side by side. */
export async function startSearchServers(): Promise<Map<Flavour, SearchInstance>> {
  const started = await Promise.allSettled(FLAVOURS.map((f) => startSearchServer(f)));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const r of started) if (r.status === 'fulfilled') await stopSearchServer(r.value);
    throw failed.reason;
  }
  return new Map(started.map((r, i) => [FLAVOURS[i]!, (r as PromiseFulfilledResult<SearchInstance>).value]));
}

/**
 * A test file's clusters: both flavours started before its tests (side by side) and done with after them
 * (stopSearchServer). Call at the top level of the file; the map is filled once they answer.
 */
export function useSearchServers(): Map<Flavour, SearchInstance> {
  const servers = new Map<Flavour, SearchInstance>();
  before(async () => {
    for (const [f, inst] of await startSearchServers()) servers.set(f, inst);
  }, { timeout: 20 * 60_000 });
  after(async () => {
    for (const inst of servers.values()) await stopSearchServer(inst);
  });
  return servers;
}

/**
 * Done with a server at the end of a file. Under `npm test`'s lanes (CUTOVER_TEST_SEARCH_KEPT=1) the server
 * stays up for the lane's next search file and the runner stops it when the lane ends (a start costs about a
 * minute on two cores); run alone, the file stops it. A test that needs the cluster down calls
 * haltSearchServer.
 */
export async function stopSearchServer(inst: SearchInstance): Promise<void> {
  if (process.env.CUTOVER_TEST_SEARCH_KEPT === '1') return;
  await haltSearchServer(inst);
}

/** Stops the server now, whoever started it. */
export async function haltSearchServer(inst: SearchInstance): Promise<void> {
  await (await searchServers()).stopSearch(inst);
}

/** "host port user password" of the test source, for the reader's mariadb client. */
function mysqlArgs(): string {
  const u = new URL(sourceUrl());
  return `${u.hostname} ${u.port || '3306'} ${decodeURIComponent(u.username)} ${decodeURIComponent(u.password)}`;
}

/**
 * Runs the independent reader on tables of `db`, each against its index (one python process for all);
 * returns its report (per table, a last line counting rows, documents, differences).
 */
export function readBack(inst: SearchInstance, db: string, tables: { table: string; index: string }[]): { ok: boolean; report: string } {
  const each = tables.flatMap(({ table, index }) => ['--table', table, '--index', index]);
  const r = spawnSync('python3', [join(ROOT, 'test/helpers/search-reader.py'), '--mysql', mysqlArgs(), '--db', db, '--url', inst.url, ...each], {
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

/** The search sink's stored position (the state file's job row), or null. */
export function searchCheckpoint(stateFile: string): FileAndPos | null {
  if (!existsSync(stateFile)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(stateFile, { readonly: true, fileMustExist: true });
    const j = db.prepare('SELECT sink_checkpoint AS c FROM jobs LIMIT 1').get() as { c: string | null } | undefined;
    return j?.c ? (JSON.parse(j.c) as FileAndPos) : null;
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
