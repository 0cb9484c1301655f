// Documents from several tables ("sink.documents"): orders with their customer's fields in one index, in
// real OpenSearch 2.19 (and Elasticsearch 7.17), against the lane's kept clusters. "snapshot+stream" copies
// customers and orders (orders pointing at existing, missing and NULL customers), then the two tables'
// changes are interleaved in every order: for each case a customer's sequence (insert, update, delete,
// re-insert) and one order's sequence (insert, update, move to another customer, move back; or insert,
// move, move back, delete) are merged in every one of their C(8,4) = 70 interleavings. Round "one batch"
// runs all cases' statements at once (most of a case's changes meet in one stream batch); round "step by
// step" runs step s of every case, then waits until the stream has applied it (each step in its own
// batches), and SIGKILLs the job once in the middle and starts it again. At the end the index is read with
// curl and compared with the join the mariadb client reads from the source (no Cutover code on either side),
// and `cutover verify` passes, saying that it does not compare the customer fields inside the orders.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, exec, q, query, runCli, sourceUrl, tempDir, uniqueName, writeJob } from '../helpers/db.js';
import { runVerify, verifyReport } from '../helpers/verify.js';
import { FLAVOURS, searchCheckpoint, searchRequest, useSearchServers, type SearchInstance } from '../helpers/search.js';
import { fmt, peekJob, reached, sourcePosition } from '../helpers/stream.js';
import { killLive, startLive, waitUntil, type LiveCli } from '../helpers/stream-cli.js';

const servers = useSearchServers();

/** Every way to merge two sequences keeping each one's order (as lists of [which, index]). */
export function interleavings(m: number, n: number): ('c' | 'o')[][] {
  if (m === 0) return [Array<'o'>(n).fill('o')];
  if (n === 0) return [Array<'c'>(m).fill('c')];
  return [...interleavings(m - 1, n).map((r) => ['c' as const, ...r]), ...interleavings(m, n - 1).map((r) => ['o' as const, ...r])];
}

const SEED_CUSTOMERS = 20;

/** The statements of one case: customer `c`, order `o`, the other customer `other`, order sequence variant `v`, merged by `order`. */
function caseSteps(db: string, c: number, o: number, other: number, v: 0 | 1, order: ('c' | 'o')[]): string[] {
  const C = `${q(db)}.customers`;
  const O = `${q(db)}.orders`;
  const cust = [
    `INSERT INTO ${C} VALUES (${c}, 'cust ${c}', ${c % 3 ? `'c${c}@example.com'` : 'NULL'}, 1.50)`,
    `UPDATE ${C} SET name = 'cust ${c} renamed', email = ${c % 2 ? 'NULL' : `'new${c}@example.com'`}, tier = 2.25 WHERE id = ${c}`,
    `DELETE FROM ${C} WHERE id = ${c}`,
    `INSERT INTO ${C} VALUES (${c}, 'cust ${c} back', 'back${c}@example.com', 3.00)`,
  ];
  const ord =
    v === 0
      ? [
          `INSERT INTO ${O} VALUES (${o}, ${c}, 10.00, 'order ${o}')`,
          `UPDATE ${O} SET amount = 11.50, note = 'order ${o} changed' WHERE id = ${o}`,
          `UPDATE ${O} SET customer_id = ${other} WHERE id = ${o}`,
          `UPDATE ${O} SET customer_id = ${c} WHERE id = ${o}`,
        ]
      : [
          `INSERT INTO ${O} VALUES (${o}, ${c}, 20.00, 'order ${o}')`,
          `UPDATE ${O} SET customer_id = ${other} WHERE id = ${o}`,
          `UPDATE ${O} SET customer_id = ${c}, amount = 21.00 WHERE id = ${o}`,
          `DELETE FROM ${O} WHERE id = ${o}`,
        ];
  let i = 0;
  let k = 0;
  return order.map((w) => (w === 'c' ? cust[i++]! : ord[k++]!));
}

/** Every case of a round: both order variants × every interleaving, keys from `base`. */
function roundCases(db: string, base: number): string[][] {
  const out: string[][] = [];
  for (const v of [0, 1] as const)
    interleavings(4, 4).forEach((order, n) => {
      const key = base + v * 100 + n;
      out.push(caseSteps(db, key, key, 1 + (key % SEED_CUSTOMERS), v, order));
    });
  return out;
}

