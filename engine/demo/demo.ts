// "Try the demo": throwaway local MariaDB source and sink (scripts/test-services.mjs), the sample shop
// on the source (shop-data.ts), a snapshot+stream job copying it to `shop_copy` on the sink, and the
// argv of the write load (load-main.ts) to run beside it. No UI concerns here: the engine host and
// scripts/demo.mjs decide how to show and run it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, parseMysqlUrl } from '../mysql/connection.js';
import { CHECKPOINT_DB, CHECKPOINT_TABLE } from '../sink/mysql/change-applier.js';
import { quoteId } from '../mysql/identifiers.js';
import { createShop, SHOP_DB } from './shop-data.js';

export const DEMO_PREFIX = 'demo';
export const DEMO_PORT_BASE = 33260;
export const DEMO_JOB_NAME = 'demo-shop';
export const DEMO_SINK_DB = 'shop_copy';
export const DEMO_ROWS = 300_000;
export const DEMO_TPS = 20;
/** The demo copy is throttled so that its progress can be watched (unthrottled, 300,000 rows take seconds). */
export const DEMO_COPY_ROWS_PER_SECOND = 25_000;

const INSTALL = 'sudo apt-get install -y mariadb-server';
/** What scripts/test-services.mjs runs: the server and the tools it initialises and checks it with. */
const MARIADB_TOOLS = ['mariadbd', 'mariadb-install-db', 'mariadb-admin', 'mariadb'];
/** Where Debian/Ubuntu and Homebrew put the server when sbin is not on PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin', '/opt/homebrew/sbin'];

/** The project folder when running from a checkout's dist/ (dist/engine/demo → the repository root). */
export function projectRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

function searchPath(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return [...dirs, ...EXTRA_DIRS.filter((d) => !dirs.includes(d))];
}

function findBinary(name: string): string | null {
  for (const dir of searchPath()) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Whether the demo can run here: it needs the project's scripts (a source checkout) and the MariaDB server binaries. */
export function demoAvailability(root: string): { available: boolean; reason: string | null } {
  const hasScripts = existsSync(join(root, 'scripts', 'test-services.mjs'));
  const missing = MARIADB_TOOLS.filter((t) => !findBinary(t));
  if (!hasScripts) {
    return {
      available: false,
      reason:
        'The demo needs a source checkout of Cutover (it runs scripts/test-services.mjs, which a packaged app does not have) and the MariaDB server binaries: ' +
        `clone the repository, run \`npm install\`, \`${INSTALL}\`, then \`npm run demo\`.`,
    };
  }
  if (missing.length) {
    return {
      available: false,
      reason: `The demo starts throwaway local MariaDB servers, and the MariaDB server binaries are not installed (${missing.join(', ')} not found): \`${INSTALL}\`.`,
    };
  }
  return { available: true, reason: null };
}

export interface DemoServices {
  root: string;
  /** Instance name prefix (default "demo"): the instances are `<prefix>-source` and `<prefix>-sink`. */
  prefix?: string;
  /** The source listens on portBase + 1, the sink on portBase + 2 (default 33260). */
  portBase?: number;
  log?: (line: string) => void;
}

/** Runs `node scripts/test-services.mjs <command> all --prefix P --port-base N`; resolves with its output lines. */
function services(o: DemoServices, command: 'start' | 'stop' | 'status'): Promise<string[]> {
  const prefix = o.prefix ?? DEMO_PREFIX;
  const portBase = o.portBase ?? DEMO_PORT_BASE;
  const script = join(o.root, 'scripts', 'test-services.mjs');
  const path = searchPath().join(delimiter);
  // In Electron's utility process, process.execPath is Electron: make it behave as Node.
  const env = { ...process.env, PATH: path, ...(process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, command, 'all', '--prefix', prefix, '--port-base', String(portBase)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        o.log?.(l);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (pending) {
        lines.push(pending);
        o.log?.(pending);
      }
      if (code === 0) resolve(lines);
      else reject(new Error(`test-services ${command} failed (exit code ${code}):\n${stderr.trim() || lines.join('\n')}`));
    });
  });
}

/** The demo servers' URLs (as scripts/test-services.mjs's urlOf makes them). */
export function demoUrls(portBase = DEMO_PORT_BASE): { sourceUrl: string; sinkUrl: string } {
  return { sourceUrl: `mysql://cutover:cutover@127.0.0.1:${portBase + 1}`, sinkUrl: `mysql://cutover:cutover@127.0.0.1:${portBase + 2}` };
}

