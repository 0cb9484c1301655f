// The demo (engine/demo): on its own throwaway servers (prefix demo-test-<base>, ports <base>+71/+72 of the
// lane's port base, away from a real demo on 33261/33262 and from the lane's own servers), prepareDemo creates the sample shop
// with the types it promises and deterministic rows, returns a valid job file, and the write load
// (load-main.js) changes the shop and stops cleanly on SIGTERM. Then the demo job copies and streams
// the shop while the load runs, and once the load stops and the job has caught up, every table on the
// sink equals the source by row count and CHECKSUM TABLE. Fails (never skips) without MariaDB.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { parseJobConfig, streamOptions } from '../../shared/job-config.js';
import { demoAvailability, prepareDemo, stopDemoServices, DEMO_SINK_DB, type PreparedDemo } from '../../engine/demo/demo.js';
import { createShop, shopSize, SHOP_DB, SHOP_TABLES } from '../../engine/demo/shop-data.js';
import { ROOT, lanePortBase, checksum, describeRun, forEveryTable, query, runCliWithTimeout, tempDir, writeJob, q } from '../helpers/db.js';

// Run alone (no lane), the demo's servers sit at 33281/33282.
const PORT_BASE = lanePortBase(33210) + 70;
const PREFIX = `demo-test-${PORT_BASE}`;
const ROWS = 20_000;
const RUN_TIMEOUT_MS = 3 * 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Load {
  child: ChildProcess;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code and signal. */
  stop: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startLoad(args: string[]): Load {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

async function counts(url: string, db: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of SHOP_TABLES) out[t] = Number((await query<{ n: string }>(url, `SELECT COUNT(*) AS n FROM ${q(db)}.${q(t)}`))[0]!.n);
  return out;
}

describe('the demo', { timeout: 6 * 60_000 }, () => {
  const dir = tempDir('cutover-demo-test-');
  const log: string[] = [];
  let demo: PreparedDemo;
  let src: string;
  let sink: string;
  const loads: Load[] = [];

  before(async () => {
    const a = demoAvailability(ROOT);
    // Not a skip: without MariaDB the demo cannot run, and this test says so.
    assert.ok(a.available, `the demo is not available here: ${a.reason}`);
    const started = Date.now();
    demo = await prepareDemo({ root: ROOT, log: (l) => log.push(l), rows: ROWS, prefix: PREFIX, portBase: PORT_BASE });
    log.push(`prepareDemo took ${Date.now() - started} ms`);
    src = demo.sourceUrl;
    sink = demo.sinkUrl;
  });

  after(async () => {
    for (const l of loads) await l.stop();
    await stopDemoServices({ root: ROOT, prefix: PREFIX, portBase: PORT_BASE });
  });

  it('is unavailable without the project scripts, and says what it needs', () => {
    const a = demoAvailability(join(dir, 'no-such-checkout'));
    assert.equal(a.available, false);
    assert.match(a.reason ?? '', /source checkout/);
    assert.match(a.reason ?? '', /apt-get install -y mariadb-server/);
  });

  it('uses its own instances and reports what it did', () => {
    assert.equal(src, `mysql://cutover:cutover@127.0.0.1:${PORT_BASE + 1}`);
    assert.equal(sink, `mysql://cutover:cutover@127.0.0.1:${PORT_BASE + 2}`);
    assert.ok(log.some((l) => l.includes(`${PREFIX}-source: started`) || l.includes(`${PREFIX}-source: already running`)), log.join('\n'));
    assert.ok(log.some((l) => /filled in/.test(l)), log.join('\n'));
  });

  it('creates the shop schema with the promised types', async () => {
    const tables = await query<{ t: string }>(src, "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'", [SHOP_DB]);
    assert.deepEqual(tables.map((r) => r.t).sort(), [...SHOP_TABLES].sort());
    const cols = await query<{ t: string; c: string; type: string }>(
      src,
      'SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?',
      [SHOP_DB],
    );
    const type = (t: string, c: string): string | undefined => cols.find((r) => r.t === t && r.c === c)?.type;
    assert.equal(type('customers', 'id'), 'int(10) unsigned');
    assert.match(type('customers', 'tier') ?? '', /^enum\(/);
    assert.match(type('customers', 'preferences') ?? '', /^set\(/);
    assert.equal(type('customers', 'is_active'), 'bit(1)');
    assert.equal(type('customers', 'password_hash'), 'varbinary(32)');
    assert.equal(type('customers', 'updated_at'), 'timestamp');
    assert.equal(type('orders', 'id'), 'bigint(20) unsigned');
    assert.equal(type('orders', 'total'), 'decimal(12,2)');
    assert.equal(type('orders', 'placed_at'), 'datetime(6)');
    assert.equal(type('order_items', 'index'), 'tinyint(3) unsigned', 'a reserved word as a column name');
    assert.equal(type('payments', 'flags'), 'bit(8)');
    assert.equal(type('payments', 'paid_at'), 'timestamp(6)');
    assert.equal(type('audit_log', 'table'), 'varchar(64)', 'a reserved word as a column name');
    // MariaDB's JSON is LONGTEXT with a JSON_VALID check.
    const json = await query<{ n: string }>(src, "SELECT COUNT(*) AS n FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND CHECK_CLAUSE LIKE 'json_valid%'", [SHOP_DB]);
    assert.equal(Number(json[0]!.n), 3, 'JSON columns: products.attributes, orders.shipping, audit_log.detail');
    const keys = await query<{ t: string }>(src, "SELECT DISTINCT TABLE_NAME AS t FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0", [SHOP_DB]);
    assert.deepEqual(keys.map((r) => r.t).sort(), SHOP_TABLES.filter((t) => t !== 'audit_log').sort(), 'every table but audit_log has a primary key');
  });

  it('fills it with the expected, deterministic rows', async () => {
    const size = shopSize(ROWS);
    const n = await counts(src, SHOP_DB);
    assert.equal(n.customers, size.customers);
    assert.equal(n.products, size.products);
    assert.equal(n.orders, size.orders);
    assert.equal(n.inventory_events, size.inventoryEvents);
    assert.equal(n.audit_log, size.auditLog);
    assert.ok(n.order_items! >= size.orders * 2.3 && n.order_items! <= size.orders * 2.7, `order_items ${n.order_items}`);
    assert.equal(n.payments, Math.round(size.orders * 0.9), 'every order but the pending and cancelled ones has a payment');
    const total = Object.values(n).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - ROWS) < ROWS * 0.05, `about ${ROWS} rows in all: ${total}`);

    const [row] = await query<Record<string, string>>(
      src,
      `SELECT (SELECT COUNT(*) FROM shop.customers WHERE LENGTH(full_name) > CHAR_LENGTH(full_name)) AS non_ascii,
              (SELECT COUNT(*) FROM shop.customers WHERE full_name LIKE '%🌻%') AS four_byte,
              (SELECT COUNT(*) FROM shop.customers WHERE full_name LIKE '%''%') AS quote,
              (SELECT MIN(id) FROM shop.payments) AS min_payment,
              (SELECT COUNT(*) FROM (SELECT 1 FROM shop.audit_log GROUP BY \`at\`, actor, action, \`table\`, row_id, detail HAVING COUNT(*) > 1) d) AS duplicates,
              (SELECT COUNT(*) FROM shop.orders o WHERE o.total <> (SELECT SUM(ROUND(quantity * unit_price * (100 - discount_pct) / 100, 2)) FROM shop.order_items i WHERE i.order_id = o.id)) AS bad_totals`,
    );
    assert.ok(Number(row!.non_ascii) > 0 && Number(row!.four_byte) > 0 && Number(row!.quote) > 0, JSON.stringify(row));
    assert.ok(Number(row!.min_payment) > 2 ** 32, `payment ids above 2^32: ${row!.min_payment}`);
    assert.ok(Number(row!.duplicates) > 0, 'the keyless audit log has identical rows');
    assert.equal(Number(row!.bad_totals), 0, 'order totals are the sums of their items');

    // The same size gives the very same rows.
    await createShop(src, { rows: ROWS, database: 'shop_again' });
    await forEveryTable([...SHOP_TABLES], async (t) => {
      const [a, b] = [await checksum(src, SHOP_DB, t), await checksum(src, 'shop_again', t)];
      return a === b ? null : `checksum ${a} vs ${b} on a second fill`;
    });
    await query(src, 'DROP DATABASE shop_again');
  });

  it('returns a valid snapshot+stream job for the shop', () => {
    const cfg = parseJobConfig(demo.config, 'demo job');
    assert.equal(cfg.name, 'demo-shop');
    assert.equal(cfg.mode, 'snapshot+stream');
    assert.deepEqual(cfg.tables.include, ['shop.*']);
    assert.deepEqual(cfg.rename, { shop: DEMO_SINK_DB });
    assert.equal((cfg.source as { url?: string }).url, src);
    assert.equal(cfg.sink.type === 'mysql' ? cfg.sink.url : cfg.sink.type, sink);
    assert.ok(cfg.snapshot.chunkRows < 20_000, 'small chunks, so the progress moves');
    assert.equal(streamOptions(cfg).heartbeat.enabled, true);
    assert.equal(demo.loadArgs[0], join(ROOT, 'dist/engine/demo/load-main.js'));
    assert.ok(demo.loadArgs.includes(src));
  });

  it('runs a write load that changes the shop and stops cleanly on SIGTERM', async () => {
    const before = await counts(src, SHOP_DB);
    const sumsBefore = await Promise.all(['orders', 'payments', 'products', 'customers'].map((t) => checksum(src, SHOP_DB, t)));
    const load = startLoad(demo.loadArgs);
    loads.push(load);
    // 3 s from the load's own start line, not from the spawn: on a loaded machine Node's start-up alone can
    // take seconds, and the count below would then measure the start-up rather than the load's rate.
    for (let waited = 0; !/transactions\/s on /.test(load.output()); waited += 100) {
      assert.ok(waited < 60_000, `the write load did not start within 60 s:\n${load.output()}`);
      await sleep(100);
    }
    await sleep(3000);
    const r = await load.stop();
    assert.equal(r.code, 0, `exit code ${r.code} signal ${r.signal}\n${load.output()}`);
    const m = /stopped after (\d+) transactions/.exec(load.output());
    assert.ok(m, load.output());
    // 20/s for 3 s, less the time to connect.
    assert.ok(Number(m[1]) >= 20 && Number(m[1]) <= 90, `transactions: ${m[1]}\n${load.output()}`);
    assert.doesNotMatch(load.output(), /unreachable|going on in/, 'no transaction failed');
    const afterCounts = await counts(src, SHOP_DB);
    assert.ok(afterCounts.orders! > before.orders! || afterCounts.inventory_events! > before.inventory_events!, `no new rows: ${JSON.stringify({ before, afterCounts })}`);
    const sumsAfter = await Promise.all(['orders', 'payments', 'products', 'customers'].map((t) => checksum(src, SHOP_DB, t)));
    assert.notDeepEqual(sumsAfter, sumsBefore, 'the load changed the shop');
  });

  it('copies and streams the shop under the load; the sink equals the source once it caught up', async () => {
    const jobPath = writeJob(dir, demo.config);
    const state = join(dir, 'state.db');
    const load = startLoad(demo.loadArgs);
    loads.push(load);
    // The copy and the catch-up run while the load writes.
    const first = await runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], RUN_TIMEOUT_MS);
    assert.equal(first.code, 0, describeRun(first));
    await sleep(1000); // a few more transactions after the copy, for the stream
    const r = await load.stop();
    assert.equal(r.code, 0, `write load: exit code ${r.code} signal ${r.signal}\n${load.output()}`);
    // The load has stopped: this run catches up to the source's position when it began, i.e. everything.
    const second = await runCliWithTimeout(['run', jobPath, '--state', state, '--exit-when-caught-up'], RUN_TIMEOUT_MS);
    assert.equal(second.code, 0, describeRun(second));

    const srcCounts = await counts(src, SHOP_DB);
    const sinkCounts = await counts(sink, DEMO_SINK_DB);
    assert.deepEqual(sinkCounts, srcCounts);
    await forEveryTable([...SHOP_TABLES], async (t) => {
      const [a, b] = [await checksum(src, SHOP_DB, t), await checksum(sink, DEMO_SINK_DB, t)];
      return a === b ? null : `CHECKSUM TABLE source ${a}, sink ${b}`;
    });

    const status = await runCliWithTimeout(['status', '--state', state, '--json'], 60_000);
    assert.equal(status.code, 0, describeRun(status));
    const job = (JSON.parse(status.stdout) as { jobs: { name: string; phase: string; error: string | null; tables: { streamed?: unknown; error: string | null }[] }[] }).jobs[0]!;
    assert.equal(job.name, 'demo-shop');
    assert.equal(job.phase, 'streaming');
    assert.equal(job.error, null);
    for (const tb of job.tables) assert.equal(tb.error, null);
  });
});