/** The join on the source, read by the mariadb client: order id → the document it must be. */
function sourceJoin(db: string): Map<string, Record<string, unknown>> {
  const u = new URL(sourceUrl());
  const sql = `SELECT o.id, IFNULL(o.customer_id, 'NULL'), o.amount, IFNULL(o.note, 'NULL'), c.id IS NOT NULL, c.name, IFNULL(c.email, 'NULL'), c.tier
    FROM ${q(db)}.orders o LEFT JOIN ${q(db)}.customers c ON c.id = o.customer_id ORDER BY o.id`;
  const r = spawnSync('mariadb', ['--no-defaults', '-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username), `-p${decodeURIComponent(u.password)}`, '--batch', '--raw', '--skip-column-names', '-e', sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = new Map<string, Record<string, unknown>>();
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [id, cid, amount, note, has, name, email, tier] = line.split('\t');
    const doc: Record<string, unknown> = { id: Number(id), customer_id: cid === 'NULL' ? null : Number(cid), amount, note: note === 'NULL' ? null : note };
    if (has === '1') doc.customer = { name, email: email === 'NULL' ? null : email, tier };
    out.set(id!, doc);
  }
  return out;
}

/** Every document of the index, read with curl: _id → _source. */
function indexDocs(inst: SearchInstance, index: string): Map<string, Record<string, unknown>> {
  const r = spawnSync('curl', ['-sS', '-H', 'content-type: application/json', '-d', '{"size":10000,"sort":["_doc"],"query":{"match_all":{}}}', `${inst.url}/${index}/_search`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const body = JSON.parse(r.stdout) as { hits: { hits: { _id: string; _source: Record<string, unknown> }[] } };
  return new Map(body.hits.hits.map((h) => [h._id, h._source]));
}

/** The index equals the join: same orders, each with its own fields and its customer's (no customer: no field). */
function assertEqualsJoin(inst: SearchInstance, db: string, index: string, label: string): number {
  const want = sourceJoin(db);
  const have = indexDocs(inst, index);
  const problems: string[] = [];
  for (const [id, doc] of want) {
    const got = have.get(id);
    if (!got) {
      problems.push(`order ${id}: no document`);
      continue;
    }
    const { _cutover: _book, ...fields } = got;
    try {
      assert.deepEqual(fields, doc);
    } catch {
      problems.push(`order ${id}: document ${JSON.stringify(fields)}, join ${JSON.stringify(doc)}`);
    }
  }
  for (const id of have.keys()) if (!want.has(id)) problems.push(`document ${id}: no such order on the source`);
  assert.equal(problems.length, 0, `${label}: ${problems.length} of ${want.size} orders differ\n${problems.slice(0, 20).join('\n')}`);
  return want.size;
}

for (const flavour of FLAVOURS) {
  describe(`search documents from two tables (${flavour}): orders with their customer's fields`, { timeout: 15 * 60_000 }, () => {
    const db = uniqueName(`esdoc_${flavour.slice(0, 2)}`);
    const dir = tempDir('cutover-search-docs-');
    const index = `${db}.orders`;

    before(async () => {
      const seedCustomers = Array.from({ length: SEED_CUSTOMERS }, (_, i) => `(${i + 1}, 'seed ${i + 1}', ${i % 4 ? `'s${i + 1}@example.com'` : 'NULL'}, ${(i % 5) + 0.25})`);
      // Seed orders: most point at a seed customer, some at one that does not exist (yet), some at none.
      const seedOrders = Array.from({ length: 60 }, (_, i) => `(${i + 1}, ${i % 10 === 9 ? 'NULL' : i % 10 === 8 ? 9_000 + i : 1 + (i % SEED_CUSTOMERS)}, ${i}.10, ${i % 7 ? `'seed order ${i + 1}'` : 'NULL'})`);
      await exec(
        sourceUrl(),
        [
          `CREATE DATABASE ${q(db)}`,
          `CREATE TABLE ${q(db)}.customers (id INT PRIMARY KEY, name VARCHAR(60) NOT NULL, email VARCHAR(80) NULL, tier DECIMAL(5,2) NOT NULL)`,
          `CREATE TABLE ${q(db)}.orders (id INT PRIMARY KEY, customer_id INT NULL, amount DECIMAL(10,2) NOT NULL, note VARCHAR(60) NULL, KEY (customer_id))`,
          `INSERT INTO ${q(db)}.customers VALUES ${seedCustomers.join(', ')}`,
          `INSERT INTO ${q(db)}.orders VALUES ${seedOrders.join(', ')}`,
        ].join(';\n'),
      );
    });

    after(async () => {
      await exec(sourceUrl(), `DROP DATABASE IF EXISTS ${q(db)}`).catch(() => undefined);
      await searchRequest(servers.get(flavour)!, 'DELETE', `${db}.*`).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('copy, then every interleaving of a customer\'s and an order\'s changes, in one batch and step by step with a SIGKILL: the index equals the join', async (t) => {
      const inst = servers.get(flavour)!;
      const state = join(dir, 'state.db');
      const job = writeJob(dir, {
        name: `search-docs-${flavour}`,
        source: { url: sourceUrl() },
        sink: { type: 'elasticsearch', url: inst.url, documents: { [`${db}.customers`]: { into: `${db}.orders`, on: 'customer_id', as: 'customer', fields: ['name', 'email', 'tier'] } } },
        tables: { include: [`${db}.*`] },
        mode: 'snapshot+stream',
        stream: { batch: { maxDelayMs: 100 } },
      });
      const args = ['run', job, '--state', state];
      let live: LiveCli | null = startLive(args);
      const caughtUp = async (what: string): Promise<void> => {
        const final = await sourcePosition();
        await waitUntil(`${what}: the checkpoint at ${fmt(final)}`, () => reached(searchCheckpoint(state), final), { live, ms: 180_000, detail: () => `checkpoint ${fmt(searchCheckpoint(state))}` });
        await searchRequest(inst, 'POST', `${index}/_refresh`);
      };
      try {
        await waitUntil('the streaming phase', () => peekJob(state)?.phase === 'streaming', { live, ms: 300_000 });
        await searchRequest(inst, 'POST', `${index}/_refresh`);
        const copied = assertEqualsJoin(inst, db, index, 'after the copy');

        // Round "one batch": every case's statements at once.
        const oneBatch = roundCases(db, 1_000);
        await exec(sourceUrl(), oneBatch.flat().join(';\n'));
        await caughtUp('round "one batch"');
        assertEqualsJoin(inst, db, index, 'after round "one batch"');

        // Round "step by step": step s of every case, applied before step s + 1; a SIGKILL after step 4 is issued.
        const steps = roundCases(db, 2_000);
        for (let s = 0; s < 8; s++) {
          await exec(sourceUrl(), steps.map((c) => c[s]!).join(';\n'));
          if (s === 3) {
            live.child.kill('SIGKILL');
            await live.done;
            live = startLive(args);
          }
          await caughtUp(`round "step by step", step ${s + 1}`);
        }
        const orders = assertEqualsJoin(inst, db, index, 'after round "step by step"');
        await searchRequest(inst, 'POST', `${db}.customers/_refresh`);
        const customers = await searchRequest(inst, 'GET', `${db}.customers/_count`);
        const n = (await query<{ n: number }>(sourceUrl(), `SELECT COUNT(*) AS n FROM ${q(db)}.customers`))[0]?.n;
        assert.equal(customers.body.count, Number(n), 'one customer document per customer row');
        t.diagnostic(`${copied} orders after the copy; ${oneBatch.length + steps.length} cases (${oneBatch.length * 8 + steps.length * 8} statements); ${orders} orders and ${customers.body.count} customer documents at the end, each order equal to the join`);
      } finally {
        await killLive(live);
      }
      // Verify: both indexes match their tables; the customer fields in the orders are said not to be compared there.
      const res = await runVerify(job, state, ['--json']);
      const r = verifyReport(res);
      assert.equal(res.code, 0, describeRun(res));
      assert.deepEqual(r.tables.map((x) => [x.table, x.state]).sort(), [[`${db}.customers`, 'match'], [`${db}.orders`, 'match']]);
      const logs = await runCli(['logs', '--state', state, '--level', 'warn', '--limit', '1000']);
      assert.match(logs.stdout, /"customer" from .*customers\) are not compared here/, describeRun(logs));
    });
  });
}