/** Starts the demo's source and sink (a running instance is left alone); resolves with their URLs. */
export async function startDemoServices(o: DemoServices): Promise<{ sourceUrl: string; sinkUrl: string }> {
  const lines = await services(o, 'start');
  const urls = demoUrls(o.portBase);
  const prefix = o.prefix ?? DEMO_PREFIX;
  for (const l of lines) {
    const m = /^(.+)-(source|sink): .* at (\S+)$/.exec(l);
    if (m?.[1] === prefix) urls[m[2] === 'source' ? 'sourceUrl' : 'sinkUrl'] = m[3]!;
  }
  return urls;
}

/** Stops the demo's servers and removes their data directories. */
export async function stopDemoServices(o: DemoServices): Promise<void> {
  await services(o, 'stop');
}

export interface DemoJobFile {
  name: string;
  source: { url: string };
  sink: { type: 'mysql'; url: string };
  tables: { include: string[] };
  rename: Record<string, string>;
  mode: 'snapshot+stream';
  snapshot: { parallelism: number; chunkRows: number; throttle: { maxRowsPerSecond: number } };
  stream: { heartbeat: { enabled: boolean; intervalMs: number } };
}

/** The demo's job file: the whole shop, renamed to shop_copy on the sink, copied then streamed. */
export function demoJob(sourceUrl: string, sinkUrl: string, copyRowsPerSecond = DEMO_COPY_ROWS_PER_SECOND): DemoJobFile {
  return {
    name: DEMO_JOB_NAME,
    source: { url: sourceUrl },
    sink: { type: 'mysql', url: sinkUrl },
    tables: { include: [`${SHOP_DB}.*`] },
    rename: { [SHOP_DB]: DEMO_SINK_DB },
    mode: 'snapshot+stream',
    // Small chunks: the progress moves chunk by chunk.
    snapshot: { parallelism: 2, chunkRows: 5000, throttle: { maxRowsPerSecond: copyRowsPerSecond } },
    stream: { heartbeat: { enabled: true, intervalMs: 1000 } },
  };
}

export interface PrepareDemoOptions extends DemoServices {
  log: (line: string) => void;
  /** About how many rows the shop gets (default 300,000). */
  rows?: number;
  /** The write load's transactions per second (default 20). */
  tps?: number;
  /** The job's copy throttle (default 25,000 rows/s; 0: unthrottled). */
  copyRowsPerSecond?: number;
}

export interface PreparedDemo {
  /** The job file object (valid for shared/job-config.ts's parseJobConfig). */
  config: DemoJobFile;
  sourceUrl: string;
  sinkUrl: string;
  /** argv for process.execPath that runs the write load until SIGTERM/SIGINT. */
  loadArgs: string[];
}

/**
 * Starts (or reuses) the demo's source and sink, creates the shop on the source again, empties the
 * sink (the copy database and this job's stream checkpoint), and returns the job and the load's argv.
 * The job starts from scratch: a state file that already has a job of this name must forget it first
 * (`cutover run --restart`, or the host's equivalent).
 */
export async function prepareDemo(o: PrepareDemoOptions): Promise<PreparedDemo> {
  const a = demoAvailability(o.root);
  if (!a.available) throw new Error(a.reason ?? 'The demo cannot run here.');
  const { log } = o;
  const prefix = o.prefix ?? DEMO_PREFIX;
  const portBase = o.portBase ?? DEMO_PORT_BASE;
  log(`Starting the demo's MariaDB servers: ${prefix}-source on port ${portBase + 1}, ${prefix}-sink on port ${portBase + 2}`);
  const { sourceUrl, sinkUrl } = await startDemoServices({ ...o, prefix, portBase });

  const rows = o.rows ?? DEMO_ROWS;
  log(`Creating the sample shop on the source (database ${SHOP_DB}, about ${rows.toLocaleString('en-US')} rows)`);
  await createShop(sourceUrl, { rows, log });

  log(`Emptying the sink (database ${DEMO_SINK_DB} and the stream checkpoint of ${DEMO_JOB_NAME})`);
  const sink = await connect(parseMysqlUrl(sinkUrl));
  try {
    await sink.query(`DROP DATABASE IF EXISTS ${quoteId(DEMO_SINK_DB)}`);
    await sink.query(`DELETE FROM ${quoteId(CHECKPOINT_DB)}.${quoteId(CHECKPOINT_TABLE)} WHERE job = ?`, [DEMO_JOB_NAME]).catch((e: { errno?: number }) => {
      if (e.errno !== 1146 && e.errno !== 1049) throw e; // no checkpoint table yet
    });
  } finally {
    await sink.end().catch(() => undefined);
  }

  const loadMain = fileURLToPath(new URL('./load-main.js', import.meta.url));
  const loadArgs = [loadMain, sourceUrl, '--tps', String(o.tps ?? DEMO_TPS)];
  return { config: demoJob(sourceUrl, sinkUrl, o.copyRowsPerSecond ?? DEMO_COPY_ROWS_PER_SECOND), sourceUrl, sinkUrl, loadArgs };
}
